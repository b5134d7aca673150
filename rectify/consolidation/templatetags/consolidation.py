"""Template helpers of the consolidation board, for pages outside it (the problem page)."""

from django import template

from rectify.consolidation.models import Merge
from rectify.consolidation.scoping import can_merge

register = template.Library()


@register.simple_tag(takes_context=True)
def undoable_merges(context, problem) -> list:
    """The problem's merges that may still be undone, for the office (nothing for others)."""
    request = context.get("request")
    if request is None or not can_merge(request.user, problem.campaign):
        return []
    return list(
        Merge.objects.filter(problem=problem, undone_at__isnull=True)
        .select_related("merged_by")
        .prefetch_related("items")
        .order_by("-merged_at", "-pk")
    )


@register.simple_tag(takes_context=True)
def is_campaign_office(context, campaign) -> bool:
    """The navbar's consolidation link: the campaign office only."""
    request = context.get("request")
    if request is None or campaign is None or not request.user.is_authenticated:
        return False
    return can_merge(request.user, campaign)
