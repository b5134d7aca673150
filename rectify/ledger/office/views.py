"""The office's pages. Thin: lists from ledger/worklists.py, writes via services."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from rectify.campaigns.scoping import get_campaign_for_user
from rectify.ledger import worklists


@login_required
def todo(request, slug):
    """待办: closure requests to verify, extension requests, re-checks due."""
    campaign = get_campaign_for_user(request.user, slug)
    context = {"campaign": campaign, "worklist": worklists.office_todo(request.user, campaign)}
    return render(request, "ledger/office/todo.html", context)
