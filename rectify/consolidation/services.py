"""The office's decisions on the consolidation board.

The machine suggests (regrouping.py); only a person merges, moves, splits, keeps apart, sets
aside or undoes. Each decision checks the office role, locks the rows it acts on, checks the
version the person saw, and writes the activity log in the same transaction. Problems and their
links to feedback are the ledger's: merges, unmerges and deletions go through ledger.services.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify.audit.log import record
from rectify.consolidation.board import (
    item_text,
    leaves,
    live_members,
    partition,
    person,
    require_office,
    similarities,
)
from rectify.consolidation.models import (
    Merge,
    NotDuplicate,
    SetAside,
    SuggestedGroup,
    SuggestedMember,
)
from rectify.core.errors import ConflictError, DomainError, PermissionRefused
from rectify.feedback.models import FeedbackItem
from rectify.ledger import services as ledger
from rectify.ledger.models import Problem, ProblemFeedback

# --- decisions on groups ---------------------------------------------------------------------


def _lock_groups(groups, expected_version: int | None, acted_on: SuggestedGroup):
    """Lock the groups (in id order, so two people never deadlock) and check the version the
    person saw of the group they acted on."""
    pks = sorted({g.pk for g in groups})
    locked = {
        g.pk: g
        for g in SuggestedGroup.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    }
    if len(locked) != len(pks):
        raise ConflictError(_("This group no longer exists; reload the board."))
    if expected_version is not None and locked[acted_on.pk].version != expected_version:
        raise ConflictError(
            _(
                "Someone else changed this group while you were looking at it. "
                "Nothing was saved; reload to see their change, then try again."
            )
        )
    return locked


def _lock_live_items(items: list[FeedbackItem]) -> list[FeedbackItem]:
    """Lock the items and check none was merged or set aside meanwhile."""
    pks = sorted(i.pk for i in items)
    locked = list(FeedbackItem.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
    link = (
        ProblemFeedback.objects.filter(feedback_item__in=pks)
        .select_related("problem")
        .order_by("problem__number")
        .first()
    )
    if link is not None:
        raise ConflictError(
            _(
                "An item was merged into problem %(number)s meanwhile (by someone else?). "
                "Nothing was saved; reload the board."
            ),
            params={"number": link.problem.number},
        )
    if SetAside.objects.filter(feedback_item__in=pks).exists():
        raise ConflictError(_("An item was set aside meanwhile. Nothing was saved; reload."))
    return locked


def _members_of(group: SuggestedGroup, items=None) -> list[SuggestedMember]:
    """The group's live members (all of them, or those of `items`, which must all be there)."""
    members = list(live_members(leaves(group)))
    if items is None:
        return members
    wanted = {i.pk for i in items}
    chosen = [m for m in members if m.feedback_item_id in wanted]
    if len(chosen) != len(wanted):
        raise ConflictError(
            _("An item you chose is no longer in this group. Nothing was saved; reload.")
        )
    return chosen


def _bump(groups) -> None:
    SuggestedGroup.objects.filter(pk__in=[g.pk for g in groups]).update(version=F("version") + 1)


@transaction.atomic
def accept(
    group: SuggestedGroup,
    *,
    actor,
    items=None,
    problem: Problem | None = None,
    title: str = "",
    source: str = "",
    category=None,
    reason: str = "",
    expected_version: int | None = None,
) -> Merge:
    """Merge the group's items (or the chosen ones) into `problem`, or into a new problem with
    `title` and `source`. Each link keeps who, when, why and the item's similarity."""
    campaign = group.run.campaign
    require_office(actor, campaign)
    subgroups = leaves(group)
    _lock_groups([group, *subgroups], expected_version, group)
    members = _members_of(group, items)
    if not members:
        raise ConflictError(_("Nothing is left to merge in this group."), code="empty")
    _lock_live_items([m.feedback_item for m in members])
    created = problem is None
    if created:
        if not title.strip() or not source:
            raise DomainError(_("Give the new problem a title and a source."))
        problem = ledger.create_problem(
            campaign, actor=actor, title=title.strip(), source=source, category=category
        )
    else:
        problem = Problem.objects.select_for_update(no_key=True).get(pk=problem.pk)
        if problem.campaign_id != campaign.pk:
            raise PermissionRefused(_("That problem belongs to another campaign."))
    ledger.merge_feedback(
        problem,
        [m.feedback_item for m in members],
        actor=actor,
        reason=reason,
        similarities={m.feedback_item_id: m.similarity for m in members},
    )
    merge = Merge.objects.create(
        campaign=campaign,
        problem=problem,
        problem_number=problem.number,
        problem_title=problem.title,
        created_problem=created,
        group=group,
        reason=reason,
        merged_by=person(actor),
    )
    merge.items.set([m.feedback_item for m in members])
    _bump([group, *subgroups])
    return merge


