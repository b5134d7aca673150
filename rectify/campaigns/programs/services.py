"""Every write to special programs (专项整治 / 专项行动), their phases, problems, measures and
weights has its home here.

Each function checks the actor's standing (campaigns/scoping.py: the office sets programs up),
writes the rows and the activity log in one transaction. The campaigns app sits below the
ledger, so problems and measures arrive as objects the caller looked up through the ledger's
scoping; these functions only check that they belong to the program's campaign. Input is
validated at the edge (forms, schemas); these raise only domain errors.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from rectify.audit.log import record, snapshot
from rectify.campaigns.models import Phase, Program, ProgramWeight
from rectify.campaigns.scoping import can_edit_programs
from rectify.core.errors import DomainError, PermissionRefused

PROGRAM_FIELDS = (
    "name",
    "group_label",
    "description",
    "roadmap",
    "starts_on",
    "ends_on",
    "lead_unit",
    "leader",
)
PHASE_FIELDS = ("name", "starts_on", "ends_on", "order")


def _check(actor, campaign) -> None:
    if not can_edit_programs(actor, campaign):
        raise PermissionRefused(_("Only the campaign office may set up special programs."))


def _check_dates(starts_on: dt.date | None, ends_on: dt.date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError(_("The end date is before the start date."), code="invalid_dates")


def _check_same_campaign(program: Program, rows) -> None:
    if any(row.campaign_id != program.campaign_id for row in rows):
        raise DomainError(
            _("Only problems and measures of the program's own campaign can be added."),
            code="other_campaign",
        )


def _locked(program: Program) -> Program:
    return Program.objects.select_for_update().select_related("campaign").get(pk=program.pk)


# --- programs --------------------------------------------------------------------------------


@transaction.atomic
def create_program(campaign, *, actor, name: str, **fields) -> Program:
    """A new program of the campaign (PROGRAM_FIELDS), logged as program.create."""
    _check(actor, campaign)
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise ValueError(f"not program fields: {sorted(unknown)}")
    _check_dates(fields.get("starts_on"), fields.get("ends_on"))
    program = Program.objects.create(campaign=campaign, name=name, **fields)
    record(program, "program.create", actor=actor, after=snapshot(program, list(PROGRAM_FIELDS)))
    return program


@transaction.atomic
def update_program(program: Program, *, actor, **changes) -> Program:
    """Change what PROGRAM_FIELDS names; logs before → after of what changed."""
    unknown = set(changes) - set(PROGRAM_FIELDS)
    if unknown:
        raise ValueError(f"not program fields: {sorted(unknown)}")
    locked = _locked(program)
    _check(actor, locked.campaign)
    changed = [k for k, v in changes.items() if getattr(locked, k) != v]
    if not changed:
        return locked
    _check_dates(changes.get("starts_on", locked.starts_on), changes.get("ends_on", locked.ends_on))
    before = snapshot(locked, changed)
    for k in changed:
        setattr(locked, k, changes[k])
    locked.save(update_fields=[Program._meta.get_field(k).attname for k in changed])
    record(locked, "program.update", actor=actor, before=before, after=snapshot(locked, changed))
    return locked


@transaction.atomic
def delete_program(program: Program, *, actor) -> None:
    """Delete the program with its phases and weights (the problems and measures stay in the
    ledger); the log keeps what it was."""
    locked = _locked(program)
    _check(actor, locked.campaign)
    before = {
        **snapshot(locked, list(PROGRAM_FIELDS)),
        "problem_numbers": sorted(locked.problems.values_list("number", flat=True)),
        "measure_ids": sorted(locked.measures.values_list("pk", flat=True)),
        "phases": [p.name for p in locked.phases.all()],
    }
    record(locked, "program.delete", actor=actor, before=before)
    locked.delete()


# --- phases ----------------------------------------------------------------------------------


@transaction.atomic
def add_phase(
    program: Program,
    *,
    actor,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    order: int | None = None,
) -> Phase:
    """A new phase of the program's timetable; without an order it comes last."""
    locked = _locked(program)
    _check(actor, locked.campaign)
    _check_dates(starts_on, ends_on)
    if order is None:
        last = locked.phases.order_by("-order").values_list("order", flat=True).first()
        order = 0 if last is None else last + 1
    phase = Phase.objects.create(
        program=locked, name=name, starts_on=starts_on, ends_on=ends_on, order=order
    )
    record(
        locked,
        "program.phase_add",
        actor=actor,
        after={"phase": phase.pk, **snapshot(phase, list(PHASE_FIELDS))},
    )
    return phase


