"""Coverage of the listening work: per region (and per assigned unit), the work groups sent there,
the activities held, the people heard and the items collected, with the thin places marked.

The one place these figures are derived; the coverage page, the API and reports call it with
the querysets the reader may see (campaigns and feedback scoping), so a count and the list it
links to agree:

    cov = region_coverage(campaign, activities=scope_activities(user, campaign),
                          feedback=scope_feedback(user, campaign))
    cov.rows          # one CoverageRow per province-level region, in code order
    cov.unplaced      # activities and items without a region
    cov.median_items  # the median of items per region; thin = below THIN_FRACTION of it, or zero

Each figure is one annotated query over all regions (or units), never one query per row.
"""

import statistics
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from rectify.campaigns.models import ResearchActivity, WorkGroup
from rectify.feedback.choices import FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.orgs.choices import RegionLevel
from rectify.orgs.models import OrgUnit, Region

# A place is thin when it has no activity, no item, or fewer items than this share of the median.
THIN_FRACTION = 0.25
SORT_KEYS = ("place", "activities", "participants", "problems", "suggestions", "items")


@dataclass
class CoverageRow:
    place: Region | OrgUnit | None
    groups: list[WorkGroup] = field(default_factory=list)
    activities: int = 0
    participants: int = 0
    problems: int = 0
    suggestions: int = 0
    thin: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def items(self) -> int:
        return self.problems + self.suggestions


@dataclass
class Coverage:
    rows: list[CoverageRow]
    unplaced: CoverageRow
    median_items: float
    threshold: float

    @property
    def thin_rows(self) -> list[CoverageRow]:
        return [r for r in self.rows if r.thin]

    @property
    def total(self) -> CoverageRow:
        rows = [*self.rows, self.unplaced]
        return CoverageRow(
            place=None,
            activities=sum(r.activities for r in rows),
            participants=sum(r.participants for r in rows),
            problems=sum(r.problems for r in rows),
            suggestions=sum(r.suggestions for r in rows),
        )


def in_region_q(region, prefix: str = "region") -> Q:
    """The rows whose `prefix` region is `region` or lies under it (prefecture, county).

    `region` may be a Region or an OuterRef to a region's pk.
    """
    ref = region.pk if isinstance(region, Region) else region
    return (
        Q(**{prefix: ref})
        | Q(**{f"{prefix}__parent": ref})
        | Q(**{f"{prefix}__parent__parent": ref})
    )


def in_unit_q(path, prefix: str = "org_unit") -> Q:
    """The rows whose `prefix` unit lies within the subtree at `path` (a str or an OuterRef)."""
    return Q(**{f"{prefix}__path__startswith": path})


def feedback_at_unit_q(path) -> Q:
    """Items about a unit's subtree: triaged to it, or heard at an activity held there."""
    return in_unit_q(path) | in_unit_q(path, "activity__org_unit")


def _whole(qs: QuerySet, aggregate) -> Coalesce:
    """One aggregate over the whole (correlated) queryset, as a subquery: grouping by a constant
    leaves no GROUP BY, so the subquery answers exactly one row."""
    one = qs.order_by().annotate(_all=Value(1)).values("_all")
    return Coalesce(Subquery(one.annotate(n=aggregate).values("n"), output_field=IntegerField()), 0)


def _annotate(places: QuerySet, acts: QuerySet, items: QuerySet) -> QuerySet:
    return places.annotate(
        n_activities=_whole(acts, Count("pk")),
        n_participants=_whole(acts, Sum("participant_count")),
        n_problems=_whole(items.filter(kind=FeedbackKind.PROBLEM), Count("pk")),
        n_suggestions=_whole(items.filter(kind=FeedbackKind.SUGGESTION), Count("pk")),
    )


def _row(place, groups) -> CoverageRow:
    return CoverageRow(
        place=place,
        groups=groups,
        activities=place.n_activities,
        participants=place.n_participants,
        problems=place.n_problems,
        suggestions=place.n_suggestions,
    )


