"""Regrouping: the machine's suggestions of which unmerged items belong together.

start_regroup records a run and runs it inside the request for a small campaign, or queues the
`regroup` task declared here for the background worker (`rectify db_worker`); run_regroup does
the work and writes its progress as it goes (the board's progress bar reads it).
"""

import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from rectify import textsim
from rectify.audit.log import record, snapshot
from rectify.campaigns.models import Campaign
from rectify.consolidation.board import (
    item_text,
    partition,
    person,
    require_office,
    running_run,
    similarities,
    unmerged_items,
)
from rectify.consolidation.meaning import model_folder, vectors_for
from rectify.consolidation.models import Level, NotDuplicate, Run, SuggestedGroup, SuggestedMember
from rectify.core.errors import ConflictError, DomainError
from rectify.textsim import DEFAULT_THRESHOLDS, Group, group_texts

# Up to this many unmerged items a regrouping runs inside the request (a few seconds at most:
# the sentence model reads about 65 texts a second on 2 cores); above it, the background worker
# runs it and the board shows its progress.
INLINE_LIMIT = 150


# A run with no sign of life for this long is taken as dead (its worker was stopped).
PROGRESS_EVERY = 1.0  # seconds between progress writes


BATCH = 2000


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
    require_office(actor, campaign)
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
            total=count,
            in_background=background,
            created_by=person(actor),
        )
        record(
            run,
            "consolidation.regroup",
            actor=actor,
            after=snapshot(run, ["level", "threshold", "total", "in_background"]),
        )
        if background:
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
        Run.objects.filter(pk=run.pk).update(total=len(ids), done=0)
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if time.monotonic() - last[0] >= PROGRESS_EVERY or done >= total:
                last[0] = time.monotonic()
                Run.objects.filter(pk=run.pk).update(
                    done=min(done * len(ids) // max(total, 1), len(ids)),
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
                done=len(ids),
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
    if fresh.is_stale:
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


@task()
def regroup(run_id: int) -> dict:
    """The worker's task: group a campaign's unmerged feedback (run_regroup)."""
    run = run_regroup(Run.objects.select_related("campaign").get(pk=run_id))
    return {"status": run.status, "groups": run.group_count, "items": run.total}
