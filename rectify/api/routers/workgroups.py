"""Work groups and research activities: their lists (moved here from routers/campaigns.py, same
paths and answers), setting groups up, recording activities and their attached files (minutes
…), and entering the feedback heard at an activity in one all-or-nothing request.

Writes go through
rectify/campaigns/services.py and rectify/feedback/items/entry.py (create_feedback for each item);
input is checked by the same forms as the pages, so a page and the API refuse the same things
with the same messages; reads go through rectify/campaigns/scoping.py.
"""

import datetime as dt
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Form, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import NinjaJSONEncoder
from pydantic import ConfigDict

from rectify.api import idempotency
from rectify.api.errors import ERRORS, ErrorOut, error_body
from rectify.api.fields import (
    FILE_DOWNLOAD,
    Id,
    Line,
    Moment,
    Slug,
    StoredFileOut,
    Text,
    printable,
)
from rectify.api.pagination import Page
from rectify.api.routers.campaigns import PersonOut, RegionRef, UnitRef
from rectify.api.routers.feedback import FeedbackCreatedOut, near_of
from rectify.campaigns import services
from rectify.campaigns.choices import ActivityKind
from rectify.campaigns.inputs import (
    MAX_PARTICIPANTS,
    NOTES_MAX_LENGTH,
    ActivityForm,
    AttachmentForm,
    WorkGroupForm,
)
from rectify.campaigns.models import ActivityAttachment
from rectify.campaigns.scoping import (
    can_change_activity,
    can_manage_work_groups,
    can_record,
    can_record_without_group,
    get_activity_attachment_for_user,
    get_activity_for_user,
    get_campaign_for_reader,
    get_work_group_for_user,
    recording_groups,
    scope_activities,
    scope_work_groups,
)
from rectify.feedback.choices import FeedbackKind
from rectify.feedback.items import closeness, entry
from rectify.feedback.items.entry import MAX_ROWS
from rectify.feedback.models import TEXT_MAX_LENGTH
from rectify.feedback.scoping import scope_feedback
from rectify.orgs.scoping import scope_regions
from rectify.textsim.normalise import dedup_key

router = Router(tags=["work groups and activities"])

# Form field → API field, for error answers.
API_NAMES = {
    "leader": "leader_id",
    "members": "member_ids",
    "regions": "region_ids",
    "org_units": "org_unit_ids",
    "region": "region_id",
    "org_unit": "org_unit_id",
    "work_group": "work_group_id",
    "__all__": "-",
}


def _refuse(form) -> None:
    """422 with each of the form's messages under the API's name of its field."""
    raise ValidationError(
        {API_NAMES.get(name, name): errors for name, errors in form.errors.as_data().items()}
    )


# --- work groups -----------------------------------------------------------------------------


class WorkGroupOut(Schema):
    id: int
    name: str
    leader: PersonOut | None
    members: list[PersonOut]
    regions: list[RegionRef] = Field(description="assigned regions")
    org_units: list[UnitRef] = Field(description="assigned units")


@router.get(
    "/campaigns/{slug}/work-groups",
    response={200: list[WorkGroupOut], **ERRORS},
    summary="Work groups (campaign-wide readers)",
)
@paginate(Page)
def list_work_groups(request, slug: Slug):
    campaign = get_campaign_for_reader(request.user, slug)
    return (
        scope_work_groups(request.user, campaign)
        .select_related("leader")
        .prefetch_related("members", "regions", "org_units")
        .order_by("id")
    )


