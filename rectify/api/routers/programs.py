"""Special programs (专项整治 / 专项行动): their list (moved here from routers/campaigns.py, same
path, now for every member of the campaign), setting them up with their phases, putting problems
and measures in and out, measures' weights, and the roadmap's data.

Writes go through rectify/campaigns/programs/services.py; input is checked by the same forms as
the pages (campaigns/programs/inputs.py); reads go through campaigns/scoping.py and, for the
problems and measures named in a program, ledger/scoping.py; figures through reports/roadmap.py.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from rectify.api.errors import ERRORS
from rectify.api.fields import Id, Line, Number, Slug, Storable, Text
from rectify.api.pagination import Page
from rectify.campaigns.programs import services
from rectify.campaigns.programs.inputs import PhaseForm, ProgramForm
from rectify.campaigns.scoping import (
    can_edit_programs,
    get_campaign_for_user,
    get_phase_for_user,
    get_program_for_user,
    scope_programs,
)
from rectify.ledger.scoping import scope_measures, scope_problems
from rectify.reports import roadmap as roadmaps

router = Router(tags=["special programs"])

API_NAMES = {"lead_unit": "lead_unit_id", "__all__": "-"}


def _refuse(form) -> None:
    """422 with each of the form's messages under the API's name of its field."""
    raise ValidationError(
        {API_NAMES.get(name, name): errors for name, errors in form.errors.as_data().items()}
    )


class PhaseOut(Schema):
    id: int
    name: str
    starts_on: dt.date
    ends_on: dt.date
    order: int


class ProgramOut(Schema):
    id: int
    name: str
    group_label: str
    description: str
    roadmap: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    lead_unit_id: int | None
    leader: str = Field(description="the responsible leader (牵头领导 / 责任人)")
    phases: list[PhaseOut]
    problem_numbers: list[int] = Field(description="the problems you may see, by number")
    measure_ids: list[int] = Field(description="the measures you may see")

    @staticmethod
    def resolve_phases(obj) -> list:
        return list(obj.phases.all())

    @staticmethod
    def resolve_problem_numbers(obj) -> list[int]:
        return [p.number for p in obj.visible_problems]

    @staticmethod
    def resolve_measure_ids(obj) -> list[int]:
        return [m.pk for m in obj.visible_measures]


class ProgramDetailOut(ProgramOut):
    progress: int | None = Field(
        description="the mean of its measures' progress (0–100), weighted where the office "
        "set weights; null without measures"
    )
    weights: dict[int, int] = Field(description="measure id → weight, where one is set")

    @staticmethod
    def resolve_weights(obj) -> dict[int, int]:
        return obj.measure_weights


def _programs(user, campaign):
    problems = scope_problems(user, campaign).only("pk", "number").order_by("number")
    measures = scope_measures(user, campaign).only("pk").order_by("pk")
    return scope_programs(user, campaign).prefetch_related(
        "phases",
        Prefetch("problems", queryset=problems, to_attr="visible_problems"),
        Prefetch("measures", queryset=measures, to_attr="visible_measures"),
    )


def _detail(user, program):
    program = _programs(user, program.campaign).select_related("campaign").get(pk=program.pk)
    program.progress = roadmaps.program_progress([program.pk])[program.pk]
    program.measure_weights = {m: w for (_, m), w in roadmaps.weights_of([program.pk]).items()}
    return program


@router.get(
    "/campaigns/{slug}/programs",
    response={200: list[ProgramOut], **ERRORS},
    summary="Special programs (every member of the campaign)",
)
@paginate(Page)
def list_programs(request, slug: Slug):
    campaign = get_campaign_for_user(request.user, slug)
    return _programs(request.user, campaign).order_by("id")


class ProgramIn(Schema):
    """A new program. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")

    name: Text(200)
    group_label: Line(50) = Field("", description='e.g. the "5" in "1+5+5+2"')
    description: Storable = ""
    roadmap: Storable = ""
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    lead_unit_id: Id | None = Field(None, description="a unit of the campaign's organisation")
    leader: Line(100) = ""


class ProgramPatch(Schema):
    """Send the fields to change."""

    model_config = ConfigDict(extra="forbid")

    name: Text(200) = None
    group_label: Line(50) = None
    description: Storable = None
    roadmap: Storable = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    lead_unit_id: Id | None = None
    leader: Line(100) = None


def _program_form(campaign, data: dict, program=None) -> ProgramForm:
    form = ProgramForm(
        {
            **{k: v for k, v in data.items() if k != "lead_unit_id" and v is not None},
            "lead_unit": data["lead_unit_id"] or "",
        },
        campaign=campaign,
        program=program,
    )
    if not form.is_valid():
        _refuse(form)
    return form


