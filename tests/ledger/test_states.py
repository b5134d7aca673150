"""The measure state machine, tested through the services that apply it.

SPEC below restates docs/domain.md ("States of a measure", "Roles") independently of
rectify/ledger/states.py; every test compares the code against it.
"""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from rectify.audit.log import history
from rectify.core.errors import ConflictError, PermissionRefused, TransitionRefused
from rectify.ledger import services, states
from rectify.ledger.choices import Closure, MeasureMode, MeasureState, VerificationDecision
from rectify.ledger.models import ClosureRequest, ConfirmationRule, Measure, Verification
from rectify.orgs.choices import Role
from tests.factories import add_evidence, grant, make_campaign, make_user

S = MeasureState
OFFICE = {"office", "superuser"}
OFFICE_OR_UNIT = OFFICE | {"liaison"}  # liaison stands for bureau_a, the unit of the test measure
PERSONAS = [
    "office",
    "superuser",
    "liaison",
    "liaison2",
    "leader",
    "supervisor",
    "viewer",
    "group",
    "outsider",
    "anonymous",
]

# name: (from states, to state, who may, needs a reason, needs evidence)
# A closure request needs a description (its "reason") and evidence uploaded since the measure
# was started, returned or reopened; a verification needs an opinion. No persona is named to
# confirm closures here, so nobody may decline one.
SPEC = {
    "start": ((S.DRAFT,), S.IN_PROGRESS, OFFICE_OR_UNIT, False, False),
    "request_closure": (
        (S.IN_PROGRESS, S.RETURNED, S.REOPENED),
        S.CLOSURE_REQUESTED,
        OFFICE_OR_UNIT,
        True,
        True,
    ),
    "verify": ((S.CLOSURE_REQUESTED,), S.CLOSED, OFFICE, True, False),
    "return": ((S.CLOSURE_REQUESTED,), S.RETURNED, OFFICE, True, False),
    "close_not_feasible": (
        (S.IN_PROGRESS, S.CLOSURE_REQUESTED, S.RETURNED, S.REOPENED),
        S.CLOSED,
        OFFICE,
        True,
        False,
    ),
    "decline_confirmation": ((S.CLOSED,), S.RETURNED, set(), True, False),
    "reopen": ((S.CLOSED,), S.REOPENED, OFFICE, True, False),
}
# Decisions on a closure request: never by the person who requested it.
DECISIONS = {"verify", "return", "close_not_feasible"}
# Transitions that leave a Verification row.
VERIFYING = {"verify", "return", "close_not_feasible", "decline_confirmation"}

# The shortest way to reach each state from draft (the liaison asks for closure, with fresh
# evidence; the office does the rest).
ROUTE = {
    S.DRAFT: [],
    S.IN_PROGRESS: ["start"],
    S.CLOSURE_REQUESTED: ["start", "request_closure"],
    S.RETURNED: ["start", "request_closure", "return"],
    S.CLOSED: ["start", "request_closure", "verify"],
    S.REOPENED: ["start", "request_closure", "verify", "reopen"],
}
PINNED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def expected_refusal(
    state, name, who, *, reason="理由", evidence=True, requester=None
) -> str | None:
    """The refusal code the spec predicts, in the documented order; None = allowed.
    `evidence`: fresh evidence exists; `requester`: who asked for the pending closure."""
    sources, _target, actors, needs_reason, needs_evidence = SPEC[name]
    if who not in actors:
        return "wrong_role"
    if state not in sources:
        return "wrong_state"
    if needs_reason and not reason.strip():
        return "reason_required"
    if needs_evidence and not evidence:
        return "evidence_required"
    if name in DECISIONS and state == S.CLOSURE_REQUESTED and who == requester:
        return "own_request"
    return None


def persona(world, who):
    if who == "anonymous":
        return AnonymousUser()
    if who == "superuser":
        return world.superuser
    return world.personas[who]


