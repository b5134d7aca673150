"""A person's notification list: what is unread, and where opening one may lead.

The navigation's badge, the list page and the API read the same functions.
"""

from django.utils.http import url_has_allowed_host_and_scheme

from rectify.supervision.choices import Delivery
from rectify.supervision.models import NotificationSettings
from rectify.supervision.scoping import scope_notifications

SHOW_UNREAD = "unread"
SHOW_ALL = "all"


def notifications_of(user, *, show: str = SHOW_ALL):
    """The person's notifications, newest first (only the unread ones with show=unread)."""
    qs = scope_notifications(user).select_related("campaign").order_by("-created_at", "-id")
    if show == SHOW_UNREAD:
        qs = qs.filter(read_at__isnull=True)
    return qs


def unread_count(user) -> int:
    """How many of the person's notifications are unread (one query, on the unread index)."""
    return scope_notifications(user).filter(read_at__isnull=True).count()


def local_target(url: str) -> str | None:
    """The notification's link if it stays on this site (a path such as /measures/7/), else
    None: a stored link never sends the reader to another host or scheme."""
    url = (url or "").strip()
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return None
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=set()):
        return None
    return url


def delivery_of(user) -> str:
    """The person's e-mail delivery choice (the daily digest until they choose)."""
    chosen = NotificationSettings.objects.filter(user=user).values_list("delivery", flat=True)
    return chosen.first() or Delivery.DIGEST
