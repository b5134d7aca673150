"""The rectification work around a measure: closure requests and verifications, extension
requests (延期申请) and deadline changes, re-checks (回头看), the second confirmation's rules, and
the worklists (我的任务, 待办).

Thin, like routers/measures.py: the object is reached through its measure's scoping
(ledger/scoping.py), writes go through ledger/services.py (which decide who may write and refuse
with their own message and code), the worklists come from ledger/worklists.py as the pages'.
"""

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from rectify.api.errors import ERRORS
from rectify.api.fields import Id, Slug, Storable
from rectify.api.pagination import Page
from rectify.api.routers.campaigns import PersonOut
from rectify.campaigns.inputs import campaign_people
from rectify.campaigns.scoping import get_campaign_for_user, scope_campaigns
from rectify.ledger import derived, services, states, worklists
from rectify.ledger.choices import (
    DueStatus,
    ExtensionStatus,
    MeasureState,
    RecheckResult,
    Source,
    VerificationDecision,
)
from rectify.ledger.models import ConfirmationRule, ExtensionRequest, Measure, Recheck
from rectify.ledger.scoping import get_measure_for_user, scope_measures

router = Router(tags=["rectification"])

REASON_MAX_LENGTH = 2000


def _username(user) -> str | None:
    return user.username if user is not None else None


# --- closure requests and verifications ------------------------------------------------------


class ClosureRequestOut(Schema):
    """A request to close a measure (申请销号) and the office's decision on it."""

    id: int
    measure_id: int
    description: str = Field(description="What was done (required with the request)")
    percent_done: int | None = Field(
        description="The last progress report's percent when it was requested (below 100: "
        "the verifier is told); null without a report"
    )
    requested_by: str | None
    requested_at: dt.datetime
    decision: Literal["accepted", "returned", "not_feasible"] | None = Field(
        description="The office's decision on it (GET /measures/{id}/verifications); null "
        "while it waits"
    )
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_requested_by(obj) -> str | None:
        return _username(obj.requested_by)

    @staticmethod
    def resolve_decision(obj) -> str | None:
        decision = _decision(obj)
        return decision.decision if decision else None

    @staticmethod
    def resolve_decided_at(obj) -> dt.datetime | None:
        decision = _decision(obj)
        return decision.decided_at if decision else None


def _decision(request):
    """The office's decision on a closure request (a second confirmation is not one)."""
    decisions = [
        v for v in request.verifications.all() if v.decision != VerificationDecision.CONFIRMED
    ]
    return max(decisions, key=lambda v: (v.decided_at, v.pk), default=None)


class VerificationOut(Schema):
    """A decision on a measure's closure: accepted (销号), returned (退回), closed as not
    feasible (暂不具备整改条件), or the second confirmation of a closure (confirmed)."""

    id: int
    measure_id: int
    closure_request_id: int | None = Field(description="The closure request decided on")
    decision: VerificationDecision
    opinion: str = Field(
        description="The verification opinion (验收意见) for an acceptance, else the reason"
    )
    decided_by: str | None
    decided_at: dt.datetime

    @staticmethod
    def resolve_opinion(obj) -> str:
        return obj.reason

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return _username(obj.decided_by)


@router.get(
    "/measures/{id}/closure-requests",
    response={200: list[ClosureRequestOut], **ERRORS},
    summary="Closure requests of a measure, newest first, with the office's decision",
)
def list_closure_requests(request, id: Id):
    measure = get_measure_for_user(request.user, id)
    return list(
        measure.closure_requests.select_related("requested_by")
        .prefetch_related("verifications")
        .order_by("-requested_at", "-id")
    )


@router.get(
    "/measures/{id}/verifications",
    response={200: list[VerificationOut], **ERRORS},
    summary="Decisions on a measure's closure (verifications), newest first",
)
def list_verifications(request, id: Id):
    measure = get_measure_for_user(request.user, id)
    return list(measure.verifications.select_related("decided_by").order_by("-decided_at", "-id"))


# --- extension requests (延期申请) and deadline changes ----------------------------------------