def measure_in(world, state, *, unit=None, evidence=True, mode=MeasureMode.PHASED):
    """A measure taken to `state`; with `evidence`, fresh evidence before each closure request
    (so an in-progress measure has some ready). The liaison of bureau_a asks for closure."""
    m = world.measure(world.problem, unit or world.bureau_a, "清理规范各类考核事项", mode=mode)
    for name in ROUTE[state]:
        actor = world.office
        if name == "request_closure":
            add_evidence(m, world.office)
            actor = world.liaison if m.responsible_unit == world.bureau_a else world.office
        m = services.transition(m, name, actor=actor, reason="依程序")
    if evidence and state == S.IN_PROGRESS:
        add_evidence(m, world.office)
    return m


@pytest.fixture
def world(db, module_world):
    """The module's shared World; each test's changes are rolled back after it."""
    return module_world


def transition_log(measure):
    return history(measure).exclude(action="measure.create")


@dataclasses.dataclass(frozen=True)
class Facts:
    """Everything a refused transition must leave as it was."""

    state: str
    version: int
    closed_on: dt.date | None
    phase_complete: bool
    log_rows: int
    verifications: int

    @classmethod
    def of(cls, measure):
        m = Measure.objects.get(pk=measure.pk)
        return cls(
            m.state,
            m.version,
            m.closed_on,
            m.phase_complete,
            history(m).count(),
            Verification.objects.filter(measure=m).count(),
        )


# --- the table itself ------------------------------------------------------------------------


def test_the_table_is_the_documented_one():
    assert set(states.TRANSITIONS) == set(SPEC)
    for name, (sources, target, actors, needs_reason, needs_evidence) in SPEC.items():
        t = states.TRANSITIONS[name]
        assert set(t.sources) == set(sources), name
        assert t.target == target, name
        expected_actors = {
            frozenset(OFFICE): {states.OFFICE},
            frozenset(OFFICE_OR_UNIT): {states.OFFICE, states.UNIT},
            frozenset(): {states.CONFIRMER},
        }[frozenset(actors)]
        assert t.actors == expected_actors, name
        assert (t.needs_reason, t.needs_evidence) == (needs_reason, needs_evidence), name


def test_every_state_is_reachable_and_closed_is_left_only_by_reopen():
    targets = {t.target for t in states.TRANSITIONS.values()} | {S.DRAFT}
    assert targets == set(S.values)
    leaving_closed = {t.name for t in states.TRANSITIONS.values() if S.CLOSED in t.sources}
    assert leaving_closed == {"reopen", "decline_confirmation"}


# --- the full matrix: state × transition × persona -------------------------------------------


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("name", list(SPEC))
@pytest.mark.parametrize("state", S.values)
def test_transition_matrix(world, state, name, who):
    w = world
    m = measure_in(w, state)
    actor = persona(w, who)
    before = Facts.of(m)
    # After a return or a reopening no evidence is fresh yet.
    fresh = state not in (S.RETURNED, S.REOPENED)
    refusal = expected_refusal(state, name, who, evidence=fresh, requester="liaison")

    # The buttons offered agree with the rule (reason, evidence and who asked come later).
    offered = name in {t.name for t in states.available(m, actor)}
    assert offered == (refusal not in ("wrong_role", "wrong_state"))

    if refusal:
        with pytest.raises(TransitionRefused) as exc:
            services.transition(m, name, actor=actor, reason="理由")
        assert exc.value.code == refusal
        assert Facts.of(m) == before
        return

    after = services.transition(m, name, actor=actor, reason="理由")
    target = SPEC[name][1]
    assert after.state == target
    assert Measure.objects.get(pk=m.pk).state == target
    assert after.version == before.version + 1
    assert history(m).count() == before.log_rows + 1
    row = history(m).order_by("-id").first()
    assert row.action == f"measure.{name}"
    assert row.actor == actor
    assert row.campaign == w.campaign
    assert row.before["state"] == state
    assert row.after["state"] == target
    assert row.reason == "理由"
    verifications = Verification.objects.filter(measure=m).count()
    assert verifications == before.verifications + (name in VERIFYING)


