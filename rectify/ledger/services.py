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
from rectify.core import files, workdays
from rectify.core.errors import ConflictError, DomainError, PermissionRefused
from rectify.ledger import evidence_files, previews, states
from rectify.ledger.choices import (
    OPEN_STATES,
    Closure,
    ExtensionStatus,
    MeasureMode,
    MeasureState,
    RecheckResult,
    VerificationDecision,
)
from rectify.ledger.models import (
    Category,
    ClosureRequest,
    ConfirmationRule,
    DeadlineChange,
    Evidence,
    ExtensionRequest,
    Measure,
    Milestone,
    Problem,
    ProblemFeedback,
    ProblemList,
    ProgressReport,
    Recheck,
    SheetImport,
    Verification,
)
from rectify.ledger.scoping import (
    can_change_measure,
    can_create_follow_up,
    can_reimport_ledger,
)
from rectify.orgs.access import access
from rectify.orgs.models import OrgUnit

# Fields of a measure that each kind of actor may edit directly (state is never among them).
OFFICE_MEASURE_FIELDS = (
    "content",
    "responsible_unit",
    "cooperating_units",
    "responsible_person",
    "responsible_leader",
    "target",
    "remarks",
    "mode",
    "deadline",
    "decided_on",
    "working_days",
)
UNIT_MEASURE_FIELDS = ("content", "responsible_person", "remarks")
# Logged with the measure's creation and edits (cooperating units as a list of ids).
MEASURE_LOGGED = (
    "content",
    "responsible_unit",
    "responsible_person",
    "responsible_leader",
    "target",
    "remarks",
    "mode",
    "deadline",
    "decided_on",
    "working_days",
)
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
    return _insert_problem(campaign, actor=actor, title=title, source=source, **fields)


def _insert_problem(campaign, *, actor, title: str, source: str, **fields) -> Problem:
    """A new problem, numbered and logged (the caller has checked the actor's right)."""
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


def deadline_from(decided_on: dt.date | None, working_days: int | None) -> dt.date | None:
    """The deadline N working days after the decision date (official holidays and make-up
    workdays respected, core/workdays.py), or None when either is missing."""
    if decided_on is None or working_days is None:
        return None
    return workdays.add_working_days(decided_on, working_days)


def _resolve_deadline(fields: dict, current: Measure | None = None) -> None:
    """A deadline given as working days from a decision date becomes the date it falls on."""
    decided_on = fields.get("decided_on", current.decided_on if current else None)
    working_days = fields.get("working_days", current.working_days if current else None)
    touched = "decided_on" in fields or "working_days" in fields
    if touched and decided_on is not None and working_days is not None:
        fields["deadline"] = deadline_from(decided_on, working_days)


def _measure_snapshot(measure: Measure, fields) -> dict:
    """Before/after values for the log; cooperating units as the sorted ids of the units."""
    plain = [f for f in fields if f != "cooperating_units"]
    out = snapshot(measure, plain)
    if "cooperating_units" in fields:
        out["cooperating_units"] = sorted(measure.cooperating_units.values_list("pk", flat=True))
    return out


def _require_units_in_campaign(campaign, units) -> None:
    ids = {u.pk for u in units if u is not None}
    if ids and OrgUnit.objects.subtree(campaign.org_unit).filter(pk__in=ids).count() != len(ids):
        raise PermissionRefused(_("That unit is not part of this campaign."))


@transaction.atomic
def create_measure(problem: Problem, *, actor, content: str, responsible_unit, **fields) -> Measure:
    """A new measure in draft; its state, version and closure change only through transitions.

    The deadline is a date, or `working_days` after `decided_on` (the date is computed and
    stored, the decision date and the count are kept). The first deadline is the original one.
    """
    _require_office(actor, problem.campaign)
    return _insert_measure(
        problem, actor=actor, content=content, responsible_unit=responsible_unit, **fields
    )


