"""Supervision through the API beyond listing and recording actions: participants and
follow-ups on an action, follow-up measures from a finding, notices listed, issued, read and
downloaded as .docx, with the pages' rules and scoping."""

import datetime as dt
import io

import pytest
from docx import Document

from rectify.ledger import services as ledger_services
from rectify.orgs.choices import Role
from rectify.supervision import services
from rectify.supervision.choices import NoticeLevel, SupervisionKind
from tests.factories import grant, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_today")]

ACTIONS = "/campaigns/world/supervision-actions"
NOTICES = "/campaigns/world/notices"


@pytest.fixture
def scene(world):
    w = world
    w.supervisor_a = make_user("supervisor_a")
    grant(w.supervisor_a, w.campaign, Role.SUPERVISOR, w.bureau_a)
    w.late_b = ledger_services.start(
        w.measure(w.problem_b_only, w.bureau_b, "逾期措施", deadline=dt.date(2026, 11, 2)),
        actor=w.liaison2,
    )
    w.action_b = services.record_action(
        w.campaign,
        actor=w.supervisor,
        kind=SupervisionKind.INSPECTION,
        target_unit=w.bureau_b,
        content="巡察发现审批超时",
    )
    return w


def test_an_action_is_recorded_with_its_participants(api, scene):
    w = scene
    response = api(w.supervisor_a).post(
        ACTIONS,
        {
            "kind": "onsite",
            "target_unit_id": w.org_a1.pk,
            "content": "上门督导",
            "participants": "王五、赵六",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["participants"] == "王五、赵六"
    assert response.json()["follow_up_ids"] == [] and response.json()["notice_number"] == ""


def test_a_follow_up_from_a_finding(api, scene):
    w = scene
    path = f"{ACTIONS}/{w.action_b.pk}/follow-ups"
    response = api(w.supervisor).post(
        path,
        {
            "problem_number": w.problem_b_only.number,
            "content": "建立预警机制",
            "deadline": "2026-12-31",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["problem_number"] == w.problem_b_only.number
    assert body["responsible_unit"] == {"id": w.bureau_b.pk, "name": "乙省民政厅"}
    assert list(w.action_b.follow_ups.values_list("pk", flat=True)) == [body["measure_id"]]
    listed = api(w.viewer).get(ACTIONS, kind="inspection").json()["items"]
    assert listed[0]["follow_up_ids"] == [body["measure_id"]]
    new = api(w.office).post(
        path,
        {
            "title": "新发现的问题",
            "source": "inspection",
            "content": "整改",
            "deadline": "2027-01-15",
        },
    )
    assert new.status_code == 201 and new.json()["problem_number"] == 3


@pytest.mark.parametrize("who", ["supervisor_a", "leader", "viewer"])
def test_others_may_not_add_follow_ups(api, scene, who):
    user = scene.supervisor_a if who == "supervisor_a" else getattr(scene, who)
    response = api(user).post(
        f"{ACTIONS}/{scene.action_b.pk}/follow-ups",
        {"problem_number": 1, "content": "x", "deadline": "2026-12-31"},
    )
    # supervisor_a does not see bureau_b's action at all; readers see it but may not act
    assert response.status_code == (404 if who == "supervisor_a" else 403)
    assert not scene.action_b.follow_ups.exists()


def test_a_follow_up_needs_a_problem_or_a_title(api, scene):
    response = api(scene.office).post(
        f"{ACTIONS}/{scene.action_b.pk}/follow-ups", {"content": "x", "deadline": "2026-12-31"}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["title"]


def test_a_notice_is_issued_read_listed_and_downloaded(api, scene):
    w = scene
    response = api(w.supervisor).post(
        NOTICES,
        {
            "target_unit_id": w.bureau_b.pk,
            "level": "red",
            "measure_ids": [w.late_b.pk],
            "required_by": "2026-11-23",
            "content": "请立即整改",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "〔2026〕1号" and body["level"] == "red"
    assert body["item_ids"] == [w.late_b.pk]
    assert body["items"][0]["days_overdue"] == 14
    detail = api(w.viewer).get(f"{NOTICES}/{body['id']}")
    assert detail.status_code == 200 and detail.json()["number"] == "〔2026〕1号"
    assert [n["number"] for n in api(w.leader).get(NOTICES).json()["items"]] == ["〔2026〕1号"]
    assert api(w.supervisor_a).get(NOTICES).json()["items"] == []
    assert api(w.supervisor_a).get(f"{NOTICES}/{body['id']}").status_code == 404
    assert api(w.liaison2).get(NOTICES).status_code == 403
    docx = api(w.viewer).get(f"{NOTICES}/{body['id']}/docx")
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "〔2026〕1号" in text and "请立即整改" in text
    # an ordinary action is no notice
    assert api(w.viewer).get(f"{NOTICES}/{w.action_b.pk}").status_code == 404


def test_a_notice_names_only_overdue_measures_of_the_unit(api, scene):
    w = scene
    payload = {
        "target_unit_id": w.bureau_b.pk,
        "level": "yellow",
        "required_by": "2026-11-23",
        "content": "请整改",
    }
    not_late = api(w.office).post(NOTICES, {**payload, "measure_ids": [w.measure_b.pk]})
    other_unit = api(w.office).post(NOTICES, {**payload, "measure_ids": [w.measure_a.pk]})
    past = api(w.office).post(
        NOTICES, {**payload, "measure_ids": [w.late_b.pk], "required_by": "2026-11-01"}
    )
    assert (not_late.status_code, other_unit.status_code, past.status_code) == (422, 422, 422)
    refused = api(w.supervisor_a).post(NOTICES, {**payload, "measure_ids": [w.late_b.pk]})
    assert refused.status_code == 403
    assert not w.campaign.supervision_actions.filter(level=NoticeLevel.YELLOW).exists()
