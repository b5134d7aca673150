"""The persona matrix through the API: every ledger endpoint × every persona, with a token.

A liaison's token cannot read or change another unit's measure by id, list, filter, activity
log or evidence download; readers read and do not write; the office does everything; outsiders
get 404 and callers without a token 401. Each persona runs against the same prepared state,
rolled back after its call.
"""

import json
import re
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from rectify.feedback.choices import Channel, FeedbackKind
from rectify.feedback.models import FeedbackItem
from rectify.ledger import services
from rectify.ledger.choices import MeasureMode
from rectify.orgs.access import SYSTEM
from tests.factories import add_evidence

MEMBERS = ("office", "leader", "group", "liaison", "liaison2", "supervisor", "viewer")
PERSONAS = (*MEMBERS, "outsider", "anonymous")


def expect(default: int, **overrides: int) -> dict[str, int]:
    """`default` for every member of the campaign; outsiders 404; no token 401."""
    return {**dict.fromkeys(MEMBERS, default), "outsider": 404, "anonymous": 401, **overrides}


READ = expect(200)
READ_A = expect(200, liaison2=404)  # about measure_a (bureau_a)
READ_B = expect(200, liaison=404)  # about measure_b (bureau_b)
CAMPAIGN_LOG = expect(200, group=403, liaison=403, liaison2=403)
RAW_FEEDBACK = expect(200, group=404, liaison=404, liaison2=404)  # group: not their group's item


def unit_write_a(ok: int) -> dict[str, int]:
    return expect(403, office=ok, liaison=ok, liaison2=404)


def unit_write_b(ok: int) -> dict[str, int]:
    return expect(403, office=ok, liaison2=ok, liaison=404)


def office_write_a(ok: int) -> dict[str, int]:
    return expect(403, office=ok, liaison2=404)


def office_write(ok: int, **overrides) -> dict[str, int]:
    return expect(403, office=ok, **overrides)


@dataclass
class Case:
    method: str
    path: str  # formatted with the prepared ids
    expect: dict[str, int]
    body: dict | None = None
    state: str = "draft"  # of measure_a: draft, started, requested, closed
    upload: bool = False
    query: dict = field(default_factory=dict)


