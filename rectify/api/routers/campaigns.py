"""Campaigns, their derived headline figures, and what they organise: programs and indicators
(work groups and research activities: routers/workgroups.py)."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Router, Schema
from ninja.pagination import paginate
from pydantic import ConfigDict

from rectify.api.errors import ERRORS
from rectify.api.fields import Slug, Storable
from rectify.api.pagination import Page
from rectify.api.routers.measures import invalid
from rectify.campaigns import services as campaigns_services
from rectify.campaigns.choices import DeadlineBasis
from rectify.campaigns.inputs import SettingsForm
from rectify.campaigns.scoping import (
    get_campaign_for_reader,
    get_campaign_for_user,
    roles_in,
    scope_campaigns,
    scope_indicators,
)
from rectify.reports import figures

router = Router(tags=["campaigns"])


class CampaignOut(Schema):
    id: int
    slug: Slug
    name: str
    org_unit_id: int
    parent_id: int | None
    description: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    due_soon_days: int
    due_soon_basis: str
    remind_after_days: int
    remind_before_days: int
    remind_on_deadline: bool
    remind_overdue_every: int
    escalate_after: int
    public_intake_enabled: bool
    roles: list[str]

    @staticmethod
    def resolve_roles(obj, context) -> list[str]:
        return roles_in(context["request"].user, obj)


class FiguresOut(Schema):
    """The headline figures the user may see, derived from the records (as on the pages)."""

    as_of: dt.date
    regions: int
    work_groups: int
    cadres: int
    symposiums: int
    interviewees: int
    activities: int
    problems_collected: int
    suggestions_collected: int
    consolidated: int
    prominent: int
    problems_by_state: dict[str, int] = Field(
        description="Problems by outcome, every key present: no_measure (未制定措施), "
        "in_progress (整改中), rectified (整改到位: every measure closed, verified and, where "
        "asked, confirmed), phase_done (基本完成 / 阶段性成效: long-term measures with their phase "
        "complete — counted apart, never as rectified), not_feasible (暂不具备整改条件: closed "
        "without rectification with the office's reason — counted apart), relapsed (问题反弹: "
        "a measure reopened after closure — stays counted after it is closed again)"
    )
    measures_total: int
    measures_by_state: dict[str, int] = Field(
        description="Measures by state: draft, in_progress, closure_requested, returned, "
        "closed, reopened"
    )
    overdue: int
    due_soon: int
    inspection_total: int = Field(description="Problems from superior inspection feedback")
    inspection_rectified: int = Field(
        description="Of those, rectified (整改到位) only: the seed's “17 of 20”"
    )
    subordinate_units: int
    calendar_warning_years: list[int]


@router.get("/campaigns", response=list[CampaignOut], summary="Campaigns you belong to")
@paginate(Page)
def list_campaigns(request):
    return scope_campaigns(request.user).order_by("id")


@router.get("/campaigns/{slug}", response={200: CampaignOut, **ERRORS}, summary="One campaign")
def get_campaign(request, slug: Slug):
    return get_campaign_for_user(request.user, slug)


class SettingsPatch(Schema):
    """Only the fields sent change (the campaign settings page's fields)."""

    model_config = ConfigDict(extra="forbid")

    description: Storable | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    due_soon_days: int | None = Field(
        None,
        ge=1,
        le=60,
        description="An open measure turns yellow this many days before its "
        "deadline (and red after it)",
    )
    due_soon_basis: DeadlineBasis | None = Field(
        None, description="'working' (weekends and official holidays skipped) or 'calendar'"
    )
    remind_after_days: int | None = Field(
        None,
        ge=0,
        le=90,
        description="A measure still in draft this many days (counted as due_soon_basis) after "
        "it was assigned is reminded to start; 0: off",
    )
    remind_before_days: int | None = Field(
        None, ge=0, le=90, description="Reminder this many days before the deadline; 0: off"
    )
    remind_on_deadline: bool | None = Field(None, description="Reminder on the deadline day")
    remind_overdue_every: int | None = Field(
        None, ge=0, le=90, description="While overdue, a reminder every this many days; 0: off"
    )
    escalate_after: int | None = Field(
        None,
        ge=0,
        le=20,
        description="After this many overdue reminders a yellow supervision notice (督办单) to "
        "the unit's leaders and supervisors, after as many again a red one; 0: never",
    )
    public_intake_enabled: bool | None = None


@router.patch(
    "/campaigns/{slug}/settings",
    response={200: CampaignOut, **ERRORS},
    summary="Change the campaign's settings (campaign office): dates, when the warning light "
    "turns yellow, the reminder rules, the public page",
)
def update_settings(request, slug: Slug, payload: SettingsPatch):
    campaign = get_campaign_for_user(request.user, slug)
    sent = payload.dict(exclude_unset=True)
    form = SettingsForm({**SettingsForm(campaign=campaign).initial, **sent}, campaign=campaign)
    if not form.is_valid():
        raise invalid(form)
    return campaigns_services.update_settings(campaign, actor=request.user, **form.changes())


@router.get(
    "/campaigns/{slug}/figures",
    response={200: FiguresOut, **ERRORS},
    summary="Headline figures (campaign-wide readers only)",
)
def campaign_figures(request, slug: Slug):
    return figures.campaign_figures(request.user, get_campaign_for_reader(request.user, slug))


# --- people, regions and units as other answers name them ----------------------------------


class PersonOut(Schema):
    id: int
    username: str
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class RegionRef(Schema):
    id: int
    code: str
    name: str


class UnitRef(Schema):
    id: int
    name: str


# The work groups' and research activities' own endpoints (lists, writes, attachments) are in
# routers/workgroups.py: one router per path, so that GET and POST of a path are both served.


# --- indicators (programs: routers/programs.py) ---------------------------------------------------


class IndicatorOut(Schema):
    id: int
    name: str
    value: Decimal
    unit: str
    as_of: dt.date
    note: str
    program_id: int | None
    program_name: str | None

    @staticmethod
    def resolve_program_name(obj) -> str | None:
        return obj.program.name if obj.program else None


@router.get(
    "/campaigns/{slug}/indicators",
    response={200: list[IndicatorOut], **ERRORS},
    summary="Outcome indicators (every member of the campaign, as on its home page)",
)
@paginate(Page)
def list_indicators(request, slug: Slug):
    campaign = get_campaign_for_user(request.user, slug)
    return scope_indicators(request.user, campaign).select_related("program").order_by("id")
