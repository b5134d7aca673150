"""Read endpoints of campaign reference data, per persona: regions and units (every signed-in
user), work groups, research activities, programs (every member; their problems and measures
as scoped) and indicators (every member, as on the campaign home).

A liaison gets 403 for campaign-wide data, an outsider 404 for the campaign; lists inside the
scope follow orgs/scoping.py.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rectify.campaigns.choices import ActivityKind
from rectify.campaigns.models import Indicator, Program, ResearchActivity, WorkGroup
from rectify.orgs.choices import OrgKind, Role
from rectify.orgs.models import Region
from tests.factories import grant, make_campaign, make_user

READERS = ["office", "leader", "group", "supervisor", "viewer"]
LIAISONS = ["liaison", "liaison2"]
EVERYONE = [*READERS, *LIAISONS, "outsider"]


@pytest.fixture
def scene(world):
    """The world plus a work group, activities, programs, indicators and unit-limited readers.

    The work group "一组" has `group` as member, `leader` as leader, Beijing and bureau_b
    assigned. Activities: one by the group (no region), one in Beijing, one at org_a1, one at
    bureau_b's unit elsewhere.
    """
    w = world
    w.tianjin, _ = Region.objects.get_or_create(
        code="120000", defaults={"name": "天津市", "short_name": "天津"}
    )
    w.work_group = WorkGroup.objects.create(campaign=w.campaign, name="一组", leader=w.leader)
    w.work_group.members.add(w.group, w.viewer)
    w.work_group.regions.add(w.region)
    w.work_group.org_units.add(w.bureau_b)
    w.idle_group = WorkGroup.objects.create(campaign=w.campaign, name="二组")

    def activity(title, kind=ActivityKind.SYMPOSIUM, **fields):
        return ResearchActivity.objects.create(
            campaign=w.campaign, title=title, kind=kind, held_on=dt.date(2026, 3, 1), **fields
        )

    w.activities = {
        "by_group": activity("一组座谈会", work_group=w.work_group, participant_count=12),
        "in_beijing": activity("北京访谈", ActivityKind.INTERVIEW, region=w.region),
        "at_a1": activity("协会走访", ActivityKind.FIELD_VISIT, org_unit=w.org_a1),
        "elsewhere": activity("天津书面征求", ActivityKind.WRITTEN, region=w.tianjin),
    }
    w.program = Program.objects.create(campaign=w.campaign, name="基层减负专项整治")
    w.program.problems.add(w.problem, w.problem_b_only)
    w.program.measures.add(w.measure_a, w.measure_b2)
    w.indicator = Indicator.objects.create(
        campaign=w.campaign,
        program=w.program,
        name="惠及群众",
        value=Decimal("44000000"),
        unit="人",
        as_of=dt.date(2026, 6, 30),
    )
    w.leader_b = make_user("leader_b")
    grant(w.leader_b, w.campaign, Role.LEADER, w.bureau_b)
    w.viewer_a = make_user("viewer_a")
    grant(w.viewer_a, w.campaign, Role.VIEWER, w.bureau_a)
    w.users = {**w.personas, "leader_b": w.leader_b, "viewer_a": w.viewer_a}
    return w


def ids(resp) -> set[int]:
    assert resp.status_code == 200, resp.content
    return {item["id"] for item in resp.json()["items"]}


# --- regions and units: reference data for every signed-in user ------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", EVERYONE)
def test_every_signed_in_user_reads_regions_and_units(api, scene, who):
    caller = api(scene.users[who])
    regions = caller.get("/regions", page_size=200).json()
    assert regions["count"] == Region.objects.count() >= 32
    assert {"code": "110000", "name": "北京市"}.items() <= regions["items"][0].items()
    units = caller.get("/org-units").json()
    assert [u["name"] for u in units["items"]] == [
        "民政部",
        "甲省民政厅",
        "甲省某协会",
        "乙省民政厅",
    ]
    one = caller.get(f"/org-units/{scene.org_a1.pk}").json()
    assert one["parent_id"] == scene.bureau_a.pk
    assert one["path"].startswith(scene.bureau_a.path)


@pytest.mark.django_db
def test_units_filter_by_parent_kind_and_text(api, scene):
    caller = api(scene.liaison)
    assert ids(caller.get("/org-units", parent=scene.ministry.pk)) == {
        scene.bureau_a.pk,
        scene.bureau_b.pk,
    }
    assert ids(caller.get("/org-units", kind=OrgKind.SOCIAL_ORG)) == {scene.org_a1.pk}
    assert ids(caller.get("/org-units", q="乙省")) == {scene.bureau_b.pk}
    assert caller.get("/org-units", kind="nonsense").status_code == 422


@pytest.mark.django_db
def test_regions_filter_by_level(api, scene):
    body = api(scene.viewer).get("/regions", level="county").json()
    assert body["count"] == 0


@pytest.mark.django_db
def test_an_unknown_unit_is_404_and_a_bad_id_422(api, scene):
    caller = api(scene.office)
    assert caller.get("/org-units/999999").status_code == 404
    assert caller.get("/org-units/999999").json()["code"] == "not_found"
    assert caller.get(f"/org-units/{10**30}").status_code == 422


@pytest.mark.django_db
def test_reference_data_needs_a_signed_in_user(client, scene):
    assert client.get("/api/v1/regions").status_code == 401
    assert client.get("/api/v1/org-units").status_code == 401


# --- work groups -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", READERS)
def test_campaign_wide_readers_see_the_work_groups(api, scene, who):
    body = api(scene.users[who]).get("/campaigns/world/work-groups").json()
    assert body["count"] == 2
    first = body["items"][0]
    assert first["name"] == "一组"
    assert first["leader"] == {"id": scene.leader.pk, "username": "leader", "name": "leader"}
    assert {m["username"] for m in first["members"]} == {"group", "viewer"}
    assert [r["code"] for r in first["regions"]] == ["110000"]
    assert [u["id"] for u in first["org_units"]] == [scene.bureau_b.pk]
    assert body["items"][1] == {
        "id": scene.idle_group.pk,
        "name": "二组",
        "leader": None,
        "members": [],
        "regions": [],
        "org_units": [],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["work-groups", "activities", "feedback", "supervision-actions"])
def test_liaisons_get_403_and_outsiders_404_for_campaign_wide_lists(api, scene, path):
    for who in LIAISONS:
        resp = api(scene.users[who]).get(f"/campaigns/world/{path}")
        assert resp.status_code == 403
        assert resp.json()["code"] == "forbidden"
    resp = api(scene.outsider).get(f"/campaigns/world/{path}")
    assert resp.status_code == 404
    assert resp.json()["code"] == "not_found"


@pytest.mark.django_db
def test_another_campaigns_office_cannot_read_this_campaign(api, scene):
    other_office = make_user("other_office")
    grant(other_office, make_campaign(scene.ministry, slug="other"), Role.OFFICE)
    caller = api(other_office)
    for path in ["work-groups", "activities", "programs", "indicators"]:
        assert caller.get(f"/campaigns/world/{path}").status_code == 404
    assert caller.get("/campaigns/other/work-groups").json()["count"] == 0


@pytest.mark.django_db
def test_work_groups_cost_the_same_queries_however_many(api, scene):
    caller = api(scene.office)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert caller.get("/campaigns/world/work-groups").status_code == 200
        return len(ctx)

    queries()  # warm up: the token's last use, the rate-limit row
    few = queries()
    for n in range(5):
        group = WorkGroup.objects.create(campaign=scene.campaign, name=f"组{n}")
        group.members.add(scene.leader, scene.supervisor)
        group.regions.add(scene.region)
        group.org_units.add(scene.bureau_a)
    assert queries() == few


# --- research activities ---------------------------------------------------------------------

ALL_ACTIVITIES = {"by_group", "in_beijing", "at_a1", "elsewhere"}
ACTIVITIES_SEEN = {
    **dict.fromkeys(["office", "leader", "supervisor", "viewer"], ALL_ACTIVITIES),
    # their group's, those in its region (Beijing) and at its unit (bureau_b: none)
    "group": {"by_group", "in_beijing"},
    # readers limited to a unit: the activities at that subtree
    "viewer_a": {"at_a1"},
    "leader_b": set(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ACTIVITIES_SEEN)
def test_activities_are_scoped_like_feedback(api, scene, who):
    by_pk = {a.pk: name for name, a in scene.activities.items()}
    seen = {by_pk[pk] for pk in ids(api(scene.users[who]).get("/campaigns/world/activities"))}
    assert seen == ACTIVITIES_SEEN[who]


@pytest.mark.django_db
def test_activity_filters(api, scene):
    caller = api(scene.office)
    a = scene.activities
    path = "/campaigns/world/activities"
    assert ids(caller.get(path, kind="interview")) == {a["in_beijing"].pk}
    assert ids(caller.get(path, region=scene.tianjin.pk)) == {a["elsewhere"].pk}
    assert ids(caller.get(path, work_group=scene.work_group.pk)) == {a["by_group"].pk}
    assert ids(caller.get(path, created_since="2000-01-01T00:00:00+08:00")) == {
        x.pk for x in a.values()
    }
    assert ids(caller.get(path, created_since="2099-01-01T00:00:00+08:00")) == set()
    assert caller.get(path, kind="party").status_code == 422
    assert caller.get(path, created_since="9999-12-31T23:59:59-14:00").status_code == 422


@pytest.mark.django_db
def test_an_activity_reads_as_recorded(api, scene):
    body = api(scene.office).get("/campaigns/world/activities", kind="symposium").json()
    (item,) = body["items"]
    assert item["title"] == "一组座谈会"
    assert item["held_on"] == "2026-03-01"
    assert item["participant_count"] == 12
    assert item["work_group_id"] == scene.work_group.pk


# --- programs --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", READERS)
def test_programs_list_their_problems_by_number(api, scene, who):
    body = api(scene.users[who]).get("/campaigns/world/programs").json()
    (program,) = body["items"]
    assert program["name"] == "基层减负专项整治"
    assert program["problem_numbers"] == [scene.problem.number, scene.problem_b_only.number]
    assert program["measure_ids"] == sorted([scene.measure_a.pk, scene.measure_b2.pk])


@pytest.mark.django_db
def test_a_reader_limited_to_a_unit_sees_only_their_problems_in_a_program(api, scene):
    body = api(scene.viewer_a).get("/campaigns/world/programs").json()
    (program,) = body["items"]
    assert program["problem_numbers"] == [scene.problem.number]
    assert program["measure_ids"] == [scene.measure_a.pk]


@pytest.mark.django_db
def test_a_liaison_reads_the_programs_with_only_their_units_part(api, scene):
    body = api(scene.liaison).get("/campaigns/world/programs").json()
    (program,) = body["items"]
    assert program["problem_numbers"] == [scene.problem.number]
    assert program["measure_ids"] == [scene.measure_a.pk]


# --- indicators ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", [*READERS, *LIAISONS])
def test_every_member_reads_the_indicators_as_on_the_campaign_home(api, scene, who):
    body = api(scene.users[who]).get("/campaigns/world/indicators").json()
    assert body["items"] == [
        {
            "id": scene.indicator.pk,
            "name": "惠及群众",
            "value": "44000000.00",
            "unit": "人",
            "as_of": "2026-06-30",
            "note": "",
            "program_id": scene.program.pk,
            "program_name": "基层减负专项整治",
        }
    ]


@pytest.mark.django_db
def test_outsiders_get_404_for_indicators(api, scene):
    assert api(scene.outsider).get("/campaigns/world/indicators").status_code == 404


@pytest.mark.django_db
def test_a_malformed_slug_is_a_422_not_a_500(api, scene):
    caller = api(scene.office)
    assert caller.get("/campaigns/x%00y/work-groups").status_code == 422
    assert caller.get("/campaigns/nope/work-groups").status_code == 404
