"""Supervision actions (督查督办) and notices (督办单): readers list them, the office and
supervisors record them, add follow-up measures from a finding and issue notices.

Writes go through rectify/supervision/services.py, reads through rectify/supervision/scoping.py,
input is checked by supervision/inputs.py's forms as on the pages.
"""

import datetime as dt
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from rectify.api.errors import ERRORS
from rectify.api.fields import Id, Line, Moment, Slug, Text
from rectify.api.pagination import Page
from rectify.api.routers.campaigns import PersonOut, UnitRef
from rectify.campaigns.scoping import get_campaign_for_reader, get_campaign_for_user
from rectify.ledger.choices import MeasureMode, Source
from rectify.ledger.scoping import scope_measures, scope_problems
from rectify.orgs.scoping import scope_org_units
from rectify.supervision import services
from rectify.supervision.choices import NoticeLevel, SupervisionKind
from rectify.supervision.documents import DOCX_CONTENT_TYPE, notice_document, notice_docx
from rectify.supervision.inputs import FollowUpForm, NoticeForm
from rectify.supervision.scoping import (
    can_supervise_unit,
    get_action_for_user,
    overdue_measures,
    scope_supervision_actions,
)

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
    participants: str = Field(description="Members of the supervision group and others present")
    content: str = Field(description="What was done or found (findings)")
    outcome: str
    follow_up_ids: list[int] = Field(description="Measures created from the findings")
    notice_number: str = Field(description="A notice's number (〔2026〕3号), else empty")
    created_at: dt.datetime

    @staticmethod
    def resolve_problem_number(obj) -> int | None:
        return obj.problem.number if obj.problem_id else None

    @staticmethod
    def resolve_follow_up_ids(obj) -> list[int]:
        return sorted(m.pk for m in obj.follow_ups.all())

    @staticmethod
    def resolve_notice_number(obj) -> str:
        return obj.number


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
    participants: Line(CONTENT_MAX_LENGTH) = Field(
        "", description="Members of the supervision group and others present"
    )
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
    return (
        qs.select_related("target_unit", "problem", "actor")
        .prefetch_related("follow_ups")
        .order_by("-happened_at", "-id")
    )


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
        participants=payload.participants,
        happened_at=payload.happened_at,
    )
    return Status(201, action)


def invalid(form, names: dict[str, str] | None = None) -> ValidationError:
    """A bound form's errors as the 422 answer, under the API's field names."""
    names = names or {}
    return ValidationError(
        {names.get(name, name): errors for name, errors in form.errors.as_data().items()}
    )


# --- follow-up measures from a finding ---------------------------------------------------------

# Dates a deadline or a required answer may take (far-off years would overflow downstream).
Day = Annotated[dt.date, Field(ge=dt.date(1990, 1, 1), le=dt.date(2099, 12, 31))]


class FollowUpIn(Schema):
    """A measure for the supervised unit from the action's finding: on the problem numbered
    `problem_number`, or on a new problem (`title`, `source`). Checked as on the action's page."""

    model_config = ConfigDict(extra="forbid")

    problem_number: Id | None = Field(None, description="an existing problem of the campaign")
    title: Line(200) = Field("", description="a new problem's title (without problem_number)")
    source: Source = Field(Source.INSPECTION, description="a new problem's source")
    content: Text(CONTENT_MAX_LENGTH) = Field(description="the measure")
    deadline: Day
    mode: MeasureMode = MeasureMode.PHASED
    responsible_person: Line(50) = ""


class FollowUpOut(Schema):
    measure_id: int
    problem_number: int
    content: str
    responsible_unit: UnitRef
    deadline: dt.date | None
    action_id: int


@router.post(
    "/campaigns/{slug}/supervision-actions/{id}/follow-ups",
    response={201: FollowUpOut, **ERRORS},
    summary="Add a follow-up measure from a supervision action's finding (the office and the "
    "unit's supervisors)",
)
def create_follow_up(request, slug: Slug, id: Id, payload: FollowUpIn):
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    action = get_action_for_user(user, campaign, id, notice=False)
    if not can_supervise_unit(user, campaign, action.target_unit):
        raise PermissionDenied
    problems = scope_problems(user, campaign)
    data = payload.dict()
    problem_pk = None
    if payload.problem_number is not None:
        problem = problems.filter(number=payload.problem_number).first()
        if problem is None:
            raise ValidationError({"problem_number": [_("No such problem in this campaign.")]})
        problem_pk = problem.pk
    form = FollowUpForm({**data, "problem": problem_pk}, problems=problems)
    if not form.is_valid():
        raise invalid(form, {"problem": "problem_number"})
    measure = services.add_follow_up(action, actor=user, **form.values())
    return Status(
        201,
        {
            "measure_id": measure.pk,
            "problem_number": measure.problem.number,
            "content": measure.content,
            "responsible_unit": measure.responsible_unit,
            "deadline": measure.deadline,
            "action_id": action.pk,
        },
    )


