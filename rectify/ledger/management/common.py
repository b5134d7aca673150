"""What the `rectify ledger` subcommands share: the campaign and the acting user by name."""

from django.core.management.base import CommandError

from rectify.campaigns.models import Campaign
from rectify.orgs.access import SYSTEM
from rectify.orgs.models import User


def add_common(parser) -> None:
    parser.add_argument("--campaign", required=True, help="campaign slug")
    parser.add_argument(
        "--user", help="act as this user (default: the server's operator, as the office)"
    )


def campaign_and_actor(opts):
    campaign = Campaign.objects.filter(slug=opts["campaign"]).first()
    if campaign is None:
        raise CommandError(f"没有专项工作 “{opts['campaign']}” / no campaign with that slug")
    actor = SYSTEM
    if opts.get("user"):
        actor = User.objects.filter(username=opts["user"]).first()
        if actor is None:
            raise CommandError(f"没有用户 “{opts['user']}” / no such user")
    return campaign, actor
