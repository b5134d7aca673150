"""The ledger through the API: problem lists, categories, problems, measures, their records,
transitions, evidence and the activity log. Each endpoint calls the pages' filter, scoping and
services, so the answers here are the pages' answers."""

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict

from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.ledger import services
from rectify.ledger.choices import MeasureMode, Source
from rectify.ledger.filtering import ProblemFilter
from rectify.ledger.models import Category, Evidence, Measure, Problem, ProblemFeedback, ProblemList
from rectify.ledger.scoping import scope_measures, scope_problems
from rectify.orgs.access import SYSTEM
from tests.factories import add_evidence, make_campaign

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)  # a Monday


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW)


@pytest.fixture
def ledger(world):
    """World problems 1 (bureau_a + bureau_b measures) and 2 (bureau_b, inspection), plus:
    3 prominent, in a list and a category, with an overdue org_a1 measure;
    4 without measures; 5 rectified (bureau_b); measure_b due soon."""
    c = world.campaign
    world.list_lead = ProblemList.objects.create(campaign=c, name="领导班子突出问题清单")
    world.category = Category.objects.create(campaign=c, name="形式主义")
    world.p3 = services.create_problem(
        c,
        actor=world.office,
        title="文山会海问题突出",
        source=Source.GRASSROOTS,
        is_prominent=True,
        category=world.category,
        lists=[world.list_lead],
        lead_unit=world.bureau_a,
    )
    world.overdue = world.measure(
        world.p3, world.org_a1, "压减发文数量", deadline=dt.date(2026, 11, 1)
    )
    services.create_problem(c, actor=world.office, title="尚无措施的问题", source=Source.AUDIT)
    p5 = services.create_problem(c, actor=world.office, title="已经整改的问题", source=Source.SELF)
    m5 = world.measure(p5, world.bureau_b, "已完成的措施", deadline=dt.date(2026, 12, 1))
    services.start(m5, actor=world.office)
    add_evidence(m5, world.office)
    services.request_closure(m5, actor=SYSTEM, reason="整改完成")
    world.closed = services.verify(m5, actor=world.office, reason="同意销号")
    services.update_measure(
        world.measure_b,
        actor=world.office,
        expected_version=1,
        deadline=dt.date(2026, 11, 18),
        deadline_reason="工作需要调整时限",
    )
    return world


def items(response) -> list:
    assert response.status_code == 200, response.content
    return response.json()["items"]


def numbers(response) -> list[int]:
    return [row["number"] for row in items(response)]


def ids(response) -> list[int]:
    return [row["id"] for row in items(response)]


# --- problem lists and categories ------------------------------------------------------------


@pytest.mark.django_db
def test_problem_lists_and_the_category_tree(api, world):
    c = world.campaign
    second = ProblemList.objects.create(campaign=c, name="乙清单", order=2)
    first = ProblemList.objects.create(campaign=c, name="甲清单", order=1)
    ProblemList.objects.create(campaign=make_campaign(world.ministry), name="别的专项的清单")
    top = Category.objects.create(campaign=c, name="形式主义")
    child = Category.objects.create(campaign=c, name="文山会海", parent=top, standard="发文数量")

    lists = api(world.liaison).get("/campaigns/world/problem-lists").json()
    assert [pl["id"] for pl in lists] == [first.pk, second.pk]
    cats = api(world.liaison).get("/campaigns/world/categories").json()
    assert cats == [
        {"id": top.pk, "parent_id": None, "name": "形式主义", "standard": "", "order": 0},
        {
            "id": child.pk,
            "parent_id": top.pk,
            "name": "文山会海",
            "standard": "发文数量",
            "order": 0,
        },
    ]


# --- problem list ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_problem_list_is_scoped_with_derived_state_and_counts(api, ledger):
    rows = items(api(ledger.office).get("/campaigns/world/problems"))
    assert [r["number"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["state"] for r in rows] == [
        "in_progress",
        "in_progress",
        "in_progress",
        "no_measure",
        "rectified",
    ]
    assert rows[0]["measure_count"] == 2
    assert rows[2]["overdue_count"] == 1
    assert rows[2]["list_ids"] == [ledger.list_lead.pk]
    assert rows[2]["category_id"] == ledger.category.pk

    liaison_rows = items(api(ledger.liaison).get("/campaigns/world/problems"))
    assert [r["number"] for r in liaison_rows] == [1, 3]
    assert liaison_rows[0]["measure_count"] == 1  # only the measures the liaison may see


QUERIES = [
    "",
    "?q=问题",
    "?source=inspection",
    "?prominent=1",
    "?prominent=0",
    "?state=rectified",
    "?state=no_measure",
    "?measure_state=closed",
    "?measure_state=draft",
    "?due=overdue",
    "?due=due_soon",
    "?q=&list=&category=&source=&prominent=&state=&measure_state=&unit=&due=",  # the page's form
    "?source=grassroots&prominent=1&due=overdue",
]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["office", "viewer", "liaison", "liaison2"])
@pytest.mark.parametrize("query", QUERIES)
def test_problem_filters_answer_what_the_page_filter_answers(api, ledger, persona, query):
    user = ledger.personas[persona]
    assert _api_numbers(api, user, query) == _page_numbers(ledger, user, query)


