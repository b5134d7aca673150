"""Special programs' progress and roadmap (时间表路线图): one place for the figures the program
pages, the roadmap chart, its table and the API show.

- a measure's progress: 100 once its work counts as done (ledger.derived.measure_done_q), else the
  percent of its latest progress report, else 0;
- a program's progress: the mean of its measures' progress, weighted by ProgramWeight where the
  office set one (a measure without a weight counts 1); over every measure of the program, as a
  headline figure of the program, whoever reads it;
- late: an overdue measure (red light: open and past its deadline), a milestone past its due
  date and not done while its measure is open;
- the roadmap: each program's phases, measures (bars from the decision date — else the day the
  measure was entered or its first progress report, whichever came first — to the deadline) and
  milestones, as plain data for the chart, the table
  under it and GET /campaigns/{slug}/roadmap alike. Measures and milestones are those the
  reader may see (ledger scoping).
"""

import datetime as dt
from collections.abc import Iterable

from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from rectify.campaigns.models import Program, ProgramWeight
from rectify.ledger import derived
from rectify.ledger.choices import OPEN_STATES, DueStatus
from rectify.ledger.models import Measure, Milestone, ProgressReport
from rectify.ledger.scoping import scope_measures

ProgramMeasure = Program.measures.through


def annotate_progress(qs: QuerySet) -> QuerySet:
    """Add `progress` (0–100) to a measure queryset, computed in the database."""
    last = (
        ProgressReport.objects.filter(measure=OuterRef("pk"))
        .order_by("-reported_on", "-id")
        .values("percent_done")[:1]
    )
    return qs.annotate(
        progress=Case(
            When(derived.measure_done_q(), then=Value(100)),
            default=Coalesce(Subquery(last), Value(0)),
            output_field=IntegerField(),
        )
    )


def rolled_up(items: Iterable[tuple[int, int | None]]) -> int | None:
    """The weighted mean of (progress, weight) pairs, rounded to a whole percent; a weight of
    None counts 1. None when there is nothing to roll up."""
    items = [(progress, 1 if weight is None else weight) for progress, weight in items]
    total = sum(weight for _, weight in items)
    if not total:
        return None
    return round(sum(progress * weight for progress, weight in items) / total)


def weights_of(program_ids) -> dict[tuple[int, int], int]:
    """(program id, measure id) → weight, for the weights the office set."""
    rows = ProgramWeight.objects.filter(program__in=program_ids)
    return {(r.program_id, r.measure_id): r.weight for r in rows}


def program_progress(program_ids) -> dict[int, int | None]:
    """Program id → rolled-up progress over all its measures (None without measures)."""
    program_ids = list(program_ids)
    links = list(
        ProgramMeasure.objects.filter(program__in=program_ids).values_list(
            "program_id", "measure_id"
        )
    )
    progress = dict(
        annotate_progress(Measure.objects.filter(pk__in={m for _, m in links})).values_list(
            "pk", "progress"
        )
    )
    weights = weights_of(program_ids)
    items: dict[int, list] = {pk: [] for pk in program_ids}
    for program_id, measure_id in links:
        items[program_id].append((progress[measure_id], weights.get((program_id, measure_id))))
    return {pk: rolled_up(pairs) for pk, pairs in items.items()}


def milestone_late(milestone, measure_state: str, on: dt.date) -> bool:
    """Past its due date and not done, while its measure is still open."""
    return milestone.done_on is None and milestone.due_on < on and measure_state in OPEN_STATES


def program_measures(user, program: Program, on: dt.date | None = None) -> QuerySet:
    """The program's measures the user may see, with `due_status` and `progress`, by problem."""
    on = on or derived.today()
    qs = scope_measures(user, program.campaign).filter(programs=program)
    qs = derived.annotate_due_status(qs, program.campaign, on)
    return (
        annotate_progress(qs)
        .select_related("problem", "responsible_unit", "campaign")
        .order_by("problem__number", "pk")
    )