# --- who may act ------------------------------------------------------------------------------


def test_it_refuses_liaison_of_other_unit(world):
    with pytest.raises(TransitionRefused) as exc:
        services.start(world.measure_a, actor=world.liaison2)
    assert exc.value.code == "wrong_role"
    assert Measure.objects.get(pk=world.measure_a.pk).state == S.DRAFT


def test_the_other_unit_liaison_may_act_on_their_own_units_measure(world):
    m = services.start(world.measure_b, actor=world.liaison2)
    assert m.state == S.IN_PROGRESS


def test_a_liaison_may_act_for_a_child_unit(world):
    m = world.measure(world.problem, world.org_a1, "协会自查自纠")
    m = services.start(m, actor=world.liaison)
    add_evidence(m, world.liaison)
    m = services.request_closure(m, actor=world.liaison, reason="已完成")
    assert m.state == S.CLOSURE_REQUESTED


def test_a_liaison_of_a_child_unit_may_not_act_for_the_parent(world):
    child_liaison = make_user("child_liaison", org_unit=world.org_a1)
    grant(child_liaison, world.campaign, Role.LIAISON, world.org_a1)
    with pytest.raises(TransitionRefused) as exc:
        services.start(world.measure_a, actor=child_liaison)
    assert exc.value.code == "wrong_role"


def test_an_inactive_office_user_is_refused(world):
    former = make_user("former_office", is_active=False)
    grant(former, world.campaign, Role.OFFICE)
    with pytest.raises(TransitionRefused) as exc:
        services.start(world.measure_a, actor=former)
    assert exc.value.code == "wrong_role"


def test_office_of_another_campaign_is_refused(world):
    other = make_campaign(world.ministry, slug="other")
    other_office = make_user("other_office")
    grant(other_office, other, Role.OFFICE)
    with pytest.raises(TransitionRefused) as exc:
        services.start(world.measure_a, actor=other_office)
    assert exc.value.code == "wrong_role"


def test_role_is_checked_before_state(world):
    with pytest.raises(TransitionRefused) as exc:
        services.verify(world.measure_a, actor=world.viewer)  # wrong role and wrong state
    assert exc.value.code == "wrong_role"


def test_state_is_checked_before_the_reason(world):
    with pytest.raises(TransitionRefused) as exc:
        services.return_measure(world.measure_a, actor=world.office, reason="")
    assert exc.value.code == "wrong_state"


def test_an_unknown_action_is_refused(world):
    with pytest.raises(TransitionRefused) as exc:
        services.transition(world.measure_a, "close_quietly", actor=world.office)
    assert exc.value.code == "unknown"
    assert Facts.of(world.measure_a).state == S.DRAFT


# --- reasons and evidence ---------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
@pytest.mark.parametrize("name,state", [("return", S.CLOSURE_REQUESTED), ("reopen", S.CLOSED)])
def test_return_and_reopen_need_a_reason(world, name, state, reason):
    m = measure_in(world, state)
    before = Facts.of(m)
    with pytest.raises(TransitionRefused) as exc:
        services.transition(m, name, actor=world.office, reason=reason)
    assert exc.value.code == "reason_required"
    assert Facts.of(m) == before


def test_start_needs_no_reason_but_closure_and_verification_need_their_texts(world):
    m = services.start(world.measure_a, actor=world.liaison)
    assert transition_log(m).first().reason == ""
    add_evidence(m, world.liaison)
    with pytest.raises(TransitionRefused) as exc:
        services.request_closure(m, actor=world.liaison, reason=" ")
    assert exc.value.code == "reason_required"
    m = services.request_closure(m, actor=world.liaison, reason="已清理考核事项12项")
    assert ClosureRequest.objects.get(measure=m).description == "已清理考核事项12项"
    with pytest.raises(TransitionRefused) as exc:
        services.verify(m, actor=world.office, reason="")
    assert exc.value.code == "reason_required"
    m = services.verify(m, actor=world.office, reason="材料齐全，同意销号")
    assert (m.state, m.closure_opinion) == (S.CLOSED, "材料齐全，同意销号")


