"""Security plumbing of every request: the Content-Security-Policy header, the idle-session
timeout, and how login throttling (django-axes) tells the caller's address and answers a
locked-out login.

Small middleware of our own rather than libraries where a few lines do: each is read here whole.
"""

import ipaddress
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import render
from django.utils.translation import gettext_noop, ngettext


def csp_header(policy: dict[str, list[str]]) -> str:
    """{"script-src": ["'self'"], …} as the header's text: "script-src 'self'; …"."""
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """Send settings.SECURE_CSP as the Content-Security-Policy of every response.

    No library (django-csp): one fixed policy without nonces is a header, and Django 6.0 brings
    its own middleware reading the same setting in the same shape, so the upgrade swaps one line.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = csp_header(settings.SECURE_CSP)
        return response


class IdleTimeoutMiddleware:
    """Log out a session left idle longer than settings.SESSION_IDLE_TIMEOUT seconds (等保 2.0);
    0 turns it off.

    The time of the last request is kept in the session and written at most once a minute, not
    on every request as SESSION_SAVE_EVERY_REQUEST would (on SQLite every write waits its turn).
    """

    KEY = "rectify_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout = settings.SESSION_IDLE_TIMEOUT
        if timeout and request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(self.KEY)
            if last is not None and now - last > timeout:
                logout(request)
                minutes = max(timeout // 60, 1)
                messages.info(request, idle_message(minutes))
            elif last is None or now - last >= min(60, timeout // 10):
                request.session[self.KEY] = now
        return self.get_response(request)


def stamp_login(sender, request, user, **kwargs):
    """Start the idle clock at login (user_logged_in), when the session is written anyway, so
    the first page after it writes nothing."""
    request.session[IdleTimeoutMiddleware.KEY] = int(time.time())


def idle_message(minutes: int) -> str:
    return ngettext(
        "You were logged out after %(minutes)s minute without activity. Please log in again.",
        "You were logged out after %(minutes)s minutes without activity. Please log in again.",
        minutes,
    ) % {"minutes": minutes}


# --- login throttling (django-axes, configured in settings: AXES_*) ---------------------------


def client_ip(request) -> str | None:
    """The caller's address for login throttling: REMOTE_ADDR, or with NUM_PROXIES trusted
    proxies in front, the address the nearest of them saw (X-Forwarded-For is trusted only then:
    a client could write anything there). Behind a proxy, REMOTE_ADDR is the proxy's for everyone,
    and one failure count for all would lock everybody out."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NINJA_NUM_PROXIES
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if proxies > 0 and hops:
        address = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def lockout_response(request, original_response=None, credentials=None):
    """The login page saying why it refuses and for how long (429), in the user's language."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


# django-axes ships no Chinese; the words of its admin pages, where the office lifts a lockout,
# are translated in our catalogue (gettext_noop marks them for `make messages`).
AXES_ADMIN_WORDS = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("Access lock out"),
    gettext_noop("Username"),
    gettext_noop("Attempt Time"),
    gettext_noop("Logout Time"),
    gettext_noop("IP Address"),
    gettext_noop("User Agent"),
    gettext_noop("Path"),
    gettext_noop("Failed Logins"),
    gettext_noop("Locked Out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Clean up expired attempts"),
)
