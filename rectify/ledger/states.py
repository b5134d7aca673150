"""The measure state machine (docs/domain.md, States of a measure). The only place transitions live.

    draft ──start──> in_progress ──request_closure──> closure_requested ──verify──> closed
                         ^  returned ──request_closure──┘        │                   │
                         └──────────────── return ───────────────┘                reopen
    reopened (office only, with reasons) ──request_closure──> closure_requested <───┘

    any state under way ──close_not_feasible (office, with reasons)──> closed (暂不具备整改条件)

`check()` answers whether `user` may apply a transition to `measure` now, and raises
TransitionRefused with a clear message when not: wrong state, wrong role, missing reason,
missing fresh evidence, open milestones, or deciding on one's own closure request.
services.transition() is the one caller that changes state.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from rectify.core.errors import TransitionRefused
from rectify.ledger.choices import MeasureMode, MeasureState
from rectify.orgs.access import access
from rectify.orgs.choices import Role

S = MeasureState

# Who may act: the office of the campaign, or a liaison whose subtree holds the responsible unit.
OFFICE = "office"
UNIT = "unit"
# The person a campaign names to confirm closures of problems from one source (ConfirmationRule).
CONFIRMER = "confirmer"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    actors: frozenset[str]
    needs_reason: bool = False
    needs_evidence: bool = False
    # Decides on a closure request: never by the person who made it (separation of duties).
    decides_request: bool = False
    needs_milestones_done: bool = False
    needs_awaiting_confirmation: bool = False
    # What the reason is called on the forms, and the message when it is missing.
    reason_label: str = _("Reason")
    reason_missing: str = ""


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "start", _("Start rectification"), (S.DRAFT,), S.IN_PROGRESS, frozenset({OFFICE, UNIT})
        ),
        Transition(
            "request_closure",
            _("Request closure"),
            (S.IN_PROGRESS, S.RETURNED, S.REOPENED),
            S.CLOSURE_REQUESTED,
            frozenset({OFFICE, UNIT}),
            needs_reason=True,
            needs_evidence=True,
            reason_label=_("What was done"),
            reason_missing=_("Describe what was done before requesting closure."),
        ),
        Transition(
            "verify",
            _("Verify and close"),
            (S.CLOSURE_REQUESTED,),
            S.CLOSED,
            frozenset({OFFICE}),
            needs_reason=True,
            decides_request=True,
            needs_milestones_done=True,
            reason_label=_("Verification opinion"),
            reason_missing=_("Give the verification opinion before closing."),
        ),
        Transition(
            "return",
            _("Return"),
            (S.CLOSURE_REQUESTED,),
            S.RETURNED,
            frozenset({OFFICE}),
            needs_reason=True,
            decides_request=True,
        ),
        Transition(
            "close_not_feasible",
            _("Close: conditions not yet met"),
            (S.IN_PROGRESS, S.CLOSURE_REQUESTED, S.RETURNED, S.REOPENED),
            S.CLOSED,
            frozenset({OFFICE}),
            needs_reason=True,
            decides_request=True,
        ),
        Transition(
            "decline_confirmation",
            _("Decline the closure"),
            (S.CLOSED,),
            S.RETURNED,
            frozenset({CONFIRMER}),
            needs_reason=True,
            needs_awaiting_confirmation=True,
        ),
        Transition(
            "reopen",
            _("Reopen (relapse)"),
            (S.CLOSED,),
            S.REOPENED,
            frozenset({OFFICE}),
            needs_reason=True,
        ),
    ]
}


def actor_kinds(user, measure) -> set[str]:
    """OFFICE and/or UNIT, as far as `user` stands for them on this measure."""
    acc = access(user, measure.campaign)
    kinds = set()
    if acc.is_office:
        kinds.add(OFFICE)
    if acc.has(Role.LIAISON) and acc.covers_unit(measure.responsible_unit, Role.LIAISON):
        kinds.add(UNIT)
    if measure.awaiting_confirmation and is_confirmer(user, measure):
        kinds.add(CONFIRMER)
    return kinds


def is_confirmer(user, measure) -> bool:
    """Whether `user` is the person named to confirm closures of this measure's problem source."""
    from rectify.ledger.models import ConfirmationRule

    return (
        getattr(user, "pk", None) is not None
        and ConfirmationRule.objects.filter(
            campaign_id=measure.campaign_id, source=measure.problem.source, confirmer=user
        ).exists()
    )


