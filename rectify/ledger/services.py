"""Every write to the ledger has its home here.

Each function checks role and state, changes the rows, and writes the activity log in the same
transaction. Views, the API, importers and commands call these; nothing else writes ledger data.
Input is validated at the edge (forms, schemas); these raise only domain errors.
"""

import datetime as dt

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.db.models.deletion import ProtectedError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from rectify.audit.log import record, snapshot
from rectify.campaigns.models import Campaign
from rectify.core import files
from rectify.core.errors import ConflictError, DomainError, PermissionRefused
from rectify.ledger import evidence_files, previews, states
from rectify.ledger.choices import MeasureState, VerificationDecision
from rectify.ledger.models import (
    Category,
    Evidence,
    Measure,
    Milestone,
    Problem,
    ProblemFeedback,
    ProblemList,
    ProgressReport,
    Verification,
)
from rectify.ledger.scoping import can_change_measure
from rectify.orgs.access import access

# Fields of a measure that each kind of actor may edit directly (state is never among them).
OFFICE_MEASURE_FIELDS = ("content", "responsible_unit", "responsible_person", "mode", "deadline")
UNIT_MEASURE_FIELDS = ("content", "responsible_person")
PROBLEM_FIELDS = (
    "title",
    "description",
    "public_title",
    "category",
    "source",
    "nature",
    "difficulty",
    "is_prominent",
    "lead_unit",
    "region",
)


def _require_office(actor, campaign) -> None:
    if not access(actor, campaign).is_office:
        raise PermissionRefused(_("Only the campaign office may do this."))


def _locked_for_writer(actor, measure: Measure) -> Measure:
    """The measure as stored now, locked, if `actor` may change it (its unit may have moved)."""
    _require_measure_writer(actor, measure)
    locked = _lock(measure, None)
    _require_measure_writer(actor, locked)
    return locked


def _require_same_campaign(campaign, lists) -> None:
    if any(pl.campaign_id != campaign.pk for pl in lists):
        raise PermissionRefused(_("That problem list belongs to another campaign."))


def _require_measure_writer(actor, measure: Measure) -> None:
    if not can_change_measure(actor, measure):
        raise PermissionRefused(
            _("Only the campaign office or the responsible unit may change this measure.")
        )


def _lock(measure: Measure, expected_version: int | None) -> Measure:
    """Re-read the measure under a row lock and check the version the user saw.

    Only the measure's own row is locked (not the joined campaign and unit), so work on other
    measures of the campaign goes on meanwhile.
    """
    locked = (
        Measure.objects.select_for_update(of=("self",), no_key=True)
        .select_related("campaign", "responsible_unit")
        .get(pk=measure.pk)
    )
    _check_version(locked, expected_version)
    return locked


def _check_version(locked: Measure, expected_version: int | None) -> None:
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _(
                "Someone else changed this measure while you were editing it. "
                "Nothing was saved; reload to see their change, then try again."
            )
        )


# --- problems --------------------------------------------------------------------------------


@transaction.atomic
def create_problem(campaign, *, actor, title: str, source: str, **fields) -> Problem:
    _require_office(actor, campaign)
    lists = fields.pop("lists", ())
    items = fields.pop("feedback_items", ())
    _require_same_campaign(campaign, lists)
    # Lock the campaign row so two concurrent creations cannot take the same next number.
    # (NO KEY UPDATE: rows that merely refer to the campaign can still be written meanwhile.)
    list(Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).values_list("pk"))
    number = _next_problem_number(campaign)
    problem = Problem.objects.create(
        campaign=campaign,
        number=fields.pop("number", None) or number,
        title=title,
        source=source,
        created_by=actor if actor.is_authenticated else None,
        **fields,
    )
    if lists:
        problem.lists.set(lists)
    record(problem, "problem.create", actor=actor, after=snapshot(problem, ["title", "source"]))
    if items:
        merge_feedback(problem, items, actor=actor, reason=str(_("Created from these items")))
    return problem


