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
from rectify.ledger.choices import Closure, DueStatus, MeasureMode, MeasureState
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
from rectify.orgs.models import OrgUnit
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


class CooperatingUnitOut(Schema):
    id: int
    name: str


class MeasureOut(Schema):
    id: int
    campaign_id: int
    problem_id: int
    problem_number: int
    content: str
    responsible_unit_id: int = Field(description="The lead unit (牵头单位)")
    responsible_unit_name: str
    cooperating_units: list[CooperatingUnitOut] = Field(
        description="Cooperating units (配合单位); the lead unit's liaisons act on the measure"
    )
    responsible_person: str
    responsible_leader: str = Field(description="The leader answerable (责任领导)")
    target: str = Field(description="The rectification target (整改目标)")
    remarks: str = Field(description="Remarks (备注)")
    mode: MeasureMode
    deadline: dt.date | None = Field(description="The deadline now (整改时限)")
    decided_on: dt.date | None = Field(
        description="The decision date a deadline in working days is counted from"
    )
    working_days: int | None = Field(
        description="The deadline as N working days after decided_on (official holidays and "
        "make-up workdays respected), or null when it was given as a date"
    )
    original_deadline: dt.date | None = Field(
        description="The first deadline set; it stays when the deadline moves"
    )
    deadline_moves: int = Field(
        description="How many times the deadline moved (each with a reason: /deadline-changes)"
    )
    state: MeasureState
    phase_complete: bool
    closed_on: dt.date | None
    closure: Closure = Field(
        description="How a closed measure was closed: 'rectified' (verified, 销号), "
        "'not_feasible' (暂不具备整改条件, by the office with a reason), '' while not closed"
    )
    closure_opinion: str = Field(
        description="The verification opinion (验收意见) given on closing, or the reason for "
        "closing as not feasible; '' while not closed"
    )
    awaiting_confirmation: bool = Field(
        description="Closed, but the campaign asks for a second confirmation of closures of "
        "this problem's source and it has not been given yet (it does not count as done)"
    )
    relapse_count: int = Field(
        description="How many times the measure was reopened after closure (问题反弹); stays "
        "counted after it is closed again"
    )
    due_status: DueStatus = Field(description="'' on schedule, 'due_soon' or 'overdue'")
    light: Literal["green", "yellow", "red", ""] = Field(
        description="The warning light of an open measure (绿灯 on schedule, 黄灯 due soon, 红灯 "
        "overdue; the campaign's due_soon_days and due_soon_basis set when yellow starts); '' "
        "once closed"
    )
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
    def resolve_cooperating_units(obj) -> list:
        return sorted(obj.cooperating_units.all(), key=lambda u: u.path)

    @staticmethod
    def resolve_due_status(obj) -> str:
        annotated = getattr(obj, "due_status", None)
        return annotated if annotated is not None else derived.due_status(obj)

    @staticmethod
    def resolve_light(obj) -> str:
        annotated = getattr(obj, "due_status", None)
        due = annotated if annotated is not None else derived.due_status(obj)
        return derived.light(obj.state, due)

    @staticmethod
    def resolve_days_overdue(obj) -> int:
        return derived.days_overdue(obj)


class MeasureDetailOut(MeasureOut):
    milestones: list[MilestoneOut]
    actions: list[ActionOut] = Field(description="The transitions you may start now")
    can_change: bool
    editable_fields: list[str]
    calendar_warning_years: list[int] = Field(
        description="For a deadline in working days: the years the count runs through that "
        "have no official holiday data (counted Monday to Friday there; the office can enter "
        "the year's holidays)"
    )

    @staticmethod
    def resolve_calendar_warning_years(obj) -> list[int]:
        return derived.calendar_warning_years(obj)

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


class ProgressReportOut(Schema):
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
    if measure.awaiting_confirmation and states.is_confirmer(user, measure):
        request = states.pending_request(measure)
        if request is None or request.requested_by_id != user.pk:
            actions.append({"endpoint": "confirm", "needs_reason": False, "needs_evidence": False})
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
    return (
        since(qs, filters)
        .select_related("problem", "responsible_unit")
        .prefetch_related("cooperating_units")
    )


@router.get(
    "/measures/{id}",
    response={200: MeasureDetailOut, **ERRORS},
    summary="One measure: due status, milestones and the actions you may take",
)
def get_measure(request, id: Id):
    return get_measure_for_user(request.user, id)


