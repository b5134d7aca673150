"""Problem lists, categories and problems (with their merged feedback) of a campaign.

The problem list is the page's list: ledger/filtering.py::ProblemFilter reads the same query
string (q, list, category, source, prominent, state, measure_state, unit, due) over the same
scoped querysets, so a query string answers the same problems here and on the page.
"""

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator, ConfigDict, Field

from rectify.api.errors import ERRORS
from rectify.api.fields import Id, Line, Number, Similarity, Slug, Text, storable
from rectify.api.pagination import Page, SyncFilter, since
from rectify.api.routers.measures import MeasureOut, invalid
from rectify.campaigns.scoping import get_campaign_for_office, get_campaign_for_user
from rectify.feedback.scoping import scope_feedback
from rectify.ledger import derived, routing, services
from rectify.ledger.choices import Difficulty, Nature, ProblemState, Source
from rectify.ledger.filtering import ProblemFilter, ProblemFilterForm
from rectify.ledger.models import Category, Problem, ProblemList
from rectify.ledger.scoping import get_problem_for_user, scope_measures, scope_problems
from rectify.orgs.scoping import scope_org_units, scope_regions

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

# A problem's outcome (ledger/derived.py), as the figures count it.
PROBLEM_OUTCOMES = (
    "The outcome, derived from all its measures: 'no_measure' (未制定措施); 'in_progress' "
    "(整改中: a measure not done yet, or closed but awaiting its second confirmation); "
    "'rectified' (整改到位: every measure closed, verified and, where asked, confirmed); "
    "'phase_done' (基本完成 / 阶段性成效: long-term measures with their phase complete, counted "
    "apart, never as rectified); 'not_feasible' (暂不具备整改条件: closed without "
    "rectification, with the office's reason; counted apart); 'relapsed' (问题反弹: a measure "
    "was reopened after closure; stays so even once it is closed again)"
)


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
    state: ProblemState = Field(description=PROBLEM_OUTCOMES)
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
    similarity: Similarity | None

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
            )
            .select_related("problem", "responsible_unit")
            .prefetch_related("cooperating_units")
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
    return Status(201, problem)


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


# --- problem lists and categories: writes (campaign office) ----------------------------------


class ProblemListIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text(ProblemList._meta.get_field("name").max_length)
    description: Annotated[str, AfterValidator(storable)] = ""


class ProblemListPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text(ProblemList._meta.get_field("name").max_length) | None = None
    description: Annotated[str, AfterValidator(storable)] | None = None


class CategoryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text(Category._meta.get_field("name").max_length)
    parent_id: Id | None = Field(None, description="Parent category id; null = top level")
    standard: Annotated[str, AfterValidator(storable)] = ""


class CategoryPatch(Schema):
    """Rename or restate a category (it does not move)."""

    model_config = ConfigDict(extra="forbid")

    name: Text(Category._meta.get_field("name").max_length) | None = None
    standard: Annotated[str, AfterValidator(storable)] | None = None


def _not_null(sent: dict) -> dict:
    nulls = [name for name, value in sent.items() if value is None]
    if nulls:
        raise DjangoValidationError({name: [_("This field cannot be null.")] for name in nulls})
    return sent


@router.post(
    "/campaigns/{slug}/problem-lists",
    tags=["classification"],
    response={201: ProblemListOut, **ERRORS},
    summary="Add a problem list (campaign office); a repeated name is 409",
)
def create_problem_list(request, slug: Slug, payload: ProblemListIn):
    campaign = get_campaign_for_office(request.user, slug)
    created = services.create_problem_list(
        campaign, actor=request.user, name=payload.name.strip(), description=payload.description
    )
    return Status(201, created)


@router.patch(
    "/campaigns/{slug}/problem-lists/{id}",
    tags=["classification"],
    response={200: ProblemListOut, **ERRORS},
    summary="Rename a problem list or change its description (campaign office)",
)
def update_problem_list(request, slug: Slug, id: Id, payload: ProblemListPatch):
    campaign = get_campaign_for_office(request.user, slug)
    problem_list = ProblemList.objects.filter(campaign=campaign, pk=id).first()
    if problem_list is None:
        raise Http404("problem list")
    sent = _not_null(payload.dict(exclude_unset=True))
    if "name" in sent:
        sent["name"] = sent["name"].strip()
    return services.update_problem_list(problem_list, actor=request.user, **sent)


@router.post(
    "/campaigns/{slug}/categories",
    tags=["classification"],
    response={201: CategoryOut, **ERRORS},
    summary="Add a category under a parent or at the top (campaign office); a repeated name "
    "under the same parent is 409",
)
def create_category(request, slug: Slug, payload: CategoryIn):
    campaign = get_campaign_for_office(request.user, slug)
    parent = None
    if payload.parent_id is not None:
        parent = Category.objects.filter(campaign=campaign, pk=payload.parent_id).first()
        if parent is None:
            raise DjangoValidationError({"parent_id": [_("Unknown id in this campaign.")]})
    created = services.create_category(
        campaign,
        actor=request.user,
        name=payload.name.strip(),
        parent=parent,
        standard=payload.standard,
    )
    return Status(201, created)


