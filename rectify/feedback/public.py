"""The public submission page (群众反映): receipt codes, anonymous intake, rate limits and what a
submitter may learn about their own item.

The public role (docs/domain.md) submits feedback and follows it by receipt code, without seeing
anyone else's data. The page (public_views.py) and the API (api/routers/public.py) both call
`submit_public()` and `public_status()`; the rate limits live here so they are the same on both.

- Receipt codes: 10 characters from an alphabet without 0/O and 1/l/I (31 symbols, ~49.5 bits),
  drawn with `secrets`, shown grouped as XXXX-XXXX-XX; typed input is folded to upper case with
  dashes, spaces and full-width forms ignored.
- Rate limits: fixed windows counted in the default cache (a database table shared by every
  process). Per address (IPv6 per /64) and per campaign for submissions; per address for
  receipt lookups, so codes cannot be guessed by brute force.
"""

import datetime as dt
import hashlib
import hmac
import ipaddress
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify.audit.log import record, snapshot
from rectify.campaigns.models import Campaign
from rectify.core.errors import DomainError, PermissionRefused
from rectify.feedback import closeness
from rectify.feedback.choices import Channel
from rectify.feedback.models import FeedbackItem
from rectify.ledger import derived
from rectify.ledger.choices import MeasureState, ProblemState
from rectify.orgs.access import access

# --- receipt codes ---------------------------------------------------------------------------

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, no 1/l/I
CODE_LENGTH = 10  # 31**10 ≈ 8.2e14 ≈ 2**49.5
GROUPS = (4, 4, 2)
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―－_.·]+")
CODE_ATTEMPTS = 8


def new_code() -> str:
    """A fresh receipt code, as stored (no dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """XXXX-XXXX-XX, for showing and reading aloud."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start : start + size])
        start += size
    return "-".join(p for p in parts if p)


def normalise_code(typed: str) -> str | None:
    """The stored form of a code as someone typed it, or None if it cannot be a code.

    Case is ignored, and so are dashes, spaces and full-width forms (ＡＢ－ＣＤ).
    """
    if not isinstance(typed, str) or len(typed) > 4 * CODE_LENGTH:
        return None
    folded = _SEPARATORS.sub("", unicodedata.normalize("NFKC", typed)).upper()
    if len(folded) != CODE_LENGTH or any(c not in ALPHABET for c in folded):
        return None
    return folded


# --- rate limits -----------------------------------------------------------------------------

