"""The idle-session timeout (等保 2.0): a session left idle longer than SESSION_IDLE_TIMEOUT is
logged out with a message; one in use stays open however long it lasts."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("pinned_today")


@pytest.fixture
def home(world):
    return reverse("campaign-home", args=[world.campaign.slug])


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_the_default_is_thirty_minutes(settings):
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60


@pytest.mark.django_db
def test_a_session_idle_longer_than_the_timeout_is_logged_out(client, world, home, time_machine):
    client.force_login(world.office)
    assert client.get(home).status_code == 200
    time_machine.shift(dt.timedelta(minutes=31))
    response = client.get(home)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not signed_in(client)
    page = client.get(response.url).content.decode()
    assert "您已超过 30 分钟未操作，已自动退出登录，请重新登录。" in page


@pytest.mark.django_db
def test_the_message_is_english_on_request(client, world, home, time_machine):
    client.force_login(world.office)
    client.get(home)
    time_machine.shift(dt.timedelta(hours=2))
    response = client.get(home, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "You were logged out after 30 minutes without activity." in response.content.decode()


@pytest.mark.django_db
def test_a_session_in_use_stays_open(client, world, home, time_machine):
    client.force_login(world.office)
    for _ in range(12):  # two hours, a request every ten minutes
        assert client.get(home).status_code == 200
        time_machine.shift(dt.timedelta(minutes=10))
    assert client.get(home).status_code == 200
    assert signed_in(client)
    # idle just under the limit is still fine
    time_machine.shift(dt.timedelta(minutes=29))
    assert client.get(home).status_code == 200


@pytest.mark.django_db
def test_a_fresh_login_starts_the_clock_again(client, world, home, time_machine):
    client.force_login(world.office)
    client.get(home)
    time_machine.shift(dt.timedelta(minutes=40))
    client.get(home)
    assert not signed_in(client)
    response = client.post(reverse("login"), {"username": "office", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(home).status_code == 200
    time_machine.shift(dt.timedelta(minutes=20))
    assert client.get(home).status_code == 200


@pytest.mark.django_db
def test_the_timeout_is_a_setting_and_zero_turns_it_off(
    client, world, home, time_machine, settings
):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    client.force_login(world.office)
    client.get(home)
    time_machine.shift(dt.timedelta(minutes=4))
    assert client.get(home).status_code == 200
    time_machine.shift(dt.timedelta(minutes=6))
    assert client.get(home).status_code == 302

    settings.SESSION_IDLE_TIMEOUT = 0
    client.force_login(world.office)
    client.get(home)
    time_machine.shift(dt.timedelta(hours=8))
    assert client.get(home).status_code == 200


@pytest.mark.django_db
def test_the_api_session_is_logged_out_too(client, world, home, time_machine):
    client.force_login(world.office)
    assert client.get("/api/v1/campaigns").status_code == 200
    time_machine.shift(dt.timedelta(minutes=31))
    assert client.get("/api/v1/campaigns").status_code == 401
