"""Campaigns and their derived headline figures."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema
from ninja.pagination import paginate

from rectify.api.errors import ERRORS
from rectify.api.pagination import Page
from rectify.ledger import derived
from rectify.orgs.scoping import READ_ALL_ROLES, access, get_campaign_for_user, scope_campaigns

router = Router(tags=["campaigns"])


class CampaignOut(Schema):
    id: int
    slug: str
    name: str
    org_unit_id: int
    parent_id: int | None
    description: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    due_soon_days: int
    due_soon_basis: str
    public_intake_enabled: bool
    roles: list[str]

    @staticmethod
    def resolve_roles(obj, context) -> list[str]:
        return sorted(access(context["request"].user, obj).roles)


class FiguresOut(Schema):
    """The headline figures, derived from the records by ledger/derived.py (as on the pages)."""

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
    problems_by_state: dict[str, int]
    measures_total: int
    measures_by_state: dict[str, int]
    overdue: int
    due_soon: int
    inspection_total: int
    inspection_rectified: int
    subordinate_units: int
    calendar_warning_years: list[int]


@router.get("/campaigns", response=list[CampaignOut], summary="Campaigns you belong to")
@paginate(Page)
def list_campaigns(request):
    return scope_campaigns(request.user).order_by("id")


@router.get("/campaigns/{slug}", response={200: CampaignOut, **ERRORS}, summary="One campaign")
def get_campaign(request, slug: str):
    return get_campaign_for_user(request.user, slug)


@router.get(
    "/campaigns/{slug}/figures",
    response={200: FiguresOut, **ERRORS},
    summary="Headline figures (campaign-wide readers only)",
)
def campaign_figures(request, slug: str):
    campaign = get_campaign_for_user(request.user, slug)
    if not access(request.user, campaign).has(*READ_ALL_ROLES):
        raise PermissionDenied
    return derived.campaign_figures(campaign)
