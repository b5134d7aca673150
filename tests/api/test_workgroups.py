"""The work-group and research-activity endpoints per persona: setting groups up (office),
recording and correcting activities (office, the group's own members, within its assignment),
attaching and downloading files (scoped like the activity), and entering an activity's feedback
in bulk (all or nothing, exact duplicates held back until allowed)."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rectify.audit.log import history
from rectify.campaigns.models import ActivityAttachment, ResearchActivity, WorkGroup
from rectify.feedback.items import services as feedback_services
from rectify.feedback.models import FeedbackItem
from tests.campaigns import scene as listening

scene, today = listening.scene, listening.today  # fixtures

pytestmark = pytest.mark.django_db

READERS = ["leader", "supervisor", "viewer"]


def activity_body(scene, **changes):
    return {
        "kind": "symposium",
        "title": "社区座谈会",
        "held_on": "2026-11-14",
        "region_id": scene.beijing.pk,
        "participant_count": 8,
        **changes,
    }


def fields_of(resp) -> set[str]:
    return {e["field"] for e in resp.json()["errors"]}


# --- work groups -----------------------------------------------------------------------------


def test_the_office_sets_up_a_group(api, scene):
    resp = api(scene.office).post(
        "/campaigns/world/work-groups",
        {
            "name": "三组",
            "leader_id": scene.viewer.pk,
            "member_ids": [scene.group.pk],
            "region_ids": [scene.hebei.pk],
            "org_unit_ids": [scene.org_a1.pk],
        },
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert {m["username"] for m in body["members"]} == {"group", "viewer"}
    assert body["leader"]["username"] == "viewer"
    assert [r["code"] for r in body["regions"]] == ["130000"]
    group = WorkGroup.objects.get(pk=body["id"])
    assert history(group).get().actor == scene.office
    listed = api(scene.viewer).get("/campaigns/world/work-groups").json()
    assert body["id"] in {g["id"] for g in listed["items"]}


@pytest.mark.parametrize("who", ["group", *READERS])
def test_only_the_office_sets_up_groups(api, scene, who):
    caller = api(scene.users[who])
    assert caller.post("/campaigns/world/work-groups", {"name": "三组"}).status_code == 403
    patch = caller.patch(f"/work-groups/{scene.group_a.pk}", {"name": "改名"})
    assert patch.status_code == 403
    assert not WorkGroup.objects.filter(name__in=["三组", "改名"]).exists()


def test_liaisons_are_refused_and_outsiders_find_nothing(api, scene):
    assert api(scene.liaison).post("/campaigns/world/work-groups", {"name": "x"}).status_code == 403
    assert (
        api(scene.outsider).post("/campaigns/world/work-groups", {"name": "x"}).status_code == 404
    )
    assert api(scene.outsider).patch(f"/work-groups/{scene.group_a.pk}", {}).status_code == 404


def test_bad_references_and_names_are_field_errors(api, scene):
    caller = api(scene.office)
    resp = caller.post(
        "/campaigns/world/work-groups",
        {"name": "一组", "leader_id": scene.outsider.pk, "region_ids": [999999]},
    )
    assert resp.status_code == 422
    assert fields_of(resp) == {"name", "leader_id", "region_ids"}
    assert caller.post("/campaigns/world/work-groups", {"name": "  "}).status_code == 422
    extra = caller.post("/campaigns/world/work-groups", {"name": "三组", "colour": "red"})
    assert extra.status_code == 422


def test_the_office_changes_a_group_and_the_log_keeps_before_and_after(api, scene):
    resp = api(scene.office).patch(
        f"/work-groups/{scene.group_b.pk}", {"region_ids": [scene.tianjin.pk, scene.hebei.pk]}
    )
    assert resp.status_code == 200, resp.content
    assert {r["code"] for r in resp.json()["regions"]} == {"120000", "130000"}
    assert resp.json()["name"] == "二组"  # untouched fields stay
    entry = history(scene.group_b).first()
    assert entry.before == {"regions": [scene.tianjin.pk]}


# --- research activities ---------------------------------------------------------------------


def test_a_member_records_an_activity_for_their_group(api, scene):
    resp = api(scene.group).post("/campaigns/world/activities", activity_body(scene))
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["work_group_id"] == scene.group_a.pk  # their only group
    assert body["attachments"] == []
    activity = ResearchActivity.objects.get(pk=body["id"])
    assert history(activity).get().action == "activity.create"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"region_id": "tianjin"}, "region_id"),
        ({"org_unit_id": "bureau_b"}, "org_unit_id"),
        ({"work_group_id": "group_b"}, "work_group_id"),
        ({"held_on": "2026-11-17"}, "held_on"),
        ({"participant_count": -1}, "participant_count"),
        ({"title": "   "}, "title"),
    ],
)
def test_a_member_is_refused_outside_their_assignment_field_by_field(api, scene, changes, field):
    values = {
        k: getattr(scene, v).pk if v in ("tianjin", "bureau_b", "group_b") else v
        for k, v in changes.items()
    }
    resp = api(scene.group).post("/campaigns/world/activities", activity_body(scene, **values))
    assert resp.status_code == 422, resp.content
    assert field in fields_of(resp)
    assert ResearchActivity.objects.count() == 2


@pytest.mark.parametrize("who", READERS)
def test_readers_do_not_record_activities(api, scene, who):
    resp = api(scene.users[who]).post("/campaigns/world/activities", activity_body(scene))
    assert resp.status_code == 403


def test_a_member_corrects_their_activity_but_not_another_groups(api, scene):
    resp = api(scene.group).patch(f"/activities/{scene.activity_a.pk}", {"participant_count": 20})
    assert resp.status_code == 200, resp.content
    assert resp.json()["participant_count"] == 20
    assert resp.json()["region_id"] == scene.beijing.pk  # untouched
    assert api(scene.member_b).patch(f"/activities/{scene.activity_a.pk}", {}).status_code == 404
    scene.group_b.regions.add(scene.beijing)  # now visible to 二组, still not theirs
    assert (
        api(scene.member_b).patch(f"/activities/{scene.activity_a.pk}", {"notes": "x"}).status_code
        == 403
    )


def test_an_activity_reads_with_its_files(api, scene):
    resp = api(scene.viewer).get(f"/activities/{scene.activity_a.pk}")
    assert resp.status_code == 200
    assert resp.json()["title"] == "北京基层干部座谈会"
    assert api(scene.liaison).get(f"/activities/{scene.activity_a.pk}").status_code == 404


def test_the_list_still_answers_as_before(api, scene):
    body = api(scene.office).get("/campaigns/world/activities", kind="interview").json()
    assert [a["id"] for a in body["items"]] == [scene.activity_b.pk]


# --- attachments -----------------------------------------------------------------------------


def upload(client, token_for, user, activity, content=b"minutes", name="纪要.txt"):
    return client.post(
        f"/api/v1/activities/{activity.pk}/attachments",
        {"file": SimpleUploadedFile(name, content), "description": "会议纪要"},
        headers={"Authorization": f"Bearer {token_for(user)}"},
    )


def test_a_member_attaches_minutes_stored_under_their_sha256(client, token_for, api, scene):
    resp = upload(client, token_for, scene.group, scene.activity_a)
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["sha256"] == hashlib.sha256(b"minutes").hexdigest()
    assert body["original_name"] == "纪要.txt" and body["size"] == 7
    again = upload(client, token_for, scene.member_b, scene.activity_b, name="copy.txt")
    assert again.status_code == 201
    a, b = ActivityAttachment.objects.order_by("pk")
    assert a.file.name == b.file.name  # the same content is stored once
    listed = api(scene.viewer).get(f"/activities/{scene.activity_a.pk}/attachments").json()
    assert [x["id"] for x in listed["items"]] == [body["id"]]
    download = api(scene.viewer).get(body["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"minutes"
    assert download["Content-Type"] == "application/octet-stream"


def test_attachments_follow_the_activitys_scope(client, token_for, api, scene):
    body = upload(client, token_for, scene.group, scene.activity_a).json()
    for who in ("member_b", "liaison", "outsider"):
        assert api(scene.users[who]).get(body["download"]).status_code == 404
        assert (
            api(scene.users[who]).get(f"/activities/{scene.activity_a.pk}/attachments").status_code
            == 404
        )
    assert upload(client, token_for, scene.viewer, scene.activity_a, b"other").status_code == 403
    assert upload(client, token_for, scene.member_b, scene.activity_a, b"other").status_code == 404


def test_the_same_file_twice_is_a_conflict_and_too_large_is_413(client, token_for, scene, settings):
    assert upload(client, token_for, scene.group, scene.activity_a).status_code == 201
    twice = upload(client, token_for, scene.group, scene.activity_a, name="again.txt")
    assert twice.status_code == 409
    assert twice.json()["code"] == "duplicate_attachment"
    settings.ACTIVITY_ATTACHMENT_MAX_BYTES = 4
    big = upload(client, token_for, scene.group, scene.activity_a, b"12345")
    assert big.status_code == 413 and big.json()["code"] == "too_large"
    assert ActivityAttachment.objects.count() == 1


# --- feedback in bulk ------------------------------------------------------------------------


def test_a_member_enters_an_activitys_feedback_in_one_request(api, scene):
    resp = api(scene.group).post(
        f"/activities/{scene.activity_a.pk}/feedback",
        {
            "items": [
                {"kind": "problem", "text": "  办事难\n原话  "},
                {"kind": "suggestion", "text": "建议简化", "region_id": scene.hebei.pk},
            ]
        },
    )
    assert resp.status_code == 201, resp.content
    items = resp.json()["items"]
    assert [i["text"] for i in items] == ["  办事难\n原话  ", "建议简化"]
    assert {i["activity_id"] for i in items} == {scene.activity_a.pk}
    assert {i["work_group_id"] for i in items} == {scene.group_a.pk}
    assert [i["region_id"] for i in items] == [scene.beijing.pk, scene.hebei.pk]
    assert {i["channel"] for i in items} == {"symposium"}


def test_one_bad_item_saves_none(api, scene):
    resp = api(scene.group).post(
        f"/activities/{scene.activity_a.pk}/feedback",
        {
            "items": [
                {"kind": "problem", "text": "好"},
                {"kind": "problem", "text": "坏", "region_id": 999999},
            ]
        },
    )
    assert resp.status_code == 422
    assert fields_of(resp) == {"items.1.region_id"}
    assert not FeedbackItem.objects.exists()


def test_duplicates_wait_for_allow_duplicate(api, scene):
    existing = feedback_services.create_feedback(
        scene.campaign,
        actor=scene.office,
        kind="problem",
        text="低保 审批慢",
        channel="hotline",
        region=scene.beijing,
    )
    caller = api(scene.group)
    url = f"/activities/{scene.activity_a.pk}/feedback"
    items = [{"kind": "problem", "text": "低保\u3000审批慢"}, {"kind": "problem", "text": "新"}]
    resp = caller.post(url, {"items": items})
    assert resp.status_code == 409
    (error,) = resp.json()["errors"]
    assert error["field"] == "items.0.text" and str(existing.pk) in error["message"]
    assert FeedbackItem.objects.count() == 1
    items[0]["allow_duplicate"] = True
    assert caller.post(url, {"items": items}).status_code == 201
    assert FeedbackItem.objects.count() == 3


def test_a_retry_with_the_same_key_creates_nothing_twice(api, scene):
    caller = api(scene.group)
    url = f"/activities/{scene.activity_a.pk}/feedback"
    body = {"items": [{"kind": "problem", "text": "一条"}]}
    first = caller.post(url, body, headers={"Idempotency-Key": "k1"})
    second = caller.post(url, body, headers={"Idempotency-Key": "k1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert FeedbackItem.objects.count() == 1


@pytest.mark.parametrize("who", ["member_b", *READERS, "liaison"])
def test_others_cannot_enter_an_activitys_feedback(api, scene, who):
    scene.group_b.regions.add(scene.beijing)  # 二组 sees it but it is not theirs
    resp = api(scene.users[who]).post(
        f"/activities/{scene.activity_a.pk}/feedback", {"items": [{"kind": "problem", "text": "x"}]}
    )
    assert resp.status_code in (403, 404)
    assert not FeedbackItem.objects.exists()
