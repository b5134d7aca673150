"""Every write of the consolidation board has its home here.

The machine suggests (`start_regroup` → `run_regroup`); only a person merges, moves, splits,
keeps apart, sets aside or undoes. Each decision checks the office role, locks the rows it acts
on, checks the version the person saw, and writes the activity log in the same transaction.
Merges write ledger links (ProblemFeedback) directly, one per item with its similarity, and
one `problem.merge` log entry on the problem, as ledger.services.merge_feedback does.
"""

import datetime as dt
import time

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.deletion import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rectify import textsim
from rectify.audit.log import record, snapshot
from rectify.campaigns.models import Campaign
from rectify.consolidation.meaning import model_folder, vectors_for
from rectify.consolidation.models import (
    Level,
    Merge,
    NotDuplicate,
    Run,
    SetAside,
    SuggestedGroup,
    SuggestedMember,
)
from rectify.core.errors import ConflictError, DomainError, PermissionRefused
from rectify.feedback.models import FeedbackItem
from rectify.ledger import services as ledger
from rectify.ledger.models import Problem, ProblemFeedback
from rectify.orgs.scoping import access
from rectify.textsim import DEFAULT_THRESHOLDS, Group, group_texts

# Up to this many unmerged items a regrouping runs inside the request (a few seconds at most:
# the sentence model reads about 65 texts a second on 2 cores); above it, the background worker
# runs it and the board shows its progress.
INLINE_LIMIT = 150
# A run with no sign of life for this long is taken as dead (its worker was stopped).
STALE_AFTER = dt.timedelta(minutes=10)
PROGRESS_EVERY = 1.0  # seconds between progress writes
BATCH = 2000


def _require_office(actor, campaign) -> None:
    if not access(actor, campaign).is_office:
        raise PermissionRefused(_("Only the campaign office may do this."))


def _who(actor):
    return actor if actor is not None and actor.is_authenticated else None


def item_text(title: str, text: str) -> str:
    """What is compared: the title (when it is not just the text's beginning) and the text."""
    if title and not text.startswith(title):
        return f"{title}\n{text}"
    return text


# --- what is on the board --------------------------------------------------------------------


def live_q(prefix: str = "") -> Q:
    """Items still to consolidate: merged into no problem and not set aside."""
    return Q(**{f"{prefix}merges__isnull": True, f"{prefix}set_aside__isnull": True})


def unmerged_items(campaign: Campaign) -> QuerySet[FeedbackItem]:
    return FeedbackItem.objects.filter(live_q(), campaign=campaign)


def live_members(groups) -> QuerySet[SuggestedMember]:
    """Members of `groups` still to consolidate, most similar first."""
    return (
        SuggestedMember.objects.filter(live_q("feedback_item__"), group__in=groups)
        .select_related("feedback_item__region")
        .order_by("group", "-similarity", "feedback_item_id")
    )


