"""Template helpers of the navigation: the user's campaigns, which campaign links they read."""

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


@register.simple_tag(takes_context=True)
def user_campaigns(context):
    """The user's top campaigns (for the navbar), through the scoping module."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    campaigns = list(scoping.scope_campaigns(request.user).only("slug", "name", "parent"))
    ids = {c.pk for c in campaigns}
    return [c for c in campaigns if c.parent_id not in ids]  # subordinate ones are on home
