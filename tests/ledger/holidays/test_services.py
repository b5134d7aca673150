"""Replacing a year's days: one transaction, one log entry per day that changed, deadlines
counted with the new days at once."""

import datetime as dt

import pytest
from django.utils import translation

from rectify.audit.models import ActivityLog
from rectify.core import workdays
from rectify.core.errors import ConflictError, PermissionRefused
from rectify.core.models import CalendarDay
from rectify.ledger.holidays import services, years
from rectify.ledger.holidays.notice import Day, read_notice
from rectify.ledger.holidays.scoping import may_edit_calendar
from rectify.orgs.access import SYSTEM
from tests.factories import make_user
from tests.ledger.holidays.notices import NOTICE_2027

pytestmark = pytest.mark.django_db

D = dt.date


def stored(year=2027):
    return [
        (r.date, r.is_workday, r.name)
        for r in CalendarDay.objects.filter(date__year=year).order_by("date")
    ]


def test_who_may_enter_the_calendar(world):
    staff = make_user("staffer", is_staff=True)
    assert may_edit_calendar(world.office)
    assert may_edit_calendar(staff)
    assert may_edit_calendar(SYSTEM)
    for persona in ("leader", "group", "liaison", "supervisor", "viewer", "outsider"):
        assert not may_edit_calendar(world.personas[persona]), persona
    world.office.is_active = False
    assert not may_edit_calendar(world.office)


def test_saving_the_2027_notice_moves_deadlines_at_once(world):
    assert workdays.uncovered_years([2027]) == [2027]
    assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)
    assert workdays.add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 5)
    days = read_notice(NOTICE_2027, 2027).days
    diff = services.replace_year(2027, days, actor=world.office)
    assert len(diff.added) == len(days) == 24 and not diff.changed and not diff.removed
    assert workdays.uncovered_years([2027]) == []
    # New Year's Day (Friday) is off: the next working day is Monday the 4th.
    assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    # Spring Festival: Feb 5–12 off, Sunday the 14th a make-up workday.
    assert workdays.add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 14)
    assert workdays.add_working_days(D(2027, 2, 4), 2) == D(2027, 2, 15)
    # National Day: Sep 30 – Oct 7 off, Saturday Oct 9 at work.
    assert workdays.add_working_days(D(2027, 9, 29), 1) == D(2027, 10, 8)
    assert workdays.add_working_days(D(2027, 9, 29), 2) == D(2027, 10, 9)
    assert workdays.working_days_between(D(2027, 9, 29), D(2027, 10, 11)) == 3


def test_each_day_is_logged_with_the_actor_and_the_basis(world):
    days = [Day(D(2027, 1, 1), False, "元旦"), Day(D(2027, 2, 14), True, "春节")]
    services.replace_year(2027, days, actor=world.office, reason="国办发明电〔2026〕7号")
    entries = ActivityLog.objects.filter(action="calendar_day.create").order_by("target_repr")
    assert [(e.target_repr, e.actor, e.campaign, e.reason) for e in entries] == [
        ("2027-01-01 元旦", world.office, None, "国办发明电〔2026〕7号"),
        ("2027-02-14 春节", world.office, None, "国办发明电〔2026〕7号"),
    ]
    assert entries[1].after == {"date": "2027-02-14", "is_workday": True, "name": "春节"}
    with translation.override("en"):
        actions = [str(h["action"]) for h in years.history(2027)]
    assert actions == ["declared a holiday or make-up workday"] * 2


def test_a_second_save_replaces_the_year_and_logs_only_what_changed(world):
    first = [
        Day(D(2027, 1, 1), False, "元旦"),
        Day(D(2027, 1, 2), False, "元旦"),
        Day(D(2027, 2, 14), True, "春节"),
    ]
    services.replace_year(2027, first, actor=world.office)
    CalendarDay.objects.create(date=D(2028, 1, 1), is_workday=False, name="元旦")
    kept = CalendarDay.objects.get(date=D(2027, 1, 1)).pk
    second = [
        Day(D(2027, 1, 1), False, "元旦"),  # kept as it was
        Day(D(2027, 2, 14), False, "春节"),  # changed
        Day(D(2027, 2, 20), True, "春节"),  # added
    ]  # 2027-01-02 removed
    diff = services.replace_year(2027, second, actor=world.office)
    assert (len(diff.added), len(diff.changed), len(diff.removed)) == (1, 1, 1)
    assert stored() == [(d.date, d.is_workday, d.name) for d in second]
    assert stored(2028) == [(D(2028, 1, 1), False, "元旦")]  # another year untouched
    assert CalendarDay.objects.get(date=D(2027, 1, 1)).pk == kept
    actions = list(
        ActivityLog.objects.filter(action__startswith="calendar_day.")
        .order_by("id")
        .values_list("action", "target_repr")
    )
    assert actions[3:] == [
        ("calendar_day.delete", "2027-01-02 元旦"),
        ("calendar_day.update", "2027-02-14 春节"),
        ("calendar_day.create", "2027-02-20 春节"),
    ]
    update = ActivityLog.objects.get(action="calendar_day.update")
    assert (update.before["is_workday"], update.after["is_workday"]) == (True, False)
    # The removed day still shows in the year's history, by its logged name.
    assert any(h["target"] == "2027-01-02 元旦" for h in years.history(2027))