@pytest.mark.django_db
def test_filters_by_id_answer_what_the_page_filter_answers(api, ledger):
    for query, expected in [
        (f"?list={ledger.list_lead.pk}", [3]),
        (f"?category={ledger.category.pk}", [3]),
        (f"?unit={ledger.bureau_a.pk}", [1, 3]),
        (f"?unit={ledger.bureau_b.pk}", [1, 2, 5]),
        (f"?unit={ledger.org_a1.pk}&due=overdue", [3]),
    ]:
        assert _api_numbers(api, ledger.office, query) == expected
        assert _page_numbers(ledger, ledger.office, query) == expected


def _api_numbers(api, user, query: str) -> list[int]:
    return numbers(api(user).get(f"/campaigns/world/problems{query}"))


def _page_numbers(world, user, query: str) -> list[int]:
    pf = ProblemFilter(
        QueryDict(query.removeprefix("?")),
        campaign=world.campaign,
        problems=scope_problems(user, world.campaign),
        measures=scope_measures(user, world.campaign),
    )
    return [p.number for p in pf.qs]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?source=nope", "source"),
        ("?prominent=yes", "prominent"),
        ("?list=999999", "list"),
        ("?category=abc", "category"),
        ("?unit=-1", "unit"),
        ("?due=late", "due"),
        ("?q=" + "长" * 101, "q"),
        ("?q=%00", "q"),
        ("?updated_since=yesterday", "updated_since"),
        ("?updated_since=2026-11-16T09:00:00", "updated_since"),  # no time zone
        ("?updated_since=0001-01-01T00:00:00%2B01:00", "updated_since"),  # overflows UTC
    ],
)
def test_an_invalid_filter_is_a_422_in_the_error_shape(api, ledger, query, field):
    response = api(ledger.office).get(f"/campaigns/world/problems{query}")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert field in [e["field"] for e in body["errors"]]


@pytest.mark.django_db
def test_a_liaison_cannot_filter_by_another_units_measures(api, ledger):
    response = api(ledger.liaison).get(f"/campaigns/world/problems?unit={ledger.bureau_b.pk}")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["unit"]


@pytest.mark.django_db
def test_updated_since_answers_the_problems_changed_after(api, ledger, time_machine):
    time_machine.move_to(NOW + dt.timedelta(hours=2))
    services.update_problem(ledger.p3, actor=ledger.office, description="补充说明")
    since = (NOW + dt.timedelta(hours=1)).isoformat()
    caller = api(ledger.office)
    assert numbers(caller.get("/campaigns/world/problems", updated_since=since)) == [3]
    assert (
        numbers(caller.get("/campaigns/world/problems", updated_since=since, source="audit")) == []
    )


@pytest.mark.django_db
def test_pages_are_stable_and_complete(api, world):
    for i in range(9):
        services.create_problem(
            world.campaign, actor=world.office, title=f"问题{i}", source=Source.GRASSROOTS
        )
    caller = api(world.viewer)
    seen = []
    for page in (1, 2, 3, 4):
        body = caller.get("/campaigns/world/problems", page=page, page_size=3).json()
        assert body["count"] == 11 and body["page"] == page and body["page_size"] == 3
        seen += [row["number"] for row in body["items"]]
    assert seen == list(range(1, 12))
    again = caller.get("/campaigns/world/problems", page=2, page_size=3).json()
    assert [row["number"] for row in again["items"]] == [4, 5, 6]


# --- problem detail --------------------------------------------------------------------------


@pytest.fixture
def merged(world):
    item = FeedbackItem.objects.create(
        campaign=world.campaign,
        kind=FeedbackKind.PROBLEM,
        text="乡镇每月要填二十多张表",
        channel=Channel.SYMPOSIUM,
    )
    services.merge_feedback(
        world.problem, [item], actor=world.office, reason="同类问题合并", similarity=0.87
    )
    world.item = item
    return world


