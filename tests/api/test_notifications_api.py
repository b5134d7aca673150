"""My notifications, my delivery choice and 催办 through the API: the same services and
scoping as the pages (a person reads and marks only their own; a measure is urged by the office
and its unit's supervisors)."""

import pytest

from rectify.orgs.choices import Role
from rectify.supervision import services
from rectify.supervision.choices import NotificationKind
from rectify.supervision.models import Notification, NotificationSettings, SupervisionAction
from tests.factories import grant, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_today")]


def send(w, user, subject="提醒", url=""):
    return services.notify(
        [user],
        kind=NotificationKind.REMINDER,
        subject=subject,
        body="正文",
        campaign=w.campaign,
        url=url,
    )[0]


def test_my_notifications_newest_first_and_unread_only(api, world, time_machine):
    old = send(world, world.liaison, "旧", url="https://evil.example/")
    time_machine.shift(60)
    new = send(world, world.liaison, "新", url="/measures/1/")
    send(world, world.liaison2, "别人的")
    services.mark_read(world.liaison, [old])
    body = api(world.liaison).get("/notifications").json()
    assert body["count"] == 2
    assert [i["subject"] for i in body["items"]] == ["新", "旧"]
    first, second = body["items"]
    assert first["unread"] is True and first["read_at"] is None and first["campaign"] == "world"
    assert first["url"] == "/measures/1/" and second["url"] == ""  # only a local link
    only = api(world.liaison).get("/notifications", unread="true").json()
    assert [i["id"] for i in only["items"]] == [new.pk]
    assert api(world.liaison).get("/notifications/unread-count").json() == {"unread": 1}


def test_marking_read_touches_only_mine(api, world):
    mine = [send(world, world.liaison) for _ in range(3)]
    theirs = send(world, world.liaison2)
    answer = api(world.liaison).post("/notifications/read", {"ids": [mine[0].pk, theirs.pk]})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"marked": 1, "unread": 2}
    assert api(world.liaison).post("/notifications/read", {}).json() == {"marked": 2, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    refused = api(world.liaison, scope="read").post("/notifications/read", {})
    assert refused.status_code == 403


def test_my_delivery_choice(api, world, client):
    world.liaison.email = "liaison@example.org"
    world.liaison.save()
    assert api(world.liaison).get("/notifications/delivery").json() == {
        "delivery": "digest",
        "email": "liaison@example.org",
    }
    caller = api(world.liaison)
    answer = client.put(
        "/api/v1/notifications/delivery",
        {"delivery": "immediate"},
        content_type="application/json",
        headers=caller.headers,
    )
    assert answer.status_code == 200
    assert answer.json()["delivery"] == "immediate"
    assert NotificationSettings.objects.get(user=world.liaison).delivery == "immediate"
    bad = client.put(
        "/api/v1/notifications/delivery",
        {"delivery": "hourly"},
        content_type="application/json",
        headers=caller.headers,
    )
    assert bad.status_code == 422


@pytest.fixture
def supervisor_a(world):
    user = make_user("supervisor_a")
    grant(user, world.campaign, Role.SUPERVISOR, world.bureau_a)
    return user


def test_urging_a_measure(api, world, supervisor_a):
    answer = api(supervisor_a).post(f"/measures/{world.measure_a.pk}/urge", {"message": "请加快"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["kind"] == "reminder" and body["measure_id"] == world.measure_a.pk
    assert body["notified"] == 1 and body["content"] == "请加快"
    assert Notification.objects.get(kind=NotificationKind.URGE).recipient == world.liaison


@pytest.mark.parametrize(
    "who,measure,status",
    [
        ("supervisor_a", "measure_b", 404),
        ("liaison", "measure_a", 403),
        ("viewer", "measure_a", 403),
        ("leader", "measure_b", 403),
        ("outsider", "measure_a", 404),
        ("office", "measure_b", 201),
        ("supervisor", "measure_b", 201),
    ],
)
def test_who_may_urge_through_the_api(api, world, supervisor_a, who, measure, status):
    user = supervisor_a if who == "supervisor_a" else world.personas[who]
    m = getattr(world, measure)
    answer = api(user).post(f"/measures/{m.pk}/urge", {"message": "请加快"})
    assert answer.status_code == status, answer.content
    assert SupervisionAction.objects.count() == (1 if status == 201 else 0)


def test_an_empty_message_is_refused(api, world):
    answer = api(world.office).post(f"/measures/{world.measure_a.pk}/urge", {"message": "  "})
    assert answer.status_code == 422
