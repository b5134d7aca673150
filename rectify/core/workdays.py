"""Working days in mainland China: official holidays and make-up workdays.

Order of authority: the office's own CalendarDay rows (from the State Council's notice), then
the chinese-calendar package, then plain Monday–Friday. The package only knows the years it
ships data for; dates beyond it fall back to Mon–Fri and `uncovered_years()` says so, so pages
can show a visible warning instead of silently guessing.
"""

import datetime as dt
from functools import lru_cache

import chinese_calendar

from rectify.core.models import CalendarDay


def _package_knows(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=64)
def _package_years() -> frozenset[int]:
    return frozenset(y for y in range(2004, 2100) if _package_knows(dt.date(y, 6, 1)))


def package_years() -> frozenset[int]:
    """The years the chinese-calendar package ships the State Council's notice for."""
    return _package_years()


def package_days(year: int) -> list[tuple[dt.date, bool, str]]:
    """The package's holidays and make-up workdays of `year` as (date, is_workday, name in
    Chinese), in date order; empty for a year it does not know."""
    if year not in _package_years():
        return []
    chinese = {h.value: h.chinese for h in chinese_calendar.Holiday}
    days = [(d, False, chinese.get(n, n or "")) for d, n in chinese_calendar.holidays.items()]
    days += [(d, True, chinese.get(n, n or "")) for d, n in chinese_calendar.workdays.items()]
    return sorted(d for d in days if d[0].year == year)


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    rows = CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_workday")
    return dict(rows)


def _is_workday(day: dt.date, overrides: dict[dt.date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    if day.year in _package_years():
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    return _is_workday(day, _overrides(day, day))


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The date n working days after `start` (n >= 0); n == 0 gives `start` itself."""
    if n < 0:
        raise ValueError("n must be >= 0")
    # Load the office's overrides in windows that grow as the count goes on, so a long run of
    # declared holidays can never carry the count past the rows read.
    day, left, loaded_to, overrides = start, n, start, {}
    while left:
        day += dt.timedelta(days=1)
        if day > loaded_to:
            loaded_to = day + dt.timedelta(days=2 * left + 30)
            overrides.update(_overrides(day, loaded_to))
        if _is_workday(day, overrides):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    overrides = _overrides(start, end)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += _is_workday(day, overrides)
    return count


def uncovered_years_for(dates) -> list[int]:
    """The years without holiday data that counting working days across `dates` (None left
    out) would pass through: every year from the earliest date's to the latest's, since a count
    from one to the other crosses the years between. What a page warns about
    (templates/inc/_calendar_warning.html)."""
    years = [d.year for d in dates if d is not None]
    if not years:
        return []
    return uncovered_years(range(min(years), max(years) + 1))


def uncovered_years(years) -> list[int]:
    """Years among `years` for which neither the package nor the office's table has data."""
    known = _package_years()
    missing = sorted({y for y in years if y not in known})
    if not missing:
        return []
    declared = set(
        CalendarDay.objects.filter(date__year__in=missing).values_list("date__year", flat=True)
    )
    return [y for y in missing if y not in declared]


class Span:
    """Working days over a stretch of dates, read from the database once: for rules that count
    days for many measures at a time (the reminder run), with the same order of authority as
    is_workday. Dates outside [start, end] are refused rather than guessed."""

    def __init__(self, start: dt.date, end: dt.date):
        self.start, self.end = start, end
        overrides = _overrides(start, end)
        # rank[i]: working days in (start, start + i]
        self._rank, self._workday, count, day = [0], [_is_workday(start, overrides)], 0, start
        while day < end:
            day += dt.timedelta(days=1)
            is_work = _is_workday(day, overrides)
            count += is_work
            self._rank.append(count)
            self._workday.append(is_work)

    def _index(self, day: dt.date) -> int:
        if not self.start <= day <= self.end:
            raise ValueError(f"{day} is outside {self.start}–{self.end}")
        return (day - self.start).days

    def is_workday(self, day: dt.date) -> bool:
        return self._workday[self._index(day)]

    def between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b], negative when b is before a (as working_days_between)."""
        return self._rank[self._index(b)] - self._rank[self._index(a)]