class ExtensionRequestOut(Schema):
    id: int
    measure_id: int
    problem_number: int
    responsible_unit_id: int
    current_deadline: dt.date | None = Field(description="The deadline when it was asked")
    requested_deadline: dt.date
    reason: str
    status: ExtensionStatus
    requested_by: str | None
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_reason: str = Field(description="The office's reply (required with a refusal)")

    @staticmethod
    def resolve_problem_number(obj) -> int:
        return obj.measure.problem.number

    @staticmethod
    def resolve_responsible_unit_id(obj) -> int:
        return obj.measure.responsible_unit_id

    @staticmethod
    def resolve_requested_by(obj) -> str | None:
        return _username(obj.requested_by)

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return _username(obj.decided_by)


class ExtensionRequestIn(Schema):
    model_config = ConfigDict(extra="forbid")

    requested_deadline: dt.date = Field(description="After the current deadline, not past")
    reason: Storable = Field(
        max_length=REASON_MAX_LENGTH,
        description="Why the deadline should move (required: blank is 400 reason_required)",
    )


class ExtensionDecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["grant", "refuse"]
    reason: Storable = Field(
        "",
        max_length=REASON_MAX_LENGTH,
        description="The office's reply; required to refuse (400 reason_required)",
    )
    deadline: dt.date | None = Field(
        None, description="Grant only: the new deadline, if not the date asked"
    )


def _extensions(qs):
    return qs.select_related(
        "measure__problem", "measure__responsible_unit", "requested_by", "decided_by"
    )


@router.get(
    "/measures/{id}/extension-requests",
    response={200: list[ExtensionRequestOut], **ERRORS},
    summary="Extension requests of a measure, newest first",
)
def list_measure_extensions(request, id: Id):
    measure = get_measure_for_user(request.user, id)
    return list(_extensions(measure.extension_requests.order_by("-requested_at", "-id")))


@router.post(
    "/measures/{id}/extension-requests",
    response={201: ExtensionRequestOut, **ERRORS},
    summary="Ask the office to move the deadline (延期申请; responsible unit or office)",
    description="Refused: 403 (not the responsible unit), 400 `reason_required` (blank "
    "reason), 400 `bad_date` (not after the current deadline, or past), 400 (the measure is "
    "not under way), 409 `conflict` (a request is already waiting). Logged as "
    "extension.request.",
)
def create_extension(request, id: Id, payload: ExtensionRequestIn):
    measure = get_measure_for_user(request.user, id)
    extension = services.request_extension(
        measure,
        actor=request.user,
        requested_deadline=payload.requested_deadline,
        reason=payload.reason,
    )
    return Status(201, _extensions(ExtensionRequest.objects).get(pk=extension.pk))


class ExtensionQuery(Schema):
    status: ExtensionStatus | None = Field(
        None, description="pending: what the office has to decide"
    )