def test_request_closure_needs_evidence(world):
    m = measure_in(world, S.IN_PROGRESS, evidence=False)
    before = Facts.of(m)
    with pytest.raises(TransitionRefused) as exc:
        services.request_closure(m, actor=world.liaison, reason="已完成")
    assert exc.value.code == "evidence_required"
    assert Facts.of(m) == before

    add_evidence(m, world.liaison)
    assert services.request_closure(m, actor=world.liaison, reason="已完成").state == (
        S.CLOSURE_REQUESTED
    )


def test_evidence_of_another_measure_does_not_count(world):
    add_evidence(world.measure_b, world.office)
    m = services.start(world.measure_a, actor=world.office)
    with pytest.raises(TransitionRefused) as exc:
        services.request_closure(m, actor=world.office, reason="已完成")
    assert exc.value.code == "evidence_required"


def test_evidence_from_before_the_start_or_the_return_does_not_satisfy_a_new_request(world):
    with time_machine.travel(PINNED, tick=False) as clock:
        add_evidence(world.measure_a, world.liaison, name="早先的材料.txt")
        clock.shift(60)
        m = services.start(world.measure_a, actor=world.liaison)
        with pytest.raises(TransitionRefused) as exc:
            services.request_closure(m, actor=world.liaison, reason="已完成")
        assert exc.value.code == "evidence_required"
        clock.shift(60)
        add_evidence(m, world.liaison, content=b"round one")
        m = services.request_closure(m, actor=world.liaison, reason="已完成")
        clock.shift(60)
        m = services.return_measure(m, actor=world.office, reason="材料不足")
        clock.shift(60)
        with pytest.raises(TransitionRefused) as exc:
            services.request_closure(m, actor=world.liaison, reason="再次申请")
        assert exc.value.code == "evidence_required"
        add_evidence(m, world.liaison, content=b"round two")
        assert services.request_closure(m, actor=world.liaison, reason="再次申请").state == (
            S.CLOSURE_REQUESTED
        )


@pytest.mark.parametrize("name", sorted(DECISIONS))
def test_whoever_requested_closure_cannot_decide_on_it_whatever_their_roles(world, name):
    m = services.start(world.measure_a, actor=world.office)
    add_evidence(m, world.office)
    m = services.request_closure(m, actor=world.office, reason="办公室代为申请")
    before = Facts.of(m)
    with pytest.raises(TransitionRefused) as exc:
        services.transition(m, name, actor=world.office, reason="同意")
    assert exc.value.code == "own_request"
    assert Facts.of(m) == before
    # Anyone else of the office may.
    assert services.transition(m, name, actor=world.superuser, reason="同意").state in (
        S.CLOSED,
        S.RETURNED,
    )


def test_a_measure_with_an_open_milestone_cannot_be_closed(world):
    m = measure_in(world, S.IN_PROGRESS)
    step = services.add_milestone(
        m, actor=world.liaison, title="完成制度修订", due_on=PINNED.date()
    )
    m = services.request_closure(m, actor=world.liaison, reason="已完成")
    with pytest.raises(TransitionRefused) as exc:
        services.verify(m, actor=world.office, reason="同意")
    assert exc.value.code == "milestones_open"
    services.complete_milestone(step, actor=world.liaison, done_on=PINNED.date())
    assert services.verify(m, actor=world.office, reason="同意").state == S.CLOSED


def test_the_closure_request_keeps_the_last_reported_percent(world):
    m = measure_in(world, S.IN_PROGRESS)
    services.add_progress_report(m, actor=world.liaison, text="推进中", percent_done=80)
    m = services.request_closure(m, actor=world.liaison, reason="基本完成")
    request = states.pending_request(m)
    assert (request.percent_done, request.requested_by) == (80, world.liaison)


