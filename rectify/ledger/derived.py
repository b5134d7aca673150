"""Derived figures: one place for every number that pages, exports, the API and bulletins show.

- a measure's due status (overdue 逾期 / due soon 临期) from its deadline and state;
- a problem's state from its measures (no measure / under rectification / rectified);
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
from rectify.ledger.choices import OPEN_STATES, DueStatus, MeasureState, ProblemState


def today() -> dt.date:
    return timezone.localdate()


# --- measures: due soon / overdue ------------------------------------------------------------


def due_soon_cutoff(campaign, on: dt.date | None = None) -> dt.date:
    """The last deadline that still counts as due soon on day `on`."""
    on = on or today()
    if campaign.due_soon_basis == DeadlineBasis.WORKING:
        return workdays.add_working_days(on, campaign.due_soon_days)
    return on + dt.timedelta(days=campaign.due_soon_days)


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


# --- problems: state from measures -----------------------------------------------------------


def problem_state_of(measure_states) -> str:
    """The rule itself: no measure → 未制定措施; any open → 整改中; all closed → 已整改到位."""
    measure_states = list(measure_states)
    if not measure_states:
        return ProblemState.NO_MEASURE
    if all(s == MeasureState.CLOSED for s in measure_states):
        return ProblemState.RECTIFIED
    return ProblemState.IN_PROGRESS


def problem_state(problem) -> str:
    return problem_state_of(problem.measures.values_list("state", flat=True))


def annotate_problem_state(qs: QuerySet) -> QuerySet:
    """Add `state` to a problem queryset, computed in the database by the same rule."""
    from rectify.ledger.models import Measure

    any_measure = Measure.objects.filter(problem=OuterRef("pk"))
    any_open = any_measure.exclude(state=MeasureState.CLOSED)
    return qs.annotate(
        state=Case(
            When(~Exists(any_measure), then=Value(ProblemState.NO_MEASURE)),
            When(Exists(any_open), then=Value(ProblemState.IN_PROGRESS)),
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
