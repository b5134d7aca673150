"""The persona matrix of issue 11's endpoints: closure requests and verifications, extension
requests, deadline changes, re-checks, the second confirmation and its rules, the worklists,
milestones' edits — every persona, with a token, against the same prepared state (rolled back
after each call), as tests/api/test_api_scoping.py does for the ledger's first endpoints (whose
guard counts these cases too)."""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from rectify.ledger import services
from rectify.ledger.choices import Source
from tests.api.test_api_scoping import (
    PERSONAS,
    READ,
    READ_A,
    READ_B,
    Case,
    call,
    expect,
    office_write,
    office_write_a,
    unit_write_a,
    unit_write_b,
)
from tests.factories import add_evidence

NOW = dt.datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CONFIRMER = expect(403, leader=200, liaison2=404)  # the leader is named to confirm

CASES = {
    # closure requests, verifications, deadline changes: read like their measure
    "closure requests of a": Case("GET", "/measures/{a}/closure-requests", READ_A, state="closed"),
    "closure requests of b": Case("GET", "/measures/{b2}/closure-requests", READ_B),
    "verifications of a": Case("GET", "/measures/{a}/verifications", READ_A, state="closed"),
    "verifications of b": Case("GET", "/measures/{b2}/verifications", READ_B),
    "deadline changes of a": Case("GET", "/measures/{a}/deadline-changes", READ_A),
    "deadline changes of b": Case("GET", "/measures/{b}/deadline-changes", READ_B),
    # the new rules of the transitions
    "request closure of a with a description": Case(
        "POST",
        "/measures/{a}/request-closure",
        unit_write_a(200),
        {"reason": "已完成整改"},
        state="evidenced",
    ),
    "verify a with an opinion": Case(
        "POST",
        "/measures/{a}/verify",
        office_write_a(200),
        {"reason": "同意销号", "recheck_on": "2027-05-16"},
        state="requested",
    ),
    "close a as not feasible": Case(
        "POST",
        "/measures/{a}/close-not-feasible",
        office_write_a(200),
        {"reason": "暂不具备整改条件"},
        state="started",
    ),
    "confirm a's closure": Case("POST", "/measures/{a}/confirm", CONFIRMER, state="awaiting"),
    "decline a's closure": Case(
        "POST",
        "/measures/{a}/decline-confirmation",
        CONFIRMER,
        {"reason": "佐证材料不足"},
        state="awaiting",
    ),
    # measures: new fields
    "add a measure with cooperating units and working days": Case(
        "POST",
        "/campaigns/world/problems/1/measures",
        office_write(201),
        {
            "content": "新措施",
            "responsible_unit_id": "{bureau_a}",
            "cooperating_unit_ids": ["{org_a1}"],
            "decided_on": "2026-11-16",
            "working_days": 20,
        },
    ),
    "move a's deadline with a reason": Case(
        "PATCH",
        "/measures/{a}",
        office_write_a(200),
        {"version": 1, "deadline": "2027-02-01", "deadline_reason": "跨部门协调"},
    ),
    # extension requests
    "extension requests of a": Case("GET", "/measures/{a}/extension-requests", READ_A),
    "extension requests of b": Case("GET", "/measures/{b}/extension-requests", READ_B),
    "ask for an extension of a": Case(
        "POST",
        "/measures/{a}/extension-requests",
        unit_write_a(201),
        {"requested_deadline": "2027-03-01", "reason": "需跨部门协调"},
        state="started",
    ),
    "the campaign's extension requests": Case("GET", "/campaigns/world/extension-requests", READ),
    "decide b's extension request": Case(
        "POST",
        "/extension-requests/{extension_b}/decision",
        office_write(200, liaison=404),
        {"decision": "grant"},
    ),
    "activity of b's extension request": Case(
        "GET", "/activity", READ_B, query={"type": "extension_request", "id": "{extension_b}"}
    ),
    # re-checks
    "re-checks of a": Case("GET", "/measures/{a}/rechecks", READ_A, state="closed"),
    "re-checks of b": Case("GET", "/measures/{b2}/rechecks", READ_B),
    "schedule a re-check of a": Case(
        "POST", "/measures/{a}/rechecks", office_write_a(201), {"due_on": "2027-01-15"}, "closed"
    ),
    "the campaign's re-checks": Case("GET", "/campaigns/world/rechecks", READ),
    "record b's re-check": Case(
        "POST", "/rechecks/{recheck_b}/result", office_write(200, liaison=404), {"result": "held"}
    ),
    "activity of b's re-check": Case(
        "GET", "/activity", READ_B, query={"type": "recheck", "id": "{recheck_b}"}
    ),
    # the second confirmation's rules
    "confirmation rules": Case("GET", "/campaigns/world/confirmation-rules", READ),
    "add a confirmation rule": Case(
        "POST",
        "/campaigns/world/confirmation-rules",
        office_write(201),
        {"source": "audit", "confirmer_id": "{viewer}"},
    ),
    "remove a confirmation rule": Case("DELETE", "/confirmation-rules/{rule}", office_write(204)),
    # milestones
    "edit a's milestone": Case(
        "PATCH", "/milestones/{milestone_a}", unit_write_a(200), {"title": "改"}
    ),
    "edit b's milestone": Case(
        "PATCH", "/milestones/{milestone_b}", unit_write_b(200), {"due_on": "2026-12-20"}
    ),
    "delete a's milestone": Case("DELETE", "/milestones/{milestone_a}", unit_write_a(204)),
    "delete b's milestone": Case("DELETE", "/milestones/{milestone_b}", unit_write_b(204)),
    # worklists: everyone of the campaign has one (empty groups where nothing is theirs)
    "my tasks": Case("GET", "/campaigns/world/my-tasks", READ),
    "the office's to-do": Case("GET", "/campaigns/world/todo", READ),
}