def test_closing_as_not_feasible_needs_the_office_and_a_reason_and_is_no_rectification(world):
    m = measure_in(world, S.IN_PROGRESS)
    with pytest.raises(TransitionRefused) as exc:
        services.close_not_feasible(m, actor=world.liaison, reason="条件不具备")
    assert exc.value.code == "wrong_role"
    with pytest.raises(TransitionRefused) as exc:
        services.close_not_feasible(m, actor=world.office, reason="")
    assert exc.value.code == "reason_required"
    m = services.close_not_feasible(m, actor=world.office, reason="涉及法律修订，暂不具备条件")
    assert (m.state, m.closure) == (S.CLOSED, Closure.NOT_FEASIBLE)
    [v] = Verification.objects.filter(measure=m)
    assert v.decision == VerificationDecision.NOT_FEASIBLE


def test_a_reopening_counts_as_a_relapse_for_good(world):
    m = measure_in(world, S.CLOSED)
    assert m.relapse_count == 0
    m = services.reopen(m, actor=world.office, reason="群众再次反映")
    assert (m.relapse_count, m.closure) == (1, Closure.NONE)
    add_evidence(m, world.liaison, content=b"again")
    m = services.request_closure(m, actor=world.liaison, reason="再次整改完成")
    m = services.verify(m, actor=world.office, reason="同意")
    assert (m.state, m.relapse_count, m.closure) == (S.CLOSED, 1, Closure.RECTIFIED)


def test_a_second_confirmation_is_needed_where_the_campaign_asks_for_one(world):
    confirmer = make_user("inspection_liaison")
    grant(confirmer, world.campaign, Role.VIEWER)
    ConfirmationRule.objects.create(
        campaign=world.campaign, source=world.problem.source, confirmer=confirmer
    )
    m = measure_in(world, S.CLOSED)
    assert m.awaiting_confirmation is True
    with pytest.raises(PermissionRefused):
        services.confirm_closure(m, actor=world.office)
    m = services.confirm_closure(m, actor=confirmer, reason="巡视整改确认")
    assert m.awaiting_confirmation is False
    assert Verification.objects.filter(
        measure=m, decision=VerificationDecision.CONFIRMED, decided_by=confirmer
    ).exists()


def test_the_confirmer_may_decline_a_closure_which_goes_back_to_the_unit(world):
    confirmer = make_user("inspection_liaison")
    grant(confirmer, world.campaign, Role.VIEWER)
    ConfirmationRule.objects.create(
        campaign=world.campaign, source=world.problem.source, confirmer=confirmer
    )
    m = measure_in(world, S.CLOSED)
    assert "decline_confirmation" in {t.name for t in states.available(m, confirmer)}
    m = services.transition(m, "decline_confirmation", actor=confirmer, reason="未见实效")
    assert (m.state, m.closure, m.awaiting_confirmation) == (S.RETURNED, Closure.NONE, False)


# --- what an allowed transition records -------------------------------------------------------


@time_machine.travel(PINNED, tick=False)
def test_verify_closes_today_and_records_an_accepted_verification(world):
    m = measure_in(world, S.CLOSURE_REQUESTED)
    m = services.verify(m, actor=world.office, reason="材料齐全")
    assert m.closed_on == dt.date(2026, 3, 2)
    assert (m.closure, m.closure_opinion) == (Closure.RECTIFIED, "材料齐全")
    [v] = Verification.objects.filter(measure=m)
    assert (v.decision, v.reason, v.decided_by) == (
        VerificationDecision.ACCEPTED,
        "材料齐全",
        world.office,
    )
    row = transition_log(m).first()
    assert row.before == {
        "state": S.CLOSURE_REQUESTED,
        "closed_on": None,
        "phase_complete": False,
        "closure": "",
        "relapse_count": 0,
    }
    assert row.after == {
        "state": S.CLOSED,
        "closed_on": "2026-03-02",
        "phase_complete": False,
        "closure": Closure.RECTIFIED,
        "relapse_count": 0,
    }


