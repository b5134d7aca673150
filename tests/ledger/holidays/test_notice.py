"""Reading the State Council's notice and the office's list of days (no database)."""

import datetime as dt

import chinese_calendar
import pytest

from rectify.ledger.holidays.notice import Day, lines_of, read_lines, read_notice
from tests.ledger.holidays.notices import NOTICE_2025, NOTICE_2026, NOTICE_2027

D = dt.date


def package_days(year):
    """The package's own days of `year`: date → (is a working day, Chinese name)."""
    chinese = {h.value: h.chinese for h in chinese_calendar.Holiday}
    days = {d: (False, chinese[n]) for d, n in chinese_calendar.holidays.items() if d.year == year}
    days |= {d: (True, chinese[n]) for d, n in chinese_calendar.workdays.items() if d.year == year}
    return days


@pytest.mark.parametrize(("year", "text"), [(2025, NOTICE_2025), (2026, NOTICE_2026)])
def test_a_real_notice_reads_exactly_as_the_package_has_it(year, text):
    reading = read_notice(text, year)
    assert reading.unread == []
    assert reading.notice_year == year
    expected = package_days(year)
    # The same days, none more and none fewer …
    assert [d.date for d in reading.days] == sorted(expected)
    for day in reading.days:
        is_workday, name = expected[day.date]
        # … each a working day or not as the package says, and named by the same holiday
        # (the package writes 清明 for 清明节, 中秋 for 中秋节).
        assert day.is_workday == is_workday == chinese_calendar.is_workday(day.date)
        assert name in day.name, day


def test_the_2026_notice_in_detail():
    reading = read_notice(NOTICE_2026, 2026)
    assert reading.reference == "国办发明电〔2025〕7号"
    by_date = {d.date: d for d in reading.days}
    assert by_date[D(2026, 1, 4)] == Day(D(2026, 1, 4), True, "元旦")
    assert by_date[D(2026, 2, 15)] == Day(D(2026, 2, 15), False, "春节")
    assert by_date[D(2026, 2, 23)] == Day(D(2026, 2, 23), False, "春节")
    assert by_date[D(2026, 9, 20)] == Day(D(2026, 9, 20), True, "国庆节")
    assert by_date[D(2026, 2, 14)].weekday == "周六"
    assert sum(not d.is_workday for d in reading.days) == 33
    assert sum(d.is_workday for d in reading.days) == 6


def test_a_range_into_the_next_month():
    reading = read_notice(NOTICE_2027, 2027)
    assert reading.unread == []
    national = [d.date for d in reading.days if d.name == "国庆节" and not d.is_workday]
    assert national == [D(2027, 9, 30)] + [D(2027, 10, n) for n in range(1, 8)]
    spring = [d.date for d in reading.days if d.name == "春节" and not d.is_workday]
    assert spring == [D(2027, 2, n) for n in range(5, 13)]
    assert Day(D(2027, 4, 5), False, "清明节") in reading.days
    workdays = [d.date for d in reading.days if d.is_workday]
    assert workdays == [D(2027, 2, 14), D(2027, 2, 20), D(2027, 9, 26), D(2027, 10, 9)]


def test_the_one_paragraph_ranges_of_the_brief():
    text = "9月30日至10月7日放假调休。4月5日放假。1月1日至3日放假"
    dates = [d.date for d in read_notice(text, 2027).days]
    assert dates[:3] == [D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3)]
    assert D(2027, 4, 5) in dates
    assert dates[-1] == D(2027, 10, 7) and len(dates) == 3 + 1 + 8


def test_full_width_digits_and_punctuation_and_weekday_remarks():
    text = (
        "一、劳动节：５月１日（星期六）至５月５日（星期三）放假，共５天；４月２５日（星期日）上班。"
    )
    reading = read_notice(text, 2027)
    assert reading.unread == []
    assert [d.line for d in reading.days] == [
        "2027-04-25 劳动节 上班",
        *(f"2027-05-0{n} 劳动节 放假" for n in range(1, 6)),
    ]


