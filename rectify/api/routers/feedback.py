"""Feedback items: intake (with Idempotency-Key), lists for sync, reading, and triage.

The text is stored exactly as received and never changes; PATCH corrects triage fields only.
Writes go through rectify/feedback/items/services.py, reads through rectify/feedback/scoping.py
(which also decides who sees the submitter: the office only).
"""

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.responses import NinjaJSONEncoder
from pydantic import ConfigDict

from rectify.api import idempotency
from rectify.api.errors import ERRORS, error_body
from rectify.api.fields import Id, Line, Moment, Similarity, Slug, Text
from rectify.api.pagination import Page, SyncFilter, since
from rectify.campaigns.scoping import (
    get_campaign_for_reader,
    get_campaign_for_user,
    scope_activities,
    scope_work_groups,
)
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.items import closeness, services
from rectify.feedback.models import TEXT_MAX_LENGTH
from rectify.feedback.scoping import can_see_submitter, get_feedback_for_user, scope_feedback
from rectify.ledger.models import Category
from rectify.ledger.scoping import scope_problems
from rectify.orgs.scoping import scope_org_units, scope_regions

router = Router(tags=["feedback"])

TEXT_KEPT = _("The text of a feedback item is kept as received.")
SUBMITTER_ONLY_OFFICE = (
    "empty unless you are the campaign office: only the office sees who submitted an item"
)


class FeedbackIn(Schema):
    """One item as received. Unknown fields are refused, so a misspelt field is not lost."""

    model_config = ConfigDict(extra="forbid")

    kind: FeedbackKind
    text: Text(TEXT_MAX_LENGTH) = Field(description="stored exactly as sent")
    channel: Channel
    title: Line(200) = ""
    region_id: Id | None = None
    activity_id: Id | None = Field(None, description="the research activity it was heard at")
    work_group_id: Id | None = Field(
        None,
        description="the work group that received it; for a work-group member one of their own "
        "(default: the activity's, else their only group)",
    )
    submitter_name: Line(100) = ""
    submitter_contact: Line(100) = ""
    received_at: Moment | None = Field(None, description="default: now")
    external_id: Line(100) = Field(
        "", description="your system's id for it; unique in the campaign (409 if repeated)"
    )


class FeedbackOut(Schema):
    id: int
    campaign: str = Field(description="the campaign's slug")
    kind: str
    title: str
    text: str
    channel: str
    region_id: int | None
    org_unit_id: int | None
    category_id: int | None
    activity_id: int | None
    work_group_id: int | None
    submitter_name: str = Field(description=SUBMITTER_ONLY_OFFICE)
    submitter_contact: str = Field(description=SUBMITTER_ONLY_OFFICE)
    received_at: dt.datetime
    external_id: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_campaign(obj) -> str:
        return obj.campaign.slug

    @staticmethod
    def resolve_submitter_name(obj, context) -> str:
        return obj.submitter_name if _shows_submitter(obj, context) else ""

    @staticmethod
    def resolve_submitter_contact(obj, context) -> str:
        return obj.submitter_contact if _shows_submitter(obj, context) else ""


def _shows_submitter(obj, context) -> bool:
    """scoping.can_see_submitter for the caller; without a request (never expected), no one."""
    request = (context or {}).get("request")
    return request is not None and can_see_submitter(request.user, obj.campaign)


class MergedInto(Schema):
    number: int
    title: str
    merged_at: dt.datetime


class NearProblem(Schema):
    """An existing problem the item was found very close to at intake (a flag, not a merge)."""

    number: int
    title: str
    similarity: Similarity = Field(description="0..1; at or above the near-duplicate threshold")


class FeedbackCreatedOut(FeedbackOut):
    near_problem: NearProblem | None = Field(
        description="the existing problem this item is very close to, if you may see it"
    )

    @staticmethod
    def resolve_near_problem(obj) -> dict | None:
        return getattr(obj, "near", None)


class FeedbackDetailOut(FeedbackOut):
    problems: list[MergedInto] = Field(description="the problems it was merged into (yours)")
    near_problem: NearProblem | None = Field(
        description="while not merged: the existing problem it was found very close to at "
        "intake, if you may see it"
    )

    @staticmethod
    def resolve_problems(obj) -> list[dict]:
        return obj.merged_into

    @staticmethod
    def resolve_near_problem(obj) -> dict | None:
        return getattr(obj, "near", None)


class FeedbackFilter(SyncFilter):
    updated_since: Moment | None = Field(None, description="e.g. 2026-11-28T09:00:00+08:00")
    kind: FeedbackKind | None = None
    channel: Channel | None = None
    region: Id | None = Field(None, description="region id")


class TriageIn(Schema):
    """Only the triage fields; send the ones to change (null clears a link)."""

    model_config = ConfigDict(extra="forbid")

    kind: FeedbackKind = Field(None)
    region_id: Id | None = None
    category_id: Id | None = None
    org_unit_id: Id | None = None
    updated_at: Moment | None = Field(
        None,
        description="the updated_at you read (to the millisecond): if the item changed since, 409",
    )
    text: str | None = Field(None, description="refused (422): the text is kept as received")