@transaction.atomic
def undo_merge(merge: Merge, *, actor, reason: str = "") -> Merge:
    """Take a merge back: its items are unmerged again (back on the board in their groups).
    A problem the merge created is deleted too, unless something else hangs on it now."""
    require_office(actor, merge.campaign)
    merge = Merge.objects.select_for_update().select_related("campaign").get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ConflictError(_("This merge was already undone."), code="already_undone")
    item_ids = list(merge.items.values_list("pk", flat=True))
    problem = None
    if merge.problem_id is not None:
        problem = Problem.objects.select_for_update(no_key=True).get(pk=merge.problem_id)
    if problem is not None:
        ledger.unmerge_feedback(problem, item_ids, actor=actor, reason=reason)
        if merge.created_problem:
            ledger.delete_problem(problem, actor=actor, reason=reason)
    merge.undone_by = person(actor)
    merge.undone_at = timezone.now()
    merge.undo_reason = reason
    merge.save(update_fields=["undone_by", "undone_at", "undo_reason"])
    if merge.group_id:
        _bump([merge.group])
    return merge


@transaction.atomic
def move(
    group: SuggestedGroup,
    item: FeedbackItem,
    *,
    to: SuggestedGroup,
    actor,
    reason: str = "",
    expected_version: int | None = None,
) -> SuggestedGroup:
    """Move one item from `group` into another near-duplicate group of the same regrouping."""
    require_office(actor, group.run.campaign)
    if to.run_id != group.run_id or to.pk == group.pk:
        raise DomainError(_("Choose another group of the same regrouping."))
    if to.subgroups.exists() or group.subgroups.exists():
        raise DomainError(_("Move items between near-duplicate groups, not between topics."))
    locked = _lock_groups([group, to], expected_version, group)
    (member,) = _members_of(group, [item])
    _lock_live_items([item])
    member.group = to
    member.save(update_fields=["group"])
    _refresh(locked[group.pk])
    _refresh(locked[to.pk])
    _bump([group, to])
    record(
        to,
        "consolidation.move",
        actor=actor,
        campaign=group.run.campaign,
        before={"group": group.pk},
        after={"group": to.pk, "feedback_items": [item.pk]},
        reason=reason,
    )
    return locked[to.pk]


@transaction.atomic
def split(
    group: SuggestedGroup,
    items,
    *,
    actor,
    reason: str = "",
    keep_apart: bool = False,
    expected_version: int | None = None,
) -> SuggestedGroup:
    """Split the chosen items off into a new group; with `keep_apart`, also remember that they
    are not duplicates of the items left, so later regroupings keep them apart."""
    campaign = group.run.campaign
    require_office(actor, campaign)
    if group.subgroups.exists():
        raise DomainError(_("Split a near-duplicate group, not a topic."))
    locked = _lock_groups([group], expected_version, group)[group.pk]
    members = _members_of(group)
    chosen = _members_of(group, items)
    if not chosen or len(chosen) == len(members):
        raise DomainError(_("Choose some of the group's items, not none or all of them."))
    new = _split_off(locked, chosen, actor)
    if keep_apart:
        rest = [m.feedback_item_id for m in members if m not in chosen]
        _remember_apart(campaign, [m.feedback_item_id for m in chosen], rest, actor, reason)
    _bump([group])
    record(
        new,
        "consolidation.split",
        actor=actor,
        campaign=campaign,
        before={"group": group.pk},
        after={"group": new.pk, "feedback_items": [m.feedback_item_id for m in chosen]},
        reason=reason,
    )
    return new


