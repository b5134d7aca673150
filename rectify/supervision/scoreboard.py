"""The supervisor's scoreboard (督办排名): per responsible unit, how its measures stand.

Every figure is derived from the ledger's records, never stored, with a bounded number of
queries whatever the number of measures (one grouped aggregate over the measures, one over the
deadline changes, one over the verifications):

- open / due soon (黄灯) / overdue (红灯): ledger/derived.py's due status on day `on`; an open
  measure that is neither is green (绿灯, long-term measures without a deadline included);
- closed (已销号): measures in the closed state, however closed;
- judged ("finished or due"): closures after verification (销号 as rectified) with a deadline,
  plus open measures past their deadline. Closures "not feasible for now" and closures without
  a recorded date are not judged: neither on time nor late;
- on time: closed on or before the deadline **in force** (Measure.deadline, the one the office
  last set or granted by an approved extension), not the original one; moves are shown apart
  (deadlines moved), as offices judge it. on-time rate = on time / judged;
- average delay: calendar days past the deadline in force, of late closures (closed − deadline)
  and of measures overdue now (on − deadline), each averaged over its own measures;
- deadlines moved: DeadlineChange rows (each move with its reason), returned closure requests:
  Verification rows that returned a request (退回, a declined second confirmation included).

A measure counts for its responsible (lead) unit as it is now, history included: a measure
handed to another unit takes its moves and returns with it. Units are not rolled up into their
parents; each row is one unit's own measures.

The minimum-count rule: a unit with fewer judged measures than `min_count` (the setting
SCOREBOARD_MIN_COUNT, default 3) is marked "样本不足" and ranked after the others, so one quick
closure does not top the table.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum, Value

from rectify.ledger import derived
from rectify.ledger.choices import (
    OPEN_STATES,
    Closure,
    Light,
    MeasureState,
    VerificationDecision,
)
from rectify.ledger.models import DeadlineChange, Measure, Verification
from rectify.orgs.access import unit_q

DEFAULT_MIN_COUNT = 3


def min_count() -> int:
    return getattr(settings, "SCOREBOARD_MIN_COUNT", DEFAULT_MIN_COUNT)


@dataclass
class UnitRecord:
    """One row of the scoreboard: a responsible unit's figures on day `on`."""

    unit_id: int
    unit_name: str
    unit_path: str
    total: int = 0
    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    closed: int = 0
    on_time: int = 0
    late: int = 0
    late_days: int = 0  # sum of the late closures' delays
    overdue_days: int = 0  # sum of the overdue measures' delays
    deadline_moves: int = 0
    returned: int = 0
    min_count: int = DEFAULT_MIN_COUNT
    rank: int | None = field(default=None)  # place in the default ranking; None below min_count

    @property
    def green(self) -> int:
        return self.open - self.due_soon - self.overdue

    @property
    def judged(self) -> int:
        """Finished or due: verified closures with a deadline, and measures overdue now."""
        return self.on_time + self.late + self.overdue

    @property
    def enough(self) -> bool:
        return self.judged >= self.min_count

    @property
    def on_time_rate(self) -> float | None:
        """On-time closures over judged measures (0–1), None when nothing is judged yet."""
        return self.on_time / self.judged if self.judged else None

    @property
    def on_time_percent(self) -> float | None:
        rate = self.on_time_rate
        return None if rate is None else round(rate * 100, 1)

    @property
    def avg_late_days(self) -> float | None:
        """Average days past the deadline of the late closures."""
        return round(self.late_days / self.late, 1) if self.late else None

    @property
    def avg_overdue_days(self) -> float | None:
        """Average days past the deadline of the measures overdue now."""
        return round(self.overdue_days / self.overdue, 1) if self.overdue else None


# Sort keys: column → (value of a row, descending first?, guarded by the minimum count?).
# Rates and averages of too small a sample go after the others whatever the direction; counts
# sort plainly (two overdue measures are two, whatever the sample).
COLUMNS = {
    "unit": (lambda r: r.unit_name, False, False),
    "open": (lambda r: r.open, True, False),
    "due_soon": (lambda r: r.due_soon, True, False),
    "overdue": (lambda r: r.overdue, True, False),
    "closed": (lambda r: r.closed, True, False),
    "on_time_rate": (lambda r: r.on_time_rate, True, True),
    "avg_late_days": (lambda r: r.avg_late_days, True, True),
    "avg_overdue_days": (lambda r: r.avg_overdue_days, True, True),
    "deadline_moves": (lambda r: r.deadline_moves, True, False),
    "returned": (lambda r: r.returned, True, False),
}
DEFAULT_SORT = "rank"


def _days(later, earlier) -> ExpressionWrapper:
    return ExpressionWrapper(later - earlier, output_field=DurationField())


def _as_days(value) -> int:
    """A summed duration as whole days (backends answer timedelta, or microseconds)."""
    if value is None:
        return 0
    if isinstance(value, dt.timedelta):
        return value.days
    return int(value) // 86_400_000_000


