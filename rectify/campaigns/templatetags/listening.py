"""Template helpers of the listening pages (work groups, activities, feedback)."""

from django import template

from rectify.campaigns import scoping

register = template.Library()


@register.simple_tag(takes_context=True)
def reads_campaign(context, campaign) -> bool:
    """Does the signed-in user read `campaign` campaign-wide (the navbar's feedback links)?"""
    request = context.get("request")
    if request is None or campaign is None or not request.user.is_authenticated:
        return False
    return scoping.reads_campaign(request.user, campaign)