def mark_thin(rows: list[CoverageRow]) -> tuple[float, float]:
    """Mark the thin rows (with their reasons); answers (median of items, threshold)."""
    median = statistics.median([r.items for r in rows]) if rows else 0
    threshold = median * THIN_FRACTION
    for r in rows:
        r.reasons = []
        if r.activities == 0:
            r.reasons.append("no_activity")
        if r.items == 0:
            r.reasons.append("no_items")
        elif r.items < threshold:
            r.reasons.append("few_items")
        r.thin = bool(r.reasons)
    return median, threshold


def region_coverage(
    campaign,
    *,
    activities: QuerySet | None = None,
    feedback: QuerySet | None = None,
    groups: QuerySet | None = None,
) -> Coverage:
    """Per province-level region: the work groups assigned to it, the activities held there
    (and their participants), the problems and suggestions collected about it. Lower-level
    regions count toward their province."""
    acts = ResearchActivity.objects.filter(campaign=campaign) if activities is None else activities
    items = FeedbackItem.objects.filter(campaign=campaign) if feedback is None else feedback
    groups = WorkGroup.objects.filter(campaign=campaign) if groups is None else groups
    here = OuterRef("pk")
    regions = _annotate(
        Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code"),
        acts.filter(in_region_q(here)),
        items.filter(in_region_q(here)),
    )
    by_region: dict[int, list[WorkGroup]] = {}
    for link in WorkGroup.regions.through.objects.filter(
        workgroup__in=groups.order_by()
    ).select_related("workgroup"):
        by_region.setdefault(link.region_id, []).append(link.workgroup)
    rows = [_row(r, sorted(by_region.get(r.pk, []), key=lambda g: g.pk)) for r in regions]
    median, threshold = mark_thin(rows)
    unplaced = acts.filter(region=None).aggregate(n=Count("pk"), p=Sum("participant_count"))
    loose = items.filter(region=None).aggregate(
        p=Count("pk", filter=Q(kind=FeedbackKind.PROBLEM)),
        s=Count("pk", filter=Q(kind=FeedbackKind.SUGGESTION)),
    )
    return Coverage(
        rows=rows,
        unplaced=CoverageRow(
            place=None,
            activities=unplaced["n"],
            participants=unplaced["p"] or 0,
            problems=loose["p"],
            suggestions=loose["s"],
        ),
        median_items=median,
        threshold=threshold,
    )


def unit_coverage(
    campaign,
    *,
    activities: QuerySet | None = None,
    feedback: QuerySet | None = None,
    groups: QuerySet | None = None,
) -> Coverage:
    """Per unit assigned to a work group: the activities held within its subtree, and the items
    about it (triaged to it, or heard at an activity held there)."""
    acts = ResearchActivity.objects.filter(campaign=campaign) if activities is None else activities
    items = FeedbackItem.objects.filter(campaign=campaign) if feedback is None else feedback
    groups = WorkGroup.objects.filter(campaign=campaign) if groups is None else groups
    links = list(
        WorkGroup.org_units.through.objects.filter(workgroup__in=groups.order_by()).select_related(
            "workgroup"
        )
    )
    by_unit: dict[int, list[WorkGroup]] = {}
    for link in links:
        by_unit.setdefault(link.orgunit_id, []).append(link.workgroup)
    path = OuterRef("path")
    units = _annotate(
        OrgUnit.objects.filter(pk__in=by_unit).order_by("path"),
        acts.filter(in_unit_q(path)),
        items.filter(feedback_at_unit_q(path)),
    )
    rows = [_row(u, sorted(by_unit[u.pk], key=lambda g: g.pk)) for u in units]
    median, threshold = mark_thin(rows)
    return Coverage(
        rows=rows, unplaced=CoverageRow(place=None), median_items=median, threshold=threshold
    )


def sort_rows(rows: list[CoverageRow], key: str) -> list[CoverageRow]:
    """Rows ordered by `key` (one of SORT_KEYS, "-" in front for descending); ties keep the
    place order. An unknown key leaves the order as it is."""
    name = key.removeprefix("-")
    if name not in SORT_KEYS or name == "place":
        return list(reversed(rows)) if key == "-place" else list(rows)
    return sorted(rows, key=lambda r: getattr(r, name), reverse=key.startswith("-"))