# A decision date a deadline in working days is counted from: within the years a calendar can
# hold (far-off years would overflow on the way to the deadline).
DecisionDate = Annotated[
    dt.date,
    Field(ge=dt.date(1990, 1, 1), le=dt.date(2099, 12, 31)),
]
WorkingDays = Annotated[int, Field(ge=1, le=1000)]
UNIT_IDS = "Cooperating units (配合单位): org unit ids in the campaign's tree"


class MeasureIn(Schema):
    """Validated as on the pages (ledger/inputs.py::MeasureForm). The deadline is a date, or
    `working_days` after `decided_on` (the date is computed, official holidays respected)."""

    model_config = ConfigDict(extra="forbid")

    content: Storable
    responsible_unit_id: Id = Field(
        description="The lead unit (牵头单位): an org unit id within the campaign's tree"
    )
    cooperating_unit_ids: list[Id] = Field([], max_length=100, description=UNIT_IDS)
    responsible_person: Storable = ""
    responsible_leader: Storable = Field("", description="The leader answerable (责任领导)")
    target: Storable = Field("", description="The rectification target (整改目标)")
    remarks: Storable = ""
    mode: MeasureMode = MeasureMode.PHASED
    deadline: dt.date | None = Field(
        None,
        description="Required unless the mode is long_term or the deadline is given in "
        "working days",
    )
    decided_on: DecisionDate | None = Field(
        None, description="With working_days: the decision date the deadline is counted from"
    )
    working_days: WorkingDays | None = Field(
        None, description="With decided_on: the deadline as N working days after it"
    )


# The form's field names → the API's.
MEASURE_FIELDS = {"responsible_unit": "responsible_unit_id"}
FORM_FIELDS = {api: form for form, api in MEASURE_FIELDS.items()}
# Fields of the API the form does not know: checked here (working days, cooperating units).
EXTRA_FIELDS = ("cooperating_unit_ids", "decided_on", "working_days", "deadline_reason")


def _working_day_deadline(decided_on, working_days, deadline_sent: dt.date | None):
    """The deadline a decision date and a count give (None if neither is set), or a 422: one
    without the other, or a different date sent as the deadline as well."""
    if (decided_on is None) != (working_days is None):
        field = "working_days" if working_days is None else "decided_on"
        raise DjangoValidationError(
            {field: [_("Give both the decision date and the number of working days.")]}
        )
    if decided_on is None:
        return None
    computed = services.deadline_from(decided_on, working_days)
    if deadline_sent is not None and deadline_sent != computed:
        message = _(
            "Give the deadline either as a date or as working days: "
            "%(n)s working days after %(date)s fall on %(deadline)s."
        )
        params = {
            "n": working_days,
            "date": decided_on.isoformat(),
            "deadline": computed.isoformat(),
        }
        raise DjangoValidationError({"deadline": [DjangoValidationError(message, params=params)]})
    return computed


def _cooperating_units(campaign, ids: list[int], lead_id: int | None) -> list[OrgUnit]:
    """The units of these ids, all in the campaign's tree and none the lead unit, or a 422."""
    ids = list(dict.fromkeys(ids))
    units = list(OrgUnit.objects.subtree(campaign.org_unit).filter(pk__in=ids))
    if len(units) != len(ids):
        raise DjangoValidationError({"cooperating_unit_ids": [_("Choose units of this campaign.")]})
    if lead_id is not None and lead_id in ids:
        raise DjangoValidationError(
            {"cooperating_unit_ids": [_("The lead unit cannot also be a cooperating unit.")]}
        )
    return sorted(units, key=lambda u: u.path)


@router.post(
    "/campaigns/{slug}/problems/{number}/measures",
    response={201: MeasureDetailOut, **ERRORS},
    summary="Add a measure to a problem (campaign office)",
)
def create_measure(request, slug: Slug, number: Number, payload: MeasureIn):
    campaign = get_campaign_for_user(request.user, slug)
    problem = get_problem_for_user(request.user, campaign, number)
    sent = payload.dict()
    extra = {k: sent.pop(k) for k in EXTRA_FIELDS if k in sent}
    data = {FORM_FIELDS.get(k, k): v for k, v in sent.items()}
    computed = _working_day_deadline(extra["decided_on"], extra["working_days"], payload.deadline)
    if computed is not None:
        data["deadline"] = computed
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
    if computed is not None:
        fields.update(decided_on=extra["decided_on"], working_days=extra["working_days"])
    if extra["cooperating_unit_ids"]:
        fields["cooperating_units"] = _cooperating_units(
            campaign, extra["cooperating_unit_ids"], payload.responsible_unit_id
        )
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
    cooperating_unit_ids: list[Id] | None = Field(None, max_length=100, description=UNIT_IDS)
    responsible_person: Storable | None = None
    responsible_leader: Storable | None = None
    target: Storable | None = None
    remarks: Storable | None = None
    mode: MeasureMode | None = None
    deadline: dt.date | None = None
    decided_on: DecisionDate | None = Field(
        None,
        description="With working_days: a new decision date moves the deadline to N working "
        "days after it; null (with working_days null) drops the working-day basis",
    )
    working_days: WorkingDays | None = None
    deadline_reason: Storable = Field(
        "",
        description="Why the deadline moves: required when it does (else 400 reason_required); "
        "kept in /deadline-changes and the activity log",
    )