def current_run(campaign: Campaign, level: str = Level.DUPLICATE) -> Run | None:
    """The newest finished regrouping at `level`: what the board shows."""
    return (
        Run.objects.filter(campaign=campaign, level=level, status=Run.Status.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )


def running_run(campaign: Campaign) -> Run | None:
    """A regrouping still waiting or running (and alive), if any."""
    for run in Run.objects.filter(
        campaign=campaign, status__in=(Run.Status.PENDING, Run.Status.RUNNING)
    ):
        if not _is_stale(run):
            return run
    return None


def _is_stale(run: Run) -> bool:
    last = run.heartbeat_at or run.started_at or run.created_at
    return timezone.now() - last > STALE_AFTER


def board_groups(run: Run, *, parent: SuggestedGroup | None = None) -> QuerySet[SuggestedGroup]:
    """The run's groups (or a topic's subgroups), annotated with `live` (items still to
    consolidate), largest first. Members sit on the leaves: a topic counts its subgroups'."""
    qs = SuggestedGroup.objects.filter(run=run, parent=parent)
    if run.level == Level.TOPIC and parent is None:
        live = Count("subgroups__members", filter=live_q("subgroups__members__feedback_item__"))
    else:
        live = Count("members", filter=live_q("members__feedback_item__"))
    return (
        qs.annotate(live=live)
        .filter(live__gt=0)
        .select_related("representative")
        .order_by("-live", "position", "pk")
    )


# --- regrouping ------------------------------------------------------------------------------


def start_regroup(
    campaign: Campaign,
    *,
    actor,
    level: str = Level.DUPLICATE,
    threshold: float | None = None,
    background: bool | None = None,
) -> Run:
    """Start a regrouping of the campaign's unmerged feedback.

    Up to INLINE_LIMIT items it runs now (unless `background`); above, the worker runs it once
    this transaction commits. A second start while one runs is refused.
    """
    _require_office(actor, campaign)
    if level not in Level.values:
        raise DomainError(_("Unknown grouping level."))
    model_folder()  # a MEANING_MODEL that names no model fails here, before a run is started
    with transaction.atomic():
        list(
            Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).values_list("pk")
        )
        if running_run(campaign) is not None:
            raise ConflictError(
                _("A regrouping is already running; wait for it to finish."), code="running"
            )
        Run.objects.filter(
            campaign=campaign, status__in=(Run.Status.PENDING, Run.Status.RUNNING)
        ).update(status=Run.Status.FAILED, error="stale: no sign of life")
        count = unmerged_items(campaign).count()
        if background is None:
            background = count > INLINE_LIMIT
        run = Run.objects.create(
            campaign=campaign,
            level=level,
            threshold=DEFAULT_THRESHOLDS[level] if threshold is None else threshold,
            items_total=count,
            in_background=background,
            created_by=_who(actor),
        )
        record(
            run,
            "consolidation.regroup",
            actor=actor,
            after=snapshot(run, ["level", "threshold", "items_total", "in_background"]),
        )
        if background:
            from rectify.consolidation.tasks import regroup

            transaction.on_commit(lambda: regroup.enqueue(run.pk))
    if not background:
        run_regroup(run)
        run.refresh_from_db()
    return run


