"""The calendar's pages: paste the notice → preview → save, as the office; what others see."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from rectify.audit.models import ActivityLog
from rectify.core import workdays
from rectify.core.models import CalendarDay
from rectify.ledger.holidays import services
from rectify.ledger.holidays.notice import Day
from tests.factories import make_user
from tests.helpers import attrs, messages_of, texts
from tests.ledger.holidays.notices import NOTICE_2026, NOTICE_2027

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_today")]

D = dt.date
OVERVIEW = reverse("calendar")
EDIT_2027 = reverse("calendar-edit", args=[2027])
YEAR_2027 = reverse("calendar-year", args=[2027])


def days_shown(response):
    return [(a["data-date"], a["data-workday"]) for a in attrs(response, "calendar-day")]


def read(client, notice, url=EDIT_2027, **extra):
    based_on = client.get(url).context["form"]["based_on"].value()
    return client.post(url, {"action": "read", "notice": notice, "based_on": based_on, **extra})


def resend(response, action, **changes):
    """Submit the form as the page shows it (its fields and the preview's fingerprint)."""
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in ("notice", "lines", "basis", "based_on")}
    data["checked"] = response.context.get("checked", "")
    return response.client.post(
        response.request["PATH_INFO"], {**data, **changes, "action": action}
    )


def test_the_office_pastes_the_notice_previews_and_saves(client, world):
    client.force_login(world.office)
    page = client.get(EDIT_2027)
    assert page.status_code == 200
    assert attrs(page, "calendar-no-preview")

    preview = read(client, NOTICE_2027)
    assert preview.status_code == 200
    assert not texts(preview, "calendar-unread")
    shown = days_shown(preview)
    assert len(shown) == 24
    assert ("2027-02-14", "1") in shown and ("2027-09-30", "0") in shown
    lines = preview.context["form"]["lines"].value().splitlines()
    assert lines[0] == "2027-01-01 元旦 放假"
    assert "2027-02-14 春节 上班" in lines
    row = next(t for t in texts(preview, "calendar-day") if t.startswith("2027-02-14"))
    assert "周日" in row  # a Sunday
    assert attrs(preview, "save-calendar")
    assert CalendarDay.objects.count() == 0  # reading saves nothing

    saved = resend(preview, "save")
    assert saved.status_code == 302 and saved.url == YEAR_2027
    assert CalendarDay.objects.filter(date__year=2027).count() == 24
    assert ActivityLog.objects.filter(action="calendar_day.create").count() == 24
    assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)

    year = client.get(YEAR_2027)
    assert "24" in messages_of(year)[0]
    assert attrs(year, "calendar-source")[0]["data-source"] == "office"
    assert len(days_shown(year)) == 24
    assert attrs(year, "timeline")


def test_the_year_s_notice_number_becomes_the_basis_of_the_log(client, world):
    client.force_login(world.office)
    preview = read(client, NOTICE_2026, url=reverse("calendar-edit", args=[2026]))
    assert preview.context["form"]["basis"].value() == "国办发明电〔2025〕7号"
    # The package knows 2026 and agrees with every day of its notice.
    assert not attrs(preview, "package-disagrees")
    resend(preview, "save")
    entries = ActivityLog.objects.filter(action="calendar_day.create")
    assert entries.count() == 39
    assert set(entries.values_list("reason", flat=True)) == {"国办发明电〔2025〕7号"}


def test_a_corrected_list_is_previewed_then_saved_as_corrected(client, world):
    client.force_login(world.office)
    preview = read(client, NOTICE_2027)
    lines = preview.context["form"]["lines"].value() + "\n2027-12-31 年末 放假"
    again = resend(preview, "preview", lines=lines)
    assert ("2027-12-31", "0") in days_shown(again)
    resend(again, "save")
    assert CalendarDay.objects.get(date=D(2027, 12, 31)).name == "年末"


def test_a_list_changed_after_the_preview_is_previewed_again_not_saved(client, world):
    client.force_login(world.office)
    preview = read(client, NOTICE_2027)
    lines = preview.context["form"]["lines"].value() + "\n2027-12-31 年末 放假"
    response = resend(preview, "save", lines=lines)
    assert response.status_code == 200
    assert CalendarDay.objects.count() == 0
    assert messages_of(response)  # the list changed since the preview
    assert ("2027-12-31", "0") in days_shown(response)
    assert resend(response, "save").status_code == 302
    assert CalendarDay.objects.filter(date__year=2027).count() == 25


def test_unreadable_lines_are_shown_by_number_and_nothing_is_saved(client, world):
    client.force_login(world.office)
    preview = read(client, NOTICE_2027)
    lines = "2027-01-01 元旦 放假\n2027-13-01 放假\n\n2027-02-14 春节"
    response = resend(preview, "save", lines=lines)
    assert response.status_code == 200
    assert [a["data-line"] for a in attrs(response, "unread-line")] == ["2", "4"]
    shown = texts(response, "unread-line")
    assert "2027-13-01 放假" in shown[0] and "2027-02-14 春节" in shown[1]
    assert not attrs(response, "save-calendar")
    assert CalendarDay.objects.count() == 0


def test_unreadable_lines_of_the_notice_are_shown_and_block_the_save(client, world):
    client.force_login(world.office)
    response = read(client, NOTICE_2027 + "五、劳动节：5月1日至5日\n")
    assert [a["data-line"] for a in attrs(response, "unread-line")] == ["6"]
    assert not attrs(response, "save-calendar")
    assert len(days_shown(response)) == 24  # the rest is read and shown


