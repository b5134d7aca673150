"""Template helpers of the listening pages (work groups, activities, feedback)."""

from django import template

from rectify.orgs.scoping import READ_ALL_ROLES, access

register = template.Library()


@register.simple_tag(takes_context=True)
def reads_campaign(context, campaign) -> bool:
    """Does the signed-in user read `campaign` campaign-wide (the navbar's feedback links)?"""
    request = context.get("request")
    if request is None or campaign is None or not request.user.is_authenticated:
        return False
    return access(request.user, campaign).has(*READ_ALL_ROLES)
