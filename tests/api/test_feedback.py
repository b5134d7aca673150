"""Feedback items through the API: intake by the office and work groups, lists scoped as
scope_feedback, reading with the problems an item was merged into, and triage that never
touches the text."""

import datetime as dt
import json

import pytest
import time_machine

from rectify.audit.log import history
from rectify.campaigns.models import ResearchActivity, WorkGroup
from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import TEXT_MAX_LENGTH, FeedbackItem
from rectify.ledger import services as ledger
from rectify.ledger.models import Category
from rectify.orgs.choices import Role
from tests.factories import grant, make_campaign, make_user

PATH = "/campaigns/world/feedback"
HOSTILE = (
    '<script>alert("x")</script>\u202egnp.exe \' " \\ \\n {{ x }} {% y %} ${z} '
    "\u200b\u2028\U0001f600 \r\n  多行\t文本  "
)


def item(**fields) -> dict:
    return {"kind": "problem", "text": "村里的路没有修好", "channel": "hotline", **fields}


@pytest.fixture
def groups(world):
    """`group` is the only member of 一组 (Beijing, bureau_b); 二组 has nobody."""
    world.group1 = WorkGroup.objects.create(campaign=world.campaign, name="一组")
    world.group1.members.add(world.group)
    world.group1.regions.add(world.region)
    world.group1.org_units.add(world.bureau_b)
    world.group2 = WorkGroup.objects.create(campaign=world.campaign, name="二组")
    return world


def stored(body) -> FeedbackItem:
    return FeedbackItem.objects.get(pk=body["id"])


# --- intake ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_office_records_an_item_and_the_log_says_so(api, world):
    resp = api(world.office).post(
        PATH,
        item(
            title="修路",
            region_id=world.region.pk,
            submitter_name="张三",
            submitter_contact="138",
            received_at="2026-11-02T09:30:00+08:00",
            external_id="12345-0001",
        ),
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["campaign"] == "world"
    assert body["text"] == "村里的路没有修好"
    assert body["region_id"] == world.region.pk
    assert body["received_at"] == "2026-11-02T01:30:00Z"  # as every answer writes times
    saved = stored(body)
    assert (saved.created_by, saved.external_id, saved.channel) == (
        world.office,
        "12345-0001",
        Channel.HOTLINE,
    )
    (entry,) = history(saved)
    assert (entry.action, entry.actor, entry.campaign) == (
        "feedback.create",
        world.office,
        world.campaign,
    )
    assert entry.after["external_id"] == "12345-0001"


@pytest.mark.django_db
def test_a_work_group_member_records_for_their_only_group_by_default(api, groups):
    resp = api(groups.group).post(PATH, item())
    assert resp.status_code == 201, resp.content
    assert resp.json()["work_group_id"] == groups.group1.pk
    # …and can read it back, as scope_feedback lets them
    assert api(groups.group).get(f"/feedback/{resp.json()['id']}").status_code == 200


@pytest.mark.django_db
def test_an_activity_names_the_work_group(api, groups):
    activity = ResearchActivity.objects.create(
        campaign=groups.campaign,
        work_group=groups.group1,
        kind="symposium",
        title="座谈会",
        held_on=dt.date(2026, 11, 1),
    )
    resp = api(groups.office).post(PATH, item(activity_id=activity.pk))
    assert resp.json()["work_group_id"] == groups.group1.pk
    assert resp.json()["activity_id"] == activity.pk


@pytest.mark.django_db
def test_a_work_group_member_cannot_record_for_another_group(api, groups):
    resp = api(groups.group).post(PATH, item(work_group_id=groups.group2.pk))
    assert resp.status_code == 403
    assert resp.json()["code"] == "forbidden"
    assert not FeedbackItem.objects.exists()


@pytest.mark.django_db
def test_a_work_group_member_in_no_group_is_asked_to_name_one(api, world):
    resp = api(world.group).post(PATH, item())
    assert resp.status_code == 400
    assert resp.json()["code"] == "work_group_required"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["leader", "supervisor", "viewer", "liaison", "liaison2"])
def test_other_roles_may_not_record_feedback(api, groups, who):
    resp = api(groups.personas[who]).post(PATH, item())
    assert resp.status_code == 403
    assert not FeedbackItem.objects.exists()


