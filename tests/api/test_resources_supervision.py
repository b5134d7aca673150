"""Supervision actions through the API: readers list them (within their units), the office and
supervisors record them, each with its activity-log row."""

import pytest

from rectify.audit.log import history
from rectify.orgs.choices import Role
from rectify.supervision import services
from rectify.supervision.choices import SupervisionKind
from rectify.supervision.models import SupervisionAction
from tests.factories import grant, make_campaign, make_user

PATH = "/campaigns/world/supervision-actions"


@pytest.fixture
def scene(world):
    """Three actions (about bureau_a, org_a1 and bureau_b) and a supervisor limited to bureau_a."""
    w = world

    def act(kind, unit, **fields):
        return services.record_action(
            w.campaign, actor=w.supervisor, kind=kind, target_unit=unit, content="催办", **fields
        )

    w.actions = {
        "a": act(SupervisionKind.REMINDER, w.bureau_a, measure=w.measure_a),
        "a1": act(SupervisionKind.ONSITE, w.org_a1),
        "b": act(SupervisionKind.INTERVIEW, w.bureau_b, problem=w.problem_b_only),
    }
    w.supervisor_a = make_user("supervisor_a")
    grant(w.supervisor_a, w.campaign, Role.SUPERVISOR, w.bureau_a)
    w.users = {**w.personas, "supervisor_a": w.supervisor_a}
    return w


def names(scene, resp) -> set[str]:
    assert resp.status_code == 200, resp.content
    by_pk = {a.pk: name for name, a in scene.actions.items()}
    return {by_pk[i["id"]] for i in resp.json()["items"]}


SEEN = {
    **dict.fromkeys(["office", "leader", "supervisor", "viewer", "group"], {"a", "a1", "b"}),
    "supervisor_a": {"a", "a1"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", SEEN)
def test_readers_see_the_actions_about_their_units(api, scene, who):
    assert names(scene, api(scene.users[who]).get(PATH)) == SEEN[who]


@pytest.mark.django_db
def test_an_action_reads_with_its_unit_measure_problem_and_actor(api, scene):
    body = api(scene.viewer).get(PATH, kind="reminder").json()
    (item,) = body["items"]
    assert item["target_unit"] == {"id": scene.bureau_a.pk, "name": "甲省民政厅"}
    assert item["measure_id"] == scene.measure_a.pk
    assert item["problem_number"] == scene.problem.number  # the measure's problem
    assert item["actor"]["username"] == "supervisor"


@pytest.mark.django_db
def test_filters_by_kind_and_unit_subtree(api, scene):
    caller = api(scene.office)
    assert names(scene, caller.get(PATH, kind="interview")) == {"b"}
    assert names(scene, caller.get(PATH, unit=scene.bureau_a.pk)) == {"a", "a1"}
    assert names(scene, caller.get(PATH, unit=scene.org_a1.pk)) == {"a1"}
    assert names(scene, caller.get(PATH, unit=999999)) == set()
    assert names(scene, caller.get(PATH, created_since="2099-01-01T00:00:00Z")) == set()
    assert caller.get(PATH, kind="lecture").status_code == 422


def action(scene, **fields) -> dict:
    return {
        "kind": "reminder",
        "target_unit_id": scene.bureau_b.pk,
        "content": "请于本周内报送整改进展",
        **fields,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["office", "supervisor"])
def test_the_office_and_supervisors_record_an_action(api, scene, who):
    resp = api(scene.users[who]).post(
        PATH,
        action(
            scene,
            measure_id=scene.measure_b2.pk,
            outcome="已督促",
            happened_at="2026-11-20T15:00:00+08:00",
        ),
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["problem_number"] == scene.problem_b_only.number
    assert body["actor"]["username"] == who
    saved = SupervisionAction.objects.get(pk=body["id"])
    assert (saved.measure, saved.problem, saved.outcome) == (
        scene.measure_b2,
        scene.problem_b_only,
        "已督促",
    )
    (entry,) = history(saved)
    assert (entry.action, entry.actor) == ("supervision.create", scene.users[who])
    assert entry.after["measure"] == scene.measure_b2.pk


@pytest.mark.django_db
def test_a_supervisor_limited_to_a_unit_supervises_only_there(api, scene):
    caller = api(scene.supervisor_a)
    assert caller.post(PATH, action(scene, target_unit_id=scene.org_a1.pk)).status_code == 201
    resp = caller.post(PATH, action(scene))  # bureau_b
    assert resp.status_code == 403
    assert resp.json()["code"] == "forbidden"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["leader", "viewer", "group", "liaison", "liaison2"])
def test_other_roles_may_not_record_supervision(api, scene, who):
    before = SupervisionAction.objects.count()
    assert api(scene.users[who]).post(PATH, action(scene)).status_code == 403
    assert SupervisionAction.objects.count() == before


@pytest.mark.django_db
def test_liaisons_get_403_and_outsiders_404(api, scene):
    assert api(scene.liaison).get(PATH).status_code == 403
    assert api(scene.outsider).get(PATH).status_code == 404
    assert api(scene.outsider).post(PATH, action(scene)).status_code == 404


@pytest.mark.django_db
def test_a_measure_of_another_campaign_or_a_mismatched_problem_is_refused(api, scene):
    other = make_campaign(scene.ministry, slug="other")
    grant(scene.office, other, Role.OFFICE)
    caller = api(scene.office)
    resp = caller.post("/campaigns/other/supervision-actions", action(scene, measure_id=1))
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "measure_id"
    resp = caller.post(
        PATH,
        action(scene, measure_id=scene.measure_a.pk, problem_number=scene.problem_b_only.number),
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == "mismatch"
    resp = caller.post(PATH, action(scene, problem_number=999))
    assert resp.status_code == 422


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "lecture"}, "kind"),
        ({"content": "  "}, "content"),
        ({"content": "a\x00"}, "content"),
        ({"target_unit_id": 999999}, "target_unit_id"),
        ({"happened_at": "2026-11-20T15:00:00"}, "happened_at"),
        ({"unit": 1}, "unit"),
    ],
)
def test_bad_input_is_a_422(api, scene, changes, field):
    resp = api(scene.office).post(PATH, action(scene, **changes))
    assert resp.status_code == 422, resp.content
    assert field in {e["field"] for e in resp.json()["errors"]}


@pytest.mark.django_db
def test_a_read_token_cannot_record(api, scene):
    resp = api(scene.office, scope="read").post(PATH, action(scene))
    assert resp.status_code == 403
    assert resp.json()["code"] == "read_only_token"