def test_an_empty_list_clears_the_year(world):
    services.replace_year(2027, [Day(D(2027, 1, 1), False, "元旦")], actor=world.office)
    services.replace_year(2027, [], actor=world.office)
    assert stored() == []
    assert workdays.uncovered_years([2027]) == [2027]


def test_refusals_store_nothing(world):
    with pytest.raises(PermissionRefused):
        services.replace_year(2027, [Day(D(2027, 1, 1), False)], actor=world.liaison)
    with pytest.raises(services.CalendarInvalid) as refused:
        services.replace_year(
            2027,
            [
                Day(D(2027, 1, 1), False),
                Day(D(2026, 12, 31), False),
                Day(D(2027, 1, 1), True),
                Day(D(2027, 1, 3), False, "长" * 51),
            ],
            actor=world.office,
        )
    assert [(e.index, e.field) for e in refused.value.errors] == [
        (1, "date"),
        (2, "date"),
        (3, "name"),
    ]
    assert stored() == [] and not ActivityLog.objects.filter(action__startswith="calendar")


def test_a_save_based_on_an_older_state_of_the_year_is_refused(world):
    opened = years.fingerprint(years.office_days(2027))
    services.replace_year(2027, [Day(D(2027, 1, 1), False, "元旦")], actor=world.office)
    with pytest.raises(ConflictError):
        services.replace_year(2027, [], actor=world.office, expected=opened)
    assert stored() == [(D(2027, 1, 1), False, "元旦")]
    now = years.fingerprint(years.office_days(2027))
    services.replace_year(2027, [], actor=world.office, expected=now)
    assert stored() == []


def test_what_the_overview_says_of_each_year(world):
    services.replace_year(2027, [Day(D(2027, 1, 1), False, "元旦")], actor=world.office)
    services.replace_year(2026, [Day(D(2026, 10, 8), False, "国庆节")], actor=world.office)
    rows = {y.year: y for y in years.overview(D(2026, 11, 16))}
    assert sorted(rows) == [2025, 2026, 2027, 2028]
    assert (rows[2025].source, rows[2025].days_off, rows[2025].make_up_days) == ("package", 28, 5)
    assert (rows[2026].source, rows[2026].package_covers) == ("office", True)
    assert (rows[2027].source, rows[2027].package_covers, rows[2027].days_off) == (
        "office",
        False,
        1,
    )
    assert (rows[2028].source, rows[2028].covered) == ("weekdays", False)


def test_the_preview_compares_with_the_package_and_the_saved_days(world):
    services.replace_year(2026, [Day(D(2026, 1, 1), False, "元旦")], actor=world.office)
    rows, diff = years.preview(
        2026,
        [
            Day(D(2026, 1, 1), False, "元旦"),
            Day(D(2026, 1, 4), False, "元旦"),  # the package: a make-up workday
            Day(D(2026, 1, 5), True, ""),  # a Monday: a working day anyway
        ],
    )
    assert [(r.status, r.disagrees, r.no_effect) for r in rows] == [
        ("same", False, False),
        ("added", True, False),
        ("added", False, True),
    ]
    assert len(diff.added) == 2


def test_a_day_someone_else_added_meanwhile_is_a_conflict_not_an_error(world, monkeypatch):
    """Two first saves of a year at once: both read no rows, the second insert of a date meets
    the unique index. It is refused as a conflict, and nothing of it is kept."""
    real = years.changes

    def meanwhile(saved, new):
        CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="别人")
        return real(saved, new)

    monkeypatch.setattr(years, "changes", meanwhile)
    with pytest.raises(ConflictError):
        services.replace_year(2027, [Day(D(2027, 1, 1), False, "元旦")], actor=world.office)
    assert stored() == []
    assert not ActivityLog.objects.filter(action__startswith="calendar")