@pytest.mark.django_db
def test_an_outsider_gets_404_and_a_read_token_403(api, world):
    assert api(world.outsider).post(PATH, item()).status_code == 404
    resp = api(world.office, scope="read").post(PATH, item())
    assert resp.status_code == 403
    assert resp.json()["code"] == "read_only_token"
    assert not FeedbackItem.objects.exists()


@pytest.mark.django_db
def test_hostile_text_is_stored_as_received_and_returned_as_a_json_string(api, world):
    caller = api(world.office)
    resp = caller.post(PATH, item(text=HOSTILE, title=HOSTILE[:200], submitter_name="<b>x</b>"))
    assert resp.status_code == 201, resp.content
    assert resp["Content-Type"].startswith("application/json")
    assert json.loads(resp.content)["text"] == HOSTILE
    assert stored(resp.json()).text == HOSTILE
    again = caller.get(f"/feedback/{resp.json()['id']}")
    assert again["Content-Type"].startswith("application/json")
    assert again.json()["text"] == HOSTILE
    assert again.json()["submitter_name"] == "<b>x</b>"
    listed = caller.get(PATH).json()["items"]
    assert [i["text"] for i in listed] == [HOSTILE]


@pytest.mark.django_db
def test_the_text_may_be_as_long_as_the_limit_in_characters_and_no_longer(api, world):
    caller = api(world.office)
    exactly = "问" * TEXT_MAX_LENGTH  # characters, not bytes (3 bytes each in UTF-8)
    assert caller.post(PATH, item(text=exactly)).status_code == 201
    resp = caller.post(PATH, item(text=exactly + "题"))
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "invalid"
    assert [e["field"] for e in body["errors"]] == ["text"]
    assert FeedbackItem.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": " \n\t "}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"text": "a\ud800b"}, "text"),
        ({"kind": "complaint"}, "kind"),
        ({"channel": "pigeon"}, "channel"),
        ({"region": 1}, "region"),  # misspelt field names are refused, not dropped
        ({"received_at": "2026-11-02T09:30:00"}, "received_at"),  # no time zone
        ({"received_at": "9999-12-31T23:59:59-14:00"}, "received_at"),
        ({"title": "标" * 201}, "title"),
        ({"region_id": 0}, "region_id"),
        ({"region_id": 10**30}, "region_id"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api, world, changes, field):
    resp = api(world.office).post(PATH, item(**changes))
    assert resp.status_code == 422, resp.content
    assert field in {e["field"] for e in resp.json()["errors"]}
    assert not FeedbackItem.objects.exists()


@pytest.mark.django_db
def test_unknown_or_foreign_links_are_a_422(api, groups):
    other = make_campaign(groups.ministry, slug="other")
    foreign_group = WorkGroup.objects.create(campaign=other, name="外组")
    foreign_activity = ResearchActivity.objects.create(
        campaign=other, kind="symposium", title="外", held_on=dt.date(2026, 1, 1)
    )
    resp = api(groups.office).post(
        PATH,
        item(region_id=999999, work_group_id=foreign_group.pk, activity_id=foreign_activity.pk),
    )
    assert resp.status_code == 422
    assert {e["field"] for e in resp.json()["errors"]} == {
        "region_id",
        "work_group_id",
        "activity_id",
    }


@pytest.mark.django_db
def test_a_repeated_external_id_is_a_409_with_a_clear_message(api, world):
    caller = api(world.office)
    assert caller.post(PATH, item(external_id="OA-7")).status_code == 201
    resp = caller.post(PATH, item(external_id="OA-7", text="另一条"))
    assert resp.status_code == 409
    body = resp.json()
    assert body["code"] == "duplicate_external_id"
    assert "OA-7" in body["message_en"] and "already exists" in body["message_en"]
    assert "OA-7" in body["message"]
    assert FeedbackItem.objects.count() == 1
    # another campaign has its own external ids; an empty one is never a duplicate
    other = make_campaign(world.ministry, slug="other")
    grant(world.office, other, Role.OFFICE)
    assert caller.post("/campaigns/other/feedback", item(external_id="OA-7")).status_code == 201
    assert caller.post(PATH, item()).status_code == 201
    assert caller.post(PATH, item()).status_code == 201


