"""The warning lights (红黄绿灯): derived from the deadline, the state and the campaign's
due-soon window, shown on every page a measure appears with a legend, and in the API."""

import datetime as dt

import pytest
from django.urls import reverse

from rectify.campaigns import services as campaign_services
from rectify.ledger import derived, services
from rectify.ledger.choices import DueStatus, Light, MeasureState
from tests.helpers import attrs

pytestmark = pytest.mark.usefixtures("pinned_today")  # Monday 2026-11-16


@pytest.mark.parametrize(
    ("state", "due", "light"),
    [
        (MeasureState.DRAFT, DueStatus.NONE, Light.GREEN),
        (MeasureState.IN_PROGRESS, DueStatus.DUE_SOON, Light.YELLOW),
        (MeasureState.RETURNED, DueStatus.OVERDUE, Light.RED),
        (MeasureState.CLOSURE_REQUESTED, DueStatus.OVERDUE, Light.RED),
        (MeasureState.CLOSED, DueStatus.NONE, ""),
        (MeasureState.CLOSED, DueStatus.OVERDUE, ""),
    ],
)
def test_an_open_measure_has_a_light_a_closed_one_none(state, due, light):
    assert derived.light(state, due) == light


@pytest.mark.django_db
def test_the_window_in_working_days_skips_the_weekend_and_follows_the_settings(world):
    m = world.measure_a
    on = dt.date(2026, 11, 16)
    # Five working days from Monday 16 November end on Monday 23 November.
    for deadline, light in [
        (dt.date(2026, 11, 13), Light.RED),
        (dt.date(2026, 11, 23), Light.YELLOW),
        (dt.date(2026, 11, 24), Light.GREEN),
    ]:
        m.deadline = deadline
        assert derived.light(m.state, derived.due_status(m, on)) == light, deadline
    campaign_services.update_settings(
        world.campaign, actor=world.office, due_soon_days=10, due_soon_basis="calendar"
    )
    m.campaign.refresh_from_db()
    m.deadline = dt.date(2026, 11, 26)
    assert derived.light(m.state, derived.due_status(m, on)) == Light.YELLOW
    m.deadline = dt.date(2026, 11, 27)
    assert derived.light(m.state, derived.due_status(m, on)) == Light.GREEN


@pytest.mark.django_db
def test_every_light_shows_on_the_problem_page_with_the_legend(client, world):
    services.update_measure(
        world.measure_b,
        actor=world.office,
        expected_version=world.measure_b.version,
        deadline=dt.date(2026, 11, 10),
        deadline_reason="按计划应已完成",
    )
    services.create_measure(
        world.problem,
        actor=world.office,
        content="近期到期的措施",
        responsible_unit=world.bureau_a,
        deadline=dt.date(2026, 11, 18),
    )
    client.force_login(world.office)
    page = client.get(reverse("problem-detail", args=[world.campaign.slug, world.problem.number]))
    lights = sorted(a["data-light"] for a in attrs(page, "due-badge") + attrs(page, "light-badge"))
    assert lights == ["green", "red", "yellow"]
    text = page.content.decode()
    assert "绿灯" in text and "黄灯" in text and "红灯" in text
    assert attrs(page, "lights-legend")
    assert "5 个工作日" in text or "5个工作日" in text


@pytest.mark.django_db
def test_the_api_gives_each_measure_its_light(client, world):
    client.force_login(world.office)
    body = client.get(f"/api/v1/measures/{world.measure_a.pk}").json()
    assert body["light"] == "green"
    services.start(world.measure_a, actor=world.office)
    services.close_not_feasible(world.measure_a, actor=world.office, reason="条件不具备")
    assert client.get(f"/api/v1/measures/{world.measure_a.pk}").json()["light"] == ""
