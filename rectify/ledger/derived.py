"""Derived figures: one place for every number that pages, exports, the API and bulletins show.

- a measure's due status (overdue 逾期 / due soon 临期) from its deadline and state;
- a problem's outcome from its measures (no measure / under rectification / rectified / largely
  done / not feasible for now / relapsed);
- counts over any (scoped) set of measures.

Nothing here is stored: it is computed from the records each time, so every report agrees.
A campaign's headline figures and roll-ups are built from these in reports/figures.py.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from rectify.campaigns.choices import DeadlineBasis
from rectify.core import workdays
from rectify.ledger.choices import (
    LIGHT_OF_DUE,
    OPEN_STATES,
    Closure,
    DueStatus,
    MeasureMode,
    MeasureState,
    ProblemState,
)


def today() -> dt.date:
    return timezone.localdate()


# --- measures: due soon / overdue ------------------------------------------------------------


def due_soon_cutoff(campaign, on: dt.date | None = None) -> dt.date:
    """The last deadline that still counts as due soon on day `on`."""
    on = on or today()
    if campaign.due_soon_basis == DeadlineBasis.WORKING:
        return workdays.add_working_days(on, campaign.due_soon_days)
    return on + dt.timedelta(days=campaign.due_soon_days)


def due_soon_warning_years(campaign, on: dt.date | None = None, cutoff=None) -> list[int]:
    """When "due soon" counts working days: the years from `on` to the cutoff without holiday
    data (a page listing what is due soon warns about them: inc/_calendar_warning.html)."""
    if campaign.due_soon_basis != DeadlineBasis.WORKING:
        return []
    on = on or today()
    cutoff = cutoff or due_soon_cutoff(campaign, on)
    return workdays.uncovered_years({on.year, cutoff.year})


def calendar_warning_years(measure) -> list[int]:
    """For a deadline set in working days: the years its count runs through that have no
    official holiday data (counted Monday to Friday there)."""
    if measure.working_days is None or measure.decided_on is None:
        return []
    # The years the count runs through (the deadline may have moved since, by a date).
    counted_to = workdays.add_working_days(measure.decided_on, measure.working_days)
    return workdays.uncovered_years(range(measure.decided_on.year, counted_to.year + 1))


def due_status(measure, on: dt.date | None = None, *, cutoff: dt.date | None = None) -> str:
    """DueStatus of one measure: closed or deadline-less measures are never late."""
    on = on or today()
    if measure.state not in OPEN_STATES or measure.deadline is None:
        return DueStatus.NONE
    if measure.deadline < on:
        return DueStatus.OVERDUE
    if measure.deadline <= (cutoff or due_soon_cutoff(measure.campaign, on)):
        return DueStatus.DUE_SOON
    return DueStatus.NONE


def light(state: str, due: str) -> str:
    """The warning light (Light) of a measure in `state` with due status `due`: green, yellow
    or red while it is open, "" once closed."""
    return LIGHT_OF_DUE[due or DueStatus.NONE] if state in OPEN_STATES else ""


def days_overdue(measure, on: dt.date | None = None) -> int:
    """Calendar days past the deadline (0 when not overdue)."""
    on = on or today()
    if measure.state not in OPEN_STATES or measure.deadline is None or measure.deadline >= on:
        return 0
    return (on - measure.deadline).days


def overdue_q(on: dt.date) -> Q:
    return Q(state__in=OPEN_STATES, deadline__lt=on)


def due_soon_q(on: dt.date, cutoff: dt.date) -> Q:
    return Q(state__in=OPEN_STATES, deadline__gte=on, deadline__lte=cutoff)


def annotate_due_status(qs: QuerySet, campaign, on: dt.date | None = None) -> QuerySet:
    """Add `due_status` to a measure queryset, computed in the database (filterable)."""
    on = on or today()
    cutoff = due_soon_cutoff(campaign, on)
    return qs.annotate(
        due_status=Case(
            When(overdue_q(on), then=Value(DueStatus.OVERDUE)),
            When(due_soon_q(on, cutoff), then=Value(DueStatus.DUE_SOON)),
            default=Value(DueStatus.NONE),
            output_field=CharField(),
        )
    )


# --- problems: outcome from measures ---------------------------------------------------------

# What a measure's outcome rule reads of it.
OUTCOME_FIELDS = ("state", "mode", "phase_complete", "closure", "awaiting_confirmation")


def measure_done_q() -> Q:
    """A measure whose work counts as done: closed (and confirmed, where the campaign asks for a
    second confirmation), or long-term (长期坚持) with its current phase complete."""
    return Q(state=MeasureState.CLOSED, awaiting_confirmation=False) | Q(
        mode=MeasureMode.LONG_TERM, phase_complete=True
    )


def _done(m: dict) -> bool:
    closed = m["state"] == MeasureState.CLOSED and not m["awaiting_confirmation"]
    return closed or (m["mode"] == MeasureMode.LONG_TERM and m["phase_complete"])


def problem_state_of(measures, relapsed: bool = False) -> str:
    """The outcome rule itself, over a problem's measures (dicts of OUTCOME_FIELDS):

    - no measure → 未制定措施 (NO_MEASURE);
    - any measure ever reopened → 问题反弹 (RELAPSED), counted so even once it is closed again;
    - any measure not done → 整改中 (IN_PROGRESS);
    - any closed as not feasible → 暂不具备整改条件 (NOT_FEASIBLE);
    - any long-term measure with only its phase complete → 基本完成 / 阶段性成效 (PHASE_DONE);
    - otherwise every measure closed, verified and confirmed → 整改到位 (RECTIFIED).
    """
    measures = list(measures)
    if not measures:
        return ProblemState.NO_MEASURE
    if relapsed:
        return ProblemState.RELAPSED
    if not all(_done(m) for m in measures):
        return ProblemState.IN_PROGRESS
    if any(m["closure"] == Closure.NOT_FEASIBLE for m in measures):
        return ProblemState.NOT_FEASIBLE
    if any(m["state"] != MeasureState.CLOSED for m in measures):
        return ProblemState.PHASE_DONE
    return ProblemState.RECTIFIED


def problem_state(problem) -> str:
    rows = list(problem.measures.values(*OUTCOME_FIELDS, "relapse_count"))
    return problem_state_of(rows, relapsed=any(r["relapse_count"] for r in rows))


def annotate_problem_state(qs: QuerySet) -> QuerySet:
    """Add `state` to a problem queryset, computed in the database by the same rule."""
    from rectify.ledger.models import Measure

    any_measure = Measure.objects.filter(problem=OuterRef("pk"))
    return qs.annotate(
        state=Case(
            When(~Exists(any_measure), then=Value(ProblemState.NO_MEASURE)),
            When(
                Exists(any_measure.filter(relapse_count__gt=0)), then=Value(ProblemState.RELAPSED)
            ),
            When(
                Exists(any_measure.exclude(measure_done_q())), then=Value(ProblemState.IN_PROGRESS)
            ),
            When(
                Exists(any_measure.filter(closure=Closure.NOT_FEASIBLE)),
                then=Value(ProblemState.NOT_FEASIBLE),
            ),
            When(
                Exists(any_measure.exclude(state=MeasureState.CLOSED)),
                then=Value(ProblemState.PHASE_DONE),
            ),
            default=Value(ProblemState.RECTIFIED),
            output_field=CharField(),
        )
    )


# --- counts over a set of measures ----------------------------------------------------------


@dataclass
class MeasureCounts:
    """Measures by state, overdue and due soon, over any (scoped) set of one campaign's measures."""

    by_state: dict[str, int]
    total: int
    overdue: int
    due_soon: int
    cutoff: dt.date


def measure_counts(measures: QuerySet, campaign, on: dt.date | None = None) -> MeasureCounts:
    """One aggregate query; `measures` may be scoped (a liaison's own) or the whole campaign's."""
    on = on or today()
    cutoff = due_soon_cutoff(campaign, on)
    by_state = dict.fromkeys(MeasureState.values, 0)
    for row in measures.values("state").annotate(n=Count("id")).order_by():
        by_state[row["state"]] = row["n"]
    due = measures.aggregate(
        overdue=Count("id", filter=overdue_q(on)),
        due_soon=Count("id", filter=due_soon_q(on, cutoff)),
    )
    return MeasureCounts(by_state, sum(by_state.values()), due["overdue"], due["due_soon"], cutoff)
