"""A campaign's headline figures and the subordinate roll-up, over what the reader may see.

Every figure counts the same scoped querysets as the list it links to (campaigns, ledger and
feedback scoping), so a viewer limited to one unit sees that unit's figures, not the
campaign's: the figure and the list behind it always agree. The row-level rules (due status,
problem state, counts over measures) are ledger/derived.py's.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from rectify.campaigns.choices import ActivityKind
from rectify.campaigns.scoping import scope_activities, scope_subordinates, scope_work_groups
from rectify.feedback.choices import FeedbackKind
from rectify.feedback.scoping import scope_feedback
from rectify.ledger import derived
from rectify.ledger.choices import OPEN_STATES, MeasureState, ProblemState, Source
from rectify.ledger.models import ProblemList
from rectify.ledger.scoping import scope_measures, scope_problems


@dataclass
class Figures:
    """The campaign's headline counts (the seed's numbers) as one reader sees them, on one day."""

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


def campaign_figures(user, campaign, on: dt.date | None = None) -> Figures:
    """Every headline figure of `campaign` that `user` may see, derived from its records."""
    on = on or derived.today()
    f = Figures(as_of=on)
    groups = scope_work_groups(user, campaign)
    f.work_groups = groups.count()
    f.regions = groups.values("regions").exclude(regions=None).distinct().count()
    f.cadres = groups.values("members").exclude(members=None).distinct().count()
    agg = scope_activities(user, campaign).aggregate(
        n=Count("id"),
        symposiums=Count("id", filter=Q(kind=ActivityKind.SYMPOSIUM)),
        people=Sum("participant_count"),
    )
    f.activities, f.symposiums, f.interviewees = agg["n"], agg["symposiums"], agg["people"] or 0
    fb = scope_feedback(user, campaign).aggregate(
        p=Count("id", filter=Q(kind=FeedbackKind.PROBLEM)),
        s=Count("id", filter=Q(kind=FeedbackKind.SUGGESTION)),
    )
    f.problems_collected, f.suggestions_collected = fb["p"], fb["s"]

    visible = scope_problems(user, campaign)
    problems = derived.annotate_problem_state(visible)
    f.consolidated = problems.count()
    f.prominent = problems.filter(is_prominent=True).count()
    f.problems_by_state = dict.fromkeys(ProblemState.values, 0)
    for row in problems.values("state").annotate(n=Count("id")).order_by():
        f.problems_by_state[row["state"]] = row["n"]
    inspection = problems.filter(source=Source.INSPECTION)
    f.inspection_total = inspection.count()
    f.inspection_rectified = inspection.filter(state=ProblemState.RECTIFIED).count()

    counts = derived.measure_counts(scope_measures(user, campaign), campaign, on)
    f.measures_by_state = counts.by_state
    f.measures_total, f.overdue, f.due_soon = counts.total, counts.overdue, counts.due_soon

    f.subordinate_units = scope_subordinates(user, campaign).values("org_unit").distinct().count()
    f.lists = [
        (pl, pl.n)
        for pl in ProblemList.objects.filter(campaign=campaign).annotate(
            n=Count("problems", filter=Q(problems__in=visible))
        )
    ]
    f.calendar_warning_years = derived.due_soon_warning_years(campaign, on, counts.cutoff)
    return f


@dataclass
class SubordinateRow:
    campaign: object
    measures: int
    closed: int
    overdue: int

    @property
    def closed_percent(self) -> int:
        return round(100 * self.closed / self.measures) if self.measures else 0


def subordinate_rollup(user, campaign, on: dt.date | None = None) -> list[SubordinateRow]:
    """The child campaigns of `campaign` that `user` may see, with their progress, laggards
    first: most overdue measures, then the lowest share closed."""
    on = on or derived.today()
    children = (
        scope_subordinates(user, campaign)
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
