"""The consolidation board is the office's: who reaches its runs, groups and merges."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from rectify.campaigns.scoping import scope_campaigns
from rectify.consolidation.models import Merge, Run, SuggestedGroup
from rectify.orgs.access import access


def can_merge(user, campaign) -> bool:
    """The consolidation board (regrouping feedback, merging it into problems, undoing a
    merge) is the office's: it decides what becomes a problem."""
    return access(user, campaign).is_office


def _office_object(user, obj, campaign, name: str):
    if obj is None or not scope_campaigns(user).filter(pk=campaign.pk).exists():
        raise Http404(name)
    if not can_merge(user, campaign):
        raise PermissionDenied
    return obj


def get_consolidation_run_for_user(user, pk: int):
    """A regrouping: office only (404 outside the campaign, 403 for its other members)."""
    run = Run.objects.select_related("campaign").filter(pk=pk).first()
    return _office_object(user, run, run.campaign if run else None, "run")


def get_suggested_group_for_user(user, pk: int):
    """A suggested group: office only (404 outside the campaign, 403 for its other members)."""
    group = SuggestedGroup.objects.select_related("run__campaign").filter(pk=pk).first()
    return _office_object(user, group, group.run.campaign if group else None, "group")


def get_merge_for_user(user, pk: int):
    """A merge decision: office only (404 outside the campaign, 403 for its other members)."""
    merge = Merge.objects.select_related("campaign", "problem").filter(pk=pk).first()
    return _office_object(user, merge, merge.campaign if merge else None, "merge")
