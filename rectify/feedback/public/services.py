"""The public submission page (群众反映): which campaigns take submissions, what anyone may send,
and the writes: an anonymous submission with its receipt code, and the office's switch.

The public role (docs/domain.md) submits feedback and follows it by receipt code, without seeing
anyone else's data. The page (public/views.py) and the API (api/routers/public.py) both call
`submit_public()` and lookup.public_status(); the rate limits (limits.py) are the same on both.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify.audit.log import record, snapshot
from rectify.campaigns.models import Campaign
from rectify.core.errors import DomainError, PermissionRefused
from rectify.feedback.choices import Channel
from rectify.feedback.items import closeness
from rectify.feedback.models import TEXT_MAX_LENGTH, FeedbackItem
from rectify.feedback.public.codes import new_code
from rectify.feedback.public.limits import throttle_submission
from rectify.orgs.access import access

# What anyone may send (the page's form and the API's schema); the text's upper limit is
# models.TEXT_MAX_LENGTH, the same as on every other way in.
TEXT_MIN_LENGTH = 5
NAME_MAX_LENGTH = 50
CONTACT_MAX_LENGTH = 100
# The largest request body a submission needs: its text at 12 bytes a character (a 4-byte
# character percent-encoded in a form, or a surrogate pair escaped in JSON) and room for the
# other fields. The page and the API answer 413 above it, before reading the body.
MAX_BODY_BYTES = TEXT_MAX_LENGTH * 12 + 64 * 1024
CODE_ATTEMPTS = 8


class PublicPageClosed(DomainError):
    code = "public_page_closed"


NOT_OPEN = _("This public submission page is not open.")


def get_open_campaign(slug: str) -> Campaign:
    """The campaign whose public page is open, else PublicPageClosed (also for unknown slugs,
    so the page does not tell which campaigns exist)."""
    campaign = Campaign.objects.filter(slug=slug, public_intake_enabled=True).first()
    if campaign is None:
        raise PublicPageClosed(NOT_OPEN)
    return campaign


def get_followable_campaign(slug: str) -> Campaign:
    """A campaign whose receipt codes can be followed: its page is open, or it was open and
    took submissions (closing the page must not strand the codes people keep)."""
    public_items = FeedbackItem.objects.filter(campaign=OuterRef("pk"), receipt_code__isnull=False)
    campaign = (
        Campaign.objects.filter(slug=slug)
        .filter(Q(public_intake_enabled=True) | Exists(public_items))
        .first()
    )
    if campaign is None:
        raise PublicPageClosed(NOT_OPEN)
    return campaign


def address_tag(address: str) -> str:
    """A keyed hash of the address for the activity log: submissions from one source can be
    told apart and grouped (to clear a flood) without keeping anyone's address."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"public-address:{address}".encode(), hashlib.sha256).hexdigest()[:16]


LOGGED_AT_INTAKE = ["kind", "channel", "region"]


def submit_public(
    campaign,
    *,
    text: str,
    kind: str,
    region=None,
    contact: str = "",
    name: str = "",
    ip: str,
) -> FeedbackItem:
    """Record an anonymous submission from the public page, exactly as received, with a new
    receipt code; the activity log entry (actor None) is written in the same transaction.

    Raises PublicPageClosed when the page is closed and RateLimited when the address or the
    campaign is over its limit. Input is validated at the edge (form or schema).
    """
    if not Campaign.objects.filter(pk=campaign.pk, public_intake_enabled=True).exists():
        raise PublicPageClosed(NOT_OPEN)
    throttle_submission(campaign, ip)
    with transaction.atomic():
        item = _create_with_code(
            campaign=campaign,
            kind=kind,
            text=text,
            channel=Channel.PUBLIC_PAGE,
            region=region,
            submitter_name=name,
            submitter_contact=contact,
            received_at=timezone.now(),
        )
        record(
            item,
            "feedback.create",
            actor=None,
            after={**snapshot(item, LOGGED_AT_INTAKE), "source": address_tag(ip)},
        )
        # For the office only: public_status() and the public API never read the flag.
        closeness.flag_at_intake([item])
    return item


def _create_with_code(**fields) -> FeedbackItem:
    """Insert the item with a fresh receipt code, drawing again on the (rare) collision."""
    for _attempt in range(CODE_ATTEMPTS):
        code = new_code()
        if FeedbackItem.objects.filter(receipt_code=code).exists():
            continue
        try:
            with transaction.atomic():
                return FeedbackItem.objects.create(receipt_code=code, **fields)
        except IntegrityError:
            # A concurrent submission took the same code between the check and the insert.
            continue
    raise RuntimeError("no free receipt code after several draws")


@transaction.atomic
def set_public_intake(campaign, *, actor, enabled: bool) -> Campaign:
    """Open or close the campaign's public submission page (the office only)."""
    if not access(actor, campaign).is_office:
        raise PermissionRefused(_("Only the campaign office may open or close the public page."))
    locked = Campaign.objects.select_for_update(no_key=True).get(pk=campaign.pk)
    if locked.public_intake_enabled == enabled:
        return locked
    before = snapshot(locked, ["public_intake_enabled"])
    locked.public_intake_enabled = enabled
    locked.save(update_fields=["public_intake_enabled"])
    record(
        locked,
        "campaign.public_intake",
        actor=actor,
        campaign=locked,
        before=before,
        after=snapshot(locked, ["public_intake_enabled"]),
    )
    return locked
