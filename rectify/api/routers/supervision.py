"""Supervision actions (督查督办): readers list them, the office and supervisors record them.

Writes go through rectify/supervision/services.py, reads through rectify/supervision/scoping.py.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from rectify.api.errors import ERRORS
from rectify.api.fields import Id, Line, Moment, Slug, Text
from rectify.api.pagination import Page
from rectify.api.routers.campaigns import PersonOut, UnitRef
from rectify.campaigns.scoping import get_campaign_for_reader, get_campaign_for_user
from rectify.ledger.scoping import scope_measures, scope_problems
from rectify.orgs.scoping import scope_org_units
from rectify.supervision import services
from rectify.supervision.choices import SupervisionKind
from rectify.supervision.scoping import scope_supervision_actions

router = Router(tags=["supervision"])

CONTENT_MAX_LENGTH = 5000


class SupervisionActionOut(Schema):
    id: int
    kind: str
    target_unit: UnitRef
    measure_id: int | None
    problem_number: int | None
    actor: PersonOut | None
    happened_at: dt.datetime
    content: str
    outcome: str
    created_at: dt.datetime

    @staticmethod
    def resolve_problem_number(obj) -> int | None:
        return obj.problem.number if obj.problem_id else None


class SupervisionFilter(Schema):
    kind: SupervisionKind | None = None
    unit: Id | None = Field(None, description="a unit id: actions about it and its subunits")
    created_since: Moment | None = Field(
        None, description="only actions recorded after this time (ISO 8601, with time zone)"
    )


class SupervisionActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: SupervisionKind
    target_unit_id: Id = Field(description="the unit supervised")
    content: Text(CONTENT_MAX_LENGTH) = Field(description="what was done or said")
    outcome: Line(CONTENT_MAX_LENGTH) = ""
    measure_id: Id | None = None
    problem_number: Id | None = Field(None, description="default: the measure's problem")
    happened_at: Moment | None = Field(None, description="default: now")


@router.get(
    "/campaigns/{slug}/supervision-actions",
    response={200: list[SupervisionActionOut], **ERRORS},
    summary="Supervision actions (campaign-wide readers, within their units)",
)
@paginate(Page)
def list_supervision_actions(request, slug: Slug, filters: Query[SupervisionFilter]):
    campaign = get_campaign_for_reader(request.user, slug)
    qs = scope_supervision_actions(request.user, campaign)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.unit:
        unit = scope_org_units(request.user).filter(pk=filters.unit).first()
        qs = qs.filter(target_unit__path__startswith=unit.path) if unit else qs.none()
    if filters.created_since:
        qs = qs.filter(created_at__gt=filters.created_since)
    return qs.select_related("target_unit", "problem", "actor").order_by("-happened_at", "-id")


@router.post(
    "/campaigns/{slug}/supervision-actions",
    response={201: SupervisionActionOut, **ERRORS},
    summary="Record a supervision action (office and supervisors)",
)
def create_supervision_action(request, slug: Slug, payload: SupervisionActionIn):
    user = request.user
    campaign = get_campaign_for_user(user, slug)
    errors = {}
    target_unit = scope_org_units(user).filter(pk=payload.target_unit_id).first()
    if target_unit is None:
        errors["target_unit_id"] = [_("No such unit.")]
    measure = problem = None
    if payload.measure_id is not None:
        measure = scope_measures(user, campaign).filter(pk=payload.measure_id).first()
        if measure is None:
            errors["measure_id"] = [_("No such measure in this campaign.")]
    if payload.problem_number is not None:
        problem = scope_problems(user, campaign).filter(number=payload.problem_number).first()
        if problem is None:
            errors["problem_number"] = [_("No such problem in this campaign.")]
    if errors:
        raise ValidationError(errors)
    action = services.record_action(
        campaign,
        actor=user,
        kind=payload.kind,
        target_unit=target_unit,
        content=payload.content,
        measure=measure,
        problem=problem,
        outcome=payload.outcome,
        happened_at=payload.happened_at,
    )
    return Status(201, action)
