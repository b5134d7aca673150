"""Notifications: one row per person, each keyed reminder once, e-mail pending only with an
address, read marks and the delivery choice."""

import pytest

from rectify.core.errors import DomainError
from rectify.supervision import services
from rectify.supervision.choices import Delivery, MailStatus, NotificationKind
from rectify.supervision.models import Notification

pytestmark = pytest.mark.django_db


def send(w, who, key=None):
    return services.notify(
        who,
        kind=NotificationKind.REMINDER,
        subject="整改措施即将到期",
        body="请按时完成",
        campaign=w.campaign,
        measure=w.measure_a,
        key=key,
    )


def test_a_keyed_notification_reaches_each_person_once(world):
    world.liaison.email = "liaison@example.org"
    world.liaison.save()
    first = send(world, [world.liaison, world.office, world.liaison], key="due:m1:2026-12-24")
    assert {n.recipient for n in first} == {world.liaison, world.office}
    assert send(world, [world.liaison, world.office, world.leader], key="due:m1:2026-12-24") != []
    assert Notification.objects.filter(recipient=world.liaison).count() == 1
    assert Notification.objects.count() == 3
    by_user = {n.recipient: n.mail_status for n in Notification.objects.all()}
    assert by_user[world.liaison] == MailStatus.PENDING
    assert by_user[world.office] == MailStatus.NO_ADDRESS
    # without a key, every call writes
    send(world, [world.liaison])
    send(world, [world.liaison])
    assert Notification.objects.filter(recipient=world.liaison).count() == 3


def test_inactive_people_get_nothing(world):
    world.leader.is_active = False
    world.leader.save()
    assert send(world, [world.leader]) == []


def test_read_marks_touch_only_the_readers_own(world):
    mine = send(world, [world.liaison])[0]
    send(world, [world.liaison, world.office])
    assert services.mark_read(world.liaison, [mine]) == 1
    assert services.mark_read(world.liaison) == 1
    assert Notification.objects.filter(recipient=world.office, read_at__isnull=True).count() == 1


def test_a_person_chooses_digest_or_immediate(world):
    assert services.set_delivery(world.liaison, Delivery.IMMEDIATE).delivery == "immediate"
    assert services.set_delivery(world.liaison, Delivery.DIGEST).delivery == "digest"
    with pytest.raises(DomainError):
        services.set_delivery(world.liaison, "hourly")
