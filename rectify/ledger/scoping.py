"""Who may see and change problems, measures, milestones, progress reports and evidence.

One function per type, built on orgs/access.py. A unit liaison reaches only measures whose
responsible unit is in their subtree, and the problems those measures belong to.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from rectify.campaigns.models import Campaign
from rectify.ledger.models import Evidence, Measure, Milestone, Problem, ProgressReport
from rectify.orgs.access import READ_ALL_ROLES, access, unit_q
from rectify.orgs.choices import Role


def scope_measures(user, campaign: Campaign) -> QuerySet[Measure]:
    acc = access(user, campaign)
    qs = Measure.objects.filter(campaign=campaign)
    paths = acc.paths(*READ_ALL_ROLES, Role.LIAISON)
    if not acc.roles:
        return qs.none()
    if paths is None:
        return qs
    return qs.filter(unit_q(paths, "responsible_unit"))


def can_change_measure(user, measure: Measure) -> bool:
    acc = access(user, measure.campaign)
    return acc.is_office or (
        acc.has(Role.LIAISON) and acc.covers_unit(measure.responsible_unit, Role.LIAISON)
    )


def can_create_follow_up(user, campaign: Campaign, unit) -> bool:
    """May `user` add a measure for `unit` from a supervision finding (督查发现问题, in one step
    with the action that found it)? The office anywhere; a supervisor within their unit subtree
    (everywhere without one). Every other new measure is the office's (create_measure)."""
    acc = access(user, campaign)
    return acc.is_office or (acc.has(Role.SUPERVISOR) and acc.covers_unit(unit, Role.SUPERVISOR))


def get_measure_for_user(user, pk: int, *, write: bool = False) -> Measure:
    """The measure if the user may see it (else 404); with write, also change it (else 403)."""
    measure = (
        Measure.objects.select_related("campaign", "problem", "responsible_unit")
        .filter(pk=pk)
        .first()
    )
    if measure is None or not scope_measures(user, measure.campaign).filter(pk=pk).exists():
        raise Http404("measure")
    if write and not can_change_measure(user, measure):
        raise PermissionDenied
    return measure


def scope_problems(user, campaign: Campaign) -> QuerySet[Problem]:
    acc = access(user, campaign)
    qs = Problem.objects.filter(campaign=campaign)
    if not acc.roles:
        return qs.none()
    paths = acc.paths(*READ_ALL_ROLES, Role.LIAISON)
    if paths is None:
        return qs
    visible_measures = scope_measures(user, campaign).values("problem_id")
    return qs.filter(Q(pk__in=visible_measures) | unit_q(paths, "lead_unit"))


def get_problem_for_user(user, campaign: Campaign, number: int) -> Problem:
    problem = scope_problems(user, campaign).filter(number=number).first()
    if problem is None:
        raise Http404("problem")
    return problem


def can_change_problems(user, campaign: Campaign) -> bool:
    """Problems and how they are sorted are the office's: adding and editing problems, adding
    their measures, categories and named lists, classifying and assigning in bulk."""
    return access(user, campaign).is_office


def can_change_problem(user, problem: Problem) -> bool:
    """One problem, by the rule of can_change_problems."""
    return can_change_problems(user, problem.campaign)


def get_evidence_for_user(user, pk: int) -> Evidence:
    evidence = Evidence.objects.select_related("measure__campaign").filter(pk=pk).first()
    if (
        evidence is None
        or not scope_measures(user, evidence.measure.campaign)
        .filter(pk=evidence.measure_id)
        .exists()
    ):
        raise Http404("evidence")
    return evidence


def get_milestone_for_user(user, pk: int):
    """The milestone if the user may see its measure (else 404)."""
    milestone = Milestone.objects.filter(pk=pk).first()
    if milestone is None:
        raise Http404("milestone")
    milestone.measure = get_measure_for_user(user, milestone.measure_id)
    return milestone


def get_progress_report_for_user(user, pk: int):
    """The progress report if the user may see its measure (else 404)."""
    report = ProgressReport.objects.filter(pk=pk).first()
    if report is None:
        raise Http404("progress")
    report.measure = get_measure_for_user(user, report.measure_id)
    return report


# --- ledger spreadsheets read back (re-import) -------------------------------------------------


def can_reimport_ledger(user, campaign: Campaign) -> bool:
    """Whether `user` may upload an edited ledger export to this campaign: anyone who may change
    measures there (the office, a unit liaison with a unit); each row is checked again."""
    acc = access(user, campaign)
    return acc.is_office or bool(acc.has(Role.LIAISON) and acc.paths(Role.LIAISON))


def scope_sheet_imports(user, campaign: Campaign):
    """Uploaded ledger sheets the user may see: the office every one, others their own."""
    from rectify.ledger.models import SheetImport

    qs = SheetImport.objects.filter(campaign=campaign)
    if access(user, campaign).is_office:
        return qs
    if not getattr(user, "pk", None):
        return qs.none()
    return qs.filter(uploaded_by=user)


def get_sheet_import_for_user(user, pk: int, *, kind: str | None = None):
    """The uploaded sheet if the user may see it (else 404)."""
    from rectify.ledger.models import SheetImport

    found = SheetImport.objects.select_related("campaign").filter(pk=pk).first()
    if (
        found is None
        or (kind and found.kind != kind)
        or not scope_sheet_imports(user, found.campaign).filter(pk=pk).exists()
    ):
        raise Http404("sheet import")
    return found