def test_return_records_a_returned_verification_with_its_reasons(world):
    m = measure_in(world, S.CLOSURE_REQUESTED)
    m = services.return_measure(m, actor=world.office, reason="佐证材料不足")
    assert m.state == S.RETURNED
    assert m.closed_on is None
    [v] = Verification.objects.filter(measure=m)
    assert (v.decision, v.reason, v.decided_by) == (
        VerificationDecision.RETURNED,
        "佐证材料不足",
        world.office,
    )
    assert transition_log(m).first().reason == "佐证材料不足"


def test_reopen_clears_closed_on_and_the_measure_can_be_closed_again(world):
    m = measure_in(world, S.CLOSED, mode=MeasureMode.LONG_TERM)
    assert m.closed_on is not None
    m = services.reopen(m, actor=world.office, reason="群众再次反映")
    assert (m.state, m.closed_on, m.phase_complete) == (S.REOPENED, None, False)
    assert Measure.objects.get(pk=m.pk).closed_on is None
    row = transition_log(m).first()
    assert (row.action, row.reason, row.after["closed_on"]) == (
        "measure.reopen",
        "群众再次反映",
        None,
    )
    add_evidence(m, world.liaison, content=b"again")
    m = services.request_closure(m, actor=world.liaison, reason="已完成")
    m = services.verify(m, actor=world.office, reason="同意")
    assert m.state == S.CLOSED
    assert m.closed_on is not None


def test_reopen_clears_phase_complete(world):
    m = measure_in(world, S.IN_PROGRESS, mode=MeasureMode.LONG_TERM)
    m = services.mark_phase_complete(m, actor=world.liaison)
    m = services.request_closure(m, actor=world.liaison, reason="已完成")
    m = services.verify(m, actor=world.office, reason="同意")
    assert m.phase_complete is True
    m = services.reopen(m, actor=world.office, reason="复查发现反弹")
    assert m.phase_complete is False


def test_the_whole_life_writes_one_row_per_step(world):
    m = services.start(world.measure_a, actor=world.liaison)
    add_evidence(m, world.liaison)
    m = services.request_closure(m, actor=world.liaison, reason="已完成")
    m = services.return_measure(m, actor=world.office, reason="补充材料")
    add_evidence(m, world.liaison, content=b"more")
    m = services.request_closure(m, actor=world.liaison, reason="已补充")
    m = services.verify(m, actor=world.office, reason="同意")
    m = services.reopen(m, actor=world.office, reason="回头看")
    actions = list(transition_log(m).order_by("id").values_list("action", "actor__username"))
    assert actions == [
        ("measure.start", "liaison"),
        ("measure.request_closure", "liaison"),
        ("measure.return", "office"),
        ("measure.request_closure", "liaison"),
        ("measure.verify", "office"),
        ("measure.reopen", "office"),
    ]
    assert m.version == 7


# --- stale copies and versions ----------------------------------------------------------------


def test_it_decides_on_the_stored_state_not_a_stale_copy(world):
    stale = Measure.objects.get(pk=world.measure_a.pk)
    services.start(world.measure_a, actor=world.office)
    assert stale.state == S.DRAFT
    with pytest.raises(TransitionRefused) as exc:
        services.start(stale, actor=world.liaison)
    assert exc.value.code == "wrong_state"


def test_a_transition_with_a_stale_version_is_a_conflict(world):
    m = world.measure_a
    services.start(m, actor=world.office)
    before = Facts.of(m)
    add_evidence(m, world.liaison)
    with pytest.raises(ConflictError):
        services.request_closure(m, actor=world.liaison, expected_version=1)
    assert Facts.of(m) == before


def test_a_transition_with_the_current_version_goes_through(world):
    m = services.start(world.measure_a, actor=world.office, expected_version=1)
    assert m.version == 2


# --- messages ---------------------------------------------------------------------------------