def test_the_whole_notice_pasted_as_one_line():
    reading = read_notice(NOTICE_2026.replace("\n", ""), 2026)
    assert reading.unread == []
    assert [d.date for d in reading.days] == sorted(package_days(2026))


def test_make_up_days_on_a_line_of_their_own_belong_to_the_holiday_before():
    text = (
        "二、春节：2月5日至12日放假调休，共8天。\n"
        "2月14日（周日）、2月20日（周六）上班。\n"
        "4月5日放假"
    )
    reading = read_notice(text, 2027)
    names = {d.date: d.name for d in reading.days}
    assert names[D(2027, 2, 14)] == names[D(2027, 2, 20)] == "春节"
    assert names[D(2027, 4, 5)] == ""  # a day off without a name of its own


def test_an_old_style_notice_with_a_day_in_lieu():
    reading = read_notice("五、端午节：6月20日放假，6月22日（星期一）补休。", 2015)
    assert [d.line for d in reading.days] == ["2015-06-20 端午节 放假", "2015-06-22 端午节 放假"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("一、春节：2月30日放假", "bad_date"),
        ("一、春节：3日至5日放假", "no_month"),
        ("一、春节：2月10日至1日放假", "backwards"),
        ("一、春节：1月10日至3月1日放假", "too_long"),
        ("一、国庆节：10月1日至7日", "no_kind"),
        ("一、元旦：12月31日至1月2日放假", "other_year"),
        ("一、元旦：2026年12月31日上班", "other_year"),
        ("一、元旦：1月1日至3日放假。1月2日上班。", "both"),
        ("国务院办公厅关于2026年部分节假日安排的通知", "other_notice"),
    ],
)
def test_what_cannot_be_read_is_named_with_its_line(text, code):
    reading = read_notice("通知\n" + text, 2027)
    assert [(u.line, u.code) for u in reading.unread] == [(2, code)]
    assert reading.unread[0].text == text


def test_the_notice_s_own_date_and_number_are_not_days():
    reading = read_notice("国办发明电〔2026〕7号\n国务院办公厅\n2026年11月4日", 2027)
    assert reading.days == [] and reading.unread == []


# --- the list, one day a line ----------------------------------------------------------------


def test_the_list_reads_back_what_lines_of_writes():
    days = read_notice(NOTICE_2027, 2027).days
    text = lines_of(days)
    assert text.splitlines()[0] == "2027-01-01 元旦 放假"
    assert read_lines(text, 2027).days == days


def test_the_list_forgives_spacing_names_left_out_and_weekdays():
    text = (
        "# 2027\n\n  2027-01-01   元旦  放假\n2027/2/14（周日） 上班\n"
        "2027年2月20日 周六 春节 上班\n"
        "２０２７－１０－０９\t国庆节\t调休上班"
    )
    reading = read_lines(text, 2027)
    assert reading.unread == []
    assert [d.line for d in reading.days] == [
        "2027-01-01 元旦 放假",
        "2027-02-14 上班",
        "2027-02-20 春节 上班",
        "2027-10-09 国庆节 上班",
    ]


def test_every_unreadable_line_is_named_and_nothing_is_kept_silently():
    text = "\n".join(
        [
            "2027-01-01 元旦 放假",
            "元旦 2027-01-02 放假",  # 2: no date first
            "2027-02-30 放假",  # 3: no such day
            "2026-12-31 放假",  # 4: another year
            "2027-01-01 放假",  # 5: twice
            "2027-03-01 春节",  # 6: neither 放假 nor 上班
            "2027-03-02 放假 上班",  # 7: both
            "2027-03-03 " + "长" * 51 + " 放假",  # 8: name too long
        ]
    )
    reading = read_lines(text, 2027)
    assert [(u.line, u.code) for u in reading.unread] == [
        (2, "no_date"),
        (3, "bad_date"),
        (4, "other_year"),
        (5, "twice"),
        (6, "no_kind_line"),
        (7, "no_kind_line"),
        (8, "name_too_long"),
    ]
    assert reading.unread[3].params["first"] == 1
    assert not reading.ok
