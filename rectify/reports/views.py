"""The campaign home: headline figures derived from the records (ledger/derived.py)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

from rectify.ledger import derived
from rectify.ledger.choices import DueStatus, MeasureState
from rectify.orgs.scoping import (
    READ_ALL_ROLES,
    access,
    get_campaign_for_user,
    scope_measures,
    scope_problems,
)


@login_required
def campaign_home(request, slug):
    """Campaign-wide figures for readers of the whole campaign; a "my unit" panel for liaisons.

    derived.campaign_figures counts the whole campaign, which a unit liaison may not see, so a
    liaison (without another role) gets the same derivations applied to their scoped measures.
    """
    campaign = get_campaign_for_user(request.user, slug)
    context = {
        "campaign": campaign,
        "indicators": campaign.indicators.select_related("program"),
    }
    if access(request.user, campaign).has(*READ_ALL_ROLES):
        context["figures"] = derived.campaign_figures(campaign)
    else:
        context["unit"] = _unit_figures(request.user, campaign)
    return render(request, "reports/campaign_home.html", context)


def _unit_figures(user, campaign) -> dict:
    measures = derived.annotate_due_status(scope_measures(user, campaign), campaign)
    by_state = dict.fromkeys(MeasureState.values, 0)
    for row in measures.values("state").annotate(n=Count("id")).order_by():
        by_state[row["state"]] = row["n"]
    due = dict.fromkeys(DueStatus.values, 0)
    for row in measures.values("due_status").annotate(n=Count("id")).order_by():
        due[row["due_status"]] = row["n"]
    return {
        "problems": scope_problems(user, campaign).count(),
        "measures_total": sum(by_state.values()),
        "measures_by_state": by_state,
        "overdue": due[DueStatus.OVERDUE],
        "due_soon": due[DueStatus.DUE_SOON],
    }