def _next_problem_number(campaign) -> int:
    """One above every number the campaign has used, including problems deleted since (an
    undone merge deletes the problem it created): a number, once cited, is never reused."""
    from rectify.audit.models import ActivityLog

    highest = Problem.objects.filter(campaign=campaign).aggregate(n=Max("number"))["n"] or 0
    deleted = ActivityLog.objects.filter(campaign=campaign, action="problem.delete")
    for before in deleted.values_list("before", flat=True):
        number = before.get("number") if isinstance(before, dict) else None
        if isinstance(number, int):
            highest = max(highest, number)
    return highest + 1


@transaction.atomic
def update_problem(problem: Problem, *, actor, expected_version: int | None = None, **changes):
    _require_office(actor, problem.campaign)
    locked = Problem.objects.select_for_update(no_key=True).get(pk=problem.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _("Someone else changed this problem while you were editing it. Nothing was saved.")
        )
    lists = changes.pop("lists", None)
    unknown = set(changes) - set(PROBLEM_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changed = [k for k, v in changes.items() if getattr(locked, k) != v]
    old_lists = set(locked.lists.values_list("pk", flat=True))
    new_lists = old_lists if lists is None else {pl.pk for pl in lists}
    if not changed and new_lists == old_lists:
        return locked
    # One edit, one new version, whether it changed fields, lists or both.
    before = snapshot(locked, changed)
    for k in changed:
        setattr(locked, k, changes[k])
    locked.version += 1
    locked.save(update_fields=[*changed, "version", "updated_at"])
    if changed:
        record(
            locked, "problem.update", actor=actor, before=before, after=snapshot(locked, changed)
        )
    if new_lists != old_lists:
        _require_same_campaign(locked.campaign, lists)
        locked.lists.set(lists)
        record(
            locked,
            "problem.lists",
            actor=actor,
            before={"lists": sorted(old_lists)},
            after={"lists": sorted(new_lists)},
        )
    return locked


@transaction.atomic
def merge_feedback(
    problem: Problem, items, *, actor, reason: str = "", similarity=None, similarities=None
) -> list[int]:
    """Link feedback items to a problem, keeping who merged them, when, why and how alike each
    was (`similarity` for all, or `similarities` by item id). Items already linked are skipped;
    returns the ids linked now, logged as one `problem.merge` entry."""
    _require_office(actor, problem.campaign)
    items = list(items)
    for item in items:
        if item.campaign_id != problem.campaign_id:
            raise PermissionRefused(_("That feedback item belongs to another campaign."))
    present = set(
        ProblemFeedback.objects.filter(problem=problem, feedback_item__in=items).values_list(
            "feedback_item_id", flat=True
        )
    )
    fresh = [item for item in dict.fromkeys(items) if item.pk not in present]
    ProblemFeedback.objects.bulk_create(
        [
            ProblemFeedback(
                problem=problem,
                feedback_item=item,
                merged_by=actor if actor.is_authenticated else None,
                reason=reason,
                similarity=(similarities or {}).get(item.pk, similarity),
            )
            for item in fresh
        ]
    )
    linked = [item.pk for item in fresh]
    if linked:
        record(
            problem, "problem.merge", actor=actor, after={"feedback_items": linked}, reason=reason
        )
    return linked


@transaction.atomic
def unmerge_feedback(problem: Problem, item_ids: list[int], *, actor, reason: str = "") -> None:
    """Take feedback items off a problem (an undone merge), logged as `problem.unmerge`."""
    _require_office(actor, problem.campaign)
    ProblemFeedback.objects.filter(problem=problem, feedback_item__in=item_ids).delete()
    record(
        problem, "problem.unmerge", actor=actor, before={"feedback_items": item_ids}, reason=reason
    )


@transaction.atomic
def delete_problem(problem: Problem, *, actor, reason: str = "") -> None:
    """Delete a problem that nothing hangs on (no measure, no merged item): one a merge created
    and its undoing leaves empty. Its number is never given again (_next_problem_number)."""
    _require_office(actor, problem.campaign)
    locked = Problem.objects.select_for_update(no_key=True).get(pk=problem.pk)
    if locked.measures.exists() or locked.merges.exists():
        raise DomainError(
            _(
                "Problem %(number)s was created by this merge but now has measures or other "
                "merged items; undoing would delete them. Nothing was changed."
            ),
            params={"number": locked.number},
            code="problem_in_use",
        )
    record(
        locked,
        "problem.delete",
        actor=actor,
        before=snapshot(locked, ["number", "title", "source"]),
        reason=reason,
    )
    try:
        with transaction.atomic():
            locked.delete()
    except ProtectedError:
        raise DomainError(
            _("Problem %(number)s is referred to elsewhere and cannot be deleted."),
            params={"number": locked.number},
        ) from None


# --- measures --------------------------------------------------------------------------------


@transaction.atomic
def create_measure(problem: Problem, *, actor, content: str, responsible_unit, **fields) -> Measure:
    """A new measure in draft; its state, version and closure change only through transitions."""
    _require_office(actor, problem.campaign)
    unknown = set(fields) - set(OFFICE_MEASURE_FIELDS)
    if unknown:
        raise ValueError(f"not settable on a new measure: {sorted(unknown)}")
    measure = Measure.objects.create(
        campaign=problem.campaign,
        problem=problem,
        content=content,
        responsible_unit=responsible_unit,
        created_by=actor if actor.is_authenticated else None,
        **fields,
    )
    record(
        measure,
        "measure.create",
        actor=actor,
        after=snapshot(measure, ["content", "responsible_unit", "mode", "deadline", "state"]),
    )
    return measure


def editable_fields(user, measure: Measure) -> tuple[str, ...]:
    """The fields update_measure lets this user change."""
    if access(user, measure.campaign).is_office:
        return OFFICE_MEASURE_FIELDS
    return UNIT_MEASURE_FIELDS


@transaction.atomic
def update_measure(measure: Measure, *, actor, expected_version: int, **changes) -> Measure:
    """Edit a measure's fields; a stale `expected_version` raises ConflictError, saving nothing."""
    locked = _locked_for_writer(actor, measure)
    _check_version(locked, expected_version)
    allowed = (
        OFFICE_MEASURE_FIELDS if access(actor, locked.campaign).is_office else UNIT_MEASURE_FIELDS
    )
    refused = set(changes) - set(allowed)
    if refused:
        raise PermissionRefused(
            _("You may not change: %(fields)s."),
            params={
                "fields": format_lazy(
                    "、".join("{}" for _f in refused),
                    *(Measure._meta.get_field(f).verbose_name for f in sorted(refused)),
                )
            },
        )
    changed = [k for k, v in changes.items() if getattr(locked, k) != v]
    if not changed:
        return locked
    before = snapshot(locked, changed)
    for k in changed:
        setattr(locked, k, changes[k])
    locked.version = F("version") + 1
    locked.save(update_fields=[*changed, "version", "updated_at"])
    locked.refresh_from_db()
    record(locked, "measure.update", actor=actor, before=before, after=snapshot(locked, changed))
    return locked


@transaction.atomic
def transition(
    measure: Measure, name: str, *, actor, reason: str = "", expected_version: int | None = None
) -> Measure:
    """Apply one state-machine transition (see ledger/states.py) or raise TransitionRefused."""
    locked = _lock(measure, expected_version)
    t = states.check(locked, name, user=actor, reason=reason)
    before = snapshot(locked, ["state", "closed_on", "phase_complete"])
    locked.state = t.target
    if t.target == MeasureState.CLOSED:
        locked.closed_on = timezone.localdate()
    elif t.name == "reopen":
        locked.closed_on = None
        locked.phase_complete = False
    locked.version = F("version") + 1
    locked.save(update_fields=["state", "closed_on", "phase_complete", "version", "updated_at"])
    locked.refresh_from_db()
    if t.name in ("verify", "return"):
        Verification.objects.create(
            measure=locked,
            decision=VerificationDecision.ACCEPTED
            if t.name == "verify"
            else VerificationDecision.RETURNED,
            reason=reason,
            decided_by=actor,
        )
    record(
        locked,
        f"measure.{t.name}",
        actor=actor,
        before=before,
        after=snapshot(locked, ["state", "closed_on", "phase_complete"]),
        reason=reason,
    )
    return locked


def start(measure, *, actor, **kw):
    return transition(measure, "start", actor=actor, **kw)


def request_closure(measure, *, actor, reason: str = "", **kw):
    return transition(measure, "request_closure", actor=actor, reason=reason, **kw)


def verify(measure, *, actor, reason: str = "", **kw):
    return transition(measure, "verify", actor=actor, reason=reason, **kw)


def return_measure(measure, *, actor, reason: str, **kw):
    return transition(measure, "return", actor=actor, reason=reason, **kw)


def reopen(measure, *, actor, reason: str, **kw):
    return transition(measure, "reopen", actor=actor, reason=reason, **kw)


@transaction.atomic
def mark_phase_complete(
    measure: Measure, *, actor, reason: str = "", expected_version: int | None = None
) -> Measure:
    locked = _lock(measure, expected_version)
    states.can_mark_phase_complete(locked, actor)
    if locked.phase_complete:
        return locked
    locked.phase_complete = True
    locked.version = F("version") + 1
    locked.save(update_fields=["phase_complete", "version", "updated_at"])
    locked.refresh_from_db()
    record(
        locked,
        "measure.phase_complete",
        actor=actor,
        before={"phase_complete": False},
        after={"phase_complete": True},
        reason=reason,
    )
    return locked


@transaction.atomic
def add_milestone(measure: Measure, *, actor, title: str, due_on: dt.date) -> Milestone:
    measure = _locked_for_writer(actor, measure)
    milestone = Milestone.objects.create(measure=measure, title=title, due_on=due_on)
    record(
        milestone,
        "milestone.create",
        actor=actor,
        campaign=measure.campaign,
        after=snapshot(milestone, ["title", "due_on"]),
    )
    return milestone


@transaction.atomic
def complete_milestone(milestone: Milestone, *, actor, done_on: dt.date) -> Milestone:
    _locked_for_writer(actor, milestone.measure)
    if milestone.done_on == done_on:
        return milestone
    before = snapshot(milestone, ["done_on"])
    milestone.done_on = done_on
    milestone.save(update_fields=["done_on"])
    record(
        milestone,
        "milestone.done",
        actor=actor,
        campaign=milestone.measure.campaign,
        before=before,
        after=snapshot(milestone, ["done_on"]),
    )
    return milestone


@transaction.atomic
def add_progress_report(
    measure: Measure, *, actor, text: str, percent_done: int, reported_on: dt.date | None = None
) -> ProgressReport:
    measure = _locked_for_writer(actor, measure)
    if measure.state in (MeasureState.DRAFT, MeasureState.CLOSED):
        raise PermissionRefused(_("Progress can be reported only while the measure is under way."))
    report = ProgressReport.objects.create(
        measure=measure,
        text=text,
        percent_done=percent_done,
        reported_on=reported_on or timezone.localdate(),
        reported_by=actor if actor.is_authenticated else None,
    )
    record(
        report,
        "progress.create",
        actor=actor,
        campaign=measure.campaign,
        after=snapshot(report, ["reported_on", "percent_done", "text"]),
    )
    return report


def add_evidence(
    measure: Measure,
    *,
    actor,
    upload: File,
    name: str,
    report: ProgressReport | None = None,
    description: str = "",
    content_type: str = "",
) -> Evidence:
    """Check the file (its size, and its kind from its content: evidence_files.check), store it
    under its sha256 (the same content uploaded twice is stored once), then draw its preview.

    `content_type` is the client's claim: it is not stored; the type found in the content is.
    The file is checked before the measure is locked, and the preview drawn after the
    transaction (a preview that cannot be drawn is no error)."""
    _require_measure_writer(actor, measure)
    detected = evidence_files.check(upload, name)
    evidence = _store_evidence(
        measure,
        actor=actor,
        upload=upload,
        name=name,
        report=report,
        description=description,
        content_type=detected.mime,
    )
    previews.make_preview(evidence)
    return evidence


@transaction.atomic
def _store_evidence(measure, *, actor, upload, name, report, description, content_type) -> Evidence:
    measure = _locked_for_writer(actor, measure)
    if report is not None and report.measure_id != measure.pk:
        raise PermissionRefused(_("That progress report belongs to another measure."))
    sha, size = files.sha256_of(upload)
    evidence = Evidence(
        measure=measure,
        report=report,
        sha256=sha,
        original_name=name[:255],
        size=size,
        content_type=content_type[:100],
        description=description,
        uploaded_by=actor if actor.is_authenticated else None,
    )
    files.store(evidence, upload, name)
    evidence.save()
    record(
        evidence,
        "evidence.create",
        actor=actor,
        campaign=measure.campaign,
        after={"file": evidence.original_name, "sha256": sha, "size": size},
    )
    return evidence


@transaction.atomic
def record_download(evidence: Evidence, *, actor) -> None:
    """Log that `actor` downloaded the file: who, when, which file (its name and sha256). The
    caller found the evidence through scoping.get_evidence_for_user, which decides who may."""
    record(
        evidence,
        "evidence.download",
        actor=actor,
        campaign=evidence.measure.campaign,
        after={"file": evidence.original_name, "sha256": evidence.sha256},
    )


# --- classifying many problems at once ---------------------------------------------------------

# The fields bulk classification may set (the list page's "classify selected" form).
CLASSIFY_FIELDS = ("category", "nature", "difficulty", "is_prominent")


@transaction.atomic
def bulk_classify(
    campaign, problems, *, actor, add_list=None, remove_list=None, **changes
) -> list[Problem]:
    """Set category / nature / difficulty / prominence and add to or remove from a list, for
    many problems in one transaction. Each problem that changes gets a new version and one
    activity-log entry ("problem.classify") holding all of its changes; unchanged ones none.

    Returns the problems that changed.
    """
    _require_office(actor, campaign)
    unknown = set(changes) - set(CLASSIFY_FIELDS)
    if unknown:
        raise ValueError(f"not classifiable: {sorted(unknown)}")
    category = changes.get("category")
    if category is not None and category.campaign_id != campaign.pk:
        raise PermissionRefused(_("That category belongs to another campaign."))
    _require_same_campaign(campaign, [pl for pl in (add_list, remove_list) if pl is not None])
    pks = [p.pk for p in problems]
    locked = list(
        Problem.objects.select_for_update(no_key=True)
        .filter(pk__in=pks)
        .order_by("pk")  # the same lock order in every transaction: no deadlocks
    )
    if any(p.campaign_id != campaign.pk for p in locked):
        raise PermissionRefused(_("That problem belongs to another campaign."))
    on_lists: dict[int, set[int]] = {p.pk: set() for p in locked}
    for problem_id, list_id in Problem.lists.through.objects.filter(
        problem_id__in=on_lists
    ).values_list("problem_id", "problemlist_id"):
        on_lists[problem_id].add(list_id)
    changed_problems = []
    for problem in locked:
        changed = [k for k, v in changes.items() if getattr(problem, k) != v]
        old_lists = on_lists[problem.pk]
        new_lists = set(old_lists)
        if add_list is not None:
            new_lists.add(add_list.pk)
        if remove_list is not None:
            new_lists.discard(remove_list.pk)
        if not changed and new_lists == old_lists:
            continue
        before = snapshot(problem, changed)
        for k in changed:
            setattr(problem, k, changes[k])
        problem.version += 1
        problem.save(update_fields=[*changed, "version", "updated_at"])
        after = snapshot(problem, changed)
        if new_lists != old_lists:
            if add_list is not None and add_list.pk not in old_lists:
                problem.lists.add(add_list)
            if remove_list is not None and remove_list.pk in old_lists:
                problem.lists.remove(remove_list)
            before["lists"] = sorted(old_lists)
            after["lists"] = sorted(new_lists)
        record(problem, "problem.classify", actor=actor, before=before, after=after)
        changed_problems.append(problem)
    return changed_problems


# --- problem lists and the category tree ---------------------------------------------------------


@transaction.atomic
def create_problem_list(campaign, *, actor, name: str, description: str = "") -> ProblemList:
    """A new named list (问题清单), placed after the campaign's others."""
    _require_office(actor, campaign)
    order = (ProblemList.objects.filter(campaign=campaign).aggregate(n=Max("order"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            problem_list = ProblemList.objects.create(
                campaign=campaign, name=name, description=description, order=order
            )
    except IntegrityError:
        raise ConflictError(_("A list with this name already exists.")) from None
    record(
        problem_list,
        "problem_list.create",
        actor=actor,
        after=snapshot(problem_list, ["name", "description"]),
    )
    return problem_list


@transaction.atomic
def update_problem_list(problem_list: ProblemList, *, actor, **changes) -> ProblemList:
    """Rename a list or change its description; the problems on it stay."""
    _require_office(actor, problem_list.campaign)
    unknown = set(changes) - {"name", "description"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = ProblemList.objects.select_for_update().get(pk=problem_list.pk)
    changed = [k for k, v in changes.items() if getattr(locked, k) != v]
    if not changed:
        return locked
    before = snapshot(locked, changed)
    for k in changed:
        setattr(locked, k, changes[k])
    try:
        with transaction.atomic():
            locked.save(update_fields=changed)
    except IntegrityError:
        raise ConflictError(_("A list with this name already exists.")) from None
    record(
        locked, "problem_list.update", actor=actor, before=before, after=snapshot(locked, changed)
    )
    return locked


@transaction.atomic
def create_category(
    campaign, *, actor, name: str, parent: Category | None = None, standard: str = ""
) -> Category:
    """A new node of the category tree (对照标准), after its siblings."""
    _require_office(actor, campaign)
    if parent is not None and parent.campaign_id != campaign.pk:
        raise PermissionRefused(_("That category belongs to another campaign."))
    siblings = Category.objects.filter(campaign=campaign, parent=parent)
    # Checked here too: the database's unique constraint lets top-level names (parent NULL) repeat.
    if siblings.filter(name=name).exists():
        raise ConflictError(_("This category already exists here."))
    order = (siblings.aggregate(n=Max("order"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            category = Category.objects.create(
                campaign=campaign, parent=parent, name=name, standard=standard, order=order
            )
    except IntegrityError:
        raise ConflictError(_("This category already exists here.")) from None
    record(
        category,
        "category.create",
        actor=actor,
        after=snapshot(category, ["name", "parent", "standard"]),
    )
    return category


@transaction.atomic
def update_category(category: Category, *, actor, **changes) -> Category:
    """Rename a category or change the standard it stands for; its problems keep it."""
    _require_office(actor, category.campaign)
    unknown = set(changes) - {"name", "standard"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = Category.objects.select_for_update().get(pk=category.pk)
    changed = [k for k, v in changes.items() if getattr(locked, k) != v]
    if not changed:
        return locked
    if (
        "name" in changed
        and Category.objects.filter(
            campaign=locked.campaign_id, parent=locked.parent_id, name=changes["name"]
        ).exists()
    ):
        raise ConflictError(_("This category already exists here."))
    before = snapshot(locked, changed)
    for k in changed:
        setattr(locked, k, changes[k])
    try:
        with transaction.atomic():
            locked.save(update_fields=changed)
    except IntegrityError:
        raise ConflictError(_("This category already exists here.")) from None
    record(locked, "category.update", actor=actor, before=before, after=snapshot(locked, changed))
    return locked