@transaction.atomic
def update_phase(phase: Phase, *, actor, **changes) -> Phase:
    unknown = set(changes) - set(PHASE_FIELDS)
    if unknown:
        raise ValueError(f"not phase fields: {sorted(unknown)}")
    locked = _locked(phase.program)
    _check(actor, locked.campaign)
    phase = Phase.objects.select_for_update().get(pk=phase.pk)
    changed = [k for k, v in changes.items() if getattr(phase, k) != v]
    if not changed:
        return phase
    _check_dates(changes.get("starts_on", phase.starts_on), changes.get("ends_on", phase.ends_on))
    before = {"phase": phase.pk, **snapshot(phase, changed)}
    for k in changed:
        setattr(phase, k, changes[k])
    phase.save(update_fields=changed)
    after = {"phase": phase.pk, **snapshot(phase, changed)}
    record(locked, "program.phase_update", actor=actor, before=before, after=after)
    return phase


@transaction.atomic
def delete_phase(phase: Phase, *, actor) -> None:
    locked = _locked(phase.program)
    _check(actor, locked.campaign)
    before = {"phase": phase.pk, **snapshot(phase, list(PHASE_FIELDS))}
    Phase.objects.filter(pk=phase.pk).delete()
    record(locked, "program.phase_delete", actor=actor, before=before)


# --- problems and measures -------------------------------------------------------------------


@transaction.atomic
def add_problems(program: Program, problems, *, actor, measures=()) -> Program:
    """Put problems (and, when given, measures — usually those problems' own) into the
    program; what is already in it is left as it is. Logged once, with what was added."""
    problems, measures = list(problems), list(measures)
    locked = _locked(program)
    _check(actor, locked.campaign)
    _check_same_campaign(locked, [*problems, *measures])
    have_problems = set(locked.problems.values_list("pk", flat=True))
    have_measures = set(locked.measures.values_list("pk", flat=True))
    new_problems = [p for p in problems if p.pk not in have_problems]
    new_measures = [m for m in measures if m.pk not in have_measures]
    if not new_problems and not new_measures:
        return locked
    locked.problems.add(*new_problems)
    locked.measures.add(*new_measures)
    after = {}
    if new_problems:
        after["problem_numbers"] = sorted(p.number for p in new_problems)
    if new_measures:
        after["measure_ids"] = sorted(m.pk for m in new_measures)
    record(locked, "program.add", actor=actor, after=after)
    return locked


def add_measures(program: Program, measures, *, actor) -> Program:
    return add_problems(program, (), actor=actor, measures=measures)


@transaction.atomic
def remove_problem(program: Program, problem, *, actor, measures=()) -> Program:
    """Take a problem (and, when given, measures) out of the program; their weights go too."""
    measures = list(measures)
    locked = _locked(program)
    _check(actor, locked.campaign)
    before = {}
    if locked.problems.filter(pk=problem.pk).exists():
        locked.problems.remove(problem)
        before["problem_numbers"] = [problem.number]
    gone = sorted(
        locked.measures.filter(pk__in=[m.pk for m in measures]).values_list("pk", flat=True)
    )
    if gone:
        locked.measures.remove(*gone)
        ProgramWeight.objects.filter(program=locked, measure__in=gone).delete()
        before["measure_ids"] = gone
    if before:
        record(locked, "program.remove", actor=actor, before=before)
    return locked


@transaction.atomic
def remove_measure(program: Program, measure, *, actor) -> Program:
    locked = _locked(program)
    _check(actor, locked.campaign)
    if not locked.measures.filter(pk=measure.pk).exists():
        return locked
    locked.measures.remove(measure)
    ProgramWeight.objects.filter(program=locked, measure=measure).delete()
    record(locked, "program.remove", actor=actor, before={"measure_ids": [measure.pk]})
    return locked


@transaction.atomic
def set_weight(program: Program, measure, *, actor, weight: int | None) -> Program:
    """How much the measure counts in the program's progress (1–100); None = the default 1."""
    locked = _locked(program)
    _check(actor, locked.campaign)
    if not locked.measures.filter(pk=measure.pk).exists():
        raise DomainError(_("The measure is not in this program."), code="not_in_program")
    row = ProgramWeight.objects.filter(program=locked, measure=measure).first()
    old = row.weight if row else None
    if old == weight:
        return locked
    if weight is None:
        row.delete()
    elif row:
        row.weight = weight
        row.save(update_fields=["weight"])
    else:
        ProgramWeight.objects.create(program=locked, measure=measure, weight=weight)
    record(
        locked,
        "program.weight",
        actor=actor,
        before={"measure": measure.pk, "weight": old},
        after={"measure": measure.pk, "weight": weight},
    )
    return locked