def _related(found: dict, errors: dict, field: str, qs, pk, message) -> None:
    """found[field without _id] = the object with `pk` in `qs` (None for None), else an error."""
    obj = None if pk is None else qs.filter(pk=pk).first()
    if pk is not None and obj is None:
        errors[field] = [message]
    found[field.removesuffix("_id")] = obj


def _near(user, item) -> dict | None:
    return near_of(item, closeness.visible_flag(user, item))


def near_of(item, problem) -> dict | None:
    """The near_problem answer for an item flagged close to `problem` (None: no flag shown)."""
    if problem is None:
        return None
    return {"number": problem.number, "title": problem.title, "similarity": item.near_similarity}


def _detail(user, item):
    item.near = _near(user, item)
    visible = scope_problems(user, item.campaign)
    item.merged_into = [
        {"number": m.problem.number, "title": m.problem.title, "merged_at": m.merged_at}
        for m in item.merges.filter(problem__in=visible)
        .select_related("problem")
        .order_by("merged_at", "pk")
    ]
    return item


@router.post(
    "/campaigns/{slug}/feedback",
    response={201: FeedbackCreatedOut, **ERRORS},
    summary="Record a feedback item (office and work-group members)",
    description=(
        "Send an `Idempotency-Key` header (any unique string up to 200 characters) so that a "
        "retried submission creates nothing twice and gets the first answer again. "
        "`near_problem` names an existing problem the text is very close to (a flag for the "
        "office; nothing is merged)."
    ),
)
def create_feedback(
    request,
    slug: Slug,
    payload: FeedbackIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
):
    user = request.user
    campaign = get_campaign_for_user(user, slug)
    data = payload.model_dump()

    def produce():
        found, errors = {}, {}
        _related(
            found, errors, "region_id", scope_regions(user), data["region_id"], _("No such region.")
        )
        _related(
            found,
            errors,
            "activity_id",
            scope_activities(user, campaign),
            data["activity_id"],
            _("No such research activity in this campaign."),
        )
        _related(
            found,
            errors,
            "work_group_id",
            scope_work_groups(user, campaign),
            data["work_group_id"],
            _("No such work group in this campaign."),
        )
        if errors:
            raise ValidationError(errors)
        fields = {k: v for k, v in data.items() if not k.endswith("_id") or k == "external_id"}
        item = services.create_feedback(campaign, actor=user, **fields, **found)
        item.refresh_from_db()  # the times as stored (UTC), as every later answer gives them
        item.near = _near(user, item)
        # JSON as the API writes it (times to the millisecond), so a replay reads the same.
        body = FeedbackCreatedOut.from_orm(item, context={"request": request})
        return 201, json.loads(json.dumps(body, cls=NinjaJSONEncoder))

    submission = {"campaign": slug, **data}
    try:
        status, body, _replayed = idempotency.run(request, submission, produce)
    except services.DuplicateExternalId:
        # A concurrent twin with the same Idempotency-Key may have taken the external id:
        # then this answers what the twin answered; otherwise the conflict stands.
        status, body, _replayed = idempotency.run(request, submission, produce)
    # The body is already the JSON of FeedbackOut (a replay is the stored JSON): send it as is.
    from rectify.api.api import api

    return api.create_response(request, body, status=status)


@router.get(
    "/campaigns/{slug}/feedback",
    response={200: list[FeedbackOut], **ERRORS},
    summary="Feedback items (office, leaders, supervisors, viewers, work groups)",
)
@paginate(Page)
def list_feedback(request, slug: Slug, filters: Query[FeedbackFilter]):
    campaign = get_campaign_for_reader(request.user, slug)
    qs = since(scope_feedback(request.user, campaign), filters)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.region:
        qs = qs.filter(region_id=filters.region)
    return qs.select_related("campaign").order_by("-received_at", "-id")


@router.get(
    "/feedback/{id}",
    response={200: FeedbackDetailOut, **ERRORS},
    summary="One feedback item, with the problems it was merged into",
)
def get_feedback(request, id: Id):
    return _detail(request.user, get_feedback_for_user(request.user, id))


@router.patch(
    "/feedback/{id}",
    response={200: FeedbackDetailOut, **ERRORS},
    summary="Triage a feedback item: kind, region, category, unit (office)",
)
def triage_feedback(request, id: Id, payload: TriageIn):
    user = request.user
    item = get_feedback_for_user(user, id)
    sent = payload.model_fields_set
    if "text" in sent:
        body = error_body("text_immutable", TEXT_KEPT)
        body["errors"] = [{"field": "text", "message": body["message"]}]
        return Status(422, body)
    changes, errors = {}, {}
    if "kind" in sent:
        changes["kind"] = payload.kind
    for field, qs, message in (
        ("region_id", scope_regions(user), _("No such region.")),
        (
            "category_id",
            Category.objects.filter(campaign=item.campaign),
            _("No such category in this campaign."),
        ),
        ("org_unit_id", scope_org_units(user), _("No such unit.")),
    ):
        if field in sent:
            _related(changes, errors, field, qs, getattr(payload, field), message)
    if errors:
        raise ValidationError(errors)
    item = services.update_triage(
        item, actor=user, expected_updated_at=payload.updated_at, **changes
    )
    return _detail(user, item)
