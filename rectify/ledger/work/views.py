"""The responsible unit's pages. Thin: lists from ledger/worklists.py, writes via services."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from rectify.campaigns.scoping import get_campaign_for_user
from rectify.ledger import worklists


@login_required
def my_tasks(request, slug):
    """我的任务: the liaison's measures grouped by what they need next."""
    campaign = get_campaign_for_user(request.user, slug)
    context = {"campaign": campaign, "worklist": worklists.my_tasks(request.user, campaign)}
    return render(request, "ledger/work/my_tasks.html", context)