def roadmap(user, campaign, programs, on: dt.date | None = None) -> dict:
    """The data of the roadmap chart and its table, for the given (scoped) programs."""
    on = on or derived.today()
    programs = list(programs.select_related("lead_unit").prefetch_related("phases"))
    ids = [p.pk for p in programs]
    progress = program_progress(ids)
    weights = weights_of(ids)
    visible = scope_measures(user, campaign)
    links = list(
        ProgramMeasure.objects.filter(program__in=ids, measure__in=visible).values_list(
            "program_id", "measure_id"
        )
    )
    first_report = (
        ProgressReport.objects.filter(measure=OuterRef("pk"))
        .order_by("reported_on")
        .values("reported_on")[:1]
    )
    measures = {
        m.pk: m
        for m in annotate_progress(
            derived.annotate_due_status(
                Measure.objects.filter(pk__in={m for _, m in links}), campaign, on
            )
        )
        .annotate(first_report=Subquery(first_report))
        .select_related("problem", "responsible_unit")
    }
    milestones: dict[int, list] = {}
    for ms in Milestone.objects.filter(measure__in=list(measures)).order_by("due_on", "pk"):
        milestones.setdefault(ms.measure_id, []).append(ms)
    by_program: dict[int, list] = {pk: [] for pk in ids}
    for program_id, measure_id in links:
        by_program[program_id].append(measures[measure_id])

    out = []
    for program in programs:
        rows, steps = [], []
        for m in sorted(by_program[program.pk], key=lambda m: (m.problem.number, m.pk)):
            start = m.decided_on or min(
                filter(None, [timezone.localtime(m.created_at).date(), m.first_report])
            )
            end = m.deadline or program.ends_on or on
            late = m.due_status == DueStatus.OVERDUE
            rows.append(
                {
                    "id": m.pk,
                    "problem_number": m.problem.number,
                    "content": m.content,
                    "responsible_unit": str(m.responsible_unit) if m.responsible_unit else "",
                    "starts_on": min(start, end),
                    "deadline": m.deadline,
                    "ends_on": end,
                    "state": m.state,
                    "state_label": str(m.get_state_display()),
                    "light": derived.light(m.state, m.due_status),
                    "progress": m.progress,
                    "weight": weights.get((program.pk, m.pk)),
                    "late": late,
                    "days_overdue": derived.days_overdue(m, on),
                }
            )
            for ms in milestones.get(m.pk, []):
                steps.append(
                    {
                        "id": ms.pk,
                        "measure_id": m.pk,
                        "title": ms.title,
                        "due_on": ms.due_on,
                        "done_on": ms.done_on,
                        "late": milestone_late(ms, m.state, on),
                    }
                )
        out.append(
            {
                "id": program.pk,
                "name": program.name,
                "group_label": program.group_label,
                "lead_unit": str(program.lead_unit) if program.lead_unit else "",
                "leader": program.leader,
                "starts_on": program.starts_on,
                "ends_on": program.ends_on,
                "progress": progress[program.pk],
                "late_count": sum(r["late"] for r in rows) + sum(s["late"] for s in steps),
                "phases": [
                    {
                        "id": ph.pk,
                        "name": ph.name,
                        "starts_on": ph.starts_on,
                        "ends_on": ph.ends_on,
                        "current": ph.starts_on <= on <= ph.ends_on,
                    }
                    for ph in program.phases.all()
                ],
                "measures": rows,
                "milestones": steps,
            }
        )
    return {"today": on, "programs": out}


def groups(programs) -> list[tuple[str, list]]:
    """Programs grouped by their group label in the order the labels first appear ("1+5+5+2"
    read as groups: the "1", the first "5" …); programs without a label come last."""
    out: dict[str, list] = {}
    for program in programs:
        out.setdefault(program.group_label, []).append(program)
    labelled = [(k, v) for k, v in out.items() if k]
    return labelled + ([("", out[""])] if "" in out else [])
