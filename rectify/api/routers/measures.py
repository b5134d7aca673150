"""Measures and their records: milestones, progress reports, evidence; transitions as endpoints.

Thin, like the pages (ledger/views.py): lookups through ledger/scoping.py, writes through
ledger/services.py (which decide who may write and answer 403/409 with their own message),
validation through ledger/inputs.py (as the pages), figures through ledger/derived.py.
"""

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Body, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import AfterValidator, ConfigDict, Field

from rectify.api.errors import ERRORS, ErrorOut, error_body
from rectify.api.fields import (
    FILE_DOWNLOAD,
    Id,
    Line,
    Number,
    Slug,
    Storable,
    StoredFileOut,
    Text,
    not_blank,
    printable,
    storable,
)
from rectify.api.pagination import Page, SyncFilter, since
from rectify.campaigns.scoping import get_campaign_for_user
from rectify.core.errors import FileRefused, FileTooLarge, TransitionRefused
from rectify.ledger import derived, services, states
from rectify.ledger.choices import DueStatus, MeasureMode, MeasureState
from rectify.ledger.inputs import MeasureForm, TransitionForm
from rectify.ledger.models import Evidence, Measure, Milestone, ProgressReport
from rectify.ledger.scoping import (
    can_change_measure,
    get_evidence_for_user,
    get_measure_for_user,
    get_milestone_for_user,
    get_problem_for_user,
    scope_measures,
)
from rectify.ledger.services import editable_fields
from rectify.orgs.scoping import scope_org_units

router = Router(tags=["measures"])


def invalid(form, names: dict[str, str] | None = None) -> DjangoValidationError:
    """A bound form's errors as the 422 answer, under the API's field names."""
    names = names or {}
    return DjangoValidationError(
        {names.get(name, name): errors for name, errors in form.errors.as_data().items()}
    )


# --- output ----------------------------------------------------------------------------------


class MilestoneOut(Schema):
    id: int
    measure_id: int
    title: str
    due_on: dt.date
    done_on: dt.date | None


class ActionOut(Schema):
    """A state change this user may start now: POST /measures/{id}/<endpoint>."""

    endpoint: str
    needs_reason: bool
    needs_evidence: bool


class MeasureOut(Schema):
    id: int
    campaign_id: int
    problem_id: int
    problem_number: int
    content: str
    responsible_unit_id: int
    responsible_unit_name: str
    responsible_person: str
    mode: MeasureMode
    deadline: dt.date | None
    state: MeasureState
    phase_complete: bool
    closed_on: dt.date | None
    due_status: DueStatus = Field(description="'' on schedule, 'due_soon' or 'overdue'")
    days_overdue: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_problem_number(obj) -> int:
        return obj.problem.number

    @staticmethod
    def resolve_responsible_unit_name(obj) -> str:
        return obj.responsible_unit.name

    @staticmethod
    def resolve_due_status(obj) -> str:
        annotated = getattr(obj, "due_status", None)
        return annotated if annotated is not None else derived.due_status(obj)

    @staticmethod
    def resolve_days_overdue(obj) -> int:
        return derived.days_overdue(obj)


class MeasureDetailOut(MeasureOut):
    milestones: list[MilestoneOut]
    actions: list[ActionOut] = Field(description="The transitions you may start now")
    can_change: bool
    editable_fields: list[str]

    @staticmethod
    def resolve_milestones(obj) -> list:
        return list(obj.milestones.all())

    @staticmethod
    def resolve_actions(obj, context) -> list[dict]:
        return available_actions(obj, context["request"].user)

    @staticmethod
    def resolve_can_change(obj, context) -> bool:
        return can_change_measure(context["request"].user, obj)

    @staticmethod
    def resolve_editable_fields(obj, context) -> list[str]:
        user = context["request"].user
        return list(editable_fields(user, obj)) if can_change_measure(user, obj) else []


class ProgressOut(Schema):
    id: int
    measure_id: int
    reported_on: dt.date
    text: str
    percent_done: int
    reported_by: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_reported_by(obj) -> str | None:
        return obj.reported_by.username if obj.reported_by_id else None


class EvidenceOut(StoredFileOut):
    measure_id: int
    report_id: int | None

    @staticmethod
    def resolve_download(obj) -> str:
        return f"/evidence/{obj.pk}/download"


