"""The API of classification: routing suggestions (office, nothing applied), bulk classify,
problem lists and categories (office writes)."""

import json

import pytest

from rectify.audit.log import history
from rectify.ledger import services
from rectify.ledger.models import Category, Problem, ProblemList
from tests.factories import make_campaign, make_unit
from tests.ledger.test_routing import ELDERLY, RELIEF, taught  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

READERS = ["leader", "group", "liaison", "supervisor", "viewer"]


def test_suggestions_for_a_problem_are_given_not_applied(api, taught):  # noqa: F811
    w = taught
    answer = api(w.office).get(f"/campaigns/world/problems/{w.new.number}/suggestions")
    assert answer.status_code == 200
    body = answer.json()
    assert body["category"]["id"] == w.elderly.pk and body["category"]["name"] == "养老服务"
    assert body["lead_unit"]["id"] == w.bureau_a.pk
    assert 0.6 <= body["category"]["confidence"] <= 1
    assert body["enough_data"] == {"category": True, "lead_unit": True}
    w.new.refresh_from_db()
    assert (w.new.category, w.new.lead_unit, w.new.version) == (None, None, 1)


def test_suggestions_for_a_text_not_yet_a_problem(api, taught):  # noqa: F811
    w = taught
    answer = api(w.office).get(
        "/campaigns/world/routing-suggestions", title="低保审批材料太多", description=""
    )
    assert answer.status_code == 200
    assert answer.json()["category"]["id"] == w.relief.pk
    assert answer.json()["lead_unit"]["id"] == w.bureau_b.pk
    assert api(w.office).get("/campaigns/world/routing-suggestions").status_code == 422


def test_without_enough_data_the_answer_says_so(api, world):
    answer = api(world.office).get(f"/campaigns/world/problems/{world.problem.number}/suggestions")
    assert answer.status_code == 200
    assert answer.json() == {
        "category": None,
        "lead_unit": None,
        "enough_data": {"category": False, "lead_unit": False},
    }


@pytest.mark.parametrize("persona", READERS)
def test_suggestions_are_for_the_office(api, world, persona):
    user = world.personas[persona]
    assert api(user).get("/campaigns/world/problems/1/suggestions").status_code == 403
    assert api(user).get("/campaigns/world/routing-suggestions", title="x").status_code == 403
    assert api(world.outsider).get("/campaigns/world/problems/1/suggestions").status_code == 404


def test_bulk_classify_through_the_api(api, world):
    lead = services.create_problem_list(world.campaign, actor=world.office, name="领导班子清单")
    category = services.create_category(world.campaign, actor=world.office, name="作风")
    numbers = [world.problem.number, world.problem_b_only.number]
    answer = api(world.office).post(
        "/campaigns/world/bulk-classify",
        {
            "numbers": numbers,
            "category_id": category.pk,
            "nature": "style",
            "is_prominent": True,
            "add_list_id": lead.pk,
        },
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"changed": sorted(numbers)}
    for p in Problem.objects.filter(number__in=numbers, campaign=world.campaign):
        assert (p.category, p.nature, p.is_prominent, p.version) == (category, "style", True, 2)
        assert list(p.lists.all()) == [lead]
        assert history(p).first().action == "problem.classify"
    again = api(world.office).post(
        "/campaigns/world/bulk-classify", {"numbers": numbers, "nature": "style"}
    )
    assert again.json() == {"changed": []}


def test_bulk_classify_refuses_unknown_numbers_and_ids_saving_nothing(api, world):
    other = make_campaign(make_unit("另一部"), slug="other")
    foreign = Category.objects.create(campaign=other, name="外")
    answer = api(world.office).post(
        "/campaigns/world/bulk-classify",
        {"numbers": [world.problem.number, 999], "category_id": foreign.pk},
    )
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"numbers", "category_id"}
    world.problem.refresh_from_db()
    assert world.problem.category is None and world.problem.version == 1
    nothing = api(world.office).post("/campaigns/world/bulk-classify", {"numbers": [1]})
    assert nothing.status_code == 422


