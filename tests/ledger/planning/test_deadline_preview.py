"""The deadline preview (htmx, under the deadline inputs): the date N working days after the
decision date, its weekday, and a warning for years the holiday calendar does not cover."""

import datetime as dt

import pytest
from django.urls import reverse

from rectify.core.models import CalendarDay
from tests.helpers import attrs, texts

pytestmark = pytest.mark.usefixtures("pinned_today")

URL = reverse("deadline-preview", args=["world"])


def shown(response) -> list[str]:
    return [a["data-deadline"] for a in attrs(response, "deadline-preview") if "data-deadline" in a]


@pytest.mark.django_db
def test_working_days_across_the_national_day(client, world):
    client.force_login(world.office)
    response = client.get(
        URL,
        {"deadline_by": "days", "decided_on": "2026-09-29", "working_days": "5"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert shown(response) == ["2026-10-12"]
    (text,) = texts(response, "computed-deadline")
    assert "2026-10-12" in text and "星期一" in text
    assert texts(response, "calendar-warning") == []
    assert b"<html" not in response.content  # a fragment


@pytest.mark.django_db
def test_a_year_without_holiday_data_is_warned_about(client, world):
    client.force_login(world.office)
    response = client.get(
        URL, {"deadline_by": "days", "decided_on": "2026-12-20", "working_days": "20"}
    )
    assert shown(response) == ["2027-01-15"]
    (warning,) = texts(response, "calendar-warning")
    assert "2027" in warning
    # once the office has entered 2027's days, the warning goes and they count
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False)
    response = client.get(
        URL, {"deadline_by": "days", "decided_on": "2026-12-20", "working_days": "20"}
    )
    assert texts(response, "calendar-warning") == []
    assert shown(response) == ["2027-01-18"]


@pytest.mark.django_db
def test_a_decision_date_in_an_uncovered_year_is_warned_about(client, world):
    client.force_login(world.office)
    response = client.get(
        URL, {"deadline_by": "days", "decided_on": "2028-03-01", "working_days": "3"}
    )
    (warning,) = texts(response, "calendar-warning")
    assert "2028" in warning


@pytest.mark.django_db
def test_a_date_shows_its_weekday_and_whether_it_is_a_rest_day(client, world):
    client.force_login(world.office)
    response = client.get(URL, {"deadline_by": "date", "deadline": "2026-10-03"})
    assert shown(response) == ["2026-10-03"]
    assert len(texts(response, "rest-day")) == 1
    response = client.get(URL, {"deadline_by": "date", "deadline": "2026-10-10"})  # make-up day
    assert texts(response, "rest-day") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"deadline_by": "days", "decided_on": "2026-09-29"},
        {"deadline_by": "days", "working_days": "5"},
        {"deadline_by": "days", "decided_on": "2026-02-30", "working_days": "5"},
        {"deadline_by": "days", "decided_on": "2026-09-29", "working_days": "-1"},
        {"deadline_by": "date"},
        {},
    ],
)
def test_incomplete_or_bad_input_shows_no_date(client, world, params):
    client.force_login(world.office)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert shown(response) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"), [("office", 200), ("liaison", 200), ("viewer", 200), ("outsider", 404)]
)
def test_campaign_members_may_ask(client, world, persona, status):
    client.force_login(world.personas[persona])
    assert client.get(URL, {"decided_on": "2026-09-29", "working_days": "5"}).status_code == status


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_log_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url