def available_actions(measure, user) -> list[dict]:
    """The state machine's answer for this user (as the page's buttons), as endpoints."""
    actions = [
        {
            "endpoint": _endpoint(t.name),
            "needs_reason": t.needs_reason,
            "needs_evidence": t.needs_evidence,
        }
        for t in states.available(measure, user)
    ]
    if not measure.phase_complete:
        try:
            states.can_mark_phase_complete(measure, user)
        except TransitionRefused:
            pass
        else:
            actions.append(
                {"endpoint": "phase-complete", "needs_reason": False, "needs_evidence": False}
            )
    return actions


def _endpoint(transition_name: str) -> str:
    return transition_name.replace("_", "-")


# --- measures --------------------------------------------------------------------------------


class MeasureQuery(SyncFilter):
    state: MeasureState | None = None
    unit: Id | None = Field(None, description="Responsible unit id (its subunits included)")
    due: Literal["overdue", "due_soon"] | None = None
    problem: Number | None = Field(None, description="Problem number")


@router.get(
    "/campaigns/{slug}/measures",
    response={200: list[MeasureOut], **ERRORS},
    summary="Measures you may see, with due status",
)
@paginate(Page)
def list_measures(request, slug: Slug, filters: Query[MeasureQuery]):
    campaign = get_campaign_for_user(request.user, slug)
    qs = derived.annotate_due_status(scope_measures(request.user, campaign), campaign)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.unit is not None:
        unit = scope_org_units(request.user).filter(pk=filters.unit).first()
        if unit is None:
            raise DjangoValidationError({"unit": [_("No such unit.")]})
        qs = qs.filter(responsible_unit__path__startswith=unit.path)
    if filters.due is not None:
        qs = qs.filter(due_status=filters.due)
    if filters.problem is not None:
        qs = qs.filter(problem__number=filters.problem)
    return since(qs, filters).select_related("problem", "responsible_unit")


@router.get(
    "/measures/{id}",
    response={200: MeasureDetailOut, **ERRORS},
    summary="One measure: due status, milestones and the actions you may take",
)
def get_measure(request, id: Id):
    return get_measure_for_user(request.user, id)


class MeasureIn(Schema):
    """Validated as on the pages (ledger/inputs.py::MeasureForm)."""

    model_config = ConfigDict(extra="forbid")

    content: Storable
    responsible_unit_id: Id = Field(description="Org unit id (within the campaign's tree)")
    responsible_person: Storable = ""
    mode: MeasureMode = MeasureMode.PHASED
    deadline: dt.date | None = Field(None, description="Required unless the mode is long_term")


# The form's field names → the API's.
MEASURE_FIELDS = {"responsible_unit": "responsible_unit_id"}
FORM_FIELDS = {api: form for form, api in MEASURE_FIELDS.items()}


@router.post(
    "/campaigns/{slug}/problems/{number}/measures",
    response={201: MeasureDetailOut, **ERRORS},
    summary="Add a measure to a problem (campaign office)",
)
def create_measure(request, slug: Slug, number: Number, payload: MeasureIn):
    campaign = get_campaign_for_user(request.user, slug)
    problem = get_problem_for_user(request.user, campaign, number)
    data = {FORM_FIELDS.get(k, k): v for k, v in payload.dict().items()}
    form = MeasureForm(
        {**data, "version": 1},
        measure=Measure(campaign=campaign, problem=problem),
        user=request.user,
    )
    if not form.is_valid():
        raise invalid(form, MEASURE_FIELDS)
    fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    # For anyone but the office the form omits the unit; the service then refuses (403).
    responsible_unit = fields.pop("responsible_unit", None)
    measure = services.create_measure(
        problem, actor=request.user, responsible_unit=responsible_unit, **fields
    )
    return Status(201, measure)


class MeasurePatch(Schema):
    """Only the fields sent are changed; `version` is the one you read (stale → 409)."""

    model_config = ConfigDict(extra="forbid")

    version: Number
    content: Storable | None = None
    responsible_unit_id: Id | None = None
    responsible_person: Storable | None = None
    mode: MeasureMode | None = None
    deadline: dt.date | None = None