@transaction.atomic
def mark_not_duplicate(
    group: SuggestedGroup,
    item: FeedbackItem,
    *,
    actor,
    others=None,
    reason: str = "",
    expected_version: int | None = None,
) -> list[SuggestedGroup]:
    """Remember that `item` is not a duplicate of `others` (default: every other item of the
    group), and divide the group so no such pair stays together. Returns the new groups."""
    campaign = group.run.campaign
    require_office(actor, campaign)
    if group.subgroups.exists():
        raise DomainError(_("Mark items within a near-duplicate group, not a topic."))
    locked = _lock_groups([group], expected_version, group)[group.pk]
    members = _members_of(group)
    _members_of(group, [item])
    if others is None:
        other_ids = [m.feedback_item_id for m in members if m.feedback_item_id != item.pk]
    else:
        other_ids = [o.pk for o in others if o.pk != item.pk]
        if any(o.campaign_id != campaign.pk for o in others):
            raise PermissionRefused(_("That feedback item belongs to another campaign."))
    if not other_ids:
        raise DomainError(_("Name at least one other item."))
    marks = _remember_apart(campaign, [item.pk], other_ids, actor, reason)
    ids = [m.feedback_item_id for m in members]
    index = {pk: i for i, pk in enumerate(ids)}
    apart = {
        frozenset((index[a], index[b]))
        for a, b in NotDuplicate.objects.filter(item_a__in=ids, item_b__in=ids).values_list(
            "item_a", "item_b"
        )
    }
    order = sorted(range(len(ids)), key=lambda i: ids[i] != locked.representative_id)
    parts = partition(order, apart)
    new_groups = [_split_off(locked, [members[i] for i in part], actor) for part in parts[1:]]
    _bump([group])
    record(
        group,
        "consolidation.not_duplicate",
        actor=actor,
        campaign=campaign,
        after={
            "feedback_items": [item.pk],
            "other_items": other_ids,
            "marks": len(marks),
            "new_groups": [g.pk for g in new_groups],
        },
        reason=reason,
    )
    return new_groups


def _remember_apart(campaign, ids, others, actor, reason) -> list[NotDuplicate]:
    pairs = {(min(a, b), max(a, b)) for a in ids for b in others if a != b}
    known = set(
        NotDuplicate.objects.filter(
            item_a__in=[a for a, _b in pairs], item_b__in=[b for _a, b in pairs]
        ).values_list("item_a", "item_b")
    )
    rows = [
        NotDuplicate(
            campaign=campaign, item_a_id=a, item_b_id=b, reason=reason, created_by=person(actor)
        )
        for a, b in sorted(pairs - known)
    ]
    return NotDuplicate.objects.bulk_create(rows)


def _split_off(group: SuggestedGroup, members: list[SuggestedMember], actor) -> SuggestedGroup:
    new = SuggestedGroup.objects.create(
        run=group.run,
        parent=group.parent,
        position=group.position,
        representative_id=members[0].feedback_item_id,
        key_terms=[],
        size=len(members),
        created_by=person(actor),
    )
    SuggestedMember.objects.filter(pk__in=[m.pk for m in members]).update(group=new)
    _refresh(group)
    _refresh(new)
    return new


def _refresh(group: SuggestedGroup) -> None:
    """After items moved: keep a representative among the live members (the most similar one
    if it left) and recompute every member's similarity to it."""
    members = list(live_members([group]))
    if not members:
        return
    ids = {m.feedback_item_id for m in members}
    if group.representative_id not in ids:
        group.representative_id = members[0].feedback_item_id
        group.save(update_fields=["representative"])
    rep = next(m.feedback_item for m in members if m.feedback_item_id == group.representative_id)
    texts = [item_text(m.feedback_item.title, m.feedback_item.text) for m in members]
    sims = similarities(item_text(rep.title, rep.text), texts)
    for m, s in zip(members, sims, strict=True):
        m.similarity = 1.0 if m.feedback_item_id == rep.pk else s
    SuggestedMember.objects.bulk_update(members, ["similarity"])


# --- items set aside -------------------------------------------------------------------------


@transaction.atomic
def set_aside(item: FeedbackItem, *, actor, reason: str) -> SetAside:
    """Take an item off the board: the office decided it records no problem (e.g. thanks)."""
    require_office(actor, item.campaign)
    if not reason.strip():
        raise DomainError(_("Say why the item is set aside."), code="reason_required")
    _lock_live_items([item])
    aside = SetAside.objects.create(
        campaign=item.campaign, feedback_item=item, reason=reason, created_by=person(actor)
    )
    record(item, "feedback.set_aside", actor=actor, reason=reason)
    return aside


@transaction.atomic
def restore(item: FeedbackItem, *, actor, reason: str = "") -> None:
    """Put an item set aside back on the board."""
    require_office(actor, item.campaign)
    deleted, _n = SetAside.objects.filter(feedback_item=item).delete()
    if not deleted:
        raise ConflictError(_("This item is not set aside."), code="not_set_aside")
    record(item, "feedback.restore", actor=actor, reason=reason)