def unit_records(
    campaign,
    *,
    paths: tuple[str, ...] | None = None,
    unit_ids=None,
    on: dt.date | None = None,
    minimum: int | None = None,
) -> list[UnitRecord]:
    """The records of the responsible units of `campaign` (those with at least one measure),
    limited to the unit subtrees `paths` (None = all) and/or to `unit_ids`, in the default
    ranking (rank() below). Three queries, plus the due-soon cutoff's calendar."""
    on = on or derived.today()
    minimum = min_count() if minimum is None else minimum
    cutoff = derived.due_soon_cutoff(campaign, on)
    measures = Measure.objects.filter(campaign=campaign)
    if paths is not None:
        measures = measures.filter(unit_q(paths, "responsible_unit"))
    if unit_ids is not None:
        measures = measures.filter(responsible_unit_id__in=list(unit_ids))

    verified = Q(state=MeasureState.CLOSED, closure=Closure.RECTIFIED) & Q(
        deadline__isnull=False, closed_on__isnull=False
    )
    on_time = verified & Q(closed_on__lte=F("deadline"))
    late = verified & Q(closed_on__gt=F("deadline"))
    overdue = derived.overdue_q(on)
    rows = (
        measures.values("responsible_unit", "responsible_unit__name", "responsible_unit__path")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(state__in=OPEN_STATES)),
            due_soon=Count("id", filter=derived.due_soon_q(on, cutoff)),
            overdue=Count("id", filter=overdue),
            closed=Count("id", filter=Q(state=MeasureState.CLOSED)),
            on_time=Count("id", filter=on_time),
            late=Count("id", filter=late),
            late_days=Sum(_days(F("closed_on"), F("deadline")), filter=late),
            overdue_days=Sum(_days(Value(on), F("deadline")), filter=overdue),
        )
        .order_by()
    )
    records = {
        r["responsible_unit"]: UnitRecord(
            unit_id=r["responsible_unit"],
            unit_name=r["responsible_unit__name"],
            unit_path=r["responsible_unit__path"],
            total=r["total"],
            open=r["open"],
            due_soon=r["due_soon"],
            overdue=r["overdue"],
            closed=r["closed"],
            on_time=r["on_time"],
            late=r["late"],
            late_days=_as_days(r["late_days"]),
            overdue_days=_as_days(r["overdue_days"]),
            min_count=minimum,
        )
        for r in rows
    }
    if records:
        moves = (
            DeadlineChange.objects.filter(measure__in=measures)
            .values("measure__responsible_unit")
            .annotate(n=Count("id"))
            .order_by()
        )
        for r in moves:
            records[r["measure__responsible_unit"]].deadline_moves = r["n"]
        returns = (
            Verification.objects.filter(
                measure__in=measures, decision=VerificationDecision.RETURNED
            )
            .values("measure__responsible_unit")
            .annotate(n=Count("id"))
            .order_by()
        )
        for r in returns:
            records[r["measure__responsible_unit"]].returned = r["n"]
    return rank(list(records.values()))


def _ranking_key(r: UnitRecord):
    rate = r.on_time_rate
    return (-(rate if rate is not None else -1), r.overdue, r.unit_name, r.unit_id)


def rank(records: list[UnitRecord]) -> list[UnitRecord]:
    """The default ranking: units with enough judged measures first, by on-time rate (highest
    first), then overdue count (fewest first), then name; the others after them in the same
    order, unranked."""
    records = sorted(records, key=lambda r: (not r.enough, *_ranking_key(r)))
    place = 0
    for r in records:
        if r.enough:
            place += 1
            r.rank = place
        else:
            r.rank = None
    return records


def parse_sort(value: str | None) -> tuple[str, bool]:
    """A sort parameter ("overdue", "-overdue", "rank") as (column, descending); unknown values
    fall back to the default ranking."""
    value = (value or "").strip()
    descending = value.startswith("-")
    column = value.lstrip("-")
    if column not in COLUMNS:
        return DEFAULT_SORT, False
    return column, descending


def sort_records(records: list[UnitRecord], column: str, descending: bool) -> list[UnitRecord]:
    """Rows sorted by one column; empty values (no rate yet …) last, and, for rates and
    averages, units below the minimum count after the others. Ties keep the default ranking."""
    if column not in COLUMNS:
        return rank(records)
    value_of, _first_descending, guarded = COLUMNS[column]
    ranked = rank(records)
    position = {id(r): i for i, r in enumerate(ranked)}
    present = [r for r in ranked if value_of(r) is not None]
    missing = [r for r in ranked if value_of(r) is None]
    present.sort(key=lambda r: position[id(r)])
    present.sort(key=value_of, reverse=descending)
    if guarded:
        present.sort(key=lambda r: not r.enough)  # stable: keeps the order within each group
    return present + missing


def unit_record(campaign, unit, *, on: dt.date | None = None) -> UnitRecord:
    """One unit's record, by the same function as the scoreboard (empty when it has no
    measure). It has no rank: a place belongs to a table, and who reads which table depends on
    their scope."""
    found = unit_records(campaign, unit_ids=[unit.pk], on=on)
    record = found[0] if found else UnitRecord(unit.pk, unit.name, unit.path, min_count=min_count())
    record.rank = None
    return record


# The order offices read a unit's measures in: red first, then yellow, green, the closed last.
LIGHT_ORDER = (Light.RED, Light.YELLOW, Light.GREEN, "")


def measures_by_light(measures, campaign, on: dt.date | None = None) -> list[tuple[str, list]]:
    """A (scoped) set of measures grouped by warning light (derived.light) in LIGHT_ORDER, each
    group by deadline; "" is the closed group. Each measure carries its `due_status`. One
    query."""
    on = on or derived.today()
    rows = derived.annotate_due_status(
        measures.select_related("problem").order_by("deadline", "problem__number", "id"),
        campaign,
        on,
    )
    groups: dict[str, list] = {light: [] for light in LIGHT_ORDER}
    for m in rows:
        groups[derived.light(m.state, m.due_status)].append(m)
    return list(groups.items())
