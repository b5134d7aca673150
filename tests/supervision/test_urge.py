"""催办: who may urge a measure (the office; a campaign-wide supervisor; a unit-limited one only
within their subtree), what is recorded (a REMINDER supervision action with the message, logged)
and who hears about it (the unit's liaisons, with a link to the measure)."""

import pytest
from django.urls import reverse

from rectify.audit.log import history
from rectify.core.errors import DomainError, PermissionRefused, TransitionRefused
from rectify.ledger import services as ledger
from rectify.orgs.choices import Role
from rectify.supervision import services, urging
from rectify.supervision.choices import MailStatus, NotificationKind, SupervisionKind
from rectify.supervision.models import Notification
from rectify.supervision.scoping import can_urge_measure
from tests.factories import add_evidence, grant, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_today")]


@pytest.fixture
def w(world):
    world.supervisor_a = make_user("supervisor_a")
    grant(world.supervisor_a, world.campaign, Role.SUPERVISOR, world.bureau_a)
    # a second liaison, of bureau_a's child unit: not a contact of bureau_a's own measures
    world.liaison_a1 = make_user("liaison_a1", email="a1@example.org")
    grant(world.liaison_a1, world.campaign, Role.LIAISON, world.org_a1)
    world.liaison.email = "liaison@example.org"
    world.liaison.save()
    return world


WHO_MAY = {
    # persona: (may urge bureau_a's measure, may urge bureau_b's)
    "office": (True, True),
    "supervisor": (True, True),
    "supervisor_a": (True, False),
    "leader": (False, False),
    "viewer": (False, False),
    "group": (False, False),
    "liaison": (False, False),
    "liaison2": (False, False),
    "outsider": (False, False),
}


@pytest.mark.parametrize("who", WHO_MAY)
def test_who_may_urge(w, who):
    user = w.supervisor_a if who == "supervisor_a" else w.personas[who]
    own, other = WHO_MAY[who]
    assert can_urge_measure(user, w.measure_a) is own
    assert can_urge_measure(user, w.measure_b) is other
    for measure, allowed in ((w.measure_a, own), (w.measure_b, other)):
        if allowed:
            assert services.urge(measure, actor=user, message="请加快进度").kind == "reminder"
        else:
            with pytest.raises(PermissionRefused):
                services.urge(measure, actor=user, message="请加快进度")


def test_an_urge_is_recorded_logged_and_sent_to_the_units_liaisons(w):
    action = services.urge(w.measure_a, actor=w.supervisor_a, message="  本周内报送进展  ")
    assert action.kind == SupervisionKind.REMINDER
    assert action.content == "本周内报送进展"
    assert action.target_unit == w.bureau_a and action.measure == w.measure_a
    assert action.actor == w.supervisor_a
    assert [e.action for e in history(action)] == ["supervision.create"]
    sent = Notification.objects.filter(action=action)
    assert {n.recipient for n in sent} == {w.liaison}  # not liaison2, not the child's liaison
    (n,) = sent
    assert n.kind == NotificationKind.URGE
    # in the site's language whatever the actor's
    assert n.subject == "【督办催办】清理规范各类考核事项"
    assert "本周内报送进展" in n.body and "甲省民政厅" in n.body and "2026年12月31日" in n.body
    assert n.url == f"/measures/{w.measure_a.pk}/"
    assert n.measure == w.measure_a and n.campaign == w.campaign
    assert n.mail_status == MailStatus.PENDING  # the reminder run's deliver step mails it


def test_the_child_units_liaison_hears_about_the_childs_measures(w):
    m = w.measure(w.problem, w.org_a1, "协会自查")
    services.urge(m, actor=w.office, message="请自查")
    recipients = {n.recipient for n in Notification.objects.filter(measure=m)}
    assert recipients == {w.liaison, w.liaison_a1}  # bureau_a's liaison covers its subtree


def test_an_empty_message_or_a_closed_measure_is_refused(w):
    with pytest.raises(DomainError):
        services.urge(w.measure_a, actor=w.office, message="   ")
    m = ledger.start(w.measure_b, actor=w.liaison2)
    add_evidence(m, w.liaison2)
    m = ledger.request_closure(m, actor=w.liaison2, reason="完成")
    m = ledger.verify(m, actor=w.office, reason="同意")
    with pytest.raises(TransitionRefused):
        services.urge(m, actor=w.office, message="催")
    assert urging.urged(m).count == 0


def test_urges_are_counted_with_the_last_time(w, time_machine):
    assert urging.urged(w.measure_a) == urging.Urged(0, None)
    services.urge(w.measure_a, actor=w.office, message="一催")
    time_machine.shift(3600 * 24)
    last = services.urge(w.measure_a, actor=w.supervisor, message="二催")
    counted = urging.urges([w.measure_a, w.measure_b])
    assert counted[w.measure_a.pk].count == 2
    assert counted[w.measure_a.pk].last_at == last.happened_at
    assert counted[w.measure_b.pk].count == 0
    assert [a.content for a in urging.last_urges(w.measure_a)] == ["二催", "一催"]


def test_the_measure_timeline_shows_its_urges_and_notices_to_whoever_reads_them(w, client):
    services.urge(w.measure_a, actor=w.supervisor_a, message="本周内报送进展")
    services.issue_notice(
        w.campaign,
        actor=w.office,
        unit=w.bureau_a,
        level="yellow",
        measures=[w.measure_a],
        content="现予黄色督办",
    )
    services.urge(w.measure_b, actor=w.office, message="乙省的催办")
    url = reverse("measure-detail", args=[w.measure_a.pk])
    for who in (w.viewer, w.liaison):  # a reader, and the unit the supervision was sent to
        client.force_login(who)
        text = client.get(url).content.decode()
        assert "本周内报送进展" in text and "〔2026〕1号" in text
        assert "乙省的催办" not in text
