"""The campaign home and the subordinate roll-up: figures over what the reader may see
(reports/figures.py)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from rectify.campaigns.scoping import (
    can_change_settings,
    get_campaign_for_user,
    reads_campaign,
    scope_indicators,
)
from rectify.ledger import derived
from rectify.ledger.scoping import scope_measures, scope_problems
from rectify.reports import figures
from rectify.supervision.scoping import own_units


@login_required
def campaign_home(request, slug):
    """Campaign-wide figures for readers of the whole campaign; a "my unit" panel for liaisons.

    Both count only what the user may see (the same scoping as the lists they link to).
    """
    campaign = get_campaign_for_user(request.user, slug)
    context = {
        "campaign": campaign,
        "indicators": scope_indicators(request.user, campaign).select_related("program"),
        "can_change_settings": can_change_settings(request.user, campaign),
    }
    if reads_campaign(request.user, campaign):
        context["figures"] = figures.campaign_figures(request.user, campaign)
    else:
        context["unit"] = _unit_figures(request.user, campaign)
    return render(request, "reports/campaign_home.html", context)


def _unit_figures(user, campaign) -> dict:
    return {
        "problems": scope_problems(user, campaign).count(),
        "counts": derived.measure_counts(scope_measures(user, campaign), campaign),
        "pages": list(own_units(user, campaign)),
    }


@login_required
def subordinates(request, slug):
    """The subordinate units' own ledgers rolled up: which of them lag behind."""
    campaign = get_campaign_for_user(request.user, slug)
    if not reads_campaign(request.user, campaign):
        raise PermissionDenied
    rows = figures.subordinate_rollup(request.user, campaign)
    return render(request, "reports/subordinates.html", {"campaign": campaign, "rows": rows})