def _insert_measure(
    problem: Problem, *, actor, content: str, responsible_unit, reason: str = "", **fields
) -> Measure:
    """A new measure in draft, logged (the caller has checked the actor's right)."""
    unknown = set(fields) - set(OFFICE_MEASURE_FIELDS)
    if unknown:
        raise ValueError(f"not settable on a new measure: {sorted(unknown)}")
    cooperating = list(fields.pop("cooperating_units", None) or [])
    _require_units_in_campaign(problem.campaign, [responsible_unit, *cooperating])
    _resolve_deadline(fields)
    measure = Measure.objects.create(
        campaign=problem.campaign,
        problem=problem,
        content=content,
        responsible_unit=responsible_unit,
        original_deadline=fields.get("deadline"),
        created_by=actor if actor.is_authenticated else None,
        **fields,
    )
    if cooperating:
        measure.cooperating_units.set(cooperating)
    record(
        measure,
        "measure.create",
        actor=actor,
        after=_measure_snapshot(
            measure,
            [
                *(f for f in MEASURE_LOGGED if getattr(measure, f) not in (None, "")),
                "state",
                *(["cooperating_units"] if cooperating else []),
            ],
        ),
        reason=reason,
    )
    return measure


@transaction.atomic
def create_follow_up(
    campaign,
    *,
    actor,
    responsible_unit,
    content: str,
    problem: Problem | None = None,
    title: str = "",
    source: str = "",
    reason: str = "",
    **fields,
) -> Measure:
    """A measure for `responsible_unit` from a supervision finding, on an existing problem of
    the campaign or on a new one (`title`, `source`; the unit leads it). By the office or a
    supervisor of the unit (scoping.can_create_follow_up); `reason` names the finding in the log.
    """
    if not can_create_follow_up(actor, campaign, responsible_unit):
        raise PermissionRefused(
            _("Only the campaign office or a supervisor of this unit may add a follow-up measure.")
        )
    if problem is None:
        if not title or not source:
            raise DomainError(_("A new problem needs a title and a source."), code="invalid")
        problem = _insert_problem(
            campaign, actor=actor, title=title, source=source, lead_unit=responsible_unit
        )
    elif problem.campaign_id != campaign.pk:
        raise PermissionRefused(_("That measure or problem belongs to another campaign."))
    return _insert_measure(
        problem,
        actor=actor,
        content=content,
        responsible_unit=responsible_unit,
        reason=reason,
        **fields,
    )


@transaction.atomic
def bulk_assign(
    campaign,
    problems,
    *,
    actor,
    responsible_unit,
    deadline: dt.date | None,
    content: str = "",
    mode: str = MeasureMode.PHASED,
    responsible_person: str = "",
) -> list[Measure]:
    """Assign many problems to one unit at once: a draft measure each, with a common deadline.
    A blank `content` takes each problem's title, for the unit to make concrete."""
    _require_office(actor, campaign)
    if any(p.campaign_id != campaign.pk for p in problems):
        raise PermissionRefused(_("That problem belongs to another campaign."))
    if mode != MeasureMode.LONG_TERM and deadline is None:
        raise DomainError(
            _("Give a deadline (only long-term measures may omit it)."), code="deadline_required"
        )
    return [
        create_measure(
            problem,
            actor=actor,
            content=content.strip() or str(_("Rectify: %(title)s") % {"title": problem.title}),
            responsible_unit=responsible_unit,
            responsible_person=responsible_person,
            mode=mode,
            deadline=deadline,
        )
        for problem in sorted(problems, key=lambda p: p.number)
    ]


def editable_fields(user, measure: Measure) -> tuple[str, ...]:
    """The fields update_measure lets this user change."""
    if access(user, measure.campaign).is_office:
        return OFFICE_MEASURE_FIELDS
    return UNIT_MEASURE_FIELDS


