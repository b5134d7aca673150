"""The listening scene shared by the work-group, activity, coverage and feedback-entry tests.

World (tests/factories.py) plus:

    一组 group_a: members `group` (and its leader `leader`), Beijing, bureau_a
    二组 group_b: member `member_b`, Tianjin, bureau_b
    activity_a: 一组's symposium in Beijing at bureau_a (12 people)
    activity_b: 二组's interview in Tianjin (3 people)

"Today" is 2026-11-16 (activities cannot be recorded in the future).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rectify.campaigns import services
from rectify.campaigns.choices import ActivityKind
from rectify.orgs.choices import Role
from rectify.orgs.models import Region
from tests.factories import grant, make_user

TODAY = dt.date(2026, 11, 16)


@pytest.fixture
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    return TODAY


def region(code: str, name: str) -> Region:
    found, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "short_name": name[:2]}
    )
    return found


@pytest.fixture
def scene(world, today):
    w = world
    w.beijing = w.region
    w.tianjin = region("120000", "天津市")
    w.hebei = region("130000", "河北省")
    w.member_b = make_user("member_b")
    grant(w.member_b, w.campaign, Role.GROUP)
    w.group_a = services.create_work_group(
        w.campaign,
        actor=w.office,
        name="一组",
        leader=w.leader,
        members=[w.group],
        regions=[w.beijing],
        org_units=[w.bureau_a],
    )
    w.group_b = services.create_work_group(
        w.campaign,
        actor=w.office,
        name="二组",
        members=[w.member_b],
        regions=[w.tianjin],
        org_units=[w.bureau_b],
    )
    w.activity_a = services.create_activity(
        w.campaign,
        actor=w.group,
        kind=ActivityKind.SYMPOSIUM,
        title="北京基层干部座谈会",
        held_on=dt.date(2026, 11, 10),
        place="北京市民政局",
        region=w.beijing,
        org_unit=w.bureau_a,
        work_group=w.group_a,
        participant_count=12,
    )
    w.activity_b = services.create_activity(
        w.campaign,
        actor=w.member_b,
        kind=ActivityKind.INTERVIEW,
        title="天津访谈",
        held_on=dt.date(2026, 11, 12),
        region=w.tianjin,
        work_group=w.group_b,
        participant_count=3,
    )
    w.users = {**w.personas, "member_b": w.member_b}
    return w