@pytest.mark.django_db
def test_a_problem_shows_state_lists_measures_and_merged_feedback(api, merged):
    body = api(merged.office).get("/campaigns/world/problems/1").json()
    assert body["number"] == 1 and body["state"] == "in_progress"
    assert [m["id"] for m in body["measures"]] == [merged.measure_a.pk, merged.measure_b.pk]
    assert body["measures"][0]["responsible_unit_name"] == "甲省民政厅"
    [link] = body["feedback"]
    assert link["feedback_item"]["text"] == "乡镇每月要填二十多张表"
    assert link["merged_by"] == "office"
    assert link["reason"] == "同类问题合并"
    assert link["similarity"] == pytest.approx(0.87)


@pytest.mark.django_db
def test_a_merged_items_similarity_is_answered_to_three_decimals(api, merged):
    ProblemFeedback.objects.filter(feedback_item=merged.item).update(similarity=0.8765432)
    [link] = api(merged.office).get("/campaigns/world/problems/1").json()["feedback"]
    assert link["similarity"] == 0.877
    assert link["merged_at"].startswith("2026-11-16")


@pytest.mark.django_db
def test_a_liaison_sees_no_raw_feedback_and_only_its_own_measures(api, merged):
    body = api(merged.liaison).get("/campaigns/world/problems/1").json()
    assert body["feedback"] == []
    assert [m["id"] for m in body["measures"]] == [merged.measure_a.pk]
    assert body["state"] == "in_progress"


@pytest.mark.django_db
def test_an_invisible_or_missing_problem_is_404(api, world):
    assert api(world.liaison).get("/campaigns/world/problems/2").status_code == 404
    assert api(world.office).get("/campaigns/world/problems/99").status_code == 404
    assert api(world.outsider).get("/campaigns/world/problems/1").status_code == 404


# --- problem writes --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_office_adds_a_problem(api, merged):
    c = merged.campaign
    plist = ProblemList.objects.create(campaign=c, name="清单")
    category = Category.objects.create(campaign=c, name="作风")
    response = api(merged.office).post(
        "/campaigns/world/problems",
        {
            "title": "督查检查考核过多",
            "source": "written",
            "nature": "style",
            "category_id": category.pk,
            "list_ids": [plist.pk],
            "lead_unit_id": merged.bureau_a.pk,
            "region_id": merged.region.pk,
            "is_prominent": True,
            "feedback_item_ids": [merged.item.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 3 and body["title"] == "督查检查考核过多"
    assert body["state"] == "no_measure" and body["version"] == 1
    assert [pl["id"] for pl in body["lists"]] == [plist.pk]
    assert [f["feedback_item"]["id"] for f in body["feedback"]] == [merged.item.pk]
    problem = Problem.objects.get(campaign=c, number=3)
    assert (problem.category, problem.lead_unit, problem.region) == (
        category,
        merged.bureau_a,
        merged.region,
    )
    actions = [
        e["action"]
        for e in items(api(merged.office).get(f"/activity?type=problem&id={problem.pk}"))
    ]
    assert actions == ["problem.merge", "problem.create"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "   ", "source": "written"}, "title"),
        ({"title": "甲\x00乙", "source": "written"}, "title"),
        ({"title": "长" * 201, "source": "written"}, "title"),
        ({"title": "问题", "source": "rumour"}, "source"),
        ({"title": "问题", "source": "written", "category_id": 999999}, "category_id"),
        ({"title": "问题", "source": "written", "list_ids": [999999]}, "list_ids"),
        ({"title": "问题", "source": "written", "lead_unit_id": 2**70}, "lead_unit_id"),
        ({"title": "问题", "source": "written", "categroy_id": 1}, "categroy_id"),  # misspelt
    ],
)
def test_an_invalid_problem_is_a_422(api, world, body, field):
    response = api(world.office).post("/campaigns/world/problems", body)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Problem.objects.count() == 2


@pytest.mark.django_db
def test_lists_and_categories_of_another_campaign_are_refused(api, world):
    other = make_campaign(world.ministry)
    category = Category.objects.create(campaign=other, name="别处的类别")
    response = api(world.office).post(
        "/campaigns/world/problems",
        {"title": "问题", "source": "written", "category_id": category.pk},
    )
    assert response.status_code == 422


