"""Intake flags: a new feedback item very close to a problem already in the ledger.

When an item comes in (entry form, public page, API, import), its text is compared with what
the campaign's problems say, and if one is at or above textsim's default near-duplicate
threshold, the item is flagged "close to problem N" (FeedbackItem.near_problem and
near_similarity). A flag is advice for the office; it merges nothing.

What a problem "says" (the candidates): its title with its description, and each original item
merged into it (title with text). An item is close to the problem of its best candidate, so a
problem is found both by its own wording and by the words people used for it. Items of the
campaign that are not yet merged are not candidates: they are the consolidation board's work.

The flag is computed once, at intake (later problems do not re-flag old items). The similarity
is textsim.nearest's (char n-gram TF-IDF cosine over the compared form, 0..1).

Who sees it: signed-in readers of the item who may also see that problem (pages and API);
never the public page or the public API, which show a submitter only their own item.
"""

import logging
from collections.abc import Iterable, Sequence

from django.db import transaction

from rectify.feedback.models import FeedbackItem
from rectify.ledger.models import Problem, ProblemFeedback
from rectify.ledger.scoping import scope_problems
from rectify.textsim import DEFAULT_THRESHOLDS, nearest

log = logging.getLogger(__name__)

# Items compared at once by flag_batch (bounds the memory of one similarity run).
CHUNK = 2000


def threshold() -> float:
    return DEFAULT_THRESHOLDS["duplicate"]


def item_text(title: str, text: str) -> str:
    return f"{title}\n{text}".strip() if title else text


def candidates(campaign) -> tuple[list[str], list[int]]:
    """The campaign's problem texts and, for each, the problem's id."""
    texts: list[str] = []
    owners: list[int] = []
    for pk, title, description in Problem.objects.filter(campaign=campaign).values_list(
        "pk", "title", "description"
    ):
        texts.append(f"{title}\n{description}".strip())
        owners.append(pk)
    merged = ProblemFeedback.objects.filter(problem__campaign=campaign).values_list(
        "problem_id", "feedback_item__title", "feedback_item__text"
    )
    for pk, title, text in merged.iterator(chunk_size=2000):
        texts.append(item_text(title, text))
        owners.append(pk)
    return texts, owners


def closest(campaign, texts: Sequence[str], *, pool=None) -> list[tuple[int, float] | None]:
    """For each text, (problem id, similarity) of the closest problem at or above the
    threshold, else None. `pool` is candidates(campaign), when the caller has it already."""
    pool_texts, owners = pool if pool is not None else candidates(campaign)
    if not pool_texts:
        return [None] * len(texts)
    found = nearest(pool_texts, list(texts), threshold=threshold(), k=1)
    return [(owners[hits[0][0]], float(hits[0][1])) if hits else None for hits in found]


def flag_items(items: Iterable[FeedbackItem], *, pool=None) -> int:
    """Compute and store the flag of each item (all of one campaign); returns how many are
    flagged. Items already flagged are compared again and keep the newer answer."""
    items = list(items)
    if not items:
        return 0
    campaign = items[0].campaign
    answers = closest(campaign, [item_text(i.title, i.text) for i in items], pool=pool)
    changed = []
    for item, answer in zip(items, answers, strict=True):
        problem_id, similarity = answer if answer is not None else (None, None)
        if (item.near_problem_id, item.near_similarity) != (problem_id, similarity):
            item.near_problem_id, item.near_similarity = problem_id, similarity
            changed.append(item)
    if changed:
        # No save(): the text check and auto_now do not apply to a flag (it is not an edit).
        FeedbackItem.objects.bulk_update(changed, ["near_problem", "near_similarity"])
    return sum(1 for a in answers if a is not None)


def flag_at_intake(items: Sequence[FeedbackItem]) -> None:
    """flag_items for the intake paths: a failure to compute a flag is logged and never loses
    the submission (the flag is advice; the item is what matters)."""
    try:
        with transaction.atomic():  # a savepoint: a database error here spares the item
            flag_items(items)
    except Exception:
        log.exception("intake flag failed for feedback items %s", [i.pk for i in items])


def flag_batch(batch) -> int:
    """Flag every item of an import batch (ImportBatch): the campaign's candidates are read
    once and the items compared CHUNK at a time. Returns how many are flagged."""
    pool = candidates(batch.campaign)
    if not pool[0]:
        return 0
    flagged = 0
    qs = (
        FeedbackItem.objects.filter(import_batch=batch)
        .select_related("campaign")
        .only("pk", "campaign", "title", "text", "near_problem", "near_similarity")
        .order_by("pk")
    )
    chunk: list[FeedbackItem] = []
    for item in qs.iterator(chunk_size=CHUNK):
        chunk.append(item)
        if len(chunk) == CHUNK:
            flagged += flag_items(chunk, pool=pool)
            chunk = []
    flagged += flag_items(chunk, pool=pool)
    return flagged


def visible_flag(user, item: FeedbackItem) -> Problem | None:
    """The problem `item` is flagged close to, if `user` may see that problem (else None).

    Merged items show no flag: the people have decided where they belong.
    """
    if item.near_problem_id is None or item.merges.exists():
        return None
    return scope_problems(user, item.campaign).filter(pk=item.near_problem_id).first()


def visible_flags(user, campaign, items) -> dict[int, Problem]:
    """item id → the problem it is flagged close to, for the items (not merged) whose problem
    `user` may see; one query. For pages listing many items (the entry form's result)."""
    wanted = {i.pk: i.near_problem_id for i in items if i.near_problem_id is not None}
    if not wanted:
        return {}
    merged = set(
        ProblemFeedback.objects.filter(feedback_item__in=list(wanted)).values_list(
            "feedback_item_id", flat=True
        )
    )
    problems = scope_problems(user, campaign).in_bulk(set(wanted.values()))
    return {
        pk: problems[problem_id]
        for pk, problem_id in wanted.items()
        if pk not in merged and problem_id in problems
    }
