"""The consolidation board (归并) through the API: regroupings, suggested groups, and the
people's decisions on them (accept, move, split, not a duplicate, set aside, undo).

Office only, as the board's pages: the same scoping functions and the same services.
"""

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from rectify.api.errors import ERRORS
from rectify.api.fields import Id, Line, Number, Similarity, Slug
from rectify.api.pagination import Page
from rectify.campaigns.scoping import get_campaign_for_office
from rectify.consolidation import board, regrouping, services
from rectify.consolidation.models import Level, Merge, Run, SetAside, SuggestedGroup
from rectify.consolidation.scoping import (
    get_consolidation_run_for_user,
    get_merge_for_user,
    get_suggested_group_for_user,
)
from rectify.feedback.models import FeedbackItem
from rectify.feedback.scoping import get_feedback_for_user
from rectify.ledger.choices import Source
from rectify.ledger.models import Category, Problem

router = Router(tags=["consolidation"])
Reason = Line(1000)


# --- output ----------------------------------------------------------------------------------


class RunOut(Schema):
    """A regrouping: `status` pending → running → done (or failed); `percent` for a progress
    bar. The board shows the newest finished run of each level."""

    id: int
    campaign_id: int
    level: Level
    threshold: float
    status: Run.Status
    in_background: bool
    items_total: int
    items_done: int
    percent: int
    group_count: int
    kept_apart: int = Field(description="Groups divided by “not a duplicate” marks")
    created_by: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    url: str = Field(description="Where to follow its progress")

    @staticmethod
    def resolve_items_total(obj) -> int:
        return obj.total

    @staticmethod
    def resolve_items_done(obj) -> int:
        return obj.done

    @staticmethod
    def resolve_created_by(obj) -> str | None:
        return obj.created_by.username if obj.created_by_id else None

    @staticmethod
    def resolve_url(obj) -> str:
        return f"/api/v1/consolidation/runs/{obj.pk}"


class ItemRef(Schema):
    id: int
    title: str
    text: str
    kind: str
    channel: str
    received_at: dt.datetime


class MemberOut(Schema):
    feedback_item: ItemRef
    similarity: Similarity = Field(description="To the group's representative, 0..1")


class GroupOut(Schema):
    """A suggested group. In a topic run, a top group lists its near-duplicate `subgroup_ids`
    and its members are theirs; act on the subgroups to move, split or mark."""

    id: int
    run_id: int
    parent_id: int | None
    version: int = Field(description="Send it back with an action; a stale one is 409")
    representative_id: int | None
    key_terms: list[str]
    split_off_by_a_person: bool
    subgroup_ids: list[int]
    members: list[MemberOut] = Field(description="Items still to consolidate, most similar first")

    @staticmethod
    def resolve_split_off_by_a_person(obj) -> bool:
        return obj.created_by_id is not None

    @staticmethod
    def resolve_subgroup_ids(obj) -> list[int]:
        return list(obj.subgroups.order_by("position", "pk").values_list("pk", flat=True))

    @staticmethod
    def resolve_members(obj) -> list:
        return list(board.live_members(board.leaves(obj)))


class MergeOut(Schema):
    """One merge decision: the items it linked to the problem; undone ones say by whom."""

    id: int
    problem_id: int | None = Field(description="null once an undo deleted the problem")
    problem_number: int
    problem_title: str
    created_problem: bool
    group_id: int | None
    item_ids: list[int]
    reason: str
    merged_by: str | None
    merged_at: dt.datetime
    undone_by: str | None
    undone_at: dt.datetime | None
    undo_reason: str

    @staticmethod
    def resolve_item_ids(obj) -> list[int]:
        return sorted(i.pk for i in obj.items.all())

    @staticmethod
    def resolve_merged_by(obj) -> str | None:
        return obj.merged_by.username if obj.merged_by_id else None

    @staticmethod
    def resolve_undone_by(obj) -> str | None:
        return obj.undone_by.username if obj.undone_by_id else None


class SetAsideOut(Schema):
    feedback_item_id: int
    reason: str
    created_at: dt.datetime


# --- input -----------------------------------------------------------------------------------


class RegroupIn(Schema):
    model_config = ConfigDict(extra="forbid")

    level: Level = Level.DUPLICATE
    threshold: float | None = Field(
        None, ge=0.05, le=1.0, description="Default: the level's tuned threshold"
    )


class ActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: Number | None = Field(None, description="The group's version you saw")
    reason: Reason = ""


class AcceptIn(ActionIn):
    """Into an existing problem (`problem_number`), or a new one (`title`, `source`)."""

    item_ids: list[Id] = Field([], description="Default: every item of the group")
    problem_number: Number | None = None
    title: Line(200) = ""
    source: Source | Literal[""] = ""
    category_id: Id | None = None