@pytest.mark.django_db
def test_only_the_office_adds_or_edits_problems(api, world):
    body = {"title": "问题", "source": "written"}
    for persona in ("leader", "liaison", "viewer"):
        response = api(world.personas[persona]).post("/campaigns/world/problems", body)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    response = api(world.liaison).patch("/campaigns/world/problems/1", {"version": 1, "title": "x"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_a_problem_edit_carries_the_version_and_a_stale_one_is_409(api, world):
    caller = api(world.office)
    response = caller.patch(
        "/campaigns/world/problems/1", {"version": 1, "is_prominent": True, "category_id": None}
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2 and response.json()["is_prominent"] is True

    stale = caller.patch("/campaigns/world/problems/1", {"version": 1, "title": "旧版本上的修改"})
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict"
    assert "Nothing was saved" in body["message_en"]
    assert Problem.objects.get(pk=world.problem.pk).title == "基层减负落实不到位"


@pytest.mark.django_db
def test_a_problem_edit_cannot_null_a_required_field(api, world):
    response = api(world.office).patch("/campaigns/world/problems/1", {"version": 1, "title": None})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["title"]


# --- measures: list and detail ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_measure_list_is_scoped_with_due_status(api, ledger):
    rows = items(api(ledger.office).get("/campaigns/world/measures"))
    assert [r["problem_number"] for r in rows] == [1, 1, 2, 3, 5]
    due = {r["id"]: (r["due_status"], r["days_overdue"]) for r in rows}
    assert due[ledger.overdue.pk] == ("overdue", 15)
    assert due[ledger.measure_b.pk] == ("due_soon", 0)
    assert due[ledger.closed.pk] == ("", 0)
    liaison = ids(api(ledger.liaison).get("/campaigns/world/measures"))
    assert liaison == [ledger.measure_a.pk, ledger.overdue.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "closed"}, ["closed"]),
        ({"due": "overdue"}, ["overdue"]),
        ({"due": "due_soon"}, ["measure_b"]),
        ({"problem": 1}, ["measure_a", "measure_b"]),
        ({"unit": "bureau_a"}, ["measure_a", "overdue"]),  # with its subunit org_a1
        ({"unit": "org_a1"}, ["overdue"]),
        ({"unit": "bureau_b", "state": "draft"}, ["measure_b", "measure_b2"]),
    ],
)
def test_measure_filters(api, ledger, params, expected):
    params = {k: getattr(ledger, v).pk if k == "unit" else v for k, v in params.items()}
    got = ids(api(ledger.office).get("/campaigns/world/measures", **params))
    assert got == [getattr(ledger, name).pk for name in expected]


@pytest.mark.django_db
def test_measure_updated_since(api, ledger, time_machine):
    time_machine.move_to(NOW + dt.timedelta(hours=2))
    services.start(ledger.measure_a, actor=ledger.liaison)
    since = (NOW + dt.timedelta(hours=1)).isoformat()
    assert ids(api(ledger.office).get("/campaigns/world/measures", updated_since=since)) == [
        ledger.measure_a.pk
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params", [{"state": "finished"}, {"due": "late"}, {"unit": 999999}, {"problem": "one"}]
)
def test_an_invalid_measure_filter_is_a_422(api, ledger, params):
    response = api(ledger.office).get("/campaigns/world/measures", **params)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


@pytest.mark.django_db
def test_a_measure_shows_due_status_milestones_and_the_actions_you_may_take(api, ledger):
    services.add_milestone(
        ledger.overdue, actor=ledger.office, title="完成清理", due_on=dt.date(2026, 10, 1)
    )
    body = api(ledger.liaison).get(f"/measures/{ledger.overdue.pk}").json()
    assert body["due_status"] == "overdue" and body["days_overdue"] == 15
    assert [m["title"] for m in body["milestones"]] == ["完成清理"]
    assert body["actions"] == [
        {"endpoint": "start", "needs_reason": False, "needs_evidence": False}
    ]
    assert body["can_change"] is True
    assert body["editable_fields"] == ["content", "responsible_person", "remarks"]

    office = api(ledger.office).get(f"/measures/{ledger.closed.pk}").json()
    assert [a["endpoint"] for a in office["actions"]] == ["reopen"]
    assert office["actions"][0]["needs_reason"] is True
    viewer = api(ledger.viewer).get(f"/measures/{ledger.overdue.pk}").json()
    assert viewer["actions"] == [] and viewer["can_change"] is False
    assert viewer["editable_fields"] == []


@pytest.mark.django_db
def test_another_units_measure_is_404(api, world):
    assert api(world.liaison).get(f"/measures/{world.measure_b.pk}").status_code == 404
    assert api(world.office).get("/measures/999999").status_code == 404
    assert api(world.office).get(f"/measures/{2**70}").status_code == 422