# --- lists -----------------------------------------------------------------------------------


@pytest.fixture
def items(groups):
    """Items about bureau_a, about bureau_b, by group1, and about nothing."""
    w = groups

    def fb(text, **fields):
        return FeedbackItem.objects.create(
            campaign=w.campaign,
            kind=fields.pop("kind", FeedbackKind.PROBLEM),
            text=text,
            channel=fields.pop("channel", Channel.SYMPOSIUM),
            **fields,
        )

    w.items = {
        "a": fb("甲", org_unit=w.bureau_a),
        "b": fb("乙", org_unit=w.bureau_b, kind=FeedbackKind.SUGGESTION),
        "group": fb("组", work_group=w.group1, channel=Channel.INTERVIEW),
        "none": fb("无", region=w.region),
    }
    w.leader_b = make_user("leader_b")
    grant(w.leader_b, w.campaign, Role.LEADER, w.bureau_b)
    w.users = {**w.personas, "leader_b": w.leader_b}
    return w


FEEDBACK_SEEN = {
    **dict.fromkeys(["office", "leader", "supervisor", "viewer"], {"a", "b", "group", "none"}),
    # their group's, and those about its region (Beijing) and unit (bureau_b)
    "group": {"b", "group", "none"},
    "leader_b": {"b"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", FEEDBACK_SEEN)
def test_the_list_is_scoped_as_scope_feedback(api, items, who):
    body = api(items.users[who]).get(PATH).json()
    by_pk = {i.pk: name for name, i in items.items.items()}
    assert {by_pk[i["id"]] for i in body["items"]} == FEEDBACK_SEEN[who]
    assert body["count"] == len(FEEDBACK_SEEN[who])


@pytest.mark.django_db
def test_the_list_filters(api, items):
    caller = api(items.office)

    def names(**params):
        by_pk = {i.pk: name for name, i in items.items.items()}
        return {by_pk[i["id"]] for i in caller.get(PATH, **params).json()["items"]}

    assert names(kind="suggestion") == {"b"}
    assert names(channel="interview") == {"group"}
    assert names(region=items.region.pk) == {"none"}
    assert caller.get(PATH, channel="pigeon").status_code == 422


@pytest.mark.django_db
def test_updated_since_returns_what_changed_after_it(api, items):
    caller = api(items.office)
    mark = "2030-01-01T00:00:00+08:00"
    assert caller.get(PATH, updated_since=mark).json()["count"] == 0
    with time_machine.travel(dt.datetime(2030, 1, 2, tzinfo=dt.UTC)):
        triaged = api(items.office).patch(
            f"/feedback/{items.items['a'].pk}", {"kind": "suggestion"}
        )
        assert triaged.status_code == 200
    body = caller.get(PATH, updated_since=mark).json()
    assert [i["id"] for i in body["items"]] == [items.items["a"].pk]
    assert caller.get(PATH, updated_since="9999-12-31T23:59:59-14:00").status_code == 422


@pytest.mark.django_db
def test_the_list_pages_in_a_stable_order(api, world):
    same_moment = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    made = [
        FeedbackItem.objects.create(
            campaign=world.campaign,
            kind=FeedbackKind.PROBLEM,
            text=f"第{n}条",
            channel=Channel.OTHER,
            received_at=same_moment,
        )
        for n in range(5)
    ]
    caller = api(world.office)
    seen = []
    for page in (1, 2, 3):
        seen += [i["id"] for i in caller.get(PATH, page=page, page_size=2).json()["items"]]
    assert seen == sorted((i.pk for i in made), reverse=True)


# --- one item --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_item_lists_the_problems_it_was_merged_into(api, items):
    item_b = items.items["b"]
    ledger.merge_feedback(items.problem, [item_b], actor=items.office, reason="同类")
    ledger.merge_feedback(items.problem_b_only, [item_b], actor=items.office)
    body = api(items.leader).get(f"/feedback/{item_b.pk}").json()
    assert [(p["number"], p["title"]) for p in body["problems"]] == [
        (items.problem.number, items.problem.title),
        (items.problem_b_only.number, items.problem_b_only.title),
    ]


@pytest.mark.django_db
def test_an_item_out_of_scope_is_404(api, items):
    item_a = items.items["a"]
    for who in ["liaison", "liaison2", "outsider", "leader_b"]:
        resp = api(items.users[who]).get(f"/feedback/{item_a.pk}")
        assert resp.status_code == 404, who
    assert api(items.office).get("/feedback/999999").status_code == 404


# --- triage ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_office_triages_and_the_log_keeps_before_and_after(api, items):
    fb = items.items["a"]
    category = Category.objects.create(campaign=items.campaign, name="作风")
    resp = api(items.office).patch(
        f"/feedback/{fb.pk}",
        {
            "kind": "suggestion",
            "region_id": items.region.pk,
            "category_id": category.pk,
            "org_unit_id": items.org_a1.pk,
        },
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert (body["kind"], body["region_id"], body["category_id"], body["org_unit_id"]) == (
        "suggestion",
        items.region.pk,
        category.pk,
        items.org_a1.pk,
    )
    assert body["text"] == "甲"
    (entry,) = history(fb)
    assert entry.action == "feedback.triage"
    assert entry.actor == items.office
    assert entry.before == {
        "kind": "problem",
        "region": None,
        "category": None,
        "org_unit": items.bureau_a.pk,
    }
    assert entry.after["org_unit"] == items.org_a1.pk


@pytest.mark.django_db
def test_null_clears_a_link_and_no_change_logs_nothing(api, items):
    fb = items.items["none"]
    caller = api(items.office)
    assert caller.patch(f"/feedback/{fb.pk}", {"kind": "problem"}).status_code == 200
    assert list(history(fb)) == []
    assert caller.patch(f"/feedback/{fb.pk}", {"region_id": None}).json()["region_id"] is None
    assert history(fb).get().before == {"region": items.region.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["改过的文本", "无", None])
def test_the_text_is_kept_as_received(api, items, text):
    fb = items.items["none"]
    resp = api(items.office).patch(f"/feedback/{fb.pk}", {"text": text, "kind": "suggestion"})
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "text_immutable"
    assert body["message_en"] == "The text of a feedback item is kept as received."
    assert body["errors"][0]["field"] == "text"
    fb.refresh_from_db()
    assert (fb.text, fb.kind) == ("无", "problem")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        {"title": "新标题"},
        {"channel": "letter"},
        {"kind": None},
        {"kind": "complaint"},
        {"category_id": 999999},
        {"org_unit_id": 999999},
    ],
)
def test_only_valid_triage_fields_are_accepted(api, items, payload):
    fb = items.items["a"]
    resp = api(items.office).patch(f"/feedback/{fb.pk}", payload)
    assert resp.status_code == 422, resp.content
    assert list(history(fb)) == []


@pytest.mark.django_db
def test_a_category_of_another_campaign_is_refused(api, items):
    other = make_campaign(items.ministry, slug="other")
    foreign = Category.objects.create(campaign=other, name="外")
    resp = api(items.office).patch(f"/feedback/{items.items['a'].pk}", {"category_id": foreign.pk})
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "category_id"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["leader", "supervisor", "viewer", "group"])
def test_only_the_office_triages(api, items, who):
    fb = items.items["b"]  # every one of them can see it
    resp = api(items.users[who]).patch(f"/feedback/{fb.pk}", {"kind": "problem"})
    assert resp.status_code == 403
    fb.refresh_from_db()
    assert fb.kind == FeedbackKind.SUGGESTION


@pytest.mark.django_db
def test_liaisons_cannot_even_find_an_item_to_triage(api, items):
    resp = api(items.liaison).patch(f"/feedback/{items.items['a'].pk}", {"kind": "suggestion"})
    assert resp.status_code == 404


@pytest.mark.django_db
def test_a_stale_updated_at_is_a_409(api, items):
    fb = items.items["a"]
    caller = api(items.office)
    seen = caller.get(f"/feedback/{fb.pk}").json()["updated_at"]
    ok = caller.patch(f"/feedback/{fb.pk}", {"kind": "suggestion", "updated_at": seen})
    assert ok.status_code == 200
    stale = caller.patch(f"/feedback/{fb.pk}", {"kind": "problem", "updated_at": seen})
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict"
    fb.refresh_from_db()
    assert fb.kind == FeedbackKind.SUGGESTION