# --- supervision notices (督办单) ---------------------------------------------------------------


class NoticeItemOut(Schema):
    measure_id: int
    problem_number: int
    problem_title: str
    measure: str
    deadline: dt.date | None
    days_overdue: int = Field(description="days past the deadline on the day of the notice")


class NoticeOut(Schema):
    id: int
    number: str = Field(description="〔2026〕3号: numbered per campaign and year")
    level: NoticeLevel
    target_unit: UnitRef
    actor: PersonOut | None
    happened_at: dt.datetime
    required_by: dt.date | None
    content: str
    item_ids: list[int] = Field(description="the measures named")

    @staticmethod
    def resolve_item_ids(obj) -> list[int]:
        return sorted(m.pk for m in obj.items.all())


class NoticeDetailOut(NoticeOut):
    items: list[NoticeItemOut]
    issuer: str = Field(description="the issuing organisation and office")

    @staticmethod
    def resolve_items(obj) -> list[dict]:
        doc = notice_document(obj)
        return [vars(item) for item in doc.items]

    @staticmethod
    def resolve_issuer(obj) -> str:
        doc = notice_document(obj)
        return f"{doc.issuer} {doc.office}"


class NoticeIn(Schema):
    """Issue a yellow or red notice to a unit naming some of its overdue measures (checked as on
    the page: overdue measures of the unit you see, an answer date not in the past)."""

    model_config = ConfigDict(extra="forbid")

    target_unit_id: Id = Field(description="the unit the notice goes to")
    level: NoticeLevel
    measure_ids: list[Id] = Field(min_length=1, max_length=500)
    required_by: Day = Field(description="the date the unit must answer by")
    content: Text(CONTENT_MAX_LENGTH) = Field(description="the notice's text")


def _notices(user, campaign):
    return (
        scope_supervision_actions(user, campaign)
        .exclude(level="")
        .select_related("target_unit", "actor", "campaign__org_unit")
        .prefetch_related("items")
    )


@router.get(
    "/campaigns/{slug}/notices",
    response={200: list[NoticeOut], **ERRORS},
    summary="Supervision notices (督办单), newest number first",
)
@paginate(Page)
def list_notices(request, slug: Slug):
    campaign = get_campaign_for_reader(request.user, slug)
    return _notices(request.user, campaign).order_by("-year", "-sequence")


@router.post(
    "/campaigns/{slug}/notices",
    response={201: NoticeDetailOut, **ERRORS},
    summary="Issue a supervision notice (the office and the unit's supervisors)",
)
def issue_notice(request, slug: Slug, payload: NoticeIn):
    user = request.user
    campaign = get_campaign_for_reader(user, slug)
    unit = scope_org_units(user).filter(pk=payload.target_unit_id).first()
    if unit is None:
        raise ValidationError({"target_unit_id": [_("No such unit.")]})
    if not can_supervise_unit(user, campaign, unit):
        raise PermissionDenied
    form = NoticeForm(
        {
            "measures": payload.measure_ids,
            "level": payload.level,
            "required_by": payload.required_by.isoformat(),
            "content": payload.content,
        },
        measures=overdue_measures(user, campaign, unit),
        required_by=payload.required_by,
    )
    if not form.is_valid():
        raise invalid(form, {"measures": "measure_ids"})
    data = form.cleaned_data
    notice = services.issue_notice(
        campaign,
        actor=user,
        unit=unit,
        level=data["level"],
        measures=data["measures"],
        content=data["content"],
        required_by=data["required_by"],
    )
    return Status(201, _notices(user, campaign).get(pk=notice.pk))


@router.get(
    "/campaigns/{slug}/notices/{id}",
    response={200: NoticeDetailOut, **ERRORS},
    summary="One supervision notice with the items it names",
)
def get_notice(request, slug: Slug, id: Id):
    campaign = get_campaign_for_reader(request.user, slug)
    get_action_for_user(request.user, campaign, id, notice=True)
    return _notices(request.user, campaign).get(pk=id)


@router.get(
    "/campaigns/{slug}/notices/{id}/docx",
    response={**ERRORS},
    summary="A supervision notice as a Word document (.docx, official layout)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The notice, as an attachment (督办通知单〔2026〕3号.docx)",
                "content": {DOCX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def notice_docx_file(request, slug: Slug, id: Id):
    campaign = get_campaign_for_reader(request.user, slug)
    notice = get_action_for_user(request.user, campaign, id, notice=True)
    doc = notice_document(notice)
    response = HttpResponse(notice_docx(doc), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, doc.filename)
    return response