@router.patch(
    "/measures/{id}",
    response={200: MeasureDetailOut, **ERRORS},
    summary="Edit a measure (office: all fields; responsible unit: content, person, remarks)",
    description="A moved deadline needs `deadline_reason` (422 on `deadline_reason` without "
    "one): the move is kept (GET /measures/{id}/deadline-changes), `original_deadline` stays "
    "and `deadline_moves` counts it. A deadline in working days: send `decided_on` and "
    "`working_days`; the date is computed.",
)
def update_measure(request, id: Id, payload: MeasurePatch):
    measure = get_measure_for_user(request.user, id)
    sent = {FORM_FIELDS.get(k, k): v for k, v in payload.dict(exclude_unset=True).items()}
    version = sent.pop("version")
    extra = {k: sent.pop(k) for k in EXTRA_FIELDS if k in sent}
    deadline_reason = extra.pop("deadline_reason", "")
    basis = {k: v for k, v in extra.items() if k in ("decided_on", "working_days")}
    more = {k: v for k, v in basis.items() if v != getattr(measure, k)}
    if more:  # a new basis: the deadline follows from it
        computed = _working_day_deadline(
            basis.get("decided_on", measure.decided_on),
            basis.get("working_days", measure.working_days),
            sent.get("deadline"),
        )
        if computed is not None:
            sent["deadline"] = computed
    if "cooperating_unit_ids" in extra:
        units = _cooperating_units(
            measure.campaign,
            extra["cooperating_unit_ids"] or [],
            sent.get("responsible_unit", measure.responsible_unit_id),
        )
        if {u.pk for u in units} != set(measure.cooperating_units.values_list("pk", flat=True)):
            more["cooperating_units"] = units
    editable = editable_fields(request.user, measure)
    form = MeasureForm(
        {
            **MeasureForm(measure=measure, user=request.user).initial,
            **{k: v for k, v in sent.items() if k in editable},
            "deadline_reason": deadline_reason,
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
        measure,
        actor=request.user,
        expected_version=version,
        deadline_reason=deadline_reason,
        **form.changes(),
        **refused,
        **more,
    )


def _stored(measure, name):
    field = Measure._meta.get_field(name)
    return getattr(measure, field.attname)


# --- transitions -----------------------------------------------------------------------------


class TransitionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Storable = Field(
        "",
        description="Why, or for a closure request what was done, or for verify the "
        "verification opinion (验收意见): see the operation",
    )
    version: Number | None = Field(None, description="The version you read (stale → 409)")


class VerifyIn(TransitionIn):
    recheck_on: dt.date | None = Field(
        None,
        description="Set a re-check (回头看) on this date: the measure then appears on the "
        "re-check lists (not before the closing day)",
    )


# What each transition's `reason` is and what else refuses it, for the operation's description.
TRANSITION_NOTES = {
    "start": "",
    "request_closure": "`reason` is the description of what was done (required; kept as the "
    "closure request, GET /measures/{id}/closure-requests). Needs an evidence file uploaded "
    "since the measure was started, returned or reopened (409 `evidence_required`). ",
    "verify": "`reason` is the verification opinion (验收意见, required; kept on the measure as "
    "`closure_opinion` and in its verifications). Refused to whoever requested the closure "
    "(409 `own_request`) and while a milestone is open (409 `milestones_open`). Where the "
    "campaign asks for a second confirmation of this problem source, the measure is closed "
    "with `awaiting_confirmation` until POST /measures/{id}/confirm. `recheck_on` sets a "
    "re-check (回头看). ",
    "return": "`reason`: why it is returned (required). Refused to whoever requested the "
    "closure (409 `own_request`). ",
    "close_not_feasible": "Closes without rectification (暂不具备整改条件): `reason` is "
    "required and the problem is counted apart (not_feasible), never as rectified. Refused to "
    "whoever requested a pending closure (409 `own_request`). ",
    "decline_confirmation": "Only the person the campaign names to confirm closures of this "
    "problem source (confirmation rules), while the closure awaits confirmation (409 "
    "`not_awaiting`); `reason` is required; the measure goes back to returned. ",
    "reopen": "`reason`: what relapsed (required). Counts a relapse (问题反弹): `relapse_count` "
    "stays after it is closed again. ",
}


def _transition_endpoint(name: str):
    t = states.TRANSITIONS[name]
    schema = VerifyIn if name == "verify" else TransitionIn

    def run(request, id: Id, payload: schema = Body(None)):  # noqa: B008
        measure = get_measure_for_user(request.user, id)
        payload = payload or schema()
        form = TransitionForm({"reason": payload.reason, "version": payload.version or ""})
        if not form.is_valid():
            raise invalid(form)
        return services.transition(
            measure,
            name,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
            recheck_on=getattr(payload, "recheck_on", None),
        )

    run.__name__ = f"measure_{name}"
    who = {
        frozenset({states.OFFICE}): "Only the campaign office. ",
        frozenset({states.CONFIRMER}): "",
    }.get(t.actors, "The campaign office or the responsible unit. ")
    description = (
        f"From {', '.join(t.sources)} to {t.target}. "
        + who
        + ("A reason is required (409 `reason_required`). " if t.needs_reason else "")
        + TRANSITION_NOTES.get(name, "")
        + "Refused: 403 `wrong_role` (not yours to do) or 409 (`wrong_state`, "
        "`reason_required`, `evidence_required`, `own_request`, `milestones_open`, "
        "`conflict`: stale version)."
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


class ConfirmIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Storable = Field("", description="A note with the confirmation (optional)")
    version: Number | None = Field(None, description="The version you read (stale → 409)")


@router.post(
    "/measures/{id}/confirm",
    response={200: MeasureDetailOut, **ERRORS},
    summary="Confirm a closure that awaits the second confirmation (the person named for it)",
    description="Where the campaign asks for it (confirmation rules), a closure of a problem "
    "of that source counts only once the named person confirms it. Only that person (403), "
    "never the one who requested the closure (403), only while `awaiting_confirmation` "
    "(400 `not_awaiting`). To refuse: POST /measures/{id}/decline-confirmation with a reason.",
)
def measure_confirm(request, id: Id, payload: ConfirmIn = Body(None)):  # noqa: B008
    measure = get_measure_for_user(request.user, id)
    payload = payload or ConfirmIn()
    form = TransitionForm({"reason": payload.reason, "version": payload.version or ""})
    if not form.is_valid():
        raise invalid(form)
    return services.confirm_closure(
        measure,
        actor=request.user,
        reason=form.cleaned_data["reason"],
        expected_version=form.cleaned_data["version"],
    )


# --- milestones ------------------------------------------------------------------------------


class MilestoneIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: Text(Milestone._meta.get_field("title").max_length)
    due_on: dt.date


class MilestoneDoneIn(Schema):
    model_config = ConfigDict(extra="forbid")

    done_on: dt.date | None = Field(None, description="Default: today")


class MilestonePatch(Schema):
    """Only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    title: Text(Milestone._meta.get_field("title").max_length) = None
    due_on: dt.date = None
    done_on: dt.date | None = Field(None, description="null: not done (undoes “done”)")


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


@router.patch(
    "/milestones/{id}",
    response={200: MilestoneOut, **ERRORS},
    summary="Edit a milestone: step, due date, done date (office or responsible unit)",
)
def update_milestone(request, id: Id, payload: MilestonePatch):
    milestone = get_milestone_for_user(request.user, id)
    changes = payload.dict(exclude_unset=True)
    return services.update_milestone(milestone, actor=request.user, **changes)


@router.delete(
    "/milestones/{id}",
    response={204: None, **ERRORS},
    summary="Remove a milestone entered by mistake (a completed one stays: 400)",
)
def delete_milestone(request, id: Id):
    milestone = get_milestone_for_user(request.user, id)
    services.delete_milestone(milestone, actor=request.user)
    return Status(204, None)


# --- progress reports ------------------------------------------------------------------------


class ProgressIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, AfterValidator(storable), AfterValidator(not_blank)]
    percent_done: int = Field(ge=0, le=100)
    reported_on: dt.date | None = Field(None, description="Default: today")


@router.get(
    "/measures/{id}/progress",
    response={200: list[ProgressReportOut], **ERRORS},
    summary="Progress reports of a measure, newest first",
)
@paginate(Page)
def list_progress(request, id: Id):
    measure = get_measure_for_user(request.user, id)
    return measure.reports.select_related("reported_by").order_by("-reported_on", "-id")


@router.post(
    "/measures/{id}/progress",
    response={201: ProgressReportOut, **ERRORS},
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
