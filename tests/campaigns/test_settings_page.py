"""The campaign settings page: the office sets the dates, the warning lights' window and the
public page; everyone else is refused; every change is logged; the API does the same."""

import pytest
from django.urls import reverse

from rectify.audit.models import ActivityLog

pytestmark = pytest.mark.usefixtures("pinned_today")


def url(world):
    return reverse("campaign-settings", args=[world.campaign.slug])


def data(**overrides):
    values = {
        "description": "",
        "starts_on": "2026-09-01",
        "ends_on": "2027-06-30",
        "due_soon_days": "7",
        "due_soon_basis": "calendar",
        "remind_after_days": "3",
        "remind_before_days": "3",
        "remind_on_deadline": "on",
        "remind_overdue_every": "3",
        "escalate_after": "3",
    }
    values.update(overrides)
    return values


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("office", 200),
        ("leader", 403),
        ("group", 403),
        ("liaison", 403),
        ("liaison2", 403),
        ("supervisor", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_only_the_office_opens_and_saves_the_settings(client, world, persona, status):
    client.force_login(world.personas[persona])
    assert client.get(url(world)).status_code == status
    response = client.post(url(world), data())
    assert response.status_code == (302 if status == 200 else status)
    world.campaign.refresh_from_db()
    changed = (world.campaign.due_soon_days, world.campaign.due_soon_basis) == (7, "calendar")
    assert changed is (persona == "office")


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(url(world))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_saving_logs_the_change_and_the_home_page_links_here(client, world):
    client.force_login(world.office)
    home = client.get(reverse("campaign-home", args=[world.campaign.slug])).content.decode()
    assert url(world) in home
    assert client.post(url(world), data(public_intake_enabled="on")).status_code == 302
    entry = ActivityLog.objects.get(action="campaign.update")
    assert entry.actor == world.office
    assert entry.after["due_soon_days"] == 7 and entry.after["public_intake_enabled"] is True
    page = client.get(url(world)).content.decode()
    assert "7 天内到期" in page or "7天内到期" in page or "7 天" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"due_soon_days": "0"}, "due_soon_days"),
        ({"due_soon_days": "61"}, "due_soon_days"),
        ({"due_soon_days": ""}, "due_soon_days"),
        ({"due_soon_basis": "lunar"}, "due_soon_basis"),
        ({"ends_on": "2026-01-01"}, "ends_on"),
    ],
)
def test_bad_values_get_field_errors_and_change_nothing(client, world, overrides, field):
    client.force_login(world.office)
    response = client.post(url(world), data(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    world.campaign.refresh_from_db()
    assert world.campaign.due_soon_days == 5
    assert not ActivityLog.objects.filter(action="campaign.update").exists()


@pytest.mark.django_db
def test_the_api_changes_settings_for_the_office_only(client, world):
    path = f"/api/v1/campaigns/{world.campaign.slug}/settings"
    client.force_login(world.liaison)
    body = {"due_soon_days": 3}
    assert client.patch(path, body, content_type="application/json").status_code == 403
    client.force_login(world.office)
    response = client.patch(path, body, content_type="application/json")
    assert response.status_code == 200 and response.json()["due_soon_days"] == 3
    bad = {"due_soon_days": 0}
    assert client.patch(path, bad, content_type="application/json").status_code == 422
    world.campaign.refresh_from_db()
    assert world.campaign.due_soon_days == 3


@pytest.mark.django_db
def test_the_office_sets_the_reminder_rules_on_the_page_and_through_the_api(client, world):
    client.force_login(world.office)
    page = client.get(url(world))
    assert 'data-testid="reminder-rules"' in page.content.decode()
    response = client.post(
        url(world), data(remind_before_days="5", remind_on_deadline="", escalate_after="0")
    )
    assert response.status_code == 302
    world.campaign.refresh_from_db()
    c = world.campaign
    assert (c.remind_before_days, c.remind_on_deadline, c.escalate_after) == (5, False, 0)
    log = ActivityLog.objects.filter(action="campaign.update").latest("id")
    assert log.after["remind_before_days"] == 5
    path = f"/api/v1/campaigns/{world.campaign.slug}/settings"
    body = {"remind_overdue_every": 7, "remind_after_days": 0}
    response = client.patch(path, body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["remind_overdue_every"] == 7
    assert response.json()["remind_before_days"] == 5  # unsent fields stay
    bad = {"remind_overdue_every": -1}
    assert client.patch(path, bad, content_type="application/json").status_code == 422
    world.campaign.refresh_from_db()
    assert (world.campaign.remind_overdue_every, world.campaign.remind_after_days) == (7, 0)