def test_a_list_of_days_pasted_as_the_notice_is_read_as_a_list(client, world):
    client.force_login(world.office)
    response = read(client, "2027-01-01 元旦 放假\n2027-02-14 春节 上班")
    assert days_shown(response) == [("2027-01-01", "0"), ("2027-02-14", "1")]
    assert read(client, "没有日期的文字").context["form"].errors["notice"]


def test_the_notice_of_another_year_is_refused(client, world):
    client.force_login(world.office)
    response = read(client, NOTICE_2026)
    assert "2026" in texts(response, "unread-line")[0]
    assert not days_shown(response)


def test_a_re_save_replaces_the_year(client, world):
    services.replace_year(
        2027,
        [Day(D(2027, 1, 1), False, "元旦"), Day(D(2027, 5, 1), False, "劳动节")],
        actor=world.office,
    )
    client.force_login(world.office)
    page = client.get(EDIT_2027)
    assert page.context["form"]["lines"].value() == "2027-01-01 元旦 放假\n2027-05-01 劳动节 放假"
    preview = read(client, NOTICE_2027)
    assert "2027-05-01" in texts(preview, "calendar-removed")[0]
    resend(preview, "save")
    assert CalendarDay.objects.filter(date__year=2027).count() == 24
    assert not CalendarDay.objects.filter(date=D(2027, 5, 1)).exists()


def test_someone_else_s_save_in_between_is_not_overwritten(client, world):
    client.force_login(world.office)
    preview = read(client, NOTICE_2027)
    services.replace_year(2027, [Day(D(2027, 3, 1), False, "另存")], actor=world.office)
    response = resend(preview, "save")
    assert response.status_code == 200 and attrs(response, "calendar-conflict")
    assert list(CalendarDay.objects.values_list("name", flat=True)) == ["另存"]


@pytest.mark.parametrize("persona", ["liaison", "leader", "viewer", "outsider"])
def test_only_staff_and_offices_may_enter_the_calendar(client, world, persona):
    client.force_login(world.personas[persona])
    assert client.get(EDIT_2027).status_code == 403
    assert client.post(EDIT_2027, {"action": "save", "lines": ""}).status_code == 403
    assert CalendarDay.objects.count() == 0
    # … and may read it.
    assert client.get(OVERVIEW).status_code == 200
    assert client.get(YEAR_2027).status_code == 200
    assert not attrs(client.get(OVERVIEW), "calendar-edit-link")


def test_staff_may_enter_the_calendar(client, world):
    client.force_login(make_user("staffer", is_staff=True))
    assert client.get(EDIT_2027).status_code == 200
    assert attrs(client.get(OVERVIEW), "calendar-edit-link")


def test_signed_out_visitors_are_sent_to_log_in(client):
    for url in (OVERVIEW, YEAR_2027, EDIT_2027):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_years_outside_the_range_do_not_exist(client, world):
    client.force_login(world.office)
    assert client.get(reverse("calendar-edit", args=[1999])).status_code == 404
    assert client.get(reverse("calendar-year", args=[2100])).status_code == 404


def test_the_overview_names_where_each_year_comes_from(client, world):
    services.replace_year(2027, [Day(D(2027, 1, 1), False, "元旦")], actor=world.office)
    client.force_login(world.viewer)
    response = client.get(OVERVIEW)
    sources = {a["data-year"]: a["data-source"] for a in attrs(response, "calendar-year-row")}
    assert sources == {"2025": "package", "2026": "package", "2027": "office", "2028": "weekdays"}
    # Choosing a year goes to its page (the office: to its entry).
    assert client.get(OVERVIEW, {"year": 2030}).url == reverse("calendar-year", args=[2030])
    client.force_login(world.office)
    assert client.get(OVERVIEW, {"year": 2030}).url == reverse("calendar-edit", args=[2030])
    assert client.get(OVERVIEW, {"year": 1800}).status_code == 200  # refused in the form


def test_an_uncovered_year_warns_and_links_to_its_entry(client, world):
    client.force_login(world.office)
    response = client.get(reverse("calendar-year", args=[2028]))
    assert attrs(response, "calendar-warning")[0]["data-years"] == "2028"
    link = attrs(response, "calendar-warning-link")[0]["href"]
    assert link == reverse("calendar-edit", args=[2028])
    # A reader who may not enter it is pointed at the calendar instead.
    client.force_login(world.viewer)
    response = client.get(reverse("calendar-year", args=[2028]))
    assert attrs(response, "calendar-warning-link")[0]["href"] == reverse(
        "calendar-year", args=[2028]
    )


def test_the_campaign_home_warning_links_to_the_first_missing_year(client, world, time_machine):
    time_machine.move_to(dt.datetime(2031, 3, 3, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    client.force_login(world.office)
    response = client.get(reverse("campaign-home", args=["world"]))
    assert attrs(response, "calendar-warning")[0]["data-years"] == "2031"
    assert attrs(response, "calendar-warning-link")[0]["href"] == reverse(
        "calendar-edit", args=[2031]
    )
    warning = texts(response, "calendar-warning")[0]
    assert "2031年的时限暂按周一至周五计算工作日" in warning
    assert "录入国务院办公厅2031年节假日安排通知" in warning