def run_regroup(run: Run) -> Run:
    """Compute and store the run's groups (the worker's task, or inline for small campaigns).

    Progress is written outside any transaction so the board's progress bar sees it; the groups
    are written in one transaction at the end, so the board never shows half a run.
    """
    now = timezone.now()
    Run.objects.filter(pk=run.pk).update(
        status=Run.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    try:
        rows = list(unmerged_items(run.campaign).order_by("pk").values_list("pk", "title", "text"))
        ids = [pk for pk, _t, _x in rows]
        texts = [item_text(t, x) for _pk, t, x in rows]
        Run.objects.filter(pk=run.pk).update(items_total=len(ids), items_done=0)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if time.monotonic() - last[0] >= PROGRESS_EVERY or done >= total:
                last[0] = time.monotonic()
                Run.objects.filter(pk=run.pk).update(
                    items_done=min(done * len(ids) // max(total, 1), len(ids)),
                    heartbeat_at=timezone.now(),
                )

        groups = []
        if texts:
            folder = model_folder()  # settings.MEANING_MODEL; None: characters only
            reading, grouping = (None, progress)
            if textsim.semantic_for(len(texts), model=folder):
                reading, grouping = _halves(progress)
            # the sentence vectors kept from earlier runs: only new or edited items are read
            meaning = vectors_for(ids, texts, folder, reading) if reading else None
            groups = group_texts(
                texts,
                level=run.level,
                threshold=run.threshold,
                progress=grouping,
                model=folder,
                meaning=meaning,
            )
        apart = _apart_pairs(run.campaign, ids)
        groups, divided = keep_groups_apart(groups, apart, texts)
        with transaction.atomic():
            _store(run, groups, ids)
            Run.objects.filter(pk=run.pk).update(
                status=Run.Status.DONE,
                items_done=len(ids),
                group_count=len(groups),
                kept_apart=divided,
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
            )
    except Exception as err:
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.FAILED, error=repr(err)[:2000], finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


def _halves(progress):
    """Progress callbacks for two halves of the work: reading the texts, then grouping."""
    return (lambda d, t: progress(d, 2 * t)), (lambda d, t: progress(t + d, 2 * t))


def progress(run: Run) -> Run:
    """The run as stored now (for the progress bar); a dead worker's run shows as failed."""
    fresh = Run.objects.get(pk=run.pk)
    if fresh.is_running and _is_stale(fresh):
        fresh.status = Run.Status.FAILED
        fresh.error = "stale: no sign of life"
    return fresh


def _apart_pairs(campaign: Campaign, ids: list[int]) -> set[frozenset]:
    """The "not a duplicate" pairs among `ids`, as pairs of indices into `ids`."""
    index = {pk: i for i, pk in enumerate(ids)}
    pairs = NotDuplicate.objects.filter(campaign=campaign).values_list("item_a", "item_b")
    return {
        frozenset((index[a], index[b])) for a, b in pairs.iterator() if a in index and b in index
    }


def partition(members: list[int], apart: set[frozenset]) -> list[list[int]]:
    """Split `members` (representative first) so no part holds a pair of `apart`: each member
    joins the first part it may join, else starts a new one."""
    parts: list[list[int]] = []
    for m in members:
        for part in parts:
            if not any(frozenset((m, o)) in apart for o in part):
                part.append(m)
                break
        else:
            parts.append([m])
    return parts


def keep_groups_apart(
    groups: list[Group], apart: set[frozenset], texts: list[str]
) -> tuple[list[Group], int]:
    """Apply the people's "not a duplicate" marks to the machine's groups (to the near-duplicate
    subgroups of topics). Returns the groups, largest first, and how many were divided."""
    if not apart:
        return groups, 0
    divided = 0

    def fix(gs: list[Group]) -> list[Group]:
        nonlocal divided
        out = []
        for g in gs:
            if g.subgroups:
                g.subgroups = fix(g.subgroups)
                out.append(g)
                continue
            parts = partition(g.members, apart)
            if len(parts) == 1:
                out.append(g)
                continue
            divided += 1
            for part in parts:
                sims = similarities(texts[part[0]], [texts[i] for i in part])
                out.append(Group(part, part[0], list(g.key_terms), sims, []))
        return sorted(out, key=lambda g: -len(g.members))

    return fix(groups), divided


def similarities(representative: str, texts: list[str]) -> list[float]:
    """Each text's similarity to the representative, 0..1 (the first text is usually it)."""
    out = [round(x, 4) for x in textsim.similarities(representative, texts, model=model_folder())]
    return [1.0 if t == representative else s for t, s in zip(texts, out, strict=True)]


def _store(run: Run, groups: list[Group], ids: list[int]) -> None:
    rows, plan = [], []
    for position, g in enumerate(groups):
        rows.append(_group_row(run, g, ids, position, None))
        plan.append(g)
    SuggestedGroup.objects.bulk_create(rows, batch_size=BATCH)
    members = []
    children, child_plan = [], []
    for row, g in zip(rows, plan, strict=True):
        if g.subgroups:
            for position, sub in enumerate(g.subgroups):
                children.append(_group_row(run, sub, ids, position, row))
                child_plan.append(sub)
        else:
            members += _member_rows(run, row, g, ids)
    SuggestedGroup.objects.bulk_create(children, batch_size=BATCH)
    for row, g in zip(children, child_plan, strict=True):
        members += _member_rows(run, row, g, ids)
    SuggestedMember.objects.bulk_create(members, batch_size=BATCH)


def _group_row(run, g: Group, ids, position, parent) -> SuggestedGroup:
    return SuggestedGroup(
        run=run,
        parent=parent,
        position=position,
        representative_id=ids[g.representative],
        key_terms=list(g.key_terms)[:8],
        size=len(g.members),
    )


def _member_rows(run, row, g: Group, ids) -> list[SuggestedMember]:
    return [
        SuggestedMember(run=run, group=row, feedback_item_id=ids[i], similarity=float(s))
        for i, s in zip(g.members, g.similarity, strict=True)
    ]


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


def _leaves(group: SuggestedGroup) -> list[SuggestedGroup]:
    subs = list(group.subgroups.all())
    return subs or [group]


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
    members = list(live_members(_leaves(group)))
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
    _require_office(actor, campaign)
    leaves = _leaves(group)
    _lock_groups([group, *leaves], expected_version, group)
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
    ProblemFeedback.objects.bulk_create(
        [
            ProblemFeedback(
                problem=problem,
                feedback_item=m.feedback_item,
                merged_by=_who(actor),
                reason=reason,
                similarity=m.similarity,
            )
            for m in members
        ]
    )
    merge = Merge.objects.create(
        campaign=campaign,
        problem=problem,
        problem_number=problem.number,
        problem_title=problem.title,
        created_problem=created,
        group=group,
        reason=reason,
        merged_by=_who(actor),
    )
    merge.items.set([m.feedback_item for m in members])
    _bump([group, *leaves])
    record(
        problem,
        "problem.merge",
        actor=actor,
        after={"feedback_items": [m.feedback_item_id for m in members]},
        reason=reason,
    )
    return merge


@transaction.atomic
def undo_merge(merge: Merge, *, actor, reason: str = "") -> Merge:
    """Take a merge back: its items are unmerged again (back on the board in their groups).
    A problem the merge created is deleted too, unless something else hangs on it now."""
    _require_office(actor, merge.campaign)
    merge = Merge.objects.select_for_update().select_related("campaign").get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ConflictError(_("This merge was already undone."), code="already_undone")
    item_ids = list(merge.items.values_list("pk", flat=True))
    problem = None
    if merge.problem_id is not None:
        problem = Problem.objects.select_for_update(no_key=True).get(pk=merge.problem_id)
    if problem is not None:
        if merge.created_problem:
            _require_nothing_else(problem, item_ids)
        ProblemFeedback.objects.filter(problem=problem, feedback_item__in=item_ids).delete()
        record(
            problem,
            "problem.unmerge",
            actor=actor,
            before={"feedback_items": item_ids},
            reason=reason,
        )
        if merge.created_problem:
            record(
                problem,
                "problem.delete",
                actor=actor,
                before=snapshot(problem, ["number", "title", "source"]),
                reason=reason,
            )
            try:
                with transaction.atomic():
                    problem.delete()
            except ProtectedError:
                raise DomainError(
                    _("Problem %(number)s is referred to elsewhere and cannot be deleted."),
                    params={"number": problem.number},
                ) from None
    merge.undone_by = _who(actor)
    merge.undone_at = timezone.now()
    merge.undo_reason = reason
    merge.save(update_fields=["undone_by", "undone_at", "undo_reason"])
    if merge.group_id:
        _bump([merge.group])
    return merge


def _require_nothing_else(problem: Problem, item_ids: list[int]) -> None:
    if problem.measures.exists() or problem.merges.exclude(feedback_item__in=item_ids).exists():
        raise DomainError(
            _(
                "Problem %(number)s was created by this merge but now has measures or other "
                "merged items; undoing would delete them. Nothing was changed."
            ),
            params={"number": problem.number},
            code="problem_in_use",
        )


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
    _require_office(actor, group.run.campaign)
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
    _require_office(actor, campaign)
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
    _require_office(actor, campaign)
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
            campaign=campaign, item_a_id=a, item_b_id=b, reason=reason, created_by=_who(actor)
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
        created_by=_who(actor),
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
    _require_office(actor, item.campaign)
    if not reason.strip():
        raise DomainError(_("Say why the item is set aside."), code="reason_required")
    _lock_live_items([item])
    aside = SetAside.objects.create(
        campaign=item.campaign, feedback_item=item, reason=reason, created_by=_who(actor)
    )
    record(item, "feedback.set_aside", actor=actor, reason=reason)
    return aside


@transaction.atomic
def restore(item: FeedbackItem, *, actor, reason: str = "") -> None:
    """Put an item set aside back on the board."""
    _require_office(actor, item.campaign)
    deleted, _n = SetAside.objects.filter(feedback_item=item).delete()
    if not deleted:
        raise ConflictError(_("This item is not set aside."), code="not_set_aside")
    record(item, "feedback.restore", actor=actor, reason=reason)
