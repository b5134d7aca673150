"""Template helpers of the holiday calendar, for pages outside it (the navbar, the warning)."""

from django import template

from rectify.ledger.holidays.scoping import may_edit_calendar as _may_edit

register = template.Library()


@register.simple_tag(takes_context=True)
def may_edit_calendar(context) -> bool:
    """May the reader enter the holiday calendar (staff, a campaign office)?"""
    request = context.get("request")
    return request is not None and _may_edit(request.user)