@router.patch(
    "/campaigns/{slug}/categories/{id}",
    tags=["classification"],
    response={200: CategoryOut, **ERRORS},
    summary="Rename a category or change its standard (campaign office)",
)
def update_category(request, slug: Slug, id: Id, payload: CategoryPatch):
    campaign = get_campaign_for_office(request.user, slug)
    category = Category.objects.filter(campaign=campaign, pk=id).first()
    if category is None:
        raise Http404("category")
    sent = _not_null(payload.dict(exclude_unset=True))
    if "name" in sent:
        sent["name"] = sent["name"].strip()
    return services.update_category(category, actor=request.user, **sent)


# --- bulk classification ---------------------------------------------------------------------


class ClassifyIn(Schema):
    """What to set on every problem named; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    numbers: list[Number] = Field(min_length=1, max_length=1000, description="Problem numbers")
    category_id: Id | None = Field(None, description="Category id (of this campaign)")
    nature: Nature | None = None
    difficulty: Difficulty | None = None
    is_prominent: bool | None = None
    add_list_id: Id | None = Field(None, description="Add each to this list")
    remove_list_id: Id | None = Field(None, description="Remove each from this list")


class ClassifyOut(Schema):
    changed: list[int] = Field(description="Numbers of the problems that changed (new version)")


@router.post(
    "/campaigns/{slug}/bulk-classify",
    tags=["classification"],
    response={200: ClassifyOut, **ERRORS},
    summary="Classify many problems at once (campaign office): one transaction, one "
    "activity-log entry per changed problem",
)
def classify_problems(request, slug: Slug, payload: ClassifyIn):
    campaign = get_campaign_for_office(request.user, slug)
    sent = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    numbers = set(sent.pop("numbers"))
    problems = list(scope_problems(request.user, campaign).filter(number__in=numbers))
    errors: dict[str, list] = {}
    if len(problems) != len(numbers):
        errors["numbers"] = [_("Unknown problem number in this campaign.")]
    changes, lists = {}, {}
    if "category_id" in sent:
        changes["category"] = Category.objects.filter(
            campaign=campaign, pk=sent["category_id"]
        ).first()
        if changes["category"] is None:
            errors["category_id"] = [_("Unknown id in this campaign.")]
    for name in ("nature", "difficulty", "is_prominent"):
        if name in sent:
            changes[name] = sent[name]
    for name in ("add_list_id", "remove_list_id"):
        if name in sent:
            lists[name.removesuffix("_id")] = ProblemList.objects.filter(
                campaign=campaign, pk=sent[name]
            ).first()
            if lists[name.removesuffix("_id")] is None:
                errors[name] = [_("Unknown id in this campaign.")]
    if not errors and not changes and not lists:
        errors["-"] = [_("Choose what to set for the ticked problems.")]
    if "add_list_id" in sent and sent.get("add_list_id") == sent.get("remove_list_id"):
        errors["remove_list_id"] = [_("Adding to and removing from the same list cancel out.")]
    if errors:
        raise DjangoValidationError(errors)
    changed = services.bulk_classify(campaign, problems, actor=request.user, **changes, **lists)
    return {"changed": sorted(p.number for p in changed)}


# --- routing suggestions ---------------------------------------------------------------------


class SuggestedOut(Schema):
    id: int
    name: str
    confidence: float = Field(description="0..1")


class SuggestionsOut(Schema):
    """Suggestions only: nothing is applied (PATCH the problem to apply one)."""

    category: SuggestedOut | None = Field(description="null: none confident enough, or not asked")
    lead_unit: SuggestedOut | None
    enough_data: dict[str, bool] = Field(
        description="Per target (category, lead_unit): whether the campaign had enough "
        "classified problems to learn from"
    )


def _suggestions_out(found: routing.Suggestions) -> dict:
    def one(s):
        if s is None:
            return None
        return {"id": s.value.pk, "name": s.value.name, "confidence": round(s.confidence, 4)}

    return {
        "category": one(found.category),
        "lead_unit": one(found.lead_unit),
        "enough_data": found.trained,
    }


@router.get(
    "/campaigns/{slug}/problems/{number}/suggestions",
    tags=["classification"],
    response={200: SuggestionsOut, **ERRORS},
    summary="Routing suggestions for a problem without category or lead unit (campaign office)",
    description="Learnt from the campaign's problems whose category / lead unit people set. "
    "Only what the problem lacks is suggested; nothing is applied.",
)
def problem_suggestions(request, slug: Slug, number: Number):
    campaign = get_campaign_for_office(request.user, slug)
    problem = get_problem_for_user(request.user, campaign, number)
    return _suggestions_out(routing.suggest_for(problem))


class SuggestQuery(Schema):
    title: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(storable)]
    description: Annotated[str, Field(max_length=5000), AfterValidator(storable)] = ""


@router.get(
    "/campaigns/{slug}/routing-suggestions",
    tags=["classification"],
    response={200: SuggestionsOut, **ERRORS},
    summary="Routing suggestions for the text of a problem not yet created (campaign office)",
)
def text_suggestions(request, slug: Slug, query: Query[SuggestQuery]):
    campaign = get_campaign_for_office(request.user, slug)
    return _suggestions_out(
        routing.suggest(campaign, title=query.title, description=query.description)
    )
