"""`rectify export-feedback --campaign SLUG -o FILE`: feedback items to .xlsx or .csv in the
standard layout, which `rectify import` reads back.

Without --user the command acts as the server's operator (orgs.access.SYSTEM, the office of
every campaign); with it, as that user: their items, and the submitter's name and contact only
if they may see them (scoping.can_see_submitter), as on the pages."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rectify.campaigns.models import Campaign
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.items import exporting
from rectify.feedback.scoping import can_see_submitter, scope_feedback
from rectify.orgs.access import SYSTEM
from rectify.orgs.models import User


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"日期格式应为 2019-07-28 / write dates as 2019-07-28: {value}"
        ) from None


class Command(BaseCommand):
    help = (
        "Export feedback items to .xlsx or .csv (UTF-8 with BOM) in the layout `rectify import` "
        "reads back. 导出反映问题和意见建议。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="campaign slug")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx or .csv to write")
        parser.add_argument("--format", choices=("xlsx", "csv"), help="default: from -o")
        parser.add_argument("--kind", choices=FeedbackKind.values)
        parser.add_argument("--channel", choices=Channel.values)
        parser.add_argument("--region", help="region code, e.g. 440000")
        parser.add_argument("--from", dest="received_from", type=_date, help="received on or after")
        parser.add_argument("--to", dest="received_to", type=_date, help="received on or before")
        parser.add_argument(
            "--user", help="export what this user may see (default: everything, as the office)"
        )
        parser.add_argument(
            "--with-contact",
            action="store_true",
            help="include the submitters' contact details (office only; names are included for "
            "the office)",
        )

    def handle(self, *args, **opts):
        campaign = Campaign.objects.filter(slug=opts["campaign"]).first()
        if campaign is None:
            raise CommandError(f"没有专项工作 “{opts['campaign']}” / no campaign with that slug")
        reader = SYSTEM
        if opts["user"]:
            reader = User.objects.filter(username=opts["user"]).first()
            if reader is None:
                raise CommandError(f"没有用户 “{opts['user']}” / no such user")
        if opts["with_contact"] and not can_see_submitter(reader, campaign):
            raise CommandError("只有整改办可以导出联系方式 / only the office exports contacts")
        items = scope_feedback(reader, campaign)
        items = exporting.filter_feedback(
            items,
            kind=opts["kind"],
            channel=opts["channel"],
            region=opts["region"],
            received_from=opts["received_from"],
            received_to=opts["received_to"],
        )
        out = Path(opts["output"])
        fmt = opts["format"] or ("csv" if out.suffix.lower() == ".csv" else "xlsx")
        n = exporting.export(
            items, out, reader=reader, campaign=campaign, format=fmt, contact=opts["with_contact"]
        )
        self.stdout.write(f"exported {n}")