@router.patch(
    "/measures/{id}",
    response={200: MeasureDetailOut, **ERRORS},
    summary="Edit a measure (office: all fields; responsible unit: content and person)",
)
def update_measure(request, id: Id, payload: MeasurePatch):
    measure = get_measure_for_user(request.user, id)
    sent = {FORM_FIELDS.get(k, k): v for k, v in payload.dict(exclude_unset=True).items()}
    version = sent.pop("version")
    editable = editable_fields(request.user, measure)
    form = MeasureForm(
        {
            **MeasureForm(measure=measure, user=request.user).initial,
            **{k: v for k, v in sent.items() if k in editable},
            "version": version,
        },
        measure=measure,
        user=request.user,
    )
    if not form.is_valid():
        raise invalid(form, MEASURE_FIELDS)
    # Fields this user may not edit go to the service as sent: it refuses them (403).
    refused = {k: v for k, v in sent.items() if k not in editable and v != _stored(measure, k)}
    return services.update_measure(
        measure, actor=request.user, expected_version=version, **form.changes(), **refused
    )


def _stored(measure, name):
    field = Measure._meta.get_field(name)
    return getattr(measure, field.attname)


# --- transitions -----------------------------------------------------------------------------


class TransitionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Storable = ""
    version: Number | None = Field(None, description="The version you read (stale → 409)")


def _transition_endpoint(name: str):
    t = states.TRANSITIONS[name]

    def run(request, id: Id, payload: TransitionIn = Body(None)):  # noqa: B008
        measure = get_measure_for_user(request.user, id)
        payload = payload or TransitionIn()
        form = TransitionForm({"reason": payload.reason, "version": payload.version or ""})
        if not form.is_valid():
            raise invalid(form)
        return services.transition(
            measure,
            name,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )

    run.__name__ = f"measure_{name}"
    description = (
        f"From {', '.join(t.sources)} to {t.target}. "
        + ("Only the campaign office. " if t.actors == {states.OFFICE} else "")
        + ("A reason is required. " if t.needs_reason else "")
        + ("Needs uploaded evidence. " if t.needs_evidence else "")
        + "Refused: 403 (not yours to do) or 409 (wrong state, missing reason or evidence, "
        "stale version)."
    )
    router.post(
        f"/measures/{{id}}/{_endpoint(name)}",
        response={200: MeasureDetailOut, **ERRORS},
        summary=f"Transition: {name.replace('_', ' ')}",
        description=description,
        operation_id=f"measure_{name}",
    )(run)


for _name in states.TRANSITIONS:
    _transition_endpoint(_name)


class PhaseCompleteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Storable = ""
    version: Number | None = None


@router.post(
    "/measures/{id}/phase-complete",
    response={200: MeasureDetailOut, **ERRORS},
    summary="Mark the current phase of a long-term measure complete (it stays open)",
)
def measure_phase_complete(request, id: Id, payload: PhaseCompleteIn = Body(None)):  # noqa: B008
    measure = get_measure_for_user(request.user, id)
    payload = payload or PhaseCompleteIn()
    form = TransitionForm({"reason": payload.reason})
    if not form.is_valid():
        raise invalid(form)
    return services.mark_phase_complete(
        measure,
        actor=request.user,
        reason=form.cleaned_data["reason"],
        expected_version=payload.version,
    )


# --- milestones ------------------------------------------------------------------------------


class MilestoneIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: Text(Milestone._meta.get_field("title").max_length)
    due_on: dt.date


class MilestoneDoneIn(Schema):
    model_config = ConfigDict(extra="forbid")

    done_on: dt.date | None = Field(None, description="Default: today")


@router.get(
    "/measures/{id}/milestones",
    response={200: list[MilestoneOut], **ERRORS},
    summary="Milestones of a measure",
)
def list_milestones(request, id: Id):
    return list(get_measure_for_user(request.user, id).milestones.all())


@router.post(
    "/measures/{id}/milestones",
    response={201: MilestoneOut, **ERRORS},
    summary="Add a milestone (office or responsible unit)",
)
def create_milestone(request, id: Id, payload: MilestoneIn):
    measure = get_measure_for_user(request.user, id)
    milestone = services.add_milestone(
        measure, actor=request.user, title=payload.title, due_on=payload.due_on
    )
    return Status(201, milestone)


