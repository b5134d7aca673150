"""Login throttling (django-axes): repeated failures for a username or from an address lock
logins out with a clear message; the lock ends by itself, and the office lifts it sooner in the
admin or with a command. API tokens are no login and keep working."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from rectify.api import tokens
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.usefixtures("pinned_today")

LOCKED_ZH = "登录失败次数过多"
LOCKED_EN = "Too many failed logins"


def log_in(client, username, password, address="192.0.2.10", **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def fail(client, username, times, address="192.0.2.10"):
    return [log_in(client, username, "wrong", address) for _ in range(times)]


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_five_failures_for_a_username_lock_it_with_a_chinese_message(client, world, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    responses = fail(client, "office", 5)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert LOCKED_ZH not in responses[3].content.decode()
    page = responses[4].content.decode()
    assert LOCKED_ZH in page
    assert "登录已暂停 15 分钟" in page
    # the right password does not help now, from anywhere
    response = log_in(client, "office", PASSWORD, address="198.51.100.7")
    assert response.status_code == 429
    assert not logged_in(client)
    # English on request
    response = log_in(client, "office", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert LOCKED_EN in response.content.decode()
    assert "logging in is paused for 15 minutes" in response.content.decode()
    # another user from another address is not affected
    assert log_in(client, "viewer", PASSWORD, address="198.51.100.8").status_code == 302


@pytest.mark.django_db
def test_fewer_failures_do_not_lock(client, world):
    fail(client, "office", 4)
    assert log_in(client, "office", PASSWORD).status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
def test_five_failures_from_an_address_lock_that_address(client, world):
    for name in ("leader", "group", "liaison", "liaison2", "supervisor"):
        fail(client, name, 1, address="203.0.113.9")
    response = log_in(client, "office", PASSWORD, address="203.0.113.9")
    assert response.status_code == 429
    assert not logged_in(client)
    assert log_in(client, "office", PASSWORD, address="203.0.113.10").status_code == 302


@pytest.mark.django_db
def test_behind_a_proxy_the_forwarded_address_counts(client, world, settings):
    """With NUM_PROXIES=1 the proxy's own address is everybody's REMOTE_ADDR: the address it
    saw is counted, or one guesser would lock the whole office out."""
    settings.NINJA_NUM_PROXIES = 1
    proxy = "10.0.0.2"
    for name in ("leader", "group", "liaison", "liaison2", "supervisor"):
        fail_via = log_in(client, name, "wrong", proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
        assert fail_via.status_code in (200, 429)
    ok = log_in(client, "office", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert ok.status_code == 302
    client.logout()
    locked = log_in(client, "office", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert locked.status_code == 429


@pytest.mark.django_db
def test_the_lock_ends_after_the_cool_off(client, world, time_machine):
    fail(client, "office", 5)
    time_machine.shift(dt.timedelta(minutes=14))
    assert log_in(client, "office", PASSWORD).status_code == 429  # and the wait starts again
    time_machine.shift(dt.timedelta(minutes=14))
    assert log_in(client, "office", PASSWORD).status_code == 429
    time_machine.shift(dt.timedelta(minutes=16))
    assert log_in(client, "office", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_office_lifts_a_lock_with_a_command(client, world):
    fail(client, "office", 5)
    assert log_in(client, "office", PASSWORD).status_code == 429
    call_command("axes_reset_username", "office")
    assert log_in(client, "office", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_office_lifts_an_address_lock_with_a_command(client, world):
    for name in ("leader", "group", "liaison", "liaison2", "supervisor"):
        fail(client, name, 1, address="203.0.113.9")
    assert log_in(client, "office", PASSWORD, "203.0.113.9").status_code == 429
    call_command("axes_reset_ip", "203.0.113.9")
    assert log_in(client, "office", PASSWORD, "203.0.113.9").status_code == 302


@pytest.mark.django_db
def test_a_staff_user_lifts_a_lock_in_the_admin(client, world):
    fail(client, "office", 5)
    staff = make_user("admin-clerk", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="axes",
            codename__in=["view_accessattempt", "delete_accessattempt"],
        )
    )
    client.force_login(staff)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = client.get(changelist, {"q": "office"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "登录失败记录" in page.content.decode()
    attempts = list(AccessAttempt.objects.filter(username="office").values_list("pk", flat=True))
    assert attempts
    response = client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="office").exists()
    client.logout()
    assert log_in(client, "office", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_api_tokens_are_no_login_and_keep_working(client, world):
    _, plaintext = tokens.issue(world.office, name="ci")
    fail(client, "office", 5)
    response = client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 200
    assert response.json()["items"][0]["slug"] == "world"