@router.get(
    "/campaigns/{slug}/extension-requests",
    response={200: list[ExtensionRequestOut], **ERRORS},
    summary="Extension requests of the measures you may see, oldest first",
)
@paginate(Page)
def list_campaign_extensions(request, slug: Slug, filters: Query[ExtensionQuery]):
    campaign = get_campaign_for_user(request.user, slug)
    qs = ExtensionRequest.objects.filter(
        measure__in=scope_measures(request.user, campaign).values("pk")
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    return _extensions(qs).order_by("requested_at", "id")


def _extension_for_user(user, pk: int) -> ExtensionRequest:
    """The extension request if the user may see its measure (else 404)."""
    extension = ExtensionRequest.objects.filter(pk=pk).first()
    if extension is None:
        raise Http404("extension request")
    extension.measure = get_measure_for_user(user, extension.measure_id)
    return extension


@router.post(
    "/extension-requests/{id}/decision",
    response={200: ExtensionRequestOut, **ERRORS},
    summary="Grant or refuse an extension request (office)",
    description="A grant moves the deadline (to `deadline`, or the date asked) with the "
    "request's reason, kept in /measures/{id}/deadline-changes. Refused: 403 (not the office, "
    "or the one who asked), 400 `reason_required` (a refusal without a reason), 409 "
    "`conflict` (already decided). Logged as extension.grant / extension.refuse.",
)
def decide_extension(request, id: Id, payload: ExtensionDecisionIn):
    extension = _extension_for_user(request.user, id)
    grant = payload.decision == "grant"
    if not grant and payload.deadline is not None:
        raise DjangoValidationError({"deadline": [_("Only a grant sets a new deadline.")]})
    services.decide_extension(
        extension,
        actor=request.user,
        grant=grant,
        reason=payload.reason,
        deadline=payload.deadline,
    )
    return _extensions(ExtensionRequest.objects).get(pk=extension.pk)


class DeadlineChangeOut(Schema):
    """A moved deadline, always with its reason (the measure keeps its original deadline)."""

    id: int
    measure_id: int
    old_deadline: dt.date | None
    new_deadline: dt.date | None
    reason: str
    extension_request_id: int | None = Field(description="The granted request that moved it")
    changed_by: str | None
    changed_at: dt.datetime

    @staticmethod
    def resolve_extension_request_id(obj) -> int | None:
        return obj.extension_id

    @staticmethod
    def resolve_changed_by(obj) -> str | None:
        return _username(obj.changed_by)


@router.get(
    "/measures/{id}/deadline-changes",
    response={200: list[DeadlineChangeOut], **ERRORS},
    summary="How the deadline moved, oldest first (`deadline_moves` counts them)",
)
def list_deadline_changes(request, id: Id):
    measure = get_measure_for_user(request.user, id)
    return list(measure.deadline_changes.select_related("changed_by").order_by("changed_at", "id"))


# --- re-checks (回头看) --------------------------------------------------------------------------


RecheckStatus = Literal["due", "upcoming", "done"]


class RecheckOut(Schema):
    id: int
    measure_id: int
    problem_number: int
    responsible_unit_id: int
    due_on: dt.date = Field(description="The re-check date")
    status: RecheckStatus = Field(
        description="due (the date has come, no result yet), upcoming, or done"
    )
    result: RecheckResult = Field(description="'' not yet checked, 'held', or 'relapsed'")
    note: str = Field(description="The findings (required when it relapsed)")
    done_on: dt.date | None
    scheduled_by: str | None
    done_by: str | None

    @staticmethod
    def resolve_problem_number(obj) -> int:
        return obj.measure.problem.number

    @staticmethod
    def resolve_responsible_unit_id(obj) -> int:
        return obj.measure.responsible_unit_id

    @staticmethod
    def resolve_status(obj) -> str:
        if obj.result:
            return "done"
        return "due" if obj.due_on <= derived.today() else "upcoming"

    @staticmethod
    def resolve_scheduled_by(obj) -> str | None:
        return _username(obj.scheduled_by)

    @staticmethod
    def resolve_done_by(obj) -> str | None:
        return _username(obj.done_by)


class RecheckIn(Schema):
    model_config = ConfigDict(extra="forbid")

    due_on: dt.date = Field(description="Not before the measure was closed (else 400 bad_date)")


class RecheckResultIn(Schema):
    model_config = ConfigDict(extra="forbid")

    result: Literal["held", "relapsed"] = Field(
        description="relapsed reopens the measure (a relapse, 问题反弹)"
    )
    note: Storable = Field(
        "",
        max_length=REASON_MAX_LENGTH,
        description="The findings; required when it relapsed (400 reason_required)",
    )


def _rechecks(qs):
    return qs.select_related(
        "measure__problem", "measure__responsible_unit", "scheduled_by", "done_by"
    )


@router.get(
    "/measures/{id}/rechecks",
    response={200: list[RecheckOut], **ERRORS},
    summary="Re-checks of a measure, by date",
)
def list_measure_rechecks(request, id: Id):
    measure = get_measure_for_user(request.user, id)
    return list(_rechecks(measure.rechecks.order_by("due_on", "id")))


@router.post(
    "/measures/{id}/rechecks",
    response={201: RecheckOut, **ERRORS},
    summary="Set a re-check (回头看) of a closed measure (office)",
    description="On its date the measure appears on the office's to-do and the unit's tasks. "
    "Refused: 403 (not the office), 400 `wrong_state` (not closed), 400 `bad_date` (before "
    "the closing day). Logged as recheck.schedule.",
)
def create_recheck(request, id: Id, payload: RecheckIn):
    measure = get_measure_for_user(request.user, id)
    recheck = services.schedule_recheck(measure, actor=request.user, due_on=payload.due_on)
    return Status(201, _rechecks(Recheck.objects).get(pk=recheck.pk))


class RecheckQuery(Schema):
    status: RecheckStatus | None = Field(
        None, description="due: the date has come and no result yet; upcoming; done"
    )


@router.get(
    "/campaigns/{slug}/rechecks",
    response={200: list[RecheckOut], **ERRORS},
    summary="Re-checks of the measures you may see, by date",
)
@paginate(Page)
def list_campaign_rechecks(request, slug: Slug, filters: Query[RecheckQuery]):
    campaign = get_campaign_for_user(request.user, slug)
    qs = Recheck.objects.filter(measure__in=scope_measures(request.user, campaign).values("pk"))
    today = derived.today()
    if filters.status == "done":
        qs = qs.exclude(result=RecheckResult.PENDING)
    elif filters.status == "due":
        qs = qs.filter(result=RecheckResult.PENDING, due_on__lte=today)
    elif filters.status == "upcoming":
        qs = qs.filter(result=RecheckResult.PENDING, due_on__gt=today)
    return _rechecks(qs).order_by("due_on", "id")


def _recheck_for_user(user, pk: int) -> Recheck:
    """The re-check if the user may see its measure (else 404)."""
    recheck = Recheck.objects.filter(pk=pk).first()
    if recheck is None:
        raise Http404("re-check")
    recheck.measure = get_measure_for_user(user, recheck.measure_id)
    return recheck


@router.post(
    "/rechecks/{id}/result",
    response={200: RecheckOut, **ERRORS},
    summary="Record a re-check's result: held, or relapsed (reopens the measure; office)",
    description="Refused: 403 (not the office), 400 `reason_required` (relapsed without a "
    "note), 409 `conflict` (already recorded). Logged as recheck.done (and measure.reopen).",
)
def record_recheck(request, id: Id, payload: RecheckResultIn):
    recheck = _recheck_for_user(request.user, id)
    services.record_recheck(recheck, actor=request.user, result=payload.result, note=payload.note)
    return _rechecks(Recheck.objects).get(pk=recheck.pk)


# --- second confirmation: the campaign's rules -------------------------------------------------


class ConfirmationRuleOut(Schema):
    """Closures of problems from `source` count only once `confirmer` confirms them."""

    id: int
    source: Source
    confirmer: PersonOut
    waiting: int = Field(description="Closures of this source waiting for the confirmation")

    @staticmethod
    def resolve_waiting(obj) -> int:
        return Measure.objects.filter(
            campaign=obj.campaign_id,
            problem__source=obj.source,
            state=MeasureState.CLOSED,
            awaiting_confirmation=True,
        ).count()


class ConfirmationRuleIn(Schema):
    model_config = ConfigDict(extra="forbid")

    source: Source
    confirmer_id: Id = Field(description="A person with a role in the campaign")


@router.get(
    "/campaigns/{slug}/confirmation-rules",
    response={200: list[ConfirmationRuleOut], **ERRORS},
    summary="Which closures need a second confirmation, and by whom",
)
def list_confirmation_rules(request, slug: Slug):
    campaign = get_campaign_for_user(request.user, slug)
    return list(
        ConfirmationRule.objects.filter(campaign=campaign)
        .select_related("confirmer")
        .order_by("source", "id")
    )


@router.post(
    "/campaigns/{slug}/confirmation-rules",
    response={201: ConfirmationRuleOut, **ERRORS},
    summary="Ask for a second confirmation of closures of one problem source (office)",
    description="From now on a verified closure of a problem of this source waits "
    "(`awaiting_confirmation`) until the confirmer confirms it. Refused: 403 (not the "
    "office), 422 (not a person of the campaign). A source that has a rule gets the new "
    "confirmer (logged as confirmation_rule.update), otherwise logged as "
    "confirmation_rule.create.",
)
def create_confirmation_rule(request, slug: Slug, payload: ConfirmationRuleIn):
    campaign = get_campaign_for_user(request.user, slug)
    confirmer = campaign_people(campaign).filter(pk=payload.confirmer_id).first()
    if confirmer is None:
        raise DjangoValidationError({"confirmer_id": [_("Choose a person of this campaign.")]})
    rule = services.create_confirmation_rule(
        campaign, actor=request.user, source=payload.source, confirmer=confirmer
    )
    return Status(201, rule)


@router.delete(
    "/confirmation-rules/{id}",
    response={204: None, **ERRORS},
    summary="Stop asking for the second confirmation of one source (office)",
    description="Refused while closures wait for this confirmation (409): have them "
    "confirmed or declined first. Logged as confirmation_rule.delete.",
)
def delete_confirmation_rule(request, id: Id):
    rule = ConfirmationRule.objects.select_related("campaign").filter(pk=id).first()
    if rule is None or not scope_campaigns(request.user).filter(pk=rule.campaign_id).exists():
        raise Http404("confirmation rule")
    services.delete_confirmation_rule(rule, actor=request.user)
    return Status(204, None)


# --- worklists: my tasks (我的任务) and the office's to-do (待办) ------------------------------


class WorkItemOut(Schema):
    """One measure on a worklist, with what the group is about."""

    measure_id: int
    problem_number: int
    content: str
    responsible_unit_id: int
    responsible_unit_name: str
    state: MeasureState
    deadline: dt.date | None
    deadline_moves: int
    due_status: DueStatus
    returned_reason: str | None = Field(
        None, description="returned: the office's latest reason for returning it"
    )
    closure_request_id: int | None = Field(None, description="closure: the request to verify")
    percent_done: int | None = Field(
        None, description="closure: the last reported percent when closure was requested"
    )
    extension_request_id: int | None = Field(None, description="extension: the request")
    requested_deadline: dt.date | None = Field(None, description="extension: the date asked")
    recheck_id: int | None = Field(None, description="recheck: the re-check")
    recheck_due_on: dt.date | None = Field(None, description="recheck: its date")


class WorklistGroupOut(Schema):
    key: str
    label: str
    count: int
    urgent: bool = Field(description="Needs acting on (counted in the navigation's badge)")
    items: list[WorkItemOut]


class WorklistOut(Schema):
    attention: int = Field(description="Items of the urgent groups (the navigation's badge)")
    groups: list[WorklistGroupOut]


def _measure_item(measure: Measure, **extra) -> dict:
    status = getattr(measure, "due_status", None)
    return {
        "measure_id": measure.pk,
        "problem_number": measure.problem.number,
        "content": measure.content,
        "responsible_unit_id": measure.responsible_unit_id,
        "responsible_unit_name": measure.responsible_unit.name,
        "state": measure.state,
        "deadline": measure.deadline,
        "deadline_moves": measure.deadline_moves,
        "due_status": status if status is not None else derived.due_status(measure),
        **extra,
    }


def _item(thing) -> dict:
    if isinstance(thing, Recheck):
        return _measure_item(thing.measure, recheck_id=thing.pk, recheck_due_on=thing.due_on)
    if isinstance(thing, ExtensionRequest):
        return _measure_item(
            thing.measure,
            extension_request_id=thing.pk,
            requested_deadline=thing.requested_deadline,
        )
    extra = {}
    returns = getattr(thing, "returns", None)
    if thing.state == MeasureState.RETURNED and returns:
        extra["returned_reason"] = returns[0].reason
    if thing.state == MeasureState.CLOSURE_REQUESTED:
        request = states.pending_request(thing)
        if request is not None:
            extra.update(closure_request_id=request.pk, percent_done=request.percent_done)
    return _measure_item(thing, **extra)


def _worklist_out(worklist, campaign) -> dict:
    for group in worklist.groups:
        for thing in group.items:
            measure = getattr(thing, "measure", thing)
            measure.campaign = campaign  # the due status reads the campaign's due-soon window
    return {
        "attention": worklist.attention,
        "groups": [
            {
                "key": g.key,
                "label": str(g.label),
                "count": g.count,
                "urgent": g.urgent,
                "items": [_item(thing) for thing in g.items],
            }
            for g in worklist.groups
        ],
    }


@router.get(
    "/campaigns/{slug}/my-tasks",
    response={200: WorklistOut, **ERRORS},
    summary="My tasks (我的任务): the measures of your units, grouped",
    description="As the page: returned (退回, with the office's reason), overdue, due_soon, "
    "under_way, waiting (for verification), recheck (re-checks due soon). Empty groups for "
    "anyone who is not a unit liaison.",
)
def my_tasks(request, slug: Slug):
    campaign = get_campaign_for_user(request.user, slug)
    return _worklist_out(worklists.my_tasks(request.user, campaign), campaign)


@router.get(
    "/campaigns/{slug}/todo",
    response={200: WorklistOut, **ERRORS},
    summary="The office's to-do (待办), grouped",
    description="As the page: closure (requests to verify), extension (requests to decide), "
    "recheck (re-checks due), confirm (closures waiting for your second confirmation). The "
    "first three only for the office.",
)
def office_todo(request, slug: Slug):
    campaign = get_campaign_for_user(request.user, slug)
    return _worklist_out(worklists.office_todo(request.user, campaign), campaign)