CASES = {
    # campaign-level reads
    "problem lists": Case("GET", "/campaigns/world/problem-lists", READ),
    "categories": Case("GET", "/campaigns/world/categories", READ),
    "problem list": Case("GET", "/campaigns/world/problems", READ),
    "measure list": Case("GET", "/campaigns/world/measures", READ),
    "campaign activity": Case("GET", "/campaigns/world/activity", CAMPAIGN_LOG),
    # problems
    "problem 1 (both units)": Case("GET", "/campaigns/world/problems/1", READ),
    "problem 2 (bureau_b)": Case("GET", "/campaigns/world/problems/2", READ_B),
    "add a problem": Case(
        "POST",
        "/campaigns/world/problems",
        office_write(201),
        {"title": "新问题", "source": "self"},
    ),
    "edit problem 1": Case(
        "PATCH", "/campaigns/world/problems/1", office_write(200), {"version": 1, "title": "改"}
    ),
    "edit problem 2": Case(
        "PATCH",
        "/campaigns/world/problems/2",
        office_write(200, liaison=404),
        {"version": 1, "title": "改"},
    ),
    "add a measure to problem 1": Case(
        "POST",
        "/campaigns/world/problems/1/measures",
        office_write(201),
        {"content": "新措施", "responsible_unit_id": "{bureau_a}", "deadline": "2027-01-01"},
    ),
    "add a measure to problem 2": Case(
        "POST",
        "/campaigns/world/problems/2/measures",
        office_write(201, liaison=404),
        {"content": "新措施", "responsible_unit_id": "{bureau_b}", "deadline": "2027-01-01"},
    ),
    # measures by id
    "measure a": Case("GET", "/measures/{a}", READ_A),
    "measure b": Case("GET", "/measures/{b}", READ_B),
    "edit measure a": Case(
        "PATCH", "/measures/{a}", unit_write_a(200), {"version": 1, "content": "改"}
    ),
    "edit measure b": Case(
        "PATCH", "/measures/{b}", unit_write_b(200), {"version": 1, "content": "改"}
    ),
    "edit measure a's deadline": Case(
        "PATCH",
        "/measures/{a}",
        office_write_a(200),
        {"version": 1, "deadline": "2027-02-01", "deadline_reason": "工作需要"},
    ),
    # transitions
    "start a": Case("POST", "/measures/{a}/start", unit_write_a(200)),
    "start b": Case("POST", "/measures/{b}/start", unit_write_b(200)),
    "request closure of a": Case(
        "POST", "/measures/{a}/request-closure", unit_write_a(200), {"reason": "已完成"}, "started"
    ),
    "verify a": Case(
        "POST", "/measures/{a}/verify", office_write_a(200), {"reason": "同意"}, "requested"
    ),
    "return a": Case(
        "POST", "/measures/{a}/return", office_write_a(200), {"reason": "材料不全"}, "requested"
    ),
    "reopen a": Case(
        "POST", "/measures/{a}/reopen", office_write_a(200), {"reason": "问题反弹"}, "closed"
    ),
    "phase complete of long-term a": Case(
        "POST", "/measures/{long_a}/phase-complete", unit_write_a(200)
    ),
    # milestones, progress, evidence
    "milestones of a": Case("GET", "/measures/{a}/milestones", READ_A),
    "milestones of b": Case("GET", "/measures/{b}/milestones", READ_B),
    "add a milestone to a": Case(
        "POST",
        "/measures/{a}/milestones",
        unit_write_a(201),
        {"title": "步骤", "due_on": "2026-12-01"},
    ),
    "add a milestone to b": Case(
        "POST",
        "/measures/{b}/milestones",
        unit_write_b(201),
        {"title": "步骤", "due_on": "2026-12-01"},
    ),
    "milestone of a done": Case("POST", "/milestones/{milestone_a}/done", unit_write_a(200)),
    "milestone of b done": Case("POST", "/milestones/{milestone_b}/done", unit_write_b(200)),
    "progress of a": Case("GET", "/measures/{a}/progress", READ_A),
    "progress of b": Case("GET", "/measures/{b}/progress", READ_B),
    "report progress on a": Case(
        "POST",
        "/measures/{a}/progress",
        unit_write_a(201),
        {"text": "进展", "percent_done": 10},
        "started",
    ),
    "evidence of a": Case("GET", "/measures/{a}/evidence", READ_A),
    "evidence of b": Case("GET", "/measures/{b}/evidence", READ_B),
    "upload evidence to a": Case("POST", "/measures/{a}/evidence", unit_write_a(201), upload=True),
    "upload evidence to b": Case("POST", "/measures/{b}/evidence", unit_write_b(201), upload=True),
    "download a's evidence": Case("GET", "/evidence/{evidence_a}/download", READ_A),
    "download b's evidence": Case("GET", "/evidence/{evidence_b}/download", READ_B),
    # the activity log of each kind of object
    "activity of measure a": Case(
        "GET", "/activity", READ_A, query={"type": "measure", "id": "{a}"}
    ),
    "activity of measure b": Case(
        "GET", "/activity", READ_B, query={"type": "measure", "id": "{b}"}
    ),
    "activity of problem 2": Case(
        "GET", "/activity", READ_B, query={"type": "problem", "id": "{problem_2}"}
    ),
    "activity of b's milestone": Case(
        "GET", "/activity", READ_B, query={"type": "milestone", "id": "{milestone_b}"}
    ),
    "activity of b's progress": Case(
        "GET", "/activity", READ_B, query={"type": "progress", "id": "{progress_b}"}
    ),
    "activity of b's evidence": Case(
        "GET", "/activity", READ_B, query={"type": "evidence", "id": "{evidence_b}"}
    ),
    "activity of a feedback item": Case(
        "GET", "/activity", RAW_FEEDBACK, query={"type": "feedback", "id": "{item}"}
    ),
    "activity of the campaign": Case(
        "GET", "/activity", READ, query={"type": "campaign", "id": "{campaign}"}
    ),
}


def prepare(world, state: str) -> dict[str, int]:
    """The records every case may point at, with measure_a in `state`."""
    office = world.office
    b = world.measure_b
    b2 = services.start(world.measure_b2, actor=office)  # bureau_b too, under way
    ids = {
        "a": world.measure_a.pk,
        "b": b.pk,
        "bureau_a": world.bureau_a.pk,
        "bureau_b": world.bureau_b.pk,
        "campaign": world.campaign.pk,
        "problem_2": world.problem_b_only.pk,
        "evidence_a": add_evidence(world.measure_a, office, b"a").pk,
        "evidence_b": add_evidence(b, office, b"b").pk,
        "milestone_a": services.add_milestone(
            world.measure_a, actor=office, title="甲", due_on=world.measure_a.deadline
        ).pk,
        "milestone_b": services.add_milestone(b, actor=office, title="乙", due_on=b.deadline).pk,
        "progress_b": services.add_progress_report(b2, actor=office, text="乙", percent_done=5).pk,
        "item": FeedbackItem.objects.create(
            campaign=world.campaign,
            kind=FeedbackKind.PROBLEM,
            text="原始意见",
            channel=Channel.SURVEY,
        ).pk,
    }
    long_a = world.measure(world.problem, world.bureau_a, "长期坚持", mode=MeasureMode.LONG_TERM)
    ids["long_a"] = services.start(long_a, actor=office).pk
    a = world.measure_a
    if state in ("started", "requested", "closed"):
        a = services.start(a, actor=office)
        add_evidence(a, office, b"fresh")  # evidence of this round, for the closure request
    if state in ("requested", "closed"):
        for milestone in a.milestones.all():  # no closure over an open step
            services.complete_milestone(milestone, actor=office, done_on=milestone.due_on)
        a = services.request_closure(a, actor=SYSTEM, reason="整改完成")
    if state == "closed":
        services.verify(a, actor=office, reason="同意销号")
    return ids