# name → "count/period"; period is a number and a unit (s, m, h, d), e.g. "10/10m", "300/h".
DEFAULT_RATES = {
    "submit_per_address": "10/10m",
    "submit_per_campaign": "300/h",
    "lookup_per_address": "30/10m",
}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateLimited(DomainError):
    """Too many submissions or lookups; `retry_after` is in seconds."""

    code = "rate_limited"

    def __init__(self, message, *, retry_after: int, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after


SUBMIT_TOO_OFTEN = _(
    "Too many submissions from your network in a short time. Please wait %(minutes)s minutes "
    "and try again; what you wrote has not been saved."
)
CAMPAIGN_TOO_BUSY = _(
    "The submission page is receiving very many submissions just now. Please try again in "
    "%(minutes)s minutes; what you wrote has not been saved."
)
LOOKUP_TOO_OFTEN = _(
    "Too many receipt-code lookups from your network in a short time. Please wait %(minutes)s "
    "minutes and try again."
)


def rate(name: str) -> tuple[int, int]:
    """(count, seconds) of a limit: settings.PUBLIC_RATE_LIMITS[name] or the default.

    Read on every call, so an operator (or a test) can change it without a restart.
    """
    text = getattr(settings, "PUBLIC_RATE_LIMITS", {}).get(name) or DEFAULT_RATES[name]
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", text)
    if not match:
        raise ValueError(f"bad rate {name}={text!r}; use e.g. 10/10m")
    count, n, unit = match.groups()
    return int(count), int(n or 1) * _UNITS[unit]


def client_address(request) -> str:
    """The caller's address: REMOTE_ADDR, or with NINJA_NUM_PROXIES trusted proxies in front,
    the address the nearest of them saw (X-Forwarded-For is never trusted otherwise).
    IPv6 callers are counted per /64, the block one subscriber usually holds."""
    address = request.META.get("REMOTE_ADDR") or "unknown"
    proxies = getattr(settings, "NINJA_NUM_PROXIES", None) or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies > 0 and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            address = hops[-min(proxies, len(hops))]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _hit(scope: str, ident: str, name: str) -> int | None:
    """Count one event; None if within the limit, else the seconds until the window ends."""
    limit, window = rate(name)
    now = int(time.time())
    start = now - now % window
    digest = hashlib.sha256(ident.encode()).hexdigest()[:24]
    key = f"rectify-public-{scope}-{digest}-{start}"
    if cache.add(key, 1, window + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, window + 5)
            count = 1
    if count > limit:
        return max(1, start + window - now)
    return None


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def throttle_submission(campaign, address: str) -> None:
    """Count one submission; raise RateLimited when the address or the campaign is over."""
    wait = _hit("submit-ip", address, "submit_per_address")
    if wait is not None:
        raise RateLimited(SUBMIT_TOO_OFTEN, retry_after=wait, params={"minutes": _minutes(wait)})
    wait = _hit("submit-campaign", str(campaign.pk), "submit_per_campaign")
    if wait is not None:
        raise RateLimited(CAMPAIGN_TOO_BUSY, retry_after=wait, params={"minutes": _minutes(wait)})


def throttle_lookup(address: str) -> None:
    """Count one receipt lookup; raise RateLimited when the address is over."""
    wait = _hit("lookup-ip", address, "lookup_per_address")
    if wait is not None:
        raise RateLimited(LOOKUP_TOO_OFTEN, retry_after=wait, params={"minutes": _minutes(wait)})


# --- campaigns with a public page ------------------------------------------------------------


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


# --- writes ----------------------------------------------------------------------------------


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


# --- what a submitter may see ----------------------------------------------------------------


class Stage:
    """How far an item has come, as the public sees it (each stage includes the ones before)."""

    RECEIVED = "received"
    MERGED = "merged"
    IN_PROGRESS = "in_progress"
    RECTIFIED = "rectified"

    ORDER = (RECEIVED, MERGED, IN_PROGRESS, RECTIFIED)


_STAGE_OF_PROBLEM = {
    ProblemState.NO_MEASURE: Stage.MERGED,
    ProblemState.IN_PROGRESS: Stage.IN_PROGRESS,
    ProblemState.RECTIFIED: Stage.RECTIFIED,
}


@dataclass
class PublicProblem:
    """A problem the item was merged into, as far as the public may know it: its number and
    public title only when the office gave it a public title."""

    number: int | None
    public_title: str | None
    stage: str
    rectified_on: dt.date | None


@dataclass
class PublicStatus:
    """One item by its receipt code: its own text and what became of it, nothing else."""

    code: str
    kind: str
    text: str
    received_at: dt.datetime
    problems: list[PublicProblem] = field(default_factory=list)

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def stage(self) -> str:
        """received; merged; in_progress (some problem has measures); rectified (all are)."""
        if not self.problems:
            return Stage.RECEIVED
        stages = {p.stage for p in self.problems}
        if stages == {Stage.RECTIFIED}:
            return Stage.RECTIFIED
        if stages & {Stage.IN_PROGRESS, Stage.RECTIFIED}:
            return Stage.IN_PROGRESS
        return Stage.MERGED

    @property
    def rectified_on(self) -> dt.date | None:
        if self.stage != Stage.RECTIFIED:
            return None
        return max((p.rectified_on for p in self.problems if p.rectified_on), default=None)

    def reached(self, stage: str) -> bool:
        return Stage.ORDER.index(self.stage) >= Stage.ORDER.index(stage)


def public_status(campaign, typed_code: str) -> PublicStatus | None:
    """The status of the campaign's item with this receipt code, or None (unknown, malformed
    or another campaign's code all look the same)."""
    code = normalise_code(typed_code)
    if code is None:
        return None
    item = (
        FeedbackItem.objects.filter(campaign=campaign, receipt_code=code)
        .only("receipt_code", "kind", "text", "received_at")
        .first()
    )
    if item is None:
        return None
    status = PublicStatus(code=code, kind=item.kind, text=item.text, received_at=item.received_at)
    for merge in item.merges.select_related("problem").order_by("merged_at", "pk"):
        problem = merge.problem
        state = derived.problem_state(problem)
        rectified_on = None
        if state == ProblemState.RECTIFIED:
            closed = problem.measures.filter(state=MeasureState.CLOSED, closed_on__isnull=False)
            rectified_on = max(closed.values_list("closed_on", flat=True), default=None)
        shown = bool(problem.public_title.strip())
        status.problems.append(
            PublicProblem(
                number=problem.number if shown else None,
                public_title=problem.public_title if shown else None,
                stage=_STAGE_OF_PROBLEM[state],
                rectified_on=rectified_on,
            )
        )
    return status