@router.post(
    "/milestones/{id}/done",
    response={200: MilestoneOut, **ERRORS},
    summary="Mark a milestone done (office or responsible unit)",
)
def complete_milestone(request, id: Id, payload: MilestoneDoneIn = Body(None)):  # noqa: B008
    milestone = get_milestone_for_user(request.user, id)
    done_on = (payload.done_on if payload else None) or timezone.localdate()
    return services.complete_milestone(milestone, actor=request.user, done_on=done_on)


# --- progress reports ------------------------------------------------------------------------


class ProgressIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, AfterValidator(storable), AfterValidator(not_blank)]
    percent_done: int = Field(ge=0, le=100)
    reported_on: dt.date | None = Field(None, description="Default: today")


@router.get(
    "/measures/{id}/progress",
    response={200: list[ProgressOut], **ERRORS},
    summary="Progress reports of a measure, newest first",
)
@paginate(Page)
def list_progress(request, id: Id):
    measure = get_measure_for_user(request.user, id)
    return measure.reports.select_related("reported_by").order_by("-reported_on", "-id")


@router.post(
    "/measures/{id}/progress",
    response={201: ProgressOut, **ERRORS},
    summary="Report progress (office or responsible unit, while the measure is under way)",
)
def create_progress(request, id: Id, payload: ProgressIn):
    measure = get_measure_for_user(request.user, id)
    report = services.add_progress_report(
        measure,
        actor=request.user,
        text=payload.text,
        percent_done=payload.percent_done,
        reported_on=payload.reported_on,
    )
    return Status(201, report)


# --- evidence --------------------------------------------------------------------------------


@router.get(
    "/measures/{id}/evidence",
    response={200: list[EvidenceOut], **ERRORS},
    summary="Evidence files of a measure, newest first",
)
@paginate(Page)
def list_evidence(request, id: Id):
    measure = get_measure_for_user(request.user, id)
    return measure.evidence.select_related("uploaded_by").order_by("-uploaded_at", "-id")


@router.post(
    "/measures/{id}/evidence",
    response={201: EvidenceOut, 413: ErrorOut, 415: ErrorOut, **ERRORS},
    summary="Upload an evidence file (multipart; at most 50 MB; its type told from its content)",
    description=(
        "The file's kind is told from its content, never from its name or the part's "
        "Content-Type: images, PDF, Word, Excel, PowerPoint, WPS, OFD or plain text "
        "(`EVIDENCE_ALLOWED_KINDS`). Anything else (a program, an archive …) is refused with "
        "415 `file_type_refused`, naming what the file really is; a file over "
        "`EVIDENCE_MAX_BYTES` with 413 `too_large`. `content_type` in the answer is the type "
        "found in the content."
    ),
)
def upload_evidence(
    request,
    id: Id,
    file: File[UploadedFile],
    description: Line(Evidence._meta.get_field("description").max_length) = Form(""),  # noqa: B008
    report_id: Id | None = Form(None),  # noqa: B008
):
    measure = get_measure_for_user(request.user, id)
    progress = None
    if report_id is not None:
        progress = ProgressReport.objects.filter(measure=measure, pk=report_id).first()
        if progress is None:
            raise DjangoValidationError(
                {"report_id": [_("No such progress report on this measure.")]}
            )
    try:
        evidence = services.add_evidence(
            measure,
            actor=request.user,
            upload=file,
            name=printable(file.name or "") or "upload",
            report=progress,
            description=description,
            content_type=printable(file.content_type or ""),
        )
    except FileRefused as e:  # refused before anything is stored
        status = 413 if isinstance(e, FileTooLarge) else 415
        return Status(status, error_body(e.code, e.template, e.params))
    return Status(201, evidence)


@router.get(
    "/evidence/{id}/download",
    response={**ERRORS},
    summary="Download an evidence file (recorded in the activity log)",
    openapi_extra=FILE_DOWNLOAD,
)
def download_evidence(request, id: Id):
    evidence = get_evidence_for_user(request.user, id)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type="application/octet-stream",
    )
    services.record_download(evidence, actor=request.user)
    return response
