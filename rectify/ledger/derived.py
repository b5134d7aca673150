"""Derived figures: one place for every number that pages, exports, the API and bulletins show.

- a measure's due status (overdue 逾期 / due soon 临期) from its deadline and state;
- a problem's state from its measures (no measure / under rectification / rectified);
- a campaign's headline figures.

Nothing here is stored: it is computed from the records each time, so every report agrees.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from rectify.campaigns.choices import ActivityKind, DeadlineBasis
from rectify.core import workdays
from rectify.feedback.choices import FeedbackKind
from rectify.ledger.choices import OPEN_STATES, DueStatus, MeasureState, ProblemState, Source


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


# --- subordinate campaigns (rolled up into their parent) -------------------------------------


@dataclass
class SubordinateRow:
    campaign: object
    measures: int
    closed: int
    overdue: int

    @property
    def closed_percent(self) -> int:
        return round(100 * self.closed / self.measures) if self.measures else 0


def subordinate_rollup(campaign, on: dt.date | None = None) -> list[SubordinateRow]:
    """The child campaigns of `campaign` with their progress, laggards first.

    Laggards: most overdue measures, then the lowest share closed.
    """
    from rectify.campaigns.models import Campaign

    on = on or today()
    children = (
        Campaign.objects.filter(parent=campaign)
        .select_related("org_unit")
        .annotate(
            n_measures=Count("measures"),
            n_closed=Count("measures", filter=Q(measures__state=MeasureState.CLOSED)),
            n_overdue=Count(
                "measures",
                filter=Q(measures__state__in=OPEN_STATES, measures__deadline__lt=on),
            ),
        )
    )
    rows = [SubordinateRow(c, c.n_measures, c.n_closed, c.n_overdue) for c in children]
    rows.sort(key=lambda r: (-r.overdue, r.closed_percent, r.campaign.name))
    return rows


# --- campaign headline figures ---------------------------------------------------------------


@dataclass
class Figures:
    """The campaign's headline counts (the seed's numbers), as of one day."""

    as_of: dt.date
    regions: int = 0
    work_groups: int = 0
    cadres: int = 0
    symposiums: int = 0
    interviewees: int = 0
    activities: int = 0
    problems_collected: int = 0
    suggestions_collected: int = 0
    consolidated: int = 0
    prominent: int = 0
    problems_by_state: dict[str, int] = field(default_factory=dict)
    measures_total: int = 0
    measures_by_state: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    due_soon: int = 0
    inspection_total: int = 0
    inspection_rectified: int = 0
    subordinate_units: int = 0
    lists: list[tuple] = field(default_factory=list)
    calendar_warning_years: list[int] = field(default_factory=list)


def campaign_figures(campaign, on: dt.date | None = None) -> Figures:
    """Every headline figure of `campaign`, derived from its records."""
    from rectify.campaigns.models import Campaign, ResearchActivity, WorkGroup
    from rectify.feedback.models import FeedbackItem
    from rectify.ledger.models import Measure, Problem, ProblemList

    on = on or today()
    f = Figures(as_of=on)
    groups = WorkGroup.objects.filter(campaign=campaign)
    f.work_groups = groups.count()
    f.regions = groups.values("regions").exclude(regions=None).distinct().count()
    f.cadres = groups.values("members").exclude(members=None).distinct().count()
    acts = ResearchActivity.objects.filter(campaign=campaign)
    agg = acts.aggregate(
        n=Count("id"),
        symposiums=Count("id", filter=Q(kind=ActivityKind.SYMPOSIUM)),
        people=Sum("participant_count"),
    )
    f.activities, f.symposiums, f.interviewees = agg["n"], agg["symposiums"], agg["people"] or 0
    fb = FeedbackItem.objects.filter(campaign=campaign).aggregate(
        p=Count("id", filter=Q(kind=FeedbackKind.PROBLEM)),
        s=Count("id", filter=Q(kind=FeedbackKind.SUGGESTION)),
    )
    f.problems_collected, f.suggestions_collected = fb["p"], fb["s"]

    problems = annotate_problem_state(Problem.objects.filter(campaign=campaign))
    f.consolidated = problems.count()
    f.prominent = problems.filter(is_prominent=True).count()
    f.problems_by_state = dict.fromkeys(ProblemState.values, 0)
    for row in problems.values("state").annotate(n=Count("id")).order_by():
        f.problems_by_state[row["state"]] = row["n"]
    inspection = problems.filter(source=Source.INSPECTION)
    f.inspection_total = inspection.count()
    f.inspection_rectified = inspection.filter(state=ProblemState.RECTIFIED).count()

    counts = measure_counts(Measure.objects.filter(campaign=campaign), campaign, on)
    f.measures_by_state = counts.by_state
    f.measures_total, f.overdue, f.due_soon = counts.total, counts.overdue, counts.due_soon
    cutoff = counts.cutoff

    f.subordinate_units = (
        Campaign.objects.filter(parent=campaign).values("org_unit").distinct().count()
    )
    f.lists = [
        (pl, pl.n)
        for pl in ProblemList.objects.filter(campaign=campaign).annotate(n=Count("problems"))
    ]
    if campaign.due_soon_basis == DeadlineBasis.WORKING:
        f.calendar_warning_years = workdays.uncovered_years({on.year, cutoff.year})
    return f
