"""The landing page: the signed-in user's campaigns."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from rectify.orgs.scoping import scope_campaigns


@login_required
def home(request):
    """Straight to the campaign when the user has exactly one; otherwise a list to choose from."""
    campaigns = list(scope_campaigns(request.user).select_related("org_unit"))
    if len(campaigns) == 1:
        return redirect("campaign-home", slug=campaigns[0].slug)
    return render(request, "core/home.html", {"campaigns": campaigns})