@transaction.atomic
def update_measure(
    measure: Measure, *, actor, expected_version: int, deadline_reason: str = "", **changes
) -> Measure:
    """Edit a measure's fields; a stale `expected_version` raises ConflictError, saving nothing.

    A deadline moves only with a reason (`deadline_reason`): the move is kept as a
    DeadlineChange, the original deadline stays and the measure counts its moves.
    """
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
    _resolve_deadline(changes, locked)
    cooperating = changes.pop("cooperating_units", None)
    if cooperating is not None:
        cooperating = list(cooperating)
        _require_units_in_campaign(locked.campaign, cooperating)
        if {u.pk for u in cooperating} == set(
            locked.cooperating_units.values_list("pk", flat=True)
        ):
            cooperating = None
    if "responsible_unit" in changes:
        _require_units_in_campaign(locked.campaign, [changes["responsible_unit"]])
    changed = [k for k, v in changes.items() if getattr(locked, k) != v]
    if not changed and cooperating is None:
        return locked
    moved = "deadline" in changed and locked.deadline is not None
    if moved and not deadline_reason.strip():
        raise DomainError(
            _("A deadline moves only with a reason: say why it changes."),
            code="reason_required",
        )
    logged = [*changed, *(["cooperating_units"] if cooperating is not None else [])]
    before = _measure_snapshot(locked, logged)
    old_deadline = locked.deadline
    for k in changed:
        setattr(locked, k, changes[k])
    fields = [*changed, "version", "updated_at"]
    if "deadline" in changed:
        if moved:
            locked.deadline_moves += 1
            fields.append("deadline_moves")
        if locked.original_deadline is None:
            locked.original_deadline = locked.deadline
            fields.append("original_deadline")
    locked.version = F("version") + 1
    locked.save(update_fields=fields)
    if cooperating is not None:
        locked.cooperating_units.set(cooperating)
    locked.refresh_from_db()
    if moved:
        DeadlineChange.objects.create(
            measure=locked,
            old_deadline=old_deadline,
            new_deadline=locked.deadline,
            reason=deadline_reason.strip(),
            changed_by=actor if actor.is_authenticated else None,
        )
    record(
        locked,
        "measure.update",
        actor=actor,
        before=before,
        after=_measure_snapshot(locked, logged),
        reason=deadline_reason.strip() if moved else "",
    )
    return locked


@transaction.atomic
def transition(
    measure: Measure,
    name: str,
    *,
    actor,
    reason: str = "",
    expected_version: int | None = None,
    recheck_on: dt.date | None = None,
) -> Measure:
    """Apply one state-machine transition (see ledger/states.py) or raise TransitionRefused.

    What each transition keeps: a closure request its description (ClosureRequest); a decision
    on it a Verification with the opinion; a closure how it was closed (rectified or not
    feasible) and, where the campaign asks for one, that it awaits a second confirmation; a
    reopening counts as a relapse, for good. Starting, returning and reopening mark the moment
    from which evidence counts for the next closure request. `recheck_on` (with verify) sets a
    re-check (回头看).
    """
    locked = _lock(measure, expected_version)
    t = states.check(locked, name, user=actor, reason=reason)
    reason = reason.strip()
    logged = ["state", "closed_on", "phase_complete", "closure", "relapse_count"]
    before = snapshot(locked, logged)
    request = states.pending_request(locked) if states.TRANSITIONS[name].decides_request else None
    by = actor if actor.is_authenticated else None
    now = timezone.now()
    fields = ["state", "version", "updated_at"]

    def put(**values):
        for k, v in values.items():
            setattr(locked, k, v)
        fields.extend(values)

    if t.name == "start":
        put(evidence_since=now)
    elif t.name == "request_closure":
        last = locked.reports.order_by("-reported_on", "-id").values_list("percent_done").first()
        request = ClosureRequest.objects.create(
            measure=locked,
            description=reason,
            percent_done=last[0] if last else None,
            requested_by=by,
        )
    elif t.name == "verify":
        awaiting = ConfirmationRule.objects.filter(
            campaign_id=locked.campaign_id, source=locked.problem.source
        ).exists()
        put(
            closed_on=timezone.localdate(),
            closure=Closure.RECTIFIED,
            closure_opinion=reason,
            awaiting_confirmation=awaiting,
        )
    elif t.name == "close_not_feasible":
        put(
            closed_on=timezone.localdate(),
            closure=Closure.NOT_FEASIBLE,
            closure_opinion=reason,
            awaiting_confirmation=False,
        )
    elif t.name in ("return", "decline_confirmation"):
        put(evidence_since=now)
        if t.name == "decline_confirmation":
            put(
                closed_on=None,
                closure=Closure.NONE,
                closure_opinion="",
                awaiting_confirmation=False,
            )
    elif t.name == "reopen":
        put(
            closed_on=None,
            phase_complete=False,
            closure=Closure.NONE,
            closure_opinion="",
            awaiting_confirmation=False,
            relapse_count=locked.relapse_count + 1,
            evidence_since=now,
        )
    locked.state = t.target
    locked.version = F("version") + 1
    locked.save(update_fields=list(dict.fromkeys(fields)))
    locked.refresh_from_db()
    decision = {
        "verify": VerificationDecision.ACCEPTED,
        "return": VerificationDecision.RETURNED,
        "close_not_feasible": VerificationDecision.NOT_FEASIBLE,
        "decline_confirmation": VerificationDecision.RETURNED,
    }.get(t.name)
    if decision:
        Verification.objects.create(
            measure=locked,
            closure_request=request if t.decides_request else None,
            decision=decision,
            reason=reason,
            decided_by=by,
        )
    record(
        locked,
        f"measure.{t.name}",
        actor=actor,
        before=before,
        after=snapshot(locked, logged),
        reason=reason,
    )
    if recheck_on is not None and t.name == "verify":
        schedule_recheck(locked, actor=actor, due_on=recheck_on)
    return locked


