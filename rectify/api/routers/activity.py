"""The activity log (操作记录) of one object, or of a whole campaign for campaign-wide readers.

An object's log answers only if the user may see the object itself (through the same scoping
functions as the pages); otherwise 404, whether or not it exists.
"""

import datetime as dt
from typing import Any, Literal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from rectify.api.errors import ERRORS
from rectify.api.fields import Id, Slug
from rectify.api.pagination import Page, SyncFilter, since
from rectify.audit.log import history
from rectify.audit.models import ActivityLog
from rectify.campaigns.scoping import can_read_campaign_log, get_campaign_for_user, scope_campaigns
from rectify.feedback.scoping import get_feedback_for_user
from rectify.ledger.models import ExtensionRequest, Problem, Recheck
from rectify.ledger.scoping import (
    get_evidence_for_user,
    get_measure_for_user,
    get_milestone_for_user,
    get_progress_report_for_user,
    scope_problems,
)

router = Router(tags=["activity"])

# The API's name for each kind of object whose log can be read (model name → type).
TYPE_OF_MODEL = {
    "problem": "problem",
    "measure": "measure",
    "feedbackitem": "feedback",
    "campaign": "campaign",
    "milestone": "milestone",
    "progressreport": "progress",
    "evidence": "evidence",
    "extensionrequest": "extension_request",
    "recheck": "recheck",
    "confirmationrule": "confirmation_rule",
}
ObjectType = Literal[
    "problem",
    "measure",
    "feedback",
    "campaign",
    "milestone",
    "progress",
    "evidence",
    "extension_request",
    "recheck",
]

# Who may read everything that happened in a campaign: these roles, not limited to a unit.


class ActivityOut(Schema):
    id: int
    at: dt.datetime
    campaign_id: int | None
    actor: str | None = Field(description="Username; null for the system")
    action: str = Field(description="e.g. problem.create, measure.request_closure")
    target_type: str
    target_id: int
    target_repr: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None

    @staticmethod
    def resolve_target_type(obj) -> str:
        model = ContentType.objects.get_for_id(obj.target_type_id).model
        return TYPE_OF_MODEL.get(model, model)


class ActivityQuery(SyncFilter):
    type: ObjectType
    id: Id


def visible_object(user, kind: str, pk: int):
    """The object if this user may see it; else Http404."""
    if kind == "measure":
        return get_measure_for_user(user, pk)
    if kind == "milestone":
        return get_milestone_for_user(user, pk)
    if kind == "evidence":
        return get_evidence_for_user(user, pk)
    if kind == "progress":
        return get_progress_report_for_user(user, pk)
    if kind in ("extension_request", "recheck"):
        model = ExtensionRequest if kind == "extension_request" else Recheck
        found = model.objects.filter(pk=pk).first()
        if found is not None:
            get_measure_for_user(user, found.measure_id)  # 404 unless its measure is visible
            return found
    elif kind == "campaign":
        campaign = scope_campaigns(user).filter(pk=pk).first()
        if campaign is not None:
            return campaign
    elif kind == "problem":
        problem = Problem.objects.select_related("campaign").filter(pk=pk).first()
        if problem is not None and scope_problems(user, problem.campaign).filter(pk=pk).exists():
            return problem
    elif kind == "feedback":
        return get_feedback_for_user(user, pk)
    raise Http404(kind)


@router.get(
    "/activity",
    response={200: list[ActivityOut], **ERRORS},
    summary="The activity log of one object you may see, newest first",
)
@paginate(Page)
def object_activity(request, filters: Query[ActivityQuery]):
    target = visible_object(request.user, filters.type, filters.id)
    return since(history(target), filters, "at")


@router.get(
    "/campaigns/{slug}/activity",
    response={200: list[ActivityOut], **ERRORS},
    summary="Everything logged in a campaign, newest first (campaign-wide readers only)",
)
@paginate(Page)
def campaign_activity(request, slug: Slug, filters: Query[SyncFilter]):
    campaign = get_campaign_for_user(request.user, slug)
    if not can_read_campaign_log(request.user, campaign):
        raise PermissionDenied
    return since(ActivityLog.objects.filter(campaign=campaign), filters, "at").select_related(
        "actor"
    )