@pytest.mark.parametrize("persona", READERS)
def test_only_the_office_classifies_and_edits_lists_and_categories(api, world, persona):
    user = world.personas[persona]
    caller = api(user)
    assert (
        caller.post("/campaigns/world/bulk-classify", {"numbers": [1], "nature": "style"})
    ).status_code == 403
    assert caller.post("/campaigns/world/problem-lists", {"name": "x"}).status_code == 403
    assert caller.post("/campaigns/world/categories", {"name": "x"}).status_code == 403
    world.problem.refresh_from_db()
    assert world.problem.nature == ""
    assert not ProblemList.objects.exists() and not Category.objects.exists()


def test_the_office_adds_and_renames_lists_and_categories(api, world):
    office = api(world.office)
    created = office.post("/campaigns/world/problem-lists", {"name": "调研问题清单"})
    assert created.status_code == 201
    pk = created.json()["id"]
    assert (
        office.post("/campaigns/world/problem-lists", {"name": "调研问题清单"}).status_code == 409
    )
    renamed = office.patch(f"/campaigns/world/problem-lists/{pk}", {"name": "调研发现问题清单"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "调研发现问题清单"
    assert office.patch(f"/campaigns/world/problem-lists/{pk}", {"name": None}).status_code == 422

    top = office.post("/campaigns/world/categories", {"name": "形式主义"}).json()
    child = office.post(
        "/campaigns/world/categories", {"name": "文山会海", "parent_id": top["id"]}
    ).json()
    assert child["parent_id"] == top["id"]
    assert office.post("/campaigns/world/categories", {"name": "形式主义"}).status_code == 409
    assert (
        office.post("/campaigns/world/categories", {"name": "x", "parent_id": 10**9})
    ).status_code == 422
    patched = office.patch(f"/campaigns/world/categories/{child['id']}", {"standard": "标准"})
    assert patched.json()["standard"] == "标准"
    listed = office.get("/campaigns/world/categories").json()
    assert [c["name"] for c in listed] == ["形式主义", "文山会海"]
    assert office.patch("/campaigns/world/categories/999999", {"name": "y"}).status_code == 404


# --- the persona matrix of the classification endpoints ----------------------------------------

MEMBERS = ("office", "leader", "group", "liaison", "liaison2", "supervisor", "viewer")
OFFICE_ONLY = {**dict.fromkeys(MEMBERS, 403), "outsider": 404, "anonymous": 401}


def _matrix_cases(w):
    pl = ProblemList.objects.create(campaign=w.campaign, name="清单")
    cat = Category.objects.create(campaign=w.campaign, name="类别")
    return {
        "add list": ("post", "/campaigns/world/problem-lists", {"name": "新清单"}, 201),
        "rename list": ("patch", f"/campaigns/world/problem-lists/{pl.pk}", {"name": "改"}, 200),
        "add category": ("post", "/campaigns/world/categories", {"name": "新类别"}, 201),
        "rename category": ("patch", f"/campaigns/world/categories/{cat.pk}", {"name": "改"}, 200),
        "bulk classify": (
            "post",
            "/campaigns/world/bulk-classify",
            {"numbers": [1], "nature": "style"},
            200,
        ),
        "problem suggestions": ("get", "/campaigns/world/problems/1/suggestions", None, 200),
        "text suggestions": ("get", "/campaigns/world/routing-suggestions?title=养老", None, 200),
    }


def test_every_classification_endpoint_by_persona(client, world, token_for):
    """Office only: the office 2xx, every other member 403, outsiders 404, no token 401. Each
    persona's call runs against the same state, rolled back after it."""
    from django.db import transaction

    from rectify.api.api import api as ninja_api

    cases = _matrix_cases(world)
    documented = {
        (method, path.removeprefix("/api/v1"))
        for path, ops in ninja_api.get_openapi_schema()["paths"].items()
        for method, op in ops.items()
        if "classification" in op.get("tags", ())
    }
    assert len(documented) == len(cases)
    for name, (method, path, body, ok) in cases.items():
        for persona in (*MEMBERS, "outsider", "anonymous"):
            headers = {}
            if persona != "anonymous":
                headers["Authorization"] = f"Bearer {token_for(world.personas[persona])}"
            with transaction.atomic():
                if method == "get":
                    response = client.get("/api/v1" + path, headers=headers)
                else:
                    response = client.generic(
                        method.upper(),
                        "/api/v1" + path,
                        json.dumps(body),
                        content_type="application/json",
                        headers=headers,
                    )
                transaction.set_rollback(True)
            expected = ok if persona == "office" else OFFICE_ONLY[persona]
            assert response.status_code == expected, (name, persona, response.content)