@router.post(
    "/campaigns/{slug}/programs",
    response={201: ProgramDetailOut, **ERRORS},
    summary="Set up a special program (office)",
)
def create_program(request, slug: Slug, payload: ProgramIn):
    campaign = get_campaign_for_user(request.user, slug)
    if not can_edit_programs(request.user, campaign):
        raise PermissionDenied
    form = _program_form(campaign, payload.model_dump())
    program = services.create_program(campaign, actor=request.user, **form.changes())
    return Status(201, _detail(request.user, program))


@router.get(
    "/programs/{id}",
    response={200: ProgramDetailOut, **ERRORS},
    summary="One special program with its phases, progress and weights",
)
def get_program(request, id: Id):
    return _detail(request.user, get_program_for_user(request.user, id))


@router.patch(
    "/programs/{id}",
    response={200: ProgramDetailOut, **ERRORS},
    summary="Change a special program: name, group, owner, timetable, roadmap text (office)",
)
def update_program(request, id: Id, payload: ProgramPatch):
    program = get_program_for_user(request.user, id, write=True)
    data = {name: getattr(program, name) for name in services.PROGRAM_FIELDS}
    data.pop("lead_unit")
    data["lead_unit_id"] = program.lead_unit_id
    data.update({name: getattr(payload, name) for name in payload.model_fields_set})
    form = _program_form(program.campaign, data, program)
    program = services.update_program(program, actor=request.user, **form.changes())
    return _detail(request.user, program)


@router.delete(
    "/programs/{id}",
    response={204: None, **ERRORS},
    summary="Delete a special program (office); its problems and measures stay in the ledger",
)
def delete_program(request, id: Id):
    program = get_program_for_user(request.user, id, write=True)
    services.delete_program(program, actor=request.user)
    return Status(204, None)


# --- phases ----------------------------------------------------------------------------------


class PhaseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text(100)
    starts_on: dt.date
    ends_on: dt.date
    order: int | None = Field(None, ge=0, le=32767, description="without one: last")


class PhasePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text(100) = None
    starts_on: dt.date = None
    ends_on: dt.date = None
    order: int = Field(None, ge=0, le=32767)


def _phase_form(data: dict) -> PhaseForm:
    form = PhaseForm({k: v for k, v in data.items() if v is not None})
    if not form.is_valid():
        _refuse(form)
    return form


@router.post(
    "/programs/{id}/phases",
    response={201: PhaseOut, **ERRORS},
    summary="Add a phase to a program's timetable (office)",
)
def add_phase(request, id: Id, payload: PhaseIn):
    program = get_program_for_user(request.user, id, write=True)
    form = _phase_form(payload.model_dump())
    phase = services.add_phase(program, actor=request.user, **form.changes())
    return Status(201, phase)


@router.patch(
    "/phases/{id}",
    response={200: PhaseOut, **ERRORS},
    summary="Change a phase of a program (office)",
)
def update_phase(request, id: Id, payload: PhasePatch):
    phase = get_phase_for_user(request.user, id, write=True)
    data = {name: getattr(phase, name) for name in services.PHASE_FIELDS}
    data.update({name: getattr(payload, name) for name in payload.model_fields_set})
    form = _phase_form(data)
    return services.update_phase(phase, actor=request.user, **form.changes())


@router.delete(
    "/phases/{id}",
    response={204: None, **ERRORS},
    summary="Delete a phase of a program (office)",
)
def delete_phase(request, id: Id):
    phase = get_phase_for_user(request.user, id, write=True)
    services.delete_phase(phase, actor=request.user)
    return Status(204, None)


# --- problems, measures, weights -------------------------------------------------------------


class ProblemsIn(Schema):
    model_config = ConfigDict(extra="forbid")

    numbers: list[Number] = Field(min_length=1, max_length=500, description="problem numbers")
    with_measures: bool = Field(True, description="add the problems' measures too")


class MeasuresIn(Schema):
    model_config = ConfigDict(extra="forbid")

    ids: list[Id] = Field(min_length=1, max_length=500, description="measure ids")


def _found(qs, key: str, wanted: list[int], api_name: str) -> list:
    rows = list(qs.filter(**{f"{key}__in": wanted}))
    missing = sorted(set(wanted) - {getattr(r, key) for r in rows})
    if missing:
        raise ValidationError({api_name: [f"not found: {missing}"]})
    return rows


@router.post(
    "/programs/{id}/problems",
    response={200: ProgramDetailOut, **ERRORS},
    summary="Put problems (and by default their measures) into a program (office)",
)
def add_problems(request, id: Id, payload: ProblemsIn):
    user = request.user
    program = get_program_for_user(user, id, write=True)
    problems = _found(scope_problems(user, program.campaign), "number", payload.numbers, "numbers")
    measures = ()
    if payload.with_measures:
        measures = scope_measures(user, program.campaign).filter(problem__in=problems)
    services.add_problems(program, problems, actor=user, measures=measures)
    return _detail(user, program)


