"""What the calendar pages and the API show of a year: its declared days, where they come from
(the office's table, the chinese-calendar package, or nothing: Monday–Friday), what a new list
would change, and the year's history."""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType

from rectify.audit.models import ActivityLog
from rectify.audit.timeline import describe_entries
from rectify.core import workdays
from rectify.core.models import CalendarDay
from rectify.ledger.holidays.notice import Day

# The years the calendar may be entered for.
MIN_YEAR, MAX_YEAR = 2000, 2099

OFFICE, PACKAGE, WEEKDAYS = "office", "package", "weekdays"


def in_range(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def office_days(year: int) -> list[Day]:
    rows = CalendarDay.objects.filter(date__year=year).order_by("date")
    return [Day(r.date, r.is_workday, r.name) for r in rows]


def package_days(year: int) -> list[Day]:
    return [Day(*d) for d in workdays.package_days(year)]


@dataclass
class Year:
    """One year of the calendar: the days in force as declared (the office's if it entered any,
    else the package's) and where they come from."""

    year: int
    source: str
    days: list[Day]
    package_covers: bool

    @property
    def days_off(self) -> int:
        return sum(not d.is_workday for d in self.days)

    @property
    def make_up_days(self) -> int:
        return sum(d.is_workday for d in self.days)

    @property
    def covered(self) -> bool:
        return self.source != WEEKDAYS


def year_of(year: int, office: list[Day] | None = None) -> Year:
    office = office_days(year) if office is None else office
    covers = year in workdays.package_years()
    if office:
        return Year(year, OFFICE, office, covers)
    if covers:
        return Year(year, PACKAGE, package_days(year), True)
    return Year(year, WEEKDAYS, [], False)


def overview(today: dt.date) -> list[Year]:
    """Last year to two years ahead, and every year the office has entered, newest first."""
    entered = CalendarDay.objects.dates("date", "year")
    years = {d.year for d in entered} | set(range(today.year - 1, today.year + 3))
    by_year: dict[int, list[Day]] = {}
    for r in CalendarDay.objects.filter(date__year__in=years).order_by("date"):
        by_year.setdefault(r.date.year, []).append(Day(r.date, r.is_workday, r.name))
    return [year_of(y, by_year.get(y, [])) for y in sorted(years, reverse=True) if in_range(y)]


def fingerprint(days: list[Day]) -> str:
    """A short digest of a list of days: the preview and the save compare it, and the save
    compares the year's rows with the digest of the rows the page was opened on."""
    text = "\n".join(f"{d.date}|{int(d.is_workday)}|{d.name}" for d in sorted(days))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Changes:
    added: list[Day] = field(default_factory=list)
    changed: list[tuple[Day, Day]] = field(default_factory=list)  # (saved, new)
    removed: list[Day] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def changes(saved: list[Day], new: list[Day]) -> Changes:
    old = {d.date: d for d in saved}
    out = Changes()
    for day in sorted(new):
        before = old.pop(day.date, None)
        if before is None:
            out.added.append(day)
        elif before != day:
            out.changed.append((before, day))
    out.removed = sorted(old.values())
    return out


@dataclass
class PreviewRow:
    day: Day
    status: str  # "added", "changed", "same" (against the office's saved days)
    package: bool | None  # the package's verdict (is a working day?) where it knows the year
    no_effect: bool  # a make-up workday on a weekday: it is a working day anyway

    @property
    def disagrees(self) -> bool:
        return self.package is not None and self.package != self.day.is_workday


def preview(year: int, days: list[Day]) -> tuple[list[PreviewRow], Changes]:
    """Every day that would be stored, against what is saved now and what the package says."""
    saved = office_days(year)
    diff = changes(saved, days)
    added = {d.date for d in diff.added}
    changed = {new.date for _, new in diff.changed}
    covers = year in workdays.package_years()
    package = {d.date: d.is_workday for d in package_days(year)} if covers else {}
    rows = []
    for day in sorted(days):
        verdict = package.get(day.date, day.date.weekday() < 5) if covers else None
        status = "added" if day.date in added else "changed" if day.date in changed else "same"
        rows.append(
            PreviewRow(
                day,
                status,
                verdict,
                no_effect=day.is_workday and day.date.weekday() < 5,
            )
        )
    return rows, diff


def history(year: int) -> list[dict]:
    """The activity log about the year's days (the pages' saves and the admin's), newest
    first. Removed days are found by their logged name, "2027-01-01 元旦"."""
    entries = (
        ActivityLog.objects.filter(
            target_type=ContentType.objects.get_for_model(CalendarDay),
            target_repr__startswith=f"{year:04d}-",
        )
        .select_related("actor")
        .order_by("-at", "-id")[:200]
    )
    return describe_entries(list(entries))