def check(measure, name: str, *, user, reason: str = "") -> Transition:
    """The transition if allowed now; otherwise TransitionRefused with the reason why."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise TransitionRefused(
            _("Unknown action “%(name)s”."), params={"name": name}, code="unknown"
        )
    if not actor_kinds(user, measure) & transition.actors:
        raise TransitionRefused(
            _("You may not “%(action)s” this measure: only %(who)s may."),
            params={"action": transition.label, "who": _who(transition.actors)},
            code="wrong_role",
        )
    if measure.state not in transition.sources:
        raise TransitionRefused(
            _("“%(action)s” is not possible while the measure is “%(state)s”."),
            params={"action": transition.label, "state": MeasureState(measure.state).label},
            code="wrong_state",
        )
    if transition.needs_awaiting_confirmation and not measure.awaiting_confirmation:
        raise TransitionRefused(
            _("This closure does not wait for a confirmation."), code="not_awaiting"
        )
    if transition.needs_reason and not reason.strip():
        if transition.reason_missing:
            raise TransitionRefused(transition.reason_missing, code="reason_required")
        raise TransitionRefused(
            _("“%(action)s” needs a reason."),
            params={"action": transition.label},
            code="reason_required",
        )
    if transition.needs_evidence and not fresh_evidence(measure).exists():
        raise TransitionRefused(
            _(
                "Upload evidence of this round of work before requesting closure: files "
                "uploaded before the measure was started or last returned do not count."
            ),
            code="evidence_required",
        )
    if transition.decides_request and measure.state == S.CLOSURE_REQUESTED:
        request = pending_request(measure)
        if request is not None and request.requested_by_id == getattr(user, "pk", None):
            raise TransitionRefused(
                _("You requested this closure, so someone else must decide on it."),
                code="own_request",
            )
    if transition.needs_milestones_done:
        open_steps = measure.milestones.filter(done_on=None).count()
        if open_steps:
            raise TransitionRefused(
                _("Open milestones: %(n)s. Complete them before closing the measure."),
                params={"n": open_steps},
                code="milestones_open",
            )
    return transition


def fresh_evidence(measure):
    """Evidence that may back a closure request now: uploaded since the measure was started,
    returned or reopened (measures from before this rule: any of their evidence)."""
    evidence = measure.evidence.all()
    if measure.evidence_since is not None:
        evidence = evidence.filter(uploaded_at__gte=measure.evidence_since)
    return evidence


def pending_request(measure):
    """The closure request the office is deciding on (the latest), or None."""
    return measure.closure_requests.order_by("-requested_at", "-id").first()


def available(measure, user) -> list[Transition]:
    """Transitions `user` could start from the measure's current state (buttons to show)."""
    kinds = actor_kinds(user, measure)
    return [t for t in TRANSITIONS.values() if measure.state in t.sources and kinds & t.actors]


def may_mark_phase_complete(measure, user) -> bool:
    """Whether to offer `user` the phase-complete button (not yet marked, and allowed)."""
    if measure.phase_complete:
        return False
    try:
        can_mark_phase_complete(measure, user)
    except TransitionRefused:
        return False
    return True


def can_mark_phase_complete(measure, user) -> None:
    """Long-term measures (长期坚持) may be marked phase-complete and stay open.

    Checked in the same order as check(): role first, so a stranger learns nothing more.
    """
    if not actor_kinds(user, measure):
        raise TransitionRefused(
            _("Only the campaign office or the responsible unit may do this."), code="wrong_role"
        )
    if measure.mode != MeasureMode.LONG_TERM:
        raise TransitionRefused(
            _("Only long-term measures can be marked phase complete."), code="wrong_mode"
        )
    if measure.state not in (S.IN_PROGRESS, S.RETURNED, S.REOPENED):
        raise TransitionRefused(
            _("Only a measure under way can be marked phase complete."), code="wrong_state"
        )


def _who(actors: frozenset[str]) -> object:
    if actors == {OFFICE}:
        return _("the campaign office")
    if actors == {CONFIRMER}:
        return _("the person named to confirm closures")
    return _("the campaign office or the responsible unit")
