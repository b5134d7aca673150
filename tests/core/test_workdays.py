"""Working days in mainland China: the package's holidays and make-up days, the office's own
table on top, and plain Monday–Friday for years nobody knows (with a warning)."""

import datetime as dt

import chinese_calendar
import pytest

from rectify.core import workdays
from rectify.core.models import CalendarDay

D = dt.date

# The State Council's 2026 notice as chinese-calendar 1.11.0 ships it.
NATIONAL_DAY_2026 = [D(2026, 10, d) for d in range(1, 8)]  # Oct 1–7 off; Oct 8 is a workday
MAKE_UP_WORKDAYS_2026 = [
    D(2026, 1, 4),
    D(2026, 2, 14),
    D(2026, 2, 28),
    D(2026, 5, 9),
    D(2026, 9, 20),
    D(2026, 10, 10),
]


def declare(day: dt.date, *, workday: bool, name: str = "") -> CalendarDay:
    return CalendarDay.objects.create(date=day, is_workday=workday, name=name)


def test_the_package_knows_2004_to_2026_and_not_2027():
    assert workdays._package_years() == frozenset(range(2004, 2027))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))


@pytest.mark.django_db
@pytest.mark.parametrize("day", NATIONAL_DAY_2026)
def test_the_2026_national_day_holiday_is_not_a_working_day(day):
    assert not workdays.is_workday(day)


@pytest.mark.django_db
def test_the_working_days_around_the_2026_national_day():
    assert workdays.is_workday(D(2026, 9, 30))
    assert workdays.is_workday(D(2026, 10, 8))  # a Thursday, back at work
    assert workdays.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    # Oct 8, 9, 10 (make-up Saturday), then Mon 12 and Tue 13.
    assert workdays.add_working_days(D(2026, 9, 30), 5) == D(2026, 10, 13)
    assert workdays.working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert workdays.working_days_between(D(2026, 10, 8), D(2026, 9, 30)) == -1
    assert workdays.working_days_between(D(2026, 9, 30), D(2026, 10, 13)) == 5


@pytest.mark.django_db
@pytest.mark.parametrize("day", MAKE_UP_WORKDAYS_2026)
def test_a_2026_make_up_weekend_day_is_a_working_day(day):
    assert day.weekday() >= 5
    assert workdays.is_workday(day)
    # The day before it is not a working day or is the working day before; either way the
    # next working day counted from it is the make-up day itself.
    assert workdays.add_working_days(day - dt.timedelta(days=1), 1) == day


@pytest.mark.django_db
def test_an_ordinary_weekend_is_not_a_working_day():
    assert not workdays.is_workday(D(2026, 3, 7))
    assert workdays.add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)


@pytest.mark.django_db
def test_zero_working_days_is_the_day_itself_even_on_a_holiday():
    assert workdays.add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)


@pytest.mark.django_db
def test_a_negative_count_is_refused():
    with pytest.raises(ValueError):
        workdays.add_working_days(D(2026, 10, 3), -1)


# --- years the package does not know ---------------------------------------------------------


@pytest.mark.django_db
def test_2027_falls_back_to_monday_to_friday_and_says_so():
    assert workdays.is_workday(D(2027, 1, 1))  # a Friday: really New Year's Day, but unknown
    assert not workdays.is_workday(D(2027, 1, 2))
    assert workdays.add_working_days(D(2027, 1, 1), 1) == D(2027, 1, 4)
    assert workdays.uncovered_years({2026, 2027}) == [2027]
    assert workdays.uncovered_years([2025, 2026]) == []


@pytest.mark.django_db
def test_an_office_declared_holiday_in_2027_changes_the_count():
    assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)
    declare(D(2027, 1, 1), workday=False, name="元旦")
    assert not workdays.is_workday(D(2027, 1, 1))
    assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert workdays.working_days_between(D(2026, 12, 31), D(2027, 1, 4)) == 1
    # Once the office has entered the year's notice, it no longer counts as a guess.
    assert workdays.uncovered_years({2027}) == []


@pytest.mark.django_db
def test_an_office_declared_make_up_day_in_2027_is_a_working_day():
    declare(D(2027, 2, 20), workday=True, name="春节调休")
    assert workdays.is_workday(D(2027, 2, 20))
    assert workdays.add_working_days(D(2027, 2, 19), 1) == D(2027, 2, 20)


@pytest.mark.django_db
def test_the_office_table_overrides_the_package_too():
    declare(D(2026, 10, 8), workday=False, name="国庆节延长")
    declare(D(2026, 10, 3), workday=True, name="测试")
    assert not workdays.is_workday(D(2026, 10, 8))
    assert workdays.is_workday(D(2026, 10, 3))
    assert workdays.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 3)
    assert workdays.add_working_days(D(2026, 10, 3), 1) == D(2026, 10, 9)


@pytest.mark.django_db
def test_a_long_run_of_declared_holidays_is_read_to_its_end():
    # Ten weeks off: the count must not fall back to Mon–Fri past the first rows it read.
    day = D(2027, 1, 1)
    while day <= D(2027, 3, 12):
        declare(day, workday=False)
        day += dt.timedelta(days=1)
    assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 3, 15)
    assert workdays.add_working_days(D(2026, 12, 31), 2) == D(2027, 3, 16)


@pytest.mark.django_db
def test_the_uncovered_years_of_dates_include_the_years_between():
    assert workdays.uncovered_years_for([]) == []
    assert workdays.uncovered_years_for([None, D(2026, 11, 16)]) == []
    assert workdays.uncovered_years_for([D(2026, 11, 16), D(2027, 3, 1)]) == [2027]
    # Counting from 2026 to 2029 passes through 2027 and 2028.
    assert workdays.uncovered_years_for([D(2029, 1, 5), D(2026, 11, 16)]) == [2027, 2028, 2029]
    declare(D(2028, 1, 1), workday=False, name="元旦")
    assert workdays.uncovered_years_for([D(2026, 11, 16), D(2029, 1, 5)]) == [2027, 2029]


def test_the_package_s_own_days_of_a_year_in_chinese():
    days = workdays.package_days(2026)
    assert days[0] == (D(2026, 1, 1), False, "元旦")
    assert (D(2026, 2, 14), True, "春节") in days
    assert len(days) == 33 + 6
    assert workdays.package_days(2027) == []
    assert 2026 in workdays.package_years() and 2027 not in workdays.package_years()
