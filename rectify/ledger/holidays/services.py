"""The one write of the calendar: replace a year's holidays and make-up workdays, in one
transaction with the activity log (one entry per day added, changed or removed)."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from rectify.audit.log import record, snapshot
from rectify.core.errors import ConflictError, DomainError, PermissionRefused
from rectify.core.models import CalendarDay
from rectify.ledger.holidays import years
from rectify.ledger.holidays.notice import NAME_MAX, Day
from rectify.ledger.holidays.scoping import may_edit_calendar

LOGGED = ["date", "is_workday", "name"]


@dataclass(frozen=True)
class DayError:
    index: int  # the day's place in the list given, from 0
    field: str
    message: str


class CalendarInvalid(DomainError):
    """Days that cannot be stored for the year; `errors` names each."""

    code = "invalid"

    def __init__(self, errors: list[DayError]):
        super().__init__(_("Some days cannot be stored: see the days listed."))
        self.errors = errors


def check(year: int, days: list[Day]) -> list[DayError]:
    """What is wrong with `days` as the year's list (the API's input; the pages' list was read
    by notice.read_lines, which refuses the same)."""
    errors = []
    seen: set[dt.date] = set()
    for i, day in enumerate(days):
        if day.date.year != year:
            message = _("%(date)s lies outside %(year)s.") % {"date": day.date, "year": year}
            errors.append(DayError(i, "date", message))
        elif day.date in seen:
            errors.append(DayError(i, "date", _("%(date)s is listed twice.") % {"date": day.date}))
        if len(day.name) > NAME_MAX:
            message = _("At most %(max)s characters.") % {"max": NAME_MAX}
            errors.append(DayError(i, "name", message))
        seen.add(day.date)
    return errors


def replace_year(
    year: int, days: list[Day], *, actor, expected: str | None = None, reason: str = ""
) -> years.Changes:
    """Make `days` the office's whole list for `year`: days not in it are removed.

    `expected`: the fingerprint of the year's days the caller started from; if someone saved
    the year since, ConflictError. Days kept as they were keep their rows and are not logged.
    """
    if not may_edit_calendar(actor):
        raise PermissionRefused(_("Only staff and a campaign office may enter the calendar."))
    if not years.in_range(year):
        raise DomainError(
            _("The calendar is kept for %(first)s to %(last)s."),
            params={"first": years.MIN_YEAR, "last": years.MAX_YEAR},
        )
    days = [Day(d.date, d.is_workday, d.name.strip()) for d in days]
    errors = check(year, days)
    if errors:
        raise CalendarInvalid(errors)
    try:
        with transaction.atomic():
            return _replace(year, days, actor=actor, expected=expected, reason=reason)
    except IntegrityError:
        # Someone else added one of these dates in the meantime (the date is unique).
        raise _conflict(year) from None


def _conflict(year: int) -> ConflictError:
    return ConflictError(
        _("Someone else changed the calendar of %(year)s meanwhile: look at it again."),
        params={"year": year},
    )


def _replace(year, days, *, actor, expected, reason) -> years.Changes:
    rows = {
        r.date: r
        for r in CalendarDay.objects.select_for_update().filter(date__year=year).order_by("date")
    }
    saved = [Day(r.date, r.is_workday, r.name) for r in rows.values()]
    if expected is not None and years.fingerprint(saved) != expected:
        raise _conflict(year)
    diff = years.changes(saved, days)
    for day in diff.removed:
        row = rows[day.date]
        record(row, "calendar_day.delete", actor=actor, before=snapshot(row, LOGGED), reason=reason)
        row.delete()
    for _saved, new in diff.changed:
        row = rows[new.date]
        before = snapshot(row, LOGGED)
        row.is_workday, row.name = new.is_workday, new.name
        row.save(update_fields=["is_workday", "name"])
        record(
            row,
            "calendar_day.update",
            actor=actor,
            before=before,
            after=snapshot(row, LOGGED),
            reason=reason,
        )
    for day in diff.added:
        row = CalendarDay.objects.create(date=day.date, is_workday=day.is_workday, name=day.name)
        record(row, "calendar_day.create", actor=actor, after=snapshot(row, LOGGED), reason=reason)
    return diff
