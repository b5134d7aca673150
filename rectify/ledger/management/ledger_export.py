"""Write a campaign's or a unit's ledger as .xlsx."""

from pathlib import Path

from django.core.management.base import CommandError

from rectify.ledger.management.common import add_common, campaign_and_actor
from rectify.ledger.sheets import export
from rectify.orgs.models import OrgUnit


def add_arguments(parser) -> None:
    add_common(parser)
    parser.add_argument("--unit", help="only this unit's subtree (its code)")
    parser.add_argument("-o", "--output", required=True, help="the .xlsx to write")


def run(command, opts) -> None:
    campaign, actor = campaign_and_actor(opts)
    unit = None
    if opts["unit"]:
        unit = OrgUnit.objects.filter(code=opts["unit"]).first()
        if unit is None:
            raise CommandError(f"没有单位代码 “{opts['unit']}” / no unit with that code")
    n = export.export(actor, campaign, Path(opts["output"]), unit=unit)
    command.stdout.write(f"exported {n}")