def prepare(world, state: str) -> dict[str, int]:
    """The records the cases point at; measure_a in `state`: draft, started, evidenced (started,
    with fresh evidence), requested (by its liaison), closed (by the office), awaiting (closed,
    waiting for the leader's confirmation)."""
    office, liaison, liaison2 = world.office, world.liaison, world.liaison2
    a, b, b2 = world.measure_a, world.measure_b, world.measure_b2
    services.start(b, actor=office)
    extension_b = services.request_extension(
        b, actor=liaison2, requested_deadline=dt.date(2027, 3, 1), reason="需跨部门协调"
    )
    services.start(b2, actor=office)
    add_evidence(b2, liaison2, b"b2")
    services.request_closure(b2, actor=liaison2, reason="已完成")
    b2 = services.verify(b2, actor=office, reason="同意销号")
    recheck_b = services.schedule_recheck(b2, actor=office, due_on=NOW.date())
    rule = services.create_confirmation_rule(
        world.campaign, actor=office, source=Source.SELF, confirmer=world.leader
    )
    milestone_a = services.add_milestone(a, actor=office, title="甲", due_on=a.deadline)
    ids = {
        "a": a.pk,
        "b": b.pk,
        "b2": b2.pk,
        "bureau_a": world.bureau_a.pk,
        "org_a1": world.org_a1.pk,
        "viewer": world.viewer.pk,
        "extension_b": extension_b.pk,
        "recheck_b": recheck_b.pk,
        "rule": rule.pk,
        "milestone_a": milestone_a.pk,
        "milestone_b": services.add_milestone(b, actor=office, title="乙", due_on=b.deadline).pk,
    }
    if state == "draft":
        return ids
    if state == "awaiting":
        services.create_confirmation_rule(
            world.campaign, actor=office, source=Source.GRASSROOTS, confirmer=world.leader
        )
    services.start(a, actor=office)
    if state in ("evidenced", "requested", "closed", "awaiting"):
        add_evidence(a, liaison, b"a")
    if state in ("requested", "closed", "awaiting"):
        services.complete_milestone(milestone_a, actor=office, done_on=NOW.date())
        services.request_closure(a, actor=liaison, reason="已完成整改")
    if state in ("closed", "awaiting"):
        services.verify(a, actor=office, reason="同意销号")
    return ids


@pytest.mark.django_db
@pytest.mark.parametrize("name", CASES)
def test_persona_matrix(client, token_for, world, settings, time_machine, name):
    settings.API_RATE_LIMIT = "100000/min"
    time_machine.move_to(NOW)
    case = CASES[name]
    got = {}
    lists = {k for k, v in (case.body or {}).items() if isinstance(v, list)}
    for persona in PERSONAS:
        with transaction.atomic():
            ids = prepare(world, case.state)
            body = {k: [int(x.format(**ids)) for x in case.body[k]] for k in lists}
            sent = dataclasses.replace(case, body={**(case.body or {}), **body})
            got[persona] = call(client, token_for, world, persona, sent, ids)
            transaction.set_rollback(True)
    assert got == case.expect
