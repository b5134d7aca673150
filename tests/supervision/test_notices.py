"""Supervision notices (督办单): numbered per campaign and year, naming only the unit's own
measures, issued only by those who may supervise the unit, each in the activity log."""

import datetime as dt

import pytest

from rectify.audit.log import history
from rectify.core.errors import DomainError, PermissionRefused
from rectify.orgs.access import SYSTEM
from rectify.orgs.choices import Role
from rectify.supervision import services
from rectify.supervision.choices import NoticeLevel, NotificationKind, SupervisionKind
from rectify.supervision.models import Notification
from tests.factories import grant, make_user

pytestmark = pytest.mark.django_db


def issue(w, *, unit=None, measures=None, actor=None, level=NoticeLevel.YELLOW, **kw):
    return services.issue_notice(
        w.campaign,
        actor=actor or w.supervisor,
        unit=unit or w.bureau_b,
        level=level,
        measures=measures if measures is not None else [w.measure_b, w.measure_b2],
        content="请于限期内报送整改情况",
        **kw,
    )


def test_notices_are_numbered_in_order_within_the_year(world, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 30, 9, tzinfo=dt.UTC))
    first = issue(world, required_by=dt.date(2027, 1, 8))
    second = issue(world, level=NoticeLevel.RED, measures=[world.measure_b2])
    assert (first.number, second.number) == ("〔2026〕1号", "〔2026〕2号")
    assert first.kind == SupervisionKind.ESCALATION and first.is_notice
    assert set(first.items.all()) == {world.measure_b, world.measure_b2}
    assert second.measure == world.measure_b2  # a single measure is also the action's measure
    time_machine.move_to(dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC))
    assert issue(world).number == "〔2027〕1号"


def test_a_notice_names_only_the_units_own_measures_of_this_campaign(world):
    with pytest.raises(DomainError):
        issue(world, measures=[world.measure_a])
    with pytest.raises(DomainError):
        issue(world, measures=[])
    with pytest.raises(DomainError):
        issue(world, level="blue")
    # the ministry's subtree holds both bureaus: a notice to it may name measures of each
    assert issue(world, unit=world.ministry, measures=[world.measure_a, world.measure_b]).pk


def test_only_those_who_supervise_the_unit_issue_notices(world):
    for who in (world.liaison2, world.viewer, world.leader):
        with pytest.raises(PermissionRefused):
            issue(world, actor=who)
    assert issue(world, actor=world.office).number
    assert issue(world, actor=SYSTEM).actor is None  # the reminder run issues as the system


def test_each_notice_is_in_the_activity_log(world):
    notice = issue(world, required_by=dt.date(2027, 1, 8))
    actions = [e.action for e in history(notice)]
    assert "supervision.notice" in actions
    entry = next(e for e in history(notice) if e.action == "supervision.notice")
    assert entry.after["number"] == notice.number
    assert entry.after["items"] == [world.measure_b.pk, world.measure_b2.pk]


def test_a_notice_issued_by_hand_reaches_its_unit_and_its_supervisors_once(world):
    leader_b = make_user("leader_b")
    grant(leader_b, world.campaign, Role.LEADER, world.bureau_b)
    notice = issue(world, actor=world.office, required_by=dt.date(2027, 1, 8))
    sent = Notification.objects.filter(action=notice)
    assert {n.recipient.username for n in sent} == {"liaison2", "leader_b", "supervisor"}
    n = sent.get(recipient=world.liaison2)
    assert n.kind == NotificationKind.NOTICE
    assert n.subject == "【黄色督办】督办单〔2026〕1号：乙省民政厅2项整改措施逾期"
    assert n.url == f"/c/world/notices/{notice.pk}/"
    assert "精简会议文件" in n.body and "压缩审批时限" in n.body
    # the supervisor who issues one is not told of their own notice
    by_supervisor = issue(world, level=NoticeLevel.RED)
    assert not Notification.objects.filter(action=by_supervisor, recipient=world.supervisor)
