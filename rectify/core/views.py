"""The landing page: the signed-in user's campaigns."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from rectify.campaigns.scoping import scope_campaigns


@login_required
def home(request):
    """Straight to the campaign when the user has exactly one; otherwise a list to choose from."""
    campaigns = list(scope_campaigns(request.user).select_related("org_unit"))
    if len(campaigns) == 1:
        return redirect("campaign-home", slug=campaigns[0].slug)
    return render(
        request, "core/home.html", {"campaigns": campaigns, "tree": campaign_tree(campaigns)}
    )


def campaign_tree(campaigns) -> list[tuple]:
    """(campaign, its subordinate campaigns) for the campaigns whose parent the user cannot see.

    An office of a campaign with 160 subordinate ledgers sees one entry, not 161.
    """
    ids = {c.pk for c in campaigns}
    children: dict[int, list] = {}
    for c in campaigns:
        if c.parent_id in ids:
            children.setdefault(c.parent_id, []).append(c)
    return [(c, children.get(c.pk, [])) for c in campaigns if c.parent_id not in ids]