def _refusal(callable_, *args, **kwargs) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as exc:
        callable_(*args, **kwargs)
    return exc.value


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_wrong_state_message_names_the_action_and_the_state(world, language):
    with translation.override(language):
        err = _refusal(services.verify, world.measure_a, actor=world.office)
        message = str(err)
        assert str(states.TRANSITIONS["verify"].label) in message
        assert str(S.DRAFT.label) in message
    if language == "en":
        assert message == "“Verify and close” is not possible while the measure is “Draft”."


def test_a_wrong_role_message_names_the_action_and_who_may(world):
    with translation.override("en"):
        err = _refusal(services.verify, world.measure_a, actor=world.liaison)
        assert (
            str(err) == "You may not “Verify and close” this measure: only the campaign office may."
        )
        err = _refusal(services.start, world.measure_a, actor=world.viewer)
        assert "“Start rectification”" in str(err)
        assert "the campaign office or the responsible unit" in str(err)


def test_reason_and_evidence_messages_say_what_is_missing(world):
    with translation.override("en"):
        m = measure_in(world, S.CLOSURE_REQUESTED)
        err = _refusal(services.return_measure, m, actor=world.office, reason=" ")
        assert str(err) == "“Return” needs a reason."
        m2 = measure_in(world, S.IN_PROGRESS, evidence=False)
        err = _refusal(services.request_closure, m2, actor=world.office, reason="已完成")
        assert "evidence" in str(err)
        assert "closure" in str(err)


# --- phase complete (long-term measures only) -------------------------------------------------


def test_a_long_term_measure_can_be_marked_phase_complete_and_stays_open(world):
    m = measure_in(world, S.IN_PROGRESS, mode=MeasureMode.LONG_TERM)
    before = Facts.of(m)
    m = services.mark_phase_complete(m, actor=world.liaison, reason="第一阶段完成")
    assert (m.phase_complete, m.state, m.version) == (True, S.IN_PROGRESS, before.version + 1)
    row = history(m).first()
    assert (row.action, row.actor, row.reason) == (
        "measure.phase_complete",
        world.liaison,
        "第一阶段完成",
    )
    assert (row.before, row.after) == ({"phase_complete": False}, {"phase_complete": True})


def test_marking_phase_complete_twice_writes_nothing_the_second_time(world):
    m = measure_in(world, S.IN_PROGRESS, mode=MeasureMode.LONG_TERM)
    m = services.mark_phase_complete(m, actor=world.office)
    before = Facts.of(m)
    services.mark_phase_complete(m, actor=world.office)
    assert Facts.of(m) == before


@pytest.mark.parametrize("mode", [MeasureMode.IMMEDIATE, MeasureMode.PHASED])
def test_only_long_term_measures_can_be_marked_phase_complete(world, mode):
    m = measure_in(world, S.IN_PROGRESS, mode=mode)
    before = Facts.of(m)
    assert _refusal(services.mark_phase_complete, m, actor=world.office).code == "wrong_mode"
    assert Facts.of(m) == before


@pytest.mark.parametrize("state", [S.DRAFT, S.CLOSURE_REQUESTED, S.CLOSED])
def test_phase_complete_needs_a_measure_under_way(world, state):
    m = measure_in(world, state, mode=MeasureMode.LONG_TERM)
    before = Facts.of(m)
    assert _refusal(services.mark_phase_complete, m, actor=world.office).code == "wrong_state"
    assert Facts.of(m) == before


@pytest.mark.parametrize("state", [S.IN_PROGRESS, S.RETURNED, S.REOPENED])
def test_phase_complete_is_possible_in_every_state_under_way(world, state):
    m = measure_in(world, state, mode=MeasureMode.LONG_TERM)
    assert services.mark_phase_complete(m, actor=world.liaison).phase_complete


@pytest.mark.parametrize("who", ["liaison2", "leader", "supervisor", "viewer", "outsider"])
def test_phase_complete_refuses_everyone_but_office_and_unit(world, who):
    m = measure_in(world, S.IN_PROGRESS, mode=MeasureMode.IMMEDIATE)
    # Role is checked first: a stranger is not told about the measure's mode.
    assert _refusal(services.mark_phase_complete, m, actor=persona(world, who)).code == (
        "wrong_role"
    )


