"""The navigation's notification badge and the 催办 box of the measure page."""

from django import template

from rectify.supervision import inbox
from rectify.supervision.choices import NOTIFICATION_KIND_COLORS
from rectify.supervision.views import urging

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int | None:
    """The signed-in reader's unread notifications (None for anonymous visitors). One query per
    request, however often a page asks."""
    request = context.get("request")
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return None
    if request is None:
        return inbox.unread_count(user)
    if "_rectify_unread" not in request.__dict__:
        request._rectify_unread = inbox.unread_count(user)
    return request._rectify_unread


@register.inclusion_tag("supervision/_urge_box.html", takes_context=True)
def urge_box(context, measure):
    """How often the measure was urged and when last, with the 催办 form for its supervisors."""
    request = context.get("request")
    if request is None:
        return {"hidden": True}
    return urging.urge_context(request, measure)


@register.filter
def notification_color(kind: str) -> str:
    return NOTIFICATION_KIND_COLORS.get(kind, "secondary")