def call(client, token_for, world, persona: str, case: Case, ids: dict) -> int:
    headers = {}
    if persona != "anonymous":
        user = world.personas[persona]
        headers["Authorization"] = f"Bearer {token_for(user)}"
    url = "/api/v1" + case.path.format(**ids)
    query = {k: v.format(**ids) for k, v in case.query.items()}
    if case.method == "GET":
        response = client.get(url, query, headers=headers)
    elif case.upload:
        upload = SimpleUploadedFile("证明.txt", f"{persona} proof".encode())
        response = client.post(url, {"file": upload}, headers=headers)
    else:
        body = {
            k: int(v.format(**ids)) if isinstance(v, str) and v.startswith("{") else v
            for k, v in (case.body or {}).items()
        }
        response = client.generic(
            case.method, url, json.dumps(body), content_type="application/json", headers=headers
        )
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "message_en", "errors"}
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("name", CASES)
def test_persona_matrix(client, token_for, world, settings, name):
    settings.API_RATE_LIMIT = "100000/min"
    case = CASES[name]
    got = {}
    for persona in PERSONAS:
        with transaction.atomic():
            ids = prepare(world, case.state)
            got[persona] = call(client, token_for, world, persona, case, ids)
            transaction.set_rollback(True)
    assert got == case.expect


@pytest.mark.django_db
def test_every_ledger_endpoint_is_in_the_matrix():
    from rectify.api.api import api
    from tests.api.test_rectification_matrix import CASES as RECTIFICATION_CASES

    mine = ("problems", "measures", "activity", "rectification")
    operations = {
        (method, path.removeprefix("/api/v1"))
        for path, ops in api.get_openapi_schema()["paths"].items()
        for method, op in ops.items()
        if set(op.get("tags", ())) & set(mine)
    }
    cases = [*CASES.values(), *RECTIFICATION_CASES.values()]
    covered = {(c.method.lower(), _template(c.path)) for c in cases}
    assert operations <= covered, sorted(operations - covered)


def _template(path: str) -> str:
    """/measures/{a}/start → /measures/{id}/start, as in the OpenAPI document."""
    path = re.sub(r"/problems/\d+", "/problems/{number}", path)
    path = path.replace("/campaigns/world", "/campaigns/{slug}")
    return re.sub(r"\{(?!slug\}|number\})[a-z_0-9]+\}", "{id}", path)


# --- what a liaison's lists and filters reveal -----------------------------------------------


@pytest.mark.django_db
def test_a_liaisons_lists_and_filters_hold_only_its_units_work(api, world):
    caller = api(world.liaison)
    measures = caller.get("/campaigns/world/measures").json()["items"]
    assert [m["id"] for m in measures] == [world.measure_a.pk]
    by_unit = caller.get("/campaigns/world/measures", unit=world.bureau_b.pk).json()
    assert by_unit["count"] == 0
    by_problem = caller.get("/campaigns/world/measures", problem=2).json()
    assert by_problem["count"] == 0
    drafts = caller.get("/campaigns/world/problems", measure_state="draft").json()["items"]
    assert [p["number"] for p in drafts] == [1]
    assert drafts[0]["measure_count"] == 1
    assert caller.get("/campaigns/world/problems", unit=world.bureau_b.pk).status_code == 422
    detail = caller.get("/campaigns/world/problems/1").json()
    assert [m["id"] for m in detail["measures"]] == [world.measure_a.pk]


@pytest.mark.django_db
def test_a_liaisons_problem_activity_holds_nothing_of_another_units_measure(api, world):
    services.start(world.measure_b, actor=world.liaison2)
    log = api(world.liaison).get("/activity", type="problem", id=world.problem.pk).json()["items"]
    assert [(e["target_type"], e["action"]) for e in log] == [("problem", "problem.create")]
