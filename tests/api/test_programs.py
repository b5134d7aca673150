"""The special programs through /api/v1/: the office sets them up with phases, problems,
measures and weights through the same services and forms as the pages; every member reads them
and the roadmap, cut down to what they may see."""

import datetime as dt

import pytest

from rectify.audit.log import history
from rectify.campaigns.models import Program
from rectify.campaigns.programs import services
from rectify.ledger import services as ledger

pytestmark = pytest.mark.usefixtures("pinned_today")


@pytest.fixture
def program(world):
    program = services.create_program(
        world.campaign, actor=world.office, name="基层减负专项整治", group_label="2"
    )
    services.add_problems(
        program, [world.problem], actor=world.office, measures=[world.measure_a, world.measure_b]
    )
    return program


@pytest.mark.django_db
def test_the_office_creates_changes_and_deletes_a_program(api, world):
    caller = api(world.office)
    resp = caller.post(
        "/campaigns/world/programs",
        {
            "name": "农村低保专项治理",
            "group_label": "5",
            "lead_unit_id": world.bureau_a.pk,
            "leader": "司长",
            "starts_on": "2026-09-01",
            "ends_on": "2027-06-30",
        },
    )
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert (body["lead_unit_id"], body["leader"], body["progress"], body["phases"]) == (
        world.bureau_a.pk,
        "司长",
        None,
        [],
    )
    pk = body["id"]
    resp = caller.patch(f"/programs/{pk}", {"leader": "副司长", "lead_unit_id": None})
    assert resp.status_code == 200 and resp.json()["leader"] == "副司长"
    assert resp.json()["lead_unit_id"] is None
    assert resp.json()["starts_on"] == "2026-09-01"  # untouched
    program = Program.objects.get(pk=pk)
    assert [e.action for e in history(program)] == ["program.update", "program.create"]
    assert caller.delete(f"/programs/{pk}").status_code == 204
    assert not Program.objects.filter(pk=pk).exists()


@pytest.mark.django_db
def test_bad_input_is_refused_with_the_field_named(api, world):
    caller = api(world.office)
    resp = caller.post(
        "/campaigns/world/programs",
        {"name": "倒置", "starts_on": "2027-01-01", "ends_on": "2026-01-01"},
    )
    assert resp.status_code == 422
    assert "ends_on" in str(resp.json())
    other_unit = world.ministry.__class__.objects.create(name="外部门")
    resp = caller.post("/campaigns/world/programs", {"name": "外", "lead_unit_id": other_unit.pk})
    assert resp.status_code == 422 and "lead_unit_id" in str(resp.json())


@pytest.mark.django_db
def test_phases_through_the_api(api, world, program):
    caller = api(world.office)
    resp = caller.post(
        f"/programs/{program.pk}/phases",
        {"name": "摸底排查", "starts_on": "2026-09-01", "ends_on": "2026-10-31"},
    )
    assert resp.status_code == 201
    phase = resp.json()
    assert phase["order"] == 0
    resp = caller.patch(f"/phases/{phase['id']}", {"name": "调查摸底"})
    assert resp.status_code == 200 and resp.json()["name"] == "调查摸底"
    resp = caller.patch(f"/phases/{phase['id']}", {"ends_on": "2026-08-01"})
    assert resp.status_code == 422
    assert caller.get(f"/programs/{program.pk}").json()["phases"][0]["name"] == "调查摸底"
    assert caller.delete(f"/phases/{phase['id']}").status_code == 204


@pytest.mark.django_db
def test_problems_measures_and_weights_through_the_api(api, client, world):
    caller = api(world.office)
    pk = caller.post("/campaigns/world/programs", {"name": "专项"}).json()["id"]
    resp = caller.post(f"/programs/{pk}/problems", {"numbers": [world.problem_b_only.number]})
    assert resp.status_code == 200
    assert resp.json()["measure_ids"] == [world.measure_b2.pk]  # with its measures by default
    resp = caller.post(f"/programs/{pk}/measures", {"ids": [world.measure_a.pk]})
    assert sorted(resp.json()["measure_ids"]) == sorted([world.measure_a.pk, world.measure_b2.pk])
    ledger.add_progress_report(
        ledger.start(world.measure_a, actor=world.liaison),
        actor=world.liaison,
        text="推进中",
        percent_done=60,
    )
    resp = client.put(  # the API caller has no put
        f"/api/v1/programs/{pk}/measures/{world.measure_a.pk}/weight",
        {"weight": 3},
        content_type="application/json",
        headers=caller.headers,
    )
    assert resp.status_code == 200
    assert resp.json()["weights"] == {str(world.measure_a.pk): 3}
    assert resp.json()["progress"] == round(60 * 3 / 4)
    resp = caller.delete(f"/programs/{pk}/measures/{world.measure_a.pk}")
    assert resp.json()["measure_ids"] == [world.measure_b2.pk] and resp.json()["weights"] == {}
    resp = caller.delete(f"/programs/{pk}/problems/{world.problem_b_only.number}?with_measures=1")
    assert (resp.json()["problem_numbers"], resp.json()["measure_ids"]) == ([], [])
    resp = caller.post(f"/programs/{pk}/problems", {"numbers": [9999]})
    assert resp.status_code == 422


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["leader", "supervisor", "viewer", "group", "liaison"])
def test_other_members_read_but_may_not_write(api, world, program, who):
    caller = api(world.personas[who])
    assert caller.get(f"/programs/{program.pk}").status_code == 200
    assert caller.get("/campaigns/world/roadmap").status_code == 200
    assert caller.patch(f"/programs/{program.pk}", {"name": "改"}).status_code == 403
    assert caller.post("/campaigns/world/programs", {"name": "新"}).status_code == 403
    assert caller.delete(f"/programs/{program.pk}").status_code == 403
    resp = caller.post(f"/programs/{program.pk}/measures", {"ids": [world.measure_b2.pk]})
    assert resp.status_code == 403


@pytest.mark.django_db
def test_outsiders_get_404(api, world, program):
    caller = api(world.outsider)
    assert caller.get(f"/programs/{program.pk}").status_code == 404
    assert caller.get("/campaigns/world/roadmap").status_code == 404
    assert caller.get("/campaigns/world/programs").status_code == 404


@pytest.mark.django_db
def test_the_roadmap_is_the_pages_data(api, world, program):
    late = ledger.create_measure(
        world.problem,
        actor=world.office,
        content="逾期措施",
        responsible_unit=world.bureau_a,
        deadline=dt.date(2026, 11, 2),
    )
    services.add_measures(program, [late], actor=world.office)
    ledger.add_milestone(late, actor=world.office, title="第一步", due_on=dt.date(2026, 11, 1))
    body = api(world.liaison).get("/campaigns/world/roadmap").json()
    assert body["today"] == "2026-11-16"
    (shown,) = body["programs"]
    assert [m["id"] for m in shown["measures"]] == [world.measure_a.pk, late.pk]
    assert [m["late"] for m in shown["measures"]] == [False, True]
    assert [(s["title"], s["late"]) for s in shown["milestones"]] == [("第一步", True)]
    assert shown["late_count"] == 2
    office = api(world.office).get(f"/campaigns/world/roadmap?program={program.pk}").json()
    assert len(office["programs"][0]["measures"]) == 3