@router.delete(
    "/programs/{id}/problems/{number}",
    response={200: ProgramDetailOut, **ERRORS},
    summary="Take a problem (and, when asked, its measures) out of a program (office)",
)
def remove_problem(request, id: Id, number: Number, with_measures: bool = Query(False)):  # noqa: B008
    user = request.user
    program = get_program_for_user(user, id, write=True)
    problem = (
        scope_problems(user, program.campaign).filter(number=number).first()
        if program.problems.filter(number=number).exists()
        else None
    )
    if problem is None:
        raise Http404("problem")
    measures = problem.measures.all() if with_measures else ()
    services.remove_problem(program, problem, actor=user, measures=measures)
    return _detail(user, program)


@router.post(
    "/programs/{id}/measures",
    response={200: ProgramDetailOut, **ERRORS},
    summary="Put measures into a program (office)",
)
def add_measures(request, id: Id, payload: MeasuresIn):
    user = request.user
    program = get_program_for_user(user, id, write=True)
    measures = _found(scope_measures(user, program.campaign), "pk", payload.ids, "ids")
    services.add_measures(program, measures, actor=user)
    return _detail(user, program)


def _program_measure(user, program, measure_id: int):
    measure = scope_measures(user, program.campaign).filter(pk=measure_id).first()
    if measure is None or not program.measures.filter(pk=measure_id).exists():
        raise Http404("measure")
    return measure


@router.delete(
    "/programs/{id}/measures/{measure_id}",
    response={200: ProgramDetailOut, **ERRORS},
    summary="Take a measure out of a program (office)",
)
def remove_measure(request, id: Id, measure_id: Id):
    user = request.user
    program = get_program_for_user(user, id, write=True)
    services.remove_measure(program, _program_measure(user, program, measure_id), actor=user)
    return _detail(user, program)


class WeightIn(Schema):
    model_config = ConfigDict(extra="forbid")

    weight: int | None = Field(ge=1, le=100, description="1–100; null: the default 1")


@router.put(
    "/programs/{id}/measures/{measure_id}/weight",
    response={200: ProgramDetailOut, **ERRORS},
    summary="Set how much a measure counts in its program's progress (office)",
)
def set_weight(request, id: Id, measure_id: Id, payload: WeightIn):
    user = request.user
    program = get_program_for_user(user, id, write=True)
    measure = _program_measure(user, program, measure_id)
    services.set_weight(program, measure, actor=user, weight=payload.weight)
    return _detail(user, program)


# --- the roadmap -----------------------------------------------------------------------------


class RoadmapPhaseOut(Schema):
    id: int
    name: str
    starts_on: dt.date
    ends_on: dt.date
    current: bool


class RoadmapMeasureOut(Schema):
    id: int
    problem_number: int
    content: str
    responsible_unit: str
    starts_on: dt.date = Field(
        description="the decision date, else the day it was entered or first reported on"
    )
    deadline: dt.date | None
    ends_on: dt.date = Field(description="the deadline, else the program's end, else today")
    state: str
    state_label: str
    light: str = Field(description="green, yellow, red; empty once closed")
    progress: int
    weight: int | None
    late: bool = Field(description="open and past its deadline")
    days_overdue: int


class RoadmapMilestoneOut(Schema):
    id: int
    measure_id: int
    title: str
    due_on: dt.date
    done_on: dt.date | None
    late: bool = Field(description="past its date, not done, its measure open")


class RoadmapProgramOut(Schema):
    id: int
    name: str
    group_label: str
    lead_unit: str
    leader: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    progress: int | None
    late_count: int
    phases: list[RoadmapPhaseOut]
    measures: list[RoadmapMeasureOut] = Field(description="the measures you may see")
    milestones: list[RoadmapMilestoneOut]


class RoadmapOut(Schema):
    today: dt.date
    programs: list[RoadmapProgramOut]


@router.get(
    "/campaigns/{slug}/roadmap",
    response={200: RoadmapOut, **ERRORS},
    summary="The programs' timetable and roadmap: phases, measures, milestones, late items, "
    "progress (as the roadmap page draws it)",
)
def get_roadmap(request, slug: Slug, program: Id | None = Query(None)):  # noqa: B008
    user = request.user
    campaign = get_campaign_for_user(user, slug)
    programs = scope_programs(user, campaign).order_by("id")
    if program is not None:
        programs = programs.filter(pk=program)
    return roadmaps.roadmap(user, campaign, programs)