class MoveIn(ActionIn):
    item_id: Id
    to_group_id: Id


class SplitIn(ActionIn):
    item_ids: list[Id] = Field(min_length=1, max_length=10_000)
    keep_apart: bool = Field(False, description="Also remember: not duplicates of the rest")


class NotDuplicateIn(ActionIn):
    item_id: Id
    other_item_ids: list[Id] | None = Field(
        None, max_length=10_000, description="Default: every other item of the group"
    )


class ReasonIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = ""


# --- helpers ---------------------------------------------------------------------------------


def _invalid(field: str, message) -> DjangoValidationError:
    return DjangoValidationError({field: [message]})


def _items(campaign, ids, field: str) -> list[FeedbackItem]:
    found = list(FeedbackItem.objects.filter(campaign=campaign, pk__in=ids))
    if len(found) != len(set(ids)):
        raise _invalid(field, _("Unknown id in this campaign."))
    return found


# --- regroupings -----------------------------------------------------------------------------


@router.get(
    "/campaigns/{slug}/consolidation/runs",
    response={200: list[RunOut], **ERRORS},
    summary="Regroupings of a campaign, newest first (campaign office)",
)
@paginate(Page)
def list_runs(request, slug: Slug):
    campaign = get_campaign_for_office(request.user, slug)
    return Run.objects.filter(campaign=campaign).select_related("created_by").order_by("-pk")


@router.post(
    "/campaigns/{slug}/consolidation/runs",
    response={202: RunOut, **ERRORS},
    summary="Regroup the campaign's unmerged feedback (campaign office)",
    description=f"Answers 202 with the run; follow `url` for its progress. Up to "
    f"{regrouping.INLINE_LIMIT} items it is already done; above, the background worker runs it. "
    "409 while another regrouping runs.",
)
def start_run(request, slug: Slug, payload: RegroupIn = None):
    campaign = get_campaign_for_office(request.user, slug)
    payload = payload or RegroupIn()
    run = regrouping.start_regroup(
        campaign, actor=request.user, level=payload.level, threshold=payload.threshold
    )
    from rectify.api.api import api

    response = api.create_response(
        request, RunOut.from_orm(run).model_dump(mode="json"), status=202
    )
    response["Location"] = RunOut.resolve_url(run)
    return response


@router.get(
    "/consolidation/runs/{id}",
    response={200: RunOut, **ERRORS},
    summary="One regrouping and its progress",
)
def get_run(request, id: Id):
    return regrouping.progress(get_consolidation_run_for_user(request.user, id))


class GroupQuery(Schema):
    show: Literal["groups", "singles", "all"] = Field(
        "all", description="groups: two or more items still to consolidate; singles: one"
    )
    parent: Id | None = Field(None, description="A topic's id: its near-duplicate subgroups")


@router.get(
    "/consolidation/runs/{id}/groups",
    response={200: list[GroupOut], **ERRORS},
    summary="Suggested groups of a regrouping, largest first (items merged or set aside since "
    "are left out)",
)
@paginate(Page)
def list_groups(request, id: Id, filters: Query[GroupQuery]):
    run = get_consolidation_run_for_user(request.user, id)
    parent = None
    if filters.parent is not None:
        parent = SuggestedGroup.objects.filter(run=run, pk=filters.parent).first()
        if parent is None:
            raise _invalid("parent", _("Unknown id in this campaign."))
    qs = board.board_groups(run, parent=parent)
    if filters.show == "groups":
        qs = qs.filter(live__gt=1)
    elif filters.show == "singles":
        qs = qs.filter(live=1)
    return qs.order_by("-live", "position", "pk")


@router.get(
    "/consolidation/groups/{id}",
    response={200: GroupOut, **ERRORS},
    summary="One suggested group with its members and their similarity",
)
def get_group(request, id: Id):
    return get_suggested_group_for_user(request.user, id)


# --- decisions -------------------------------------------------------------------------------


@router.post(
    "/consolidation/groups/{id}/accept",
    response={201: MergeOut, **ERRORS},
    summary="Merge the group's items (or the listed ones) into a new or an existing problem",
    description="Each link keeps who, when, why (`reason`) and the item's similarity. 409 when "
    "the group changed since `version`, or an item was merged meanwhile.",
)
def accept(request, id: Id, payload: AcceptIn):
    group = get_suggested_group_for_user(request.user, id)
    campaign = group.run.campaign
    problem = category = None
    if payload.problem_number is not None:
        problem = Problem.objects.filter(campaign=campaign, number=payload.problem_number).first()
        if problem is None:
            raise _invalid("problem_number", _("Unknown id in this campaign."))
    elif not payload.title.strip() or not payload.source:
        raise _invalid("title", _("Give the new problem a title and a source."))
    if payload.category_id is not None:
        category = Category.objects.filter(campaign=campaign, pk=payload.category_id).first()
        if category is None:
            raise _invalid("category_id", _("Unknown id in this campaign."))
    items = _items(campaign, payload.item_ids, "item_ids") if payload.item_ids else None
    merge = services.accept(
        group,
        actor=request.user,
        items=items,
        problem=problem,
        title=payload.title,
        source=payload.source,
        category=category,
        reason=payload.reason,
        expected_version=payload.version,
    )
    return Status(201, merge)