class WorkGroupIn(Schema):
    """A new work group. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    name: Text(100)
    leader_id: Id | None = Field(None, description="a person of the campaign; also a member")
    member_ids: list[Id] = Field([], max_length=500, description="people of the campaign")
    region_ids: list[Id] = Field([], max_length=500, description="assigned regions")
    org_unit_ids: list[Id] = Field(
        [], max_length=500, description="assigned units (within the campaign's organisation)"
    )


class WorkGroupPatch(Schema):
    """Send the fields to change; lists replace the current ones."""

    model_config = ConfigDict(extra="forbid")

    name: Text(100) = None
    leader_id: Id | None = None
    member_ids: list[Id] = Field(None, max_length=500)
    region_ids: list[Id] = Field(None, max_length=500)
    org_unit_ids: list[Id] = Field(None, max_length=500)


def _group_out(group):
    return (
        type(group)
        .objects.select_related("leader")
        .prefetch_related("members", "regions", "org_units")
        .get(pk=group.pk)
    )


def _group_form(campaign, data: dict, group=None) -> WorkGroupForm:
    form = WorkGroupForm(
        {
            "name": data["name"],
            "leader": data["leader_id"] or "",
            "members": data["member_ids"],
            "regions": data["region_ids"],
            "org_units": data["org_unit_ids"],
        },
        campaign=campaign,
        group=group,
    )
    if not form.is_valid():
        _refuse(form)
    return form


@router.post(
    "/campaigns/{slug}/work-groups",
    response={201: WorkGroupOut, **ERRORS},
    summary="Set up a work group (office)",
)
def create_work_group(request, slug: Slug, payload: WorkGroupIn):
    campaign = get_campaign_for_reader(request.user, slug)
    if not can_manage_work_groups(request.user, campaign):
        raise PermissionDenied
    form = _group_form(campaign, payload.model_dump())
    group = services.create_work_group(campaign, actor=request.user, **form.changes())
    return Status(201, _group_out(group))


@router.patch(
    "/work-groups/{id}",
    response={200: WorkGroupOut, **ERRORS},
    summary="Change a work group: name, leader, members, assigned regions and units (office)",
)
def update_work_group(request, id: Id, payload: WorkGroupPatch):
    group = get_work_group_for_user(request.user, id, write=True)
    data = {
        "name": group.name,
        "leader_id": group.leader_id,
        "member_ids": list(group.members.values_list("pk", flat=True)),
        "region_ids": list(group.regions.values_list("pk", flat=True)),
        "org_unit_ids": list(group.org_units.values_list("pk", flat=True)),
    }
    data.update({name: getattr(payload, name) for name in payload.model_fields_set})
    form = _group_form(group.campaign, data, group)
    group = services.update_work_group(group, actor=request.user, **form.changes())
    return _group_out(group)


# --- research activities ---------------------------------------------------------------------


class ResearchActivityOut(Schema):
    id: int
    kind: str
    title: str
    held_on: dt.date
    place: str
    region_id: int | None
    org_unit_id: int | None
    work_group_id: int | None
    participant_count: int
    notes: str
    created_at: dt.datetime


class ActivityFilter(Schema):
    kind: ActivityKind | None = None
    region: Id | None = Field(None, description="region id")
    work_group: Id | None = Field(None, description="work group id")
    created_since: Moment | None = Field(
        None, description="only activities recorded after this time (ISO 8601, with time zone)"
    )


@router.get(
    "/campaigns/{slug}/activities",
    response={200: list[ResearchActivityOut], **ERRORS},
    summary="Research activities (as scoped for feedback)",
)
@paginate(Page)
def list_activities(request, slug: Slug, filters: Query[ActivityFilter]):
    campaign = get_campaign_for_reader(request.user, slug)
    qs = scope_activities(request.user, campaign)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.region:
        qs = qs.filter(region_id=filters.region)
    if filters.work_group:
        qs = qs.filter(work_group_id=filters.work_group)
    if filters.created_since:
        qs = qs.filter(created_at__gt=filters.created_since)
    return qs.order_by("-held_on", "-id")


class ResearchActivityIn(Schema):
    """A research activity as held. A work-group member records for their own group (the only
    one by default), in its assigned regions and units; the office for any."""

    model_config = ConfigDict(extra="forbid")

    kind: ActivityKind
    title: Text(200)
    held_on: dt.date = Field(description="not in the future")
    place: Line(200) = ""
    region_id: Id | None = None
    org_unit_id: Id | None = Field(None, description="the unit visited")
    work_group_id: Id | None = None
    participant_count: int = Field(0, ge=0, le=MAX_PARTICIPANTS)
    notes: Line(NOTES_MAX_LENGTH) = ""


class ResearchActivityPatch(Schema):
    """Send the fields to change (null clears a link)."""

    model_config = ConfigDict(extra="forbid")

    kind: ActivityKind = None
    title: Text(200) = None
    held_on: dt.date = None
    place: Line(200) = None
    region_id: Id | None = None
    org_unit_id: Id | None = None
    work_group_id: Id | None = None
    participant_count: int = Field(None, ge=0, le=MAX_PARTICIPANTS)
    notes: Line(NOTES_MAX_LENGTH) = None


class ActivityAttachmentOut(StoredFileOut):
    @staticmethod
    def resolve_download(obj) -> str:
        return f"/activity-attachments/{obj.pk}/download"


class ResearchActivityDetailOut(ResearchActivityOut):
    attachments: list[ActivityAttachmentOut]

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.select_related("uploaded_by"))


def _activity_form(request, campaign, data: dict, activity=None) -> ActivityForm:
    form = ActivityForm(
        {
            "kind": data["kind"],
            "title": data["title"],
            "held_on": data["held_on"],
            "place": data["place"],
            "region": data["region_id"] or "",
            "org_unit": data["org_unit_id"] or "",
            "work_group": data["work_group_id"] or "",
            "participant_count": data["participant_count"],
            "notes": data["notes"],
        },
        campaign=campaign,
        user=request.user,
        activity=activity,
    )
    if not form.is_valid():
        _refuse(form)
    return form


@router.post(
    "/campaigns/{slug}/activities",
    response={201: ResearchActivityDetailOut, **ERRORS},
    summary="Record a research activity (office, work-group members for their own group)",
)
def create_activity(request, slug: Slug, payload: ResearchActivityIn):
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    if not can_record(user, campaign):
        raise PermissionDenied
    data = payload.model_dump()
    if data["work_group_id"] is None and not can_record_without_group(user, campaign):
        own = list(recording_groups(user, campaign)[:2])
        if len(own) == 1:
            data["work_group_id"] = own[0].pk
    form = _activity_form(request, campaign, data)
    activity = services.create_activity(campaign, actor=user, **form.values())
    return Status(201, activity)


@router.get(
    "/activities/{id}",
    response={200: ResearchActivityDetailOut, **ERRORS},
    summary="One research activity, with its attached files",
)
def get_activity(request, id: Id):
    return get_activity_for_user(request.user, id)


@router.patch(
    "/activities/{id}",
    response={200: ResearchActivityDetailOut, **ERRORS},
    summary="Correct a research activity (office, its work group's members)",
)
def update_activity(request, id: Id, payload: ResearchActivityPatch):
    activity = get_activity_for_user(request.user, id, write=True)
    data = {name: getattr(activity, name) for name in services.ACTIVITY_FIELDS}
    for name in ("region", "org_unit", "work_group"):
        linked = data.pop(name)
        data[f"{name}_id"] = linked.pk if linked else None
    data.update({name: getattr(payload, name) for name in payload.model_fields_set})
    form = _activity_form(request, activity.campaign, data, activity)
    return services.update_activity(activity, actor=request.user, **form.values())


# --- attachments -----------------------------------------------------------------------------


@router.get(
    "/activities/{id}/attachments",
    response={200: list[ActivityAttachmentOut], **ERRORS},
    summary="Files attached to a research activity, newest first",
)
@paginate(Page)
def list_attachments(request, id: Id):
    activity = get_activity_for_user(request.user, id)
    return activity.attachments.select_related("uploaded_by").order_by("-uploaded_at", "-id")


@router.post(
    "/activities/{id}/attachments",
    response={201: ActivityAttachmentOut, 413: ErrorOut, **ERRORS},
    summary="Attach a file to a research activity, e.g. its minutes (multipart; at most 50 MB)",
    description="Stored under its SHA-256: the same content is stored once; the same file "
    "attached twice to one activity is a conflict (409).",
)
def upload_attachment(
    request,
    id: Id,
    file: File[UploadedFile],
    description: Line(200) = Form(""),  # noqa: B008
):
    activity = get_activity_for_user(request.user, id, write=True)
    limit = services.max_attachment_bytes()
    if file.size > limit:
        return Status(
            413,
            error_body(
                "too_large",
                _("The file is larger than %(limit)s MB."),
                {"limit": limit // (1024 * 1024)},
            ),
        )
    form = AttachmentForm({"description": description}, {"file": file})
    if not form.is_valid():
        _refuse(form)
    attachment = services.add_attachment(
        activity,
        actor=request.user,
        upload=file,
        name=printable(file.name or "") or "upload",
        description=form.cleaned_data["description"],
        content_type=printable(file.content_type or ""),
    )
    return Status(201, attachment)


@router.get(
    "/activity-attachments/{id}/download",
    response={**ERRORS},
    summary="Download a file attached to a research activity",
    openapi_extra=FILE_DOWNLOAD,
)
def download_attachment(request, id: Id):
    attachment: ActivityAttachment = get_activity_attachment_for_user(request.user, id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )


# --- feedback heard at an activity, in bulk --------------------------------------------------


class BulkItemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: FeedbackKind
    text: Text(TEXT_MAX_LENGTH) = Field(description="stored exactly as sent")
    channel: str | None = Field(
        None, description="default: the activity's (symposium, interview, …)", max_length=20
    )
    region_id: Id | None = Field(None, description="default: the activity's region")
    allow_duplicate: bool = Field(
        False,
        description="save even if the campaign already has this text (after normalisation)",
    )


class BulkFeedbackIn(Schema):
    model_config = ConfigDict(extra="forbid")

    items: list[BulkItemIn] = Field(min_length=1, max_length=MAX_ROWS)
    received_at: Moment | None = Field(None, description="default: now")


class BulkFeedbackOut(Schema):
    items: list[FeedbackCreatedOut]


@router.post(
    "/activities/{id}/feedback",
    response={201: BulkFeedbackOut, **ERRORS},
    summary="Enter the items heard at an activity, all or none (office, its work group)",
    description=(
        "Each item is recorded for the activity and its work group. If an item's text is "
        "already in the campaign (after width and whitespace normalisation) or repeats another "
        "item of the request, nothing is saved and the answer is 409 listing them "
        "(`items.N.text`); send `allow_duplicate: true` on those to save them anyway. Send an "
        "`Idempotency-Key` header so that a retry creates nothing twice."
    ),
)
def create_feedback_bulk(
    request,
    id: Id,
    payload: BulkFeedbackIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
):
    user = request.user
    activity = get_activity_for_user(user, id)
    if not can_change_activity(user, activity):
        raise PermissionDenied
    campaign = activity.campaign
    data = payload.model_dump()

    def produce():
        rows = _bulk_rows(user, activity, data["items"])
        waiting = _bulk_duplicates(user, campaign, data["items"])
        if waiting:
            body = error_body(
                "duplicate_text",
                _("Some items repeat a text the campaign already has: nothing was saved."),
            )
            body["errors"] = waiting
            return 409, body
        items = entry.create_many(
            campaign,
            actor=user,
            rows=rows,
            activity=activity,
            work_group=activity.work_group,
            received_at=data["received_at"],
        )
        flags = closeness.visible_flags(user, campaign, items)
        for item in items:
            item.refresh_from_db()
            item.near = near_of(item, flags.get(item.pk))
        out = {
            "items": [
                FeedbackCreatedOut.from_orm(item, context={"request": request}) for item in items
            ]
        }
        return 201, json.loads(json.dumps(out, cls=NinjaJSONEncoder))

    submission = {"activity": id, **data}
    try:
        status, body, _replayed = idempotency.run(request, submission, produce)
    except idempotency.KeyReused as exc:
        status, body = 422, error_body(exc.code, exc.template, exc.params)
    from rectify.api.api import api

    return api.create_response(request, body, status=status)


def _bulk_rows(user, activity, items: list[dict]) -> list[dict]:
    """The rows for create_many, or 422 naming each bad field."""
    regions = {r.pk: r for r in scope_regions(user).filter(pk__in={i["region_id"] for i in items})}
    channels = dict(entry.ENTRY_CHANNELS)
    rows, errors = [], {}
    for n, item in enumerate(items):
        channel = item["channel"] or entry.channel_for(activity)
        if channel not in channels:
            errors[f"items.{n}.channel"] = [_("Choose one of the listed channels.")]
        region = activity.region
        if item["region_id"] is not None:
            region = regions.get(item["region_id"])
            if region is None:
                errors[f"items.{n}.region_id"] = [_("No such region.")]
        rows.append(
            {"kind": item["kind"], "text": item["text"], "channel": channel, "region": region}
        )
    if errors:
        raise ValidationError(errors)
    return rows


def _bulk_duplicates(user, campaign, items: list[dict]) -> list[dict]:
    """The unconfirmed items whose text the campaign has, or an earlier item repeats."""
    existing = entry.existing_duplicates(campaign, [i["text"] for i in items])
    visible = set(
        scope_feedback(user, campaign)
        .filter(pk__in=[i.pk for i in existing.values()])
        .values_list("pk", flat=True)
    )
    seen: dict[str, int] = {}
    waiting = []
    for n, item in enumerate(items):
        key = dedup_key(item["text"])
        twin, earlier = existing.get(key), seen.get(key)
        seen.setdefault(key, n)
        if item["allow_duplicate"] or (twin is None and earlier is None):
            continue
        if twin is not None and twin.pk in visible:
            message = _("The campaign already has this text: item %(pk)s.") % {"pk": twin.pk}
        elif twin is not None:
            message = _("The campaign already has this text.")
        else:
            message = _("Same text as items.%(n)s.") % {"n": earlier}
        waiting.append({"field": f"items.{n}.text", "message": str(message)})
    return waiting
