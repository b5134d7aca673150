"""The measure state machine (docs/domain.md, States of a measure). The only place transitions live.

    draft ──start──> in_progress ──request_closure──> closure_requested ──verify──> closed
                         ^  returned ──request_closure──┘        │                   │
                         └──────────────── return ───────────────┘                reopen
    reopened (office only, with reasons) ──request_closure──> closure_requested <───┘

`check()` answers whether `user` may apply a transition to `measure` now, and raises
TransitionRefused with a clear message when not: wrong state, wrong role, missing reason or
missing evidence. services.transition() is the one caller that changes state.
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


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    actors: frozenset[str]
    needs_reason: bool = False
    needs_evidence: bool = False


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
            needs_evidence=True,
        ),
        Transition(
            "verify", _("Verify and close"), (S.CLOSURE_REQUESTED,), S.CLOSED, frozenset({OFFICE})
        ),
        Transition(
            "return",
            _("Return"),
            (S.CLOSURE_REQUESTED,),
            S.RETURNED,
            frozenset({OFFICE}),
            needs_reason=True,
        ),
        Transition(
            "reopen", _("Reopen"), (S.CLOSED,), S.REOPENED, frozenset({OFFICE}), needs_reason=True
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
    return kinds


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
    if transition.needs_reason and not reason.strip():
        raise TransitionRefused(
            _("“%(action)s” needs a reason."),
            params={"action": transition.label},
            code="reason_required",
        )
    if transition.needs_evidence and not measure.evidence.exists():
        raise TransitionRefused(
            _("Upload evidence before requesting closure."), code="evidence_required"
        )
    return transition


def available(measure, user) -> list[Transition]:
    """Transitions `user` could start from the measure's current state (buttons to show)."""
    kinds = actor_kinds(user, measure)
    return [t for t in TRANSITIONS.values() if measure.state in t.sources and kinds & t.actors]


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
    return _("the campaign office or the responsible unit")
