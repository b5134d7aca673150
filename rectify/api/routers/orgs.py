"""Reference data: regions and the organisation tree, readable by every signed-in user."""

from django.db.models import Q
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from rectify.api.errors import ERRORS
from rectify.api.fields import Id, Line
from rectify.api.pagination import Page
from rectify.orgs.choices import OrgKind, RegionLevel
from rectify.orgs.scoping import scope_org_units, scope_regions

router = Router(tags=["organisation"])


class RegionOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    level: str
    parent_id: int | None


class RegionFilter(Schema):
    level: RegionLevel | None = None
    parent: Id | None = Field(None, description="id of the parent region")


class OrgUnitOut(Schema):
    id: int
    name: str
    short_name: str
    code: str | None
    kind: str
    parent_id: int | None
    region_id: int | None
    path: str = Field(description="materialised path: a unit's subtree shares its prefix")
    order: int


class OrgUnitFilter(Schema):
    parent: Id | None = Field(None, description="only the direct children of this unit")
    kind: OrgKind | None = None
    q: Line(100) | None = Field(None, description="in the name, short name or code")


@router.get("/regions", response={200: list[RegionOut], **ERRORS}, summary="Regions")
@paginate(Page)
def list_regions(request, filters: Query[RegionFilter]):
    qs = scope_regions(request.user)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.parent:
        qs = qs.filter(parent_id=filters.parent)
    return qs.order_by("code")


@router.get("/org-units", response={200: list[OrgUnitOut], **ERRORS}, summary="Units")
@paginate(Page)
def list_org_units(request, filters: Query[OrgUnitFilter]):
    qs = scope_org_units(request.user)
    if filters.parent:
        qs = qs.filter(parent_id=filters.parent)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q and filters.q.strip():
        q = filters.q.strip()
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__icontains=q))
    return qs.order_by("path")


@router.get("/org-units/{id}", response={200: OrgUnitOut, **ERRORS}, summary="One unit")
def get_org_unit(request, id: Id):
    unit = scope_org_units(request.user).filter(pk=id).first()
    if unit is None:
        raise Http404("unit")
    return unit