# --- random sequences against a reference model -----------------------------------------------


# Most draws come from those who may act, with a reason, so random runs get far enough to
# close and reopen; the rest are anyone, with or without a reason.
WHO = st.one_of(st.just("office"), st.just("liaison"), st.sampled_from(PERSONAS))
REASON = st.one_of(st.just("整改说明"), st.just("整改说明"), st.sampled_from(["", "  "]))


class MeasureLife(RuleBasedStateMachine):
    """Random transitions by random personas on one measure, checked against a tiny model."""

    world = None  # set by the test below

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.savepoint()
        w = self.world
        self.measure = w.measure(w.problem, w.bureau_a, "随机序列", mode=MeasureMode.LONG_TERM)
        self.state = S.DRAFT
        self.evidence = False  # fresh evidence for the next closure request
        self.requester = None
        self.phase_complete = False
        self.log_rows = 1  # measure.create
        self.verifications = 0
        self.version = 1

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    @rule(data=st.data(), who=WHO, reason=REASON)
    def act(self, data, who, reason):
        """Mostly a transition the current state offers (what a user would click), else any."""
        offered = [name for name, spec in SPEC.items() if self.state in spec[0]]
        name = data.draw(st.sampled_from(offered) | st.sampled_from(list(SPEC)), label="name")
        self._try(name, who, reason)

    def _try(self, name, who, reason):
        expected = expected_refusal(
            self.state, name, who, reason=reason, evidence=self.evidence, requester=self.requester
        )
        try:
            services.transition(self.measure, name, actor=persona(self.world, who), reason=reason)
        except TransitionRefused as err:
            assert err.code == expected, (name, who, self.state, err.code)
            return
        assert expected is None, (name, who, self.state, "allowed")
        self.state = SPEC[name][1]
        self.log_rows += 1
        self.version += 1
        self.verifications += name in VERIFYING
        if name == "request_closure":
            self.requester = who
        if name in ("start", "return", "reopen"):
            self.evidence = False  # evidence counts from now on
        if name == "reopen":
            self.phase_complete = False

    @precondition(lambda self: not self.evidence)
    @rule(who=WHO)
    def upload(self, who):
        try:
            add_evidence(self.measure, persona(self.world, who), content=b"photo")
        except PermissionRefused:
            assert who not in OFFICE_OR_UNIT
            return
        assert who in OFFICE_OR_UNIT
        self.evidence = True  # logged on the evidence row, not on the measure

    @rule(who=WHO)
    def phase(self, who):
        under_way = self.state in (S.IN_PROGRESS, S.RETURNED, S.REOPENED)
        try:
            services.mark_phase_complete(self.measure, actor=persona(self.world, who))
        except TransitionRefused as err:
            assert err.code == ("wrong_role" if who not in OFFICE_OR_UNIT else "wrong_state")
            assert who not in OFFICE_OR_UNIT or not under_way
            return
        assert who in OFFICE_OR_UNIT and under_way
        if not self.phase_complete:
            self.phase_complete = True
            self.log_rows += 1
            self.version += 1

    @invariant()
    def the_database_agrees_with_the_model(self):
        m = Measure.objects.get(pk=self.measure.pk)
        assert m.state in S.values
        assert m.state == self.state
        assert (m.closed_on is not None) == (m.state == S.CLOSED)
        assert m.phase_complete == self.phase_complete
        assert m.version == self.version
        assert history(m).count() == self.log_rows
        assert Verification.objects.filter(measure=m).count() == self.verifications


def test_random_sequences_agree_with_the_reference_model(world):
    MeasureLife.world = world
    try:
        run_state_machine_as_test(
            MeasureLife,
            settings=settings(
                max_examples=50,
                stateful_step_count=15,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        MeasureLife.world = None
