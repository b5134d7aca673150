"""GET/PUT /api/v1/calendar/{year}: the year's declared days, replaced by the same service as
the page (staff and campaign offices only)."""

import datetime as dt

import pytest

from rectify.audit.models import ActivityLog
from rectify.core import workdays
from rectify.core.models import CalendarDay
from tests.factories import make_user

pytestmark = pytest.mark.django_db

D = dt.date
DAYS_2027 = [
    {"date": "2027-01-01", "is_workday": False, "name": "元旦"},
    {"date": "2027-01-02", "is_workday": False, "name": "元旦"},
    {"date": "2027-01-03", "is_workday": False, "name": "元旦"},
    {"date": "2027-02-14", "is_workday": True, "name": "春节"},
]


@pytest.fixture
def put(client, token_for):
    def call(user, year, days, scope="write"):
        return client.put(
            f"/api/v1/calendar/{year}",
            days,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token_for(user, scope)}"},
        )

    return call


def test_a_year_nobody_knows(api, world):
    body = api(world.viewer).get("/calendar/2027").json()
    assert body == {"year": 2027, "source": "weekdays", "package_covers": False, "days": []}


def test_a_year_the_package_knows(api, world):
    body = api(world.liaison).get("/calendar/2026").json()
    assert (body["source"], body["package_covers"], body["days"]) == ("package", True, [])


def test_the_office_puts_a_year_and_everyone_reads_it(api, put, world):
    resp = put(world.office, 2027, DAYS_2027)
    assert resp.status_code == 200, resp.json()
    body = resp.json()
    assert body["source"] == "office"
    assert body["days"][3] == {
        "date": "2027-02-14",
        "is_workday": True,
        "name": "春节",
        "weekday": "周日",
    }
    assert api(world.liaison).get("/calendar/2027").json() == body
    assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    entries = ActivityLog.objects.filter(action="calendar_day.create")
    assert entries.count() == 4 and {e.actor for e in entries} == {world.office}


def test_a_second_put_replaces_the_year(put, world):
    put(world.office, 2027, DAYS_2027)
    resp = put(world.office, 2027, DAYS_2027[:1] + [{"date": "2027-05-01", "is_workday": False}])
    assert [d["date"] for d in resp.json()["days"]] == ["2027-01-01", "2027-05-01"]
    assert CalendarDay.objects.count() == 2
    assert put(world.office, 2027, []).json()["source"] == "weekdays"


def test_staff_may_put(put, world):
    assert put(make_user("staffer", is_staff=True), 2027, DAYS_2027).status_code == 200


@pytest.mark.parametrize("persona", ["liaison", "leader", "supervisor", "viewer", "outsider"])
def test_others_may_not_put(put, world, persona):
    resp = put(world.personas[persona], 2027, DAYS_2027)
    assert resp.status_code == 403
    assert resp.json()["code"] == "forbidden"
    assert CalendarDay.objects.count() == 0


def test_a_read_only_token_may_not_put(put, world):
    assert put(world.office, 2027, DAYS_2027, scope="read").status_code == 403


def test_days_that_cannot_be_stored_are_named(put, world):
    days = [*DAYS_2027, {"date": "2026-12-31", "is_workday": False}, DAYS_2027[0]]
    resp = put(world.office, 2027, days)
    assert resp.status_code == 422
    assert [e["field"] for e in resp.json()["errors"]] == ["4.date", "5.date"]
    assert CalendarDay.objects.count() == 0


@pytest.mark.parametrize(
    "days",
    [
        [{"date": "2027-01-01"}],
        [{"date": "2027-02-30", "is_workday": False}],
        [{"date": "2027-01-01", "is_workday": False, "name": "x" * 51}],
        [{"date": "2027-01-01", "is_workday": False, "colour": "red"}],
        {"date": "2027-01-01", "is_workday": False},
    ],
)
def test_malformed_bodies_are_422(put, world, days):
    assert put(world.office, 2027, days).status_code == 422


def test_years_outside_the_range_are_422(api, put, world):
    assert api(world.office).get("/calendar/1999").status_code == 422
    assert put(world.office, 2100, []).status_code == 422


def test_signed_out_is_401(client):
    assert client.get("/api/v1/calendar/2027").status_code == 401