def start(measure, *, actor, **kw):
    return transition(measure, "start", actor=actor, **kw)


def request_closure(measure, *, actor, reason: str = "", **kw):
    return transition(measure, "request_closure", actor=actor, reason=reason, **kw)


def verify(measure, *, actor, reason: str = "", **kw):
    return transition(measure, "verify", actor=actor, reason=reason, **kw)


def close_not_feasible(measure, *, actor, reason: str, **kw):
    return transition(measure, "close_not_feasible", actor=actor, reason=reason, **kw)


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
def update_milestone(milestone: Milestone, *, actor, **changes) -> Milestone:
    """Edit a milestone's step, due date or done date (None undoes "done")."""
    _locked_for_writer(actor, milestone.measure)
    unknown = set(changes) - {"title", "due_on", "done_on"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changed = [k for k, v in changes.items() if getattr(milestone, k) != v]
    if not changed:
        return milestone
    before = snapshot(milestone, changed)
    for k in changed:
        setattr(milestone, k, changes[k])
    milestone.save(update_fields=changed)
    record(
        milestone,
        "milestone.update",
        actor=actor,
        campaign=milestone.measure.campaign,
        before=before,
        after=snapshot(milestone, changed),
    )
    return milestone


@transaction.atomic
def delete_milestone(milestone: Milestone, *, actor) -> None:
    """Remove a milestone entered by mistake; a completed one stays on record."""
    _locked_for_writer(actor, milestone.measure)
    if milestone.done_on is not None:
        raise DomainError(_("A completed milestone stays on record."), code="milestone_done")
    record(
        milestone,
        "milestone.delete",
        actor=actor,
        campaign=milestone.measure.campaign,
        before=snapshot(milestone, ["title", "due_on"]),
    )
    milestone.delete()


# --- closure: second confirmation, re-checks ---------------------------------------------------


@transaction.atomic
def confirm_closure(
    measure: Measure, *, actor, reason: str = "", expected_version: int | None = None
) -> Measure:
    """The second confirmation a campaign asks for closures of problems from one source."""
    locked = _lock(measure, expected_version)
    if not locked.awaiting_confirmation:
        raise DomainError(_("This closure does not wait for a confirmation."), code="not_awaiting")
    if not states.is_confirmer(actor, locked):
        raise PermissionRefused(_("Only the person named to confirm these closures may do this."))
    request = states.pending_request(locked)
    if request is not None and request.requested_by_id == actor.pk:
        raise PermissionRefused(_("You requested this closure, so someone else must confirm it."))
    locked.awaiting_confirmation = False
    locked.version = F("version") + 1
    locked.save(update_fields=["awaiting_confirmation", "version", "updated_at"])
    locked.refresh_from_db()
    Verification.objects.create(
        measure=locked,
        closure_request=request,
        decision=VerificationDecision.CONFIRMED,
        reason=reason.strip(),
        decided_by=actor,
    )
    record(
        locked,
        "measure.confirm",
        actor=actor,
        before={"awaiting_confirmation": True},
        after={"awaiting_confirmation": False},
        reason=reason.strip(),
    )
    return locked


@transaction.atomic
def schedule_recheck(measure: Measure, *, actor, due_on: dt.date) -> Recheck:
    """Set a re-check (回头看) of a closed measure: on `due_on` it appears on the office's and
    the unit's re-check lists."""
    _require_office(actor, measure.campaign)
    if measure.state != MeasureState.CLOSED:
        raise DomainError(_("Only a closed measure can be re-checked."), code="wrong_state")
    if measure.closed_on and due_on < measure.closed_on:
        raise DomainError(
            _("The re-check date cannot be before the measure was closed."), code="bad_date"
        )
    recheck = Recheck.objects.create(
        measure=measure, due_on=due_on, scheduled_by=actor if actor.is_authenticated else None
    )
    record(
        recheck,
        "recheck.schedule",
        actor=actor,
        campaign=measure.campaign,
        after=snapshot(recheck, ["due_on"]),
    )
    return recheck


@transaction.atomic
def record_recheck(recheck: Recheck, *, actor, result: str, note: str = "") -> Recheck:
    """The re-check's result: held, or relapsed — which reopens the measure (a relapse)."""
    measure = recheck.measure
    _require_office(actor, measure.campaign)
    recheck = Recheck.objects.select_for_update().get(pk=recheck.pk)
    if recheck.result:
        raise ConflictError(_("This re-check has already been recorded."))
    if result not in (RecheckResult.HELD, RecheckResult.RELAPSED):
        raise ValueError(f"unknown re-check result {result!r}")
    if result == RecheckResult.RELAPSED and not note.strip():
        raise DomainError(_("Say what relapsed."), code="reason_required")
    recheck.result = result
    recheck.note = note.strip()
    recheck.done_on = timezone.localdate()
    recheck.done_by = actor if actor.is_authenticated else None
    recheck.save(update_fields=["result", "note", "done_on", "done_by"])
    record(
        recheck,
        "recheck.done",
        actor=actor,
        campaign=measure.campaign,
        after=snapshot(recheck, ["result", "done_on", "note"]),
    )
    if result == RecheckResult.RELAPSED and measure.state == MeasureState.CLOSED:
        transition(measure, "reopen", actor=actor, reason=note)
    return recheck


# --- deadlines: extension requests (延期申请) ---------------------------------------------------


@transaction.atomic
def request_extension(
    measure: Measure, *, actor, requested_deadline: dt.date, reason: str
) -> ExtensionRequest:
    """The responsible unit asks the office to move the deadline, with a reason."""
    locked = _locked_for_writer(actor, measure)
    if locked.state not in OPEN_STATES:
        raise DomainError(_("Only a measure under way can have its deadline moved."))
    if not reason.strip():
        raise DomainError(_("Say why the deadline should move."), code="reason_required")
    if locked.deadline is not None and requested_deadline <= locked.deadline:
        raise DomainError(
            _("Ask for a date after the current deadline (%(date)s)."),
            params={"date": locked.deadline.isoformat()},
            code="bad_date",
        )
    if requested_deadline < timezone.localdate():
        raise DomainError(_("Ask for a date in the future."), code="bad_date")
    if locked.extension_requests.filter(status=ExtensionStatus.PENDING).exists():
        raise ConflictError(_("An extension request for this measure is already waiting."))
    extension = ExtensionRequest.objects.create(
        measure=locked,
        current_deadline=locked.deadline,
        requested_deadline=requested_deadline,
        reason=reason.strip(),
        requested_by=actor if actor.is_authenticated else None,
    )
    record(
        extension,
        "extension.request",
        actor=actor,
        campaign=locked.campaign,
        after=snapshot(extension, ["current_deadline", "requested_deadline"]),
        reason=extension.reason,
    )
    return extension


@transaction.atomic
def decide_extension(
    extension: ExtensionRequest,
    *,
    actor,
    grant: bool,
    reason: str = "",
    deadline: dt.date | None = None,
) -> ExtensionRequest:
    """The office grants (moving the deadline, to `deadline` or the date asked) or refuses
    (with a reason) an extension request."""
    measure = extension.measure
    _require_office(actor, measure.campaign)
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    if extension.status != ExtensionStatus.PENDING:
        raise ConflictError(_("This extension request has already been decided."))
    if extension.requested_by_id == getattr(actor, "pk", None):
        raise PermissionRefused(_("You asked for this extension, so someone else must decide."))
    if not grant and not reason.strip():
        raise DomainError(_("Say why the extension is refused."), code="reason_required")
    extension.status = ExtensionStatus.GRANTED if grant else ExtensionStatus.REFUSED
    extension.decided_by = actor if actor.is_authenticated else None
    extension.decided_at = timezone.now()
    extension.decision_reason = reason.strip()
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    if grant:
        current = Measure.objects.get(pk=measure.pk)
        updated = update_measure(
            current,
            actor=actor,
            expected_version=current.version,
            deadline=deadline or extension.requested_deadline,
            deadline_reason=str(_("Extension granted: %(reason)s") % {"reason": extension.reason}),
        )
        if updated.deadline_moves > current.deadline_moves:  # the move names this request
            change = DeadlineChange.objects.filter(measure=measure).order_by("-id").first()
            change.extension = extension
            change.save(update_fields=["extension"])
    record(
        extension,
        "extension.grant" if grant else "extension.refuse",
        actor=actor,
        campaign=measure.campaign,
        before={"status": ExtensionStatus.PENDING},
        after=snapshot(extension, ["status"]),
        reason=extension.decision_reason,
    )
    return extension


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


# --- second confirmation: who confirms closures of problems from a source ----------------------


@transaction.atomic
def create_confirmation_rule(campaign, *, actor, source: str, confirmer) -> ConfirmationRule:
    """Name the person who confirms closures of the campaign's problems from `source`
    (a member of the campaign). A source that has a rule already gets the new confirmer: the
    closures waiting for the former one wait for the new one."""
    _require_office(actor, campaign)
    if not confirmer.memberships.filter(campaign=campaign).exists():
        raise PermissionRefused(_("The confirmer must be a member of the campaign."))
    rule = ConfirmationRule.objects.select_for_update().filter(campaign=campaign, source=source)
    rule = rule.first()
    if rule is not None:
        if rule.confirmer_id == confirmer.pk:
            return rule
        before = snapshot(rule, ["source", "confirmer"])
        rule.confirmer = confirmer
        rule.save(update_fields=["confirmer"])
        record(
            rule,
            "confirmation_rule.update",
            actor=actor,
            before=before,
            after=snapshot(rule, ["source", "confirmer"]),
        )
        return rule
    try:
        with transaction.atomic():
            rule = ConfirmationRule.objects.create(
                campaign=campaign, source=source, confirmer=confirmer
            )
    except IntegrityError:
        raise ConflictError(_("This source already has a confirmation rule.")) from None
    record(
        rule, "confirmation_rule.create", actor=actor, after=snapshot(rule, ["source", "confirmer"])
    )
    return rule


@transaction.atomic
def delete_confirmation_rule(rule: ConfirmationRule, *, actor) -> None:
    """Closures of the source no longer need a second confirmation from now on. Refused while
    closures of the source wait for one (name another confirmer instead, or decide them)."""
    _require_office(actor, rule.campaign)
    waiting = Measure.objects.filter(
        campaign_id=rule.campaign_id,
        problem__source=rule.source,
        state=MeasureState.CLOSED,
        awaiting_confirmation=True,
    ).count()
    if waiting:
        raise ConflictError(
            _(
                "%(n)s closures of this source wait for this confirmation: have them confirmed "
                "or declined first, or name another confirmer for the source."
            ),
            params={"n": waiting},
            code="confirmations_waiting",
        )
    record(
        rule,
        "confirmation_rule.delete",
        actor=actor,
        before=snapshot(rule, ["source", "confirmer"]),
    )
    rule.delete()


# --- sheet imports (an edited ledger export read back: ledger/sheets/reimport.py) ------------


def _require_reimporter(actor, campaign) -> None:
    if not can_reimport_ledger(actor, campaign):
        raise PermissionRefused(
            _("Only the campaign office or a unit liaison may read an edited ledger back.")
        )


@transaction.atomic
def upload_ledger_sheet(campaign, *, actor, upload, name: str, kind: str) -> SheetImport:
    """Keep an uploaded ledger spreadsheet as it came (stored under its sha256, as evidence is),
    so the preview and the applying read the same bytes: an edited export to read back (the
    office or a unit liaison) or an existing ledger to move in (the office)."""
    if kind == SheetImport.Kind.MIGRATION:
        _require_office(actor, campaign)
    else:
        _require_reimporter(actor, campaign)
    upload = upload if isinstance(upload, File) else File(upload, name=name)
    sha, size = files.sha256_of(upload)
    sheet = SheetImport(
        campaign=campaign,
        kind=kind,
        file_name=name[:255],
        sha256=sha,
        uploaded_by=actor if actor.is_authenticated else None,
    )
    files.store(sheet, upload, name)
    sheet.save()
    record(
        sheet,
        "sheet_import.upload",
        actor=actor,
        campaign=campaign,
        after={"kind": kind, "file": sheet.file_name, "sha256": sha, "size": size},
    )
    return sheet


@transaction.atomic
def start_ledger_sheet(sheet: SheetImport, *, actor) -> SheetImport:
    """Mark an uploaded sheet as being applied; refused when it was applied already or is
    being applied now (a stale run may start again)."""
    _require_reimporter(actor, sheet.campaign)
    locked = SheetImport.objects.select_for_update().get(pk=sheet.pk)
    if locked.status == SheetImport.Status.APPLIED or (locked.is_running and not locked.is_stale):
        raise ConflictError(
            _("This file was applied already (or is being applied): upload it again to read it."),
            code="sheet_applied",
        )
    locked.status = SheetImport.Status.APPLYING
    locked.started_at = locked.heartbeat_at = timezone.now()
    locked.save(update_fields=["status", "started_at", "heartbeat_at"])
    return locked


@transaction.atomic
def finish_ledger_sheet(
    sheet: SheetImport, *, actor, result: dict, done: int, failed: bool = False
) -> SheetImport:
    """Record what applying the sheet did (`result`, kept as JSON; `done` the number of
    changes), or that it failed as a whole (`failed`, result {"error": …}), and log it; each
    change itself was logged by the service that made it."""
    locked = SheetImport.objects.select_for_update().get(pk=sheet.pk)
    before = {"status": locked.status}
    now = timezone.now()
    locked.status = SheetImport.Status.FAILED if failed else SheetImport.Status.APPLIED
    locked.result = result
    locked.done = done
    locked.finished_at = locked.heartbeat_at = now
    fields = ["status", "result", "done", "finished_at", "heartbeat_at"]
    if not failed:
        locked.applied_at = now
        fields.append("applied_at")
    locked.save(update_fields=fields)
    record(
        locked,
        "sheet_import.reimport_fail" if failed else "sheet_import.reimport",
        actor=actor,
        campaign=locked.campaign,
        before=before,
        after={
            "status": locked.status,
            "changes": done,
            "rows_changed": len(result.get("changed", [])),
            "rows_refused": len({m["row"] for m in result.get("refused", [])}),
            "conflicts": len(result.get("conflicts", [])),
        },
    )
    return locked


# --- moving an existing ledger in (ledger/sheets/migration.py) ---------------------------------


@transaction.atomic
def set_migration_options(sheet, *, actor, options: dict, log: bool = True):
    """The office's choices for a migration: column mapping, unit matches, words, defaults."""
    _require_office(actor, sheet.campaign)
    if sheet.status != sheet.Status.UPLOADED:
        raise ConflictError(_("This file was moved in already; its choices stay as they were."))
    before = {"options": sheet.options}
    sheet.options = options
    sheet.save(update_fields=["options"])
    if log:
        record(
            sheet, "sheet_import.options", actor=actor, before=before, after={"options": options}
        )
    return sheet


def begin_migration(sheet, *, actor):
    """Take an uploaded migration for applying (UPLOADED → APPLYING, one run only): a second
    request, or a file moved in already, is refused. Not logged: the run's end is."""
    _require_office(actor, sheet.campaign)
    now = timezone.now()
    taken = (
        type(sheet)
        .objects.filter(pk=sheet.pk, status=sheet.Status.UPLOADED)
        .update(status=sheet.Status.APPLYING, started_at=now, heartbeat_at=now)
    )
    if not taken:
        raise ConflictError(_("This file was moved in already."), code="already_applied")
    sheet.status = sheet.Status.APPLYING
    return sheet


@transaction.atomic
def fail_migration(sheet, *, actor, result: dict):
    """A run that broke off: what it created is kept and reported; the file is not applied
    again (its problems would be doubled)."""
    sheet.status = sheet.Status.FAILED
    sheet.result = result
    sheet.finished_at = timezone.now()
    sheet.save(update_fields=["status", "result", "finished_at"])
    record(
        sheet, "sheet_import.migrate_fail", actor=actor, after={"problems": result.get("problems")}
    )
    return sheet


@transaction.atomic
def finish_migration(sheet, *, actor, result: dict):
    """Mark a migration applied, keeping its report."""
    _require_office(actor, sheet.campaign)
    now = timezone.now()
    sheet.status = sheet.Status.APPLIED
    sheet.result = result
    sheet.applied_at = sheet.finished_at = now
    sheet.save(update_fields=["status", "result", "applied_at", "finished_at"])
    record(
        sheet,
        "sheet_import.migrate",
        actor=actor,
        after={k: result.get(k) for k in ("problems", "measures", "per_status")},
    )
    return sheet


@transaction.atomic
def adopt_imported_state(
    measure: Measure,
    *,
    actor,
    state: str,
    closure: str = Closure.NONE,
    closed_on: dt.date | None = None,
    phase_complete: bool = False,
    progress_text: str = "",
    percent: int | None = None,
    source_ref: str = "",
) -> Measure:
    """Take over the state an existing ledger records for a measure just created from it: the
    history the state machine did not see. Only a draft measure, never touched since its
    creation (version 1), may adopt one; the office only. Progress text becomes a report of
    today. Logged as `measure.migrated` with `source_ref` (file and row) as the reason."""
    locked = _lock(measure, None)
    _require_office(actor, locked.campaign)
    if locked.state != MeasureState.DRAFT or locked.version != 1:
        raise ConflictError(_("Only a measure just moved in can take over its recorded state."))
    logged = ["state", "closure", "closed_on", "phase_complete"]
    before = snapshot(locked, logged)
    closed = state == MeasureState.CLOSED
    locked.state = state
    locked.closure = closure if closed else Closure.NONE
    locked.closed_on = closed_on if closed else None
    locked.phase_complete = phase_complete and state == MeasureState.IN_PROGRESS
    if state != MeasureState.DRAFT:
        locked.evidence_since = timezone.now()
    locked.version = F("version") + 1
    locked.save(update_fields=[*logged, "evidence_since", "version", "updated_at"])
    locked.refresh_from_db()
    after = snapshot(locked, logged)
    if progress_text and state != MeasureState.DRAFT:
        report = ProgressReport.objects.create(
            measure=locked,
            text=progress_text,
            percent_done=percent if percent is not None else (100 if closed else 0),
            reported_on=timezone.localdate(),
            reported_by=actor if actor.is_authenticated else None,
        )
        after["progress"] = report.text
        after["percent_done"] = report.percent_done
    record(locked, "measure.migrated", actor=actor, before=before, after=after, reason=source_ref)
    return locked


# --- the ledger spreadsheet: export (ledger/sheets/export.py) --------------------------------


@transaction.atomic
def record_ledger_export(campaign, *, actor, rows: int, filters: dict, unit_name: str) -> None:
    """Log that `actor` took the campaign's ledger out as a spreadsheet: how many rows, with
    which filters, for which 填报单位. Changes nothing else; like an evidence download, it
    records who carried a copy of the ledger away (sheets.export.selection decided what)."""
    record(
        campaign,
        "ledger.export",
        actor=actor,
        campaign=campaign,
        after={"rows": rows, "filters": filters, "unit": unit_name},
    )
