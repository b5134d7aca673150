"""Rate limits of the public page and the public API, the same on both: fixed windows counted in
the default cache (a database table shared by every process). Per address (IPv6 per /64) and per
campaign for submissions; per address for receipt lookups, so codes cannot be guessed by brute
force. Limits come from settings.PUBLIC_RATE_LIMITS."""

import hashlib
import ipaddress
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from rectify.core.errors import DomainError

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
