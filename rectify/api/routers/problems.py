"""Problem lists, categories and problems (with their merged feedback) of a campaign.

The problem list is the page's list: ledger/filters.py::ProblemFilter reads the same query
string (q, list, category, source, prominent, state, measure_state, unit, due) over the same
scoped querysets, so a query string answers the same problems here and on the page.
"""

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import AfterValidator, ConfigDict, Field

from rectify.api.errors import ERRORS
from rectify.api.pagination import Page, SyncFilter, since
from rectify.api.routers.fields import Id, Line, Number, Slug, Text, storable
from rectify.api.routers.measures import MeasureOut, invalid
from rectify.ledger import derived, services
from rectify.ledger.choices import Difficulty, Nature, ProblemState, Source
from rectify.ledger.filters import ProblemFilter, ProblemFilterForm
from rectify.ledger.models import Category, Problem, ProblemList
from rectify.orgs.scoping import (
    get_campaign_for_user,
    get_problem_for_user,
    scope_feedback,
    scope_measures,
    scope_org_units,
    scope_problems,
    scope_regions,
)

router = Router(tags=["problems"])


def _max(name: str) -> int:
    return Problem._meta.get_field(name).max_length


# --- problem lists and categories ------------------------------------------------------------


class ProblemListOut(Schema):
    id: int
    name: str
    description: str
    order: int


class CategoryOut(Schema):
    """A node of the category tree: `parent_id` is null at the top."""

    id: int
    parent_id: int | None
    name: str
    standard: str
    order: int


@router.get(
    "/campaigns/{slug}/problem-lists",
    response={200: list[ProblemListOut], **ERRORS},
    summary="Problem lists of a campaign (问题清单)",
)
def list_problem_lists(request, slug: Slug):
    campaign = get_campaign_for_user(request.user, slug)
    return list(ProblemList.objects.filter(campaign=campaign).order_by("order", "id"))


@router.get(
    "/campaigns/{slug}/categories",
    response={200: list[CategoryOut], **ERRORS},
    summary="Categories of a campaign, a tree by parent_id",
)
def list_categories(request, slug: Slug):
    campaign = get_campaign_for_user(request.user, slug)
    return list(Category.objects.filter(campaign=campaign).order_by("order", "id"))


# --- problems: output ------------------------------------------------------------------------


class ProblemOut(Schema):
    id: int
    campaign_id: int
    number: int
    title: str
    description: str
    public_title: str
    category_id: int | None
    source: Source
    nature: Nature | Literal[""]
    difficulty: Difficulty | Literal[""]
    is_prominent: bool
    list_ids: list[int]
    lead_unit_id: int | None
    region_id: int | None
    state: ProblemState = Field(description="Derived from all its measures")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_list_ids(obj) -> list[int]:
        return [pl.pk for pl in obj.lists.all()]

    @staticmethod
    def resolve_state(obj) -> str:
        annotated = getattr(obj, "state", None)
        return annotated if annotated is not None else derived.problem_state(obj)


class ProblemRowOut(ProblemOut):
    measure_count: int = Field(description="Measures you may see")
    overdue_count: int = Field(description="Overdue measures you may see")


class FeedbackRef(Schema):
    id: int
    kind: str
    title: str
    text: str
    channel: str
    region_id: int | None
    org_unit_id: int | None
    received_at: dt.datetime


class MergedFeedbackOut(Schema):
    """An original feedback item merged into the problem, with who merged it, when and why."""

    feedback_item: FeedbackRef
    merged_by: str | None
    merged_at: dt.datetime
    reason: str
    similarity: float | None

    @staticmethod
    def resolve_merged_by(obj) -> str | None:
        return obj.merged_by.username if obj.merged_by_id else None


class ProblemListRef(Schema):
    id: int
    name: str


class ProblemDetailOut(ProblemOut):
    lists: list[ProblemListRef]
    measures: list[MeasureOut] = Field(description="Its measures you may see")
    feedback: list[MergedFeedbackOut] = Field(
        description="Merged feedback items you may read (none for unit liaisons)"
    )

    @staticmethod
    def resolve_lists(obj) -> list:
        return list(obj.lists.all())

    @staticmethod
    def resolve_measures(obj, context) -> list:
        user, campaign = context["request"].user, obj.campaign
        return list(
            derived.annotate_due_status(
                scope_measures(user, campaign).filter(problem=obj), campaign
            ).select_related("problem", "responsible_unit")
        )

    @staticmethod
    def resolve_feedback(obj, context) -> list:
        # As the problem page: only the items this user may read as raw feedback.
        visible = scope_feedback(context["request"].user, obj.campaign)
        return list(
            obj.merges.filter(feedback_item__in=visible)
            .select_related("feedback_item", "merged_by")
            .order_by("merged_at", "pk")
        )


# --- problems: list and detail ---------------------------------------------------------------


def _values(name: str):
    """The values the page's filter form accepts for a choice field ('' = all)."""
    return Literal[tuple(str(v) for v, _label in ProblemFilterForm.base_fields[name].choices)]


class ProblemQuery(SyncFilter):
    """The problem list page's filters (the same query string works on both)."""

    q: str | None = Field(None, description="Words in the title")
    list: str | None = Field(None, description="Problem list id")
    category: str | None = Field(None, description="Category id")
    source: _values("source") | None = None
    prominent: _values("prominent") | None = Field(None, description="1 = yes, 0 = no")
    state: _values("state") | None = Field(None, description="Problem state")
    measure_state: _values("measure_state") | None = Field(
        None, description="Has a measure you may see in this state"
    )
    unit: str | None = Field(
        None, description="Unit id: a measure of it (or its subunits) you may see, or lead unit"
    )
    due: _values("due") | None = Field(None, description="Has an overdue / due soon measure")