@router.post(
    "/consolidation/groups/{id}/move",
    response={200: GroupOut, **ERRORS},
    summary="Move one item into another near-duplicate group of the same regrouping",
)
def move(request, id: Id, payload: MoveIn):
    group = get_suggested_group_for_user(request.user, id)
    to = SuggestedGroup.objects.filter(run=group.run, pk=payload.to_group_id).first()
    if to is None:
        raise _invalid("to_group_id", _("Unknown id in this campaign."))
    (item,) = _items(group.run.campaign, [payload.item_id], "item_id")
    return services.move(
        group,
        item,
        to=to,
        actor=request.user,
        reason=payload.reason,
        expected_version=payload.version,
    )


@router.post(
    "/consolidation/groups/{id}/split",
    response={201: GroupOut, **ERRORS},
    summary="Split the listed items off into a new group",
)
def split(request, id: Id, payload: SplitIn):
    group = get_suggested_group_for_user(request.user, id)
    items = _items(group.run.campaign, payload.item_ids, "item_ids")
    new = services.split(
        group,
        items,
        actor=request.user,
        reason=payload.reason,
        keep_apart=payload.keep_apart,
        expected_version=payload.version,
    )
    return Status(201, new)


@router.post(
    "/consolidation/groups/{id}/not-duplicate",
    response={200: list[GroupOut], **ERRORS},
    summary="Mark an item not a duplicate of the others (or the listed ones); later "
    "regroupings keep them apart. Answers the groups split off.",
)
def not_duplicate(request, id: Id, payload: NotDuplicateIn):
    group = get_suggested_group_for_user(request.user, id)
    campaign = group.run.campaign
    (item,) = _items(campaign, [payload.item_id], "item_id")
    others = None
    if payload.other_item_ids is not None:
        others = _items(campaign, payload.other_item_ids, "other_item_ids")
    return services.mark_not_duplicate(
        group,
        item,
        actor=request.user,
        others=others,
        reason=payload.reason,
        expected_version=payload.version,
    )


# --- merges and items set aside --------------------------------------------------------------


@router.get(
    "/campaigns/{slug}/consolidation/merges",
    response={200: list[MergeOut], **ERRORS},
    summary="Merges made on the board, newest first (campaign office)",
)
@paginate(Page)
def list_merges(request, slug: Slug):
    campaign = get_campaign_for_office(request.user, slug)
    return (
        Merge.objects.filter(campaign=campaign)
        .select_related("merged_by", "undone_by")
        .prefetch_related("items")
        .order_by("-pk")
    )


@router.post(
    "/consolidation/merges/{id}/undo",
    response={200: MergeOut, **ERRORS},
    summary="Undo a merge: its items are unmerged; a problem it created is deleted",
    description="Refused (400, `problem_in_use`) when the problem the merge created has "
    "measures or other items now; 409 when already undone.",
)
def undo(request, id: Id, payload: ReasonIn = None):
    merge = get_merge_for_user(request.user, id)
    return services.undo_merge(merge, actor=request.user, reason=payload.reason if payload else "")


class SetAsideIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Line(1000) = Field(min_length=1)


def _office_item(request, id):
    item = get_feedback_for_user(request.user, id)
    get_campaign_for_office(request.user, item.campaign.slug)
    return item


@router.post(
    "/consolidation/items/{id}/set-aside",
    response={201: SetAsideOut, **ERRORS},
    summary="Set an item aside: it records no problem and leaves the board (campaign office)",
)
def set_aside(request, id: Id, payload: SetAsideIn):
    item = _office_item(request, id)
    return Status(201, services.set_aside(item, actor=request.user, reason=payload.reason))


@router.post(
    "/consolidation/items/{id}/restore",
    response={200: SetAsideOut, **ERRORS},
    summary="Put an item set aside back on the board (409 when it is not set aside)",
)
def restore(request, id: Id, payload: ReasonIn = None):
    item = _office_item(request, id)
    aside = SetAside.objects.filter(feedback_item=item).first()
    services.restore(item, actor=request.user, reason=payload.reason if payload else "")
    return aside