# --- measures: writes ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_office_adds_a_measure(api, world):
    response = api(world.office).post(
        "/campaigns/world/problems/2/measures",
        {
            "content": "  建立审批时限台账 ",
            "responsible_unit_id": world.org_a1.pk,
            "mode": "phased",
            "deadline": "2027-03-31",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content"] == "建立审批时限台账"
    assert body["state"] == "draft" and body["version"] == 1
    assert body["problem_number"] == 2 and body["responsible_unit_id"] == world.org_a1.pk
    measure = Measure.objects.get(pk=body["id"])
    assert [
        e["action"] for e in items(api(world.office).get(f"/activity?type=measure&id={measure.pk}"))
    ] == ["measure.create"]


@pytest.mark.django_db
def test_a_long_term_measure_needs_no_deadline(api, world):
    response = api(world.office).post(
        "/campaigns/world/problems/1/measures",
        {"content": "长期坚持", "responsible_unit_id": world.bureau_a.pk, "mode": "long_term"},
    )
    assert response.status_code == 201
    assert response.json()["deadline"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": "措施", "mode": "phased"}, "deadline"),
        ({"content": "  ", "deadline": "2027-01-01"}, "content"),
        ({"content": "措施" * 1001, "deadline": "2027-01-01"}, "content"),
        ({"content": "措施", "deadline": "2027-13-01"}, "deadline"),
        ({"content": "措施", "deadline": "2027-01-01", "mode": "forever"}, "mode"),
        (
            {"content": "措施", "deadline": "2027-01-01", "responsible_unit_id": 999999},
            "responsible_unit_id",
        ),
    ],
)
def test_an_invalid_measure_is_a_422(api, world, body, field):
    body = {"responsible_unit_id": world.bureau_a.pk, **body}
    response = api(world.office).post("/campaigns/world/problems/1/measures", body)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.django_db
def test_a_deadline_before_the_campaign_starts_is_refused(api, world):
    world.campaign.starts_on = dt.date(2026, 6, 1)
    world.campaign.save()
    response = api(world.office).post(
        "/campaigns/world/problems/1/measures",
        {"content": "措施", "responsible_unit_id": world.bureau_a.pk, "deadline": "2026-01-01"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "deadline"


@pytest.mark.django_db
def test_only_the_office_adds_measures(api, world):
    body = {"content": "措施", "responsible_unit_id": world.bureau_a.pk, "deadline": "2027-01-01"}
    response = api(world.liaison).post("/campaigns/world/problems/1/measures", body)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert api(world.liaison).post("/campaigns/world/problems/2/measures", body).status_code == 404


@pytest.mark.django_db
def test_a_measure_edit_carries_the_version_and_a_stale_one_is_409(api, world):
    caller = api(world.office)
    url = f"/measures/{world.measure_a.pk}"
    response = caller.patch(
        url,
        {
            "version": 1,
            "deadline": "2027-01-15",
            "deadline_reason": "会议决定延后",
            "responsible_person": "张三",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert response.json()["deadline"] == "2027-01-15"

    stale = api(world.liaison).patch(url, {"version": 1, "content": "我的修改"})
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict"
    assert "Someone else changed this measure" in body["message_en"]
    assert "他人已修改" in body["message"]
    assert Measure.objects.get(pk=world.measure_a.pk).content == "清理规范各类考核事项"


@pytest.mark.django_db
def test_the_unit_edits_its_fields_and_is_refused_the_offices(api, world):
    url = f"/measures/{world.measure_a.pk}"
    caller = api(world.liaison)
    refused = caller.patch(url, {"version": 1, "deadline": "2027-06-30"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert refused.json()["message_en"] == "You may not change: deadline."
    assert refused.json()["message"] == "您无权修改：完成时限。"
    # Sending an office field back unchanged is not a change.
    ok = caller.patch(url, {"version": 1, "content": "新的措施内容", "deadline": "2026-12-31"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["content"] == "新的措施内容"
    assert api(world.viewer).patch(url, {"version": 2, "content": "x"}).status_code == 403
    assert api(world.liaison2).patch(url, {"version": 2, "content": "x"}).status_code == 404


@pytest.mark.django_db
def test_a_measure_edit_is_validated_as_on_the_page(api, world):
    url = f"/measures/{world.measure_a.pk}"
    response = api(world.office).patch(url, {"version": 1, "mode": "immediate", "deadline": None})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["deadline"]
    response = api(world.office).patch(url, {"version": 1, "content": None})
    assert response.status_code == 422


# --- transitions -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_whole_cycle_through_the_api(api, client, world):
    unit, office = api(world.liaison), api(world.office)
    m = f"/measures/{world.measure_a.pk}"
    started = unit.post(f"{m}/start", {"version": 1})
    assert started.status_code == 200, started.content
    assert started.json()["state"] == "in_progress" and started.json()["version"] == 2

    upload = client.post(
        f"/api/v1{m}/evidence",
        {"file": SimpleUploadedFile("整改报告.pdf", b"%PDF-1.7 proof")},
        headers=unit.headers,
    )
    assert upload.status_code == 201
    asked = unit.post(f"{m}/request-closure", {"reason": "已完成", "version": 2})
    assert asked.json()["state"] == "closure_requested"
    returned = office.post(f"{m}/return", {"reason": "材料不全"})
    assert returned.json()["state"] == "returned"
    again = client.post(
        f"/api/v1{m}/evidence",
        {"file": SimpleUploadedFile("补充材料.txt", "补充的公示截图说明".encode())},
        headers=unit.headers,
    )
    assert again.status_code == 201, again.content  # evidence of this round: needed again
    unit.post(f"{m}/request-closure", {"reason": "已补充材料"})
    closed = office.post(f"{m}/verify", {"reason": "同意销号"})
    assert closed.json()["state"] == "closed" and closed.json()["closed_on"] == "2026-11-16"
    reopened = office.post(f"{m}/reopen", {"reason": "群众反映问题反弹"})
    assert reopened.json()["state"] == "reopened" and reopened.json()["closed_on"] is None

    log = items(office.get("/activity", type="measure", id=world.measure_a.pk))
    assert [e["action"] for e in log] == [
        "measure.reopen",
        "measure.verify",
        "measure.request_closure",
        "measure.return",
        "measure.request_closure",
        "measure.start",
        "measure.create",
    ]
    assert log[0]["reason"] == "群众反映问题反弹" and log[0]["actor"] == "office"
    assert log[0]["before"]["state"] == "closed" and log[0]["after"]["state"] == "reopened"


@pytest.mark.django_db
def test_a_transition_needs_no_body(api, client, world):
    # As `curl -X POST`: no body, no content type.
    response = client.generic(
        "POST", f"/api/v1/measures/{world.measure_a.pk}/start", headers=api(world.liaison).headers
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "in_progress"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "prepare", "action", "body", "status", "code"),
    [
        ("liaison", "requested", "verify", {}, 403, "wrong_role"),
        ("viewer", None, "start", {}, 403, "wrong_role"),
        ("leader", None, "start", {}, 403, "wrong_role"),
        ("liaison", "started", "request-closure", {}, 409, "reason_required"),
        ("liaison", "started", "request-closure", {"reason": "已完成"}, 409, "evidence_required"),
        ("office", "requested", "return", {"reason": "  "}, 409, "reason_required"),
        ("office", "started", "start", {}, 409, "wrong_state"),
        ("office", None, "verify", {}, 409, "wrong_state"),
        ("office", "started", "start", {"version": 1}, 409, "conflict"),
        ("liaison2", None, "start", {}, 404, "not_found"),
        ("outsider", None, "start", {}, 404, "not_found"),
        ("office", None, "phase-complete", {}, 409, "wrong_mode"),
        ("liaison", None, "start", {"reason": "x" * 2001}, 422, "invalid"),
    ],
)
def test_refused_transitions_say_why(api, world, persona, prepare, action, body, status, code):
    m = world.measure_a
    if prepare in ("started", "requested"):
        m = services.start(m, actor=world.office)
    if prepare == "requested":
        add_evidence(m, world.office)
        m = services.request_closure(m, actor=SYSTEM, reason="整改完成")
    response = api(world.personas[persona]).post(f"/measures/{m.pk}/{action}", body)
    assert response.status_code == status, response.content
    answer = response.json()
    assert answer["code"] == code
    assert answer["message"] and answer["message_en"]
    assert Measure.objects.get(pk=m.pk).state == m.state


@pytest.mark.django_db
def test_a_long_term_measure_completes_a_phase_and_stays_open(api, world):
    m = world.measure(world.problem, world.bureau_a, "长期坚持", mode=MeasureMode.LONG_TERM)
    services.start(m, actor=world.office)
    assert "phase-complete" in [
        a["endpoint"] for a in api(world.liaison).get(f"/measures/{m.pk}").json()["actions"]
    ]
    response = api(world.liaison).post(
        f"/measures/{m.pk}/phase-complete", {"reason": "年度目标完成"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["phase_complete"] is True
    assert response.json()["state"] == "in_progress"
    assert "phase-complete" not in [a["endpoint"] for a in response.json()["actions"]]


# --- milestones and progress -----------------------------------------------------------------


@pytest.mark.django_db
def test_milestones(api, world):
    m = f"/measures/{world.measure_a.pk}"
    created = api(world.liaison).post(
        f"{m}/milestones", {"title": "完成清理", "due_on": "2026-12-01"}
    )
    assert created.status_code == 201, created.content
    milestone = created.json()
    assert milestone["done_on"] is None and milestone["measure_id"] == world.measure_a.pk
    listed = api(world.viewer).get(f"{m}/milestones").json()
    assert [x["id"] for x in listed] == [milestone["id"]]

    assert api(world.liaison2).post(f"/milestones/{milestone['id']}/done").status_code == 404
    assert api(world.viewer).post(f"/milestones/{milestone['id']}/done").status_code == 403
    done = api(world.liaison).post(f"/milestones/{milestone['id']}/done")
    assert done.status_code == 200 and done.json()["done_on"] == "2026-11-16"
    dated = api(world.office).post(f"/milestones/{milestone['id']}/done", {"done_on": "2026-11-10"})
    assert dated.json()["done_on"] == "2026-11-10"
    log = items(api(world.office).get("/activity", type="milestone", id=milestone["id"]))
    assert [e["action"] for e in log] == ["milestone.done", "milestone.done", "milestone.create"]


@pytest.mark.django_db
def test_milestone_input_is_validated(api, world):
    m = f"/measures/{world.measure_a.pk}/milestones"
    assert api(world.office).post(m, {"title": " ", "due_on": "2026-12-01"}).status_code == 422
    assert api(world.office).post(m, {"title": "步骤"}).status_code == 422


@pytest.mark.django_db
def test_progress_reports(api, world):
    m = f"/measures/{world.measure_a.pk}/progress"
    draft = api(world.liaison).post(m, {"text": "已清理12项", "percent_done": 40})
    assert draft.status_code == 403  # not under way yet
    services.start(world.measure_a, actor=world.liaison)
    created = api(world.liaison).post(m, {"text": "已清理12项", "percent_done": 40})
    assert created.status_code == 201, created.content
    report = created.json()
    assert report["reported_on"] == "2026-11-16" and report["reported_by"] == "liaison"
    assert report["measure_id"] == world.measure_a.pk
    api(world.liaison).post(
        m, {"text": "已清理20项", "percent_done": 70, "reported_on": "2026-11-20"}
    )
    texts = [r["text"] for r in items(api(world.leader).get(m))]
    assert texts == ["已清理20项", "已清理12项"]
    assert api(world.liaison).post(m, {"text": "x", "percent_done": 101}).status_code == 422
    assert api(world.viewer).post(m, {"text": "x", "percent_done": 1}).status_code == 403


# --- evidence --------------------------------------------------------------------------------


def upload(client, caller, measure, content=b"proof", name="proof.txt", **extra):
    return client.post(
        f"/api/v1/measures/{measure.pk}/evidence",
        {"file": SimpleUploadedFile(name, content, content_type="text/plain"), **extra},
        headers=caller.headers,
    )


@pytest.mark.django_db
def test_evidence_round_trip_keeps_the_bytes_and_their_sha256(api, client, world):
    content = "整改台账：已清理考核事项12项\n".encode() * 1000
    unit = api(world.liaison)
    response = upload(client, unit, world.measure_a, content, "整改报告.txt", description="报告")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size"] == len(content)
    assert body["original_name"] == "整改报告.txt" and body["description"] == "报告"
    assert body["uploaded_by"] == "liaison"
    assert body["measure_id"] == world.measure_a.pk

    listed = items(api(world.viewer).get(f"/measures/{world.measure_a.pk}/evidence"))
    assert [e["id"] for e in listed] == [body["id"]]
    download = client.get(f"/api/v1{body['download']}", headers=api(world.viewer).headers)
    assert download.status_code == 200
    got = b"".join(download.streaming_content)
    assert hashlib.sha256(got).hexdigest() == body["sha256"]
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "application/octet-stream"


@pytest.mark.django_db
def test_evidence_is_stored_once_per_content(api, client, world):
    unit = api(world.liaison)
    first = upload(client, unit, world.measure_a, b"same").json()
    second = upload(client, unit, world.measure_a, b"same", "again.txt").json()
    assert first["sha256"] == second["sha256"]
    a, b = Evidence.objects.get(pk=first["id"]), Evidence.objects.get(pk=second["id"])
    assert a.file.name == b.file.name


@pytest.mark.django_db
def test_evidence_over_the_limit_is_a_413(api, client, world, settings):
    settings.EVIDENCE_MAX_BYTES = 10
    response = upload(client, api(world.liaison), world.measure_a, b"x" * 11)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert Evidence.objects.count() == 0


@pytest.mark.django_db
def test_evidence_upload_is_validated_and_scoped(api, client, world):
    unit = api(world.liaison)
    services.start(world.measure_b, actor=world.office)
    other = services.add_progress_report(
        world.measure_b, actor=world.office, text="乙省进展", percent_done=10
    )
    wrong_report = upload(client, unit, world.measure_a, report_id=other.pk)
    assert wrong_report.status_code == 422
    no_file = client.post(
        f"/api/v1/measures/{world.measure_a.pk}/evidence", {}, headers=unit.headers
    )
    assert no_file.status_code == 422
    assert upload(client, api(world.viewer), world.measure_a).status_code == 403
    assert upload(client, api(world.liaison2), world.measure_a).status_code == 404
    assert Evidence.objects.count() == 0


@pytest.mark.django_db
def test_evidence_with_a_progress_report(api, client, world):
    services.start(world.measure_a, actor=world.office)
    report = services.add_progress_report(
        world.measure_a, actor=world.liaison, text="进展", percent_done=10
    )
    response = upload(client, api(world.liaison), world.measure_a, report_id=report.pk)
    assert response.status_code == 201
    assert response.json()["report_id"] == report.pk


@pytest.mark.django_db
def test_another_units_evidence_cannot_be_downloaded(api, client, world):
    evidence = add_evidence(world.measure_b, world.office)
    url = f"/api/v1/evidence/{evidence.pk}/download"
    assert client.get(url, headers=api(world.liaison).headers).status_code == 404
    assert client.get(url, headers=api(world.liaison2).headers).status_code == 200


# --- the activity log ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_activity_of_each_kind_of_object(api, merged):
    office = api(merged.office)
    evidence = add_evidence(merged.measure_a, merged.liaison)
    services.start(merged.measure_a, actor=merged.liaison)
    report = services.add_progress_report(
        merged.measure_a, actor=merged.liaison, text="进展", percent_done=5
    )
    expected = {
        ("problem", merged.problem.pk): ["problem.merge", "problem.create"],
        ("measure", merged.measure_a.pk): ["measure.start", "measure.create"],
        ("evidence", evidence.pk): ["evidence.create"],
        ("progress", report.pk): ["progress.create"],
        ("feedback", merged.item.pk): [],
        ("campaign", merged.campaign.pk): [],
    }
    for (kind, pk), actions in expected.items():
        log = items(office.get("/activity", type=kind, id=pk))
        assert [e["action"] for e in log] == actions, kind
        assert all(e["target_type"] == kind and e["target_id"] == pk for e in log)


@pytest.mark.django_db
def test_an_objects_activity_answers_only_those_who_may_see_it(api, merged):
    evidence = add_evidence(merged.measure_b, merged.office)
    for kind, pk in [
        ("measure", merged.measure_b.pk),
        ("problem", merged.problem_b_only.pk),
        ("feedback", merged.item.pk),
        ("evidence", evidence.pk),
        ("measure", 999999),
    ]:
        response = api(merged.liaison).get("/activity", type=kind, id=pk)
        assert response.status_code == 404, (kind, response.content)
        assert response.json()["code"] == "not_found"
    assert (
        api(merged.liaison).get("/activity", type="problem", id=merged.problem.pk).status_code
        == 200
    )
    assert (
        api(merged.outsider).get("/activity", type="campaign", id=merged.campaign.pk).status_code
        == 404
    )
    assert api(merged.office).get("/activity", type="user", id=1).status_code == 422


@pytest.mark.django_db
def test_the_campaign_activity_is_for_campaign_wide_readers(api, ledger, time_machine):
    rows = items(api(ledger.office).get("/campaigns/world/activity", page_size=200))
    assert rows[0]["action"] == "measure.update"  # newest first
    assert len(rows) == ledger.campaign.activity.count()
    for persona in ("leader", "supervisor", "viewer"):
        assert api(ledger.personas[persona]).get("/campaigns/world/activity").status_code == 200
    for persona in ("group", "liaison", "liaison2"):
        assert api(ledger.personas[persona]).get("/campaigns/world/activity").status_code == 403
    assert api(ledger.outsider).get("/campaigns/world/activity").status_code == 404

    time_machine.move_to(NOW + dt.timedelta(hours=2))
    services.start(ledger.measure_a, actor=ledger.liaison)
    since = (NOW + dt.timedelta(hours=1)).isoformat()
    recent = items(api(ledger.viewer).get("/campaigns/world/activity", updated_since=since))
    assert [e["action"] for e in recent] == ["measure.start"]


@pytest.mark.django_db
def test_a_leader_limited_to_a_unit_gets_no_campaign_wide_activity(api, world):
    from rectify.orgs.choices import Role
    from tests.factories import grant, make_user

    limited = make_user("limited_leader")
    grant(limited, world.campaign, Role.LEADER, world.bureau_a)
    assert api(limited).get("/campaigns/world/activity").status_code == 403
    assert api(limited).get(f"/measures/{world.measure_a.pk}").status_code == 200
