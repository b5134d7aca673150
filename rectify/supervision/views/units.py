"""A responsible unit's page in a campaign: its measures by warning light, its record on the
scoreboard (the same function), and its supervision history."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from rectify.campaigns.scoping import get_campaign_for_user
from rectify.ledger import derived
from rectify.ledger.scoping import scope_measures
from rectify.supervision import scoreboard
from rectify.supervision.scoping import (
    can_read_scoreboard,
    get_unit_for_user,
    scope_supervision_actions,
)


@login_required
def unit_detail(request, slug, unit_id):
    user = request.user
    campaign = get_campaign_for_user(user, slug)
    unit = get_unit_for_user(user, campaign, unit_id)
    on = derived.today()
    groups = scoreboard.measures_by_light(
        scope_measures(user, campaign).filter(responsible_unit=unit), campaign, on
    )
    readers = can_read_scoreboard(user, campaign)
    history = (
        scope_supervision_actions(user, campaign)
        .filter(target_unit=unit)
        .select_related("actor", "measure", "problem")
        .order_by("-happened_at", "-id")
    )
    return render(
        request,
        "supervision/unit_detail.html",
        {
            "campaign": campaign,
            "unit": unit,
            "groups": groups,
            "record": scoreboard.unit_record(campaign, unit, on=on),
            "min_count": scoreboard.min_count(),
            "history": history,
            "shows_scoreboard": readers,
            "today": on,
        },
    )