@router.get(
    "/campaigns/{slug}/problems",
    response={200: list[ProblemRowOut], **ERRORS},
    summary="Problems you may see, filtered as on the problem list page",
)
@paginate(Page)
def list_problems(request, slug: Slug, filters: Query[ProblemQuery]):
    campaign = get_campaign_for_user(request.user, slug)
    pf = ProblemFilter(
        request.GET,
        campaign=campaign,
        problems=scope_problems(request.user, campaign),
        measures=scope_measures(request.user, campaign),
    )
    if pf.form.is_bound and not pf.form.is_valid():
        raise invalid(pf.form)
    return since(pf.qs, filters)


@router.get(
    "/campaigns/{slug}/problems/{number}",
    response={200: ProblemDetailOut, **ERRORS},
    summary="One problem: state, lists, the measures and merged feedback you may see",
)
def get_problem(request, slug: Slug, number: Number):
    campaign = get_campaign_for_user(request.user, slug)
    return get_problem_for_user(request.user, campaign, number)


# --- problems: writes ------------------------------------------------------------------------

# The API's field names → the service's.
PROBLEM_FIELDS = {
    "category_id": "category",
    "list_ids": "lists",
    "lead_unit_id": "lead_unit",
    "region_id": "region",
    "feedback_item_ids": "feedback_items",
}
NULLABLE = ("category_id", "lead_unit_id", "region_id")


class ProblemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: Text(_max("title"))
    source: Source
    description: Annotated[str, AfterValidator(storable)] = ""
    public_title: Line(_max("public_title")) = ""
    category_id: Id | None = Field(None, description="Category id (of this campaign)")
    nature: Nature | Literal[""] = ""
    difficulty: Difficulty | Literal[""] = ""
    is_prominent: bool = False
    list_ids: list[Id] = Field([], description="Problem list ids (of this campaign)")
    lead_unit_id: Id | None = Field(None, description="Org unit id (within the campaign's tree)")
    region_id: Id | None = Field(None, description="Region id")
    feedback_item_ids: list[Id] = Field([], description="Feedback item ids to merge into it")


class ProblemPatch(Schema):
    """Only the fields sent are changed; `version` is the one you read (stale → 409)."""

    model_config = ConfigDict(extra="forbid")

    version: Number
    title: Text(_max("title")) | None = None
    source: Source | None = None
    description: Annotated[str, AfterValidator(storable)] | None = None
    public_title: Line(_max("public_title")) | None = None
    category_id: Id | None = None
    nature: Nature | Literal[""] | None = None
    difficulty: Difficulty | Literal[""] | None = None
    is_prominent: bool | None = None
    list_ids: list[Id] | None = None
    lead_unit_id: Id | None = None
    region_id: Id | None = None


def _bind(request, campaign, sent: dict) -> dict:
    """Ids to objects of this campaign, under the service's names; unknown ids and nulls for
    required fields → 422."""
    errors: dict[str, list] = {}
    lookups = {
        "category_id": Category.objects.filter(campaign=campaign),
        "list_ids": ProblemList.objects.filter(campaign=campaign),
        "lead_unit_id": scope_org_units(request.user).subtree(campaign.org_unit),
        "region_id": scope_regions(request.user),
        "feedback_item_ids": scope_feedback(request.user, campaign),
    }
    bound = {}
    for name, value in sent.items():
        if value is None:
            if name not in NULLABLE:
                errors[name] = [_("This field cannot be null.")]
            found = None
        elif name in ("list_ids", "feedback_item_ids"):
            found = list(lookups[name].filter(pk__in=value))
            if len(found) != len(set(value)):
                errors[name] = [_("Unknown id in this campaign.")]
        elif name in lookups:
            found = lookups[name].filter(pk=value).first()
            if found is None:
                errors[name] = [_("Unknown id in this campaign.")]
        else:
            found = value
        bound[PROBLEM_FIELDS.get(name, name)] = found
    if errors:
        raise DjangoValidationError(errors)
    return bound


@router.post(
    "/campaigns/{slug}/problems",
    response={201: ProblemDetailOut, **ERRORS},
    summary="Add a problem to the ledger (campaign office)",
)
def create_problem(request, slug: Slug, payload: ProblemIn):
    campaign = get_campaign_for_user(request.user, slug)
    fields = _bind(request, campaign, payload.dict())
    problem = services.create_problem(
        campaign,
        actor=request.user,
        title=fields.pop("title"),
        source=fields.pop("source"),
        **fields,
    )
    return 201, problem


@router.patch(
    "/campaigns/{slug}/problems/{number}",
    response={200: ProblemDetailOut, **ERRORS},
    summary="Edit a problem (campaign office)",
)
def update_problem(request, slug: Slug, number: Number, payload: ProblemPatch):
    campaign = get_campaign_for_user(request.user, slug)
    problem = get_problem_for_user(request.user, campaign, number)
    sent = payload.dict(exclude_unset=True)
    version = sent.pop("version")
    changes = _bind(request, campaign, sent)
    return services.update_problem(problem, actor=request.user, expected_version=version, **changes)
