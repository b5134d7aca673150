"""Who may see and change what: one function per object type (role × org subtree × campaign).

Every queryset that reaches a user starts here. Views, the API, exports and commands call these
functions and nothing else decides access. Rules (domain.md, Roles):

- office (整改办): everything in the campaign.
- leader, supervisor, viewer, work-group member: read everything within their membership's unit
  subtree (no unit = the whole campaign).
- unit liaison: only measures whose responsible unit is in their subtree, and the problems those
  measures belong to; they may update those measures.
- superusers count as office in every campaign; anonymous users see nothing here.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from rectify.campaigns.models import Campaign, Indicator, Program, ResearchActivity, WorkGroup
from rectify.feedback.models import FeedbackItem
from rectify.ledger.models import Evidence, Measure, Milestone, Problem, ProgressReport
from rectify.orgs.choices import Role
from rectify.orgs.models import Membership, OrgUnit, Region
from rectify.supervision.models import SupervisionAction

READ_ALL_ROLES = (Role.OFFICE, Role.LEADER, Role.SUPERVISOR, Role.VIEWER, Role.GROUP)


@dataclass(frozen=True)
class Access:
    """A user's standing in one campaign: roles, and the unit paths each role is limited to.

    A role mapped to None covers the whole campaign.
    """

    roles: dict[str, tuple[str, ...] | None] = field(default_factory=dict)

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_office(self) -> bool:
        return Role.OFFICE in self.roles

    def paths(self, *roles: str) -> tuple[str, ...] | None:
        """Unit paths the given roles reach; None = everywhere; () = nowhere."""
        out: list[str] = []
        for role in roles:
            if role not in self.roles:
                continue
            paths = self.roles[role]
            if paths is None:
                return None
            out.extend(paths)
        return tuple(out)

    def covers_unit(self, unit, *roles: str) -> bool:
        paths = self.paths(*roles)
        return paths is None or any(unit.path.startswith(p) for p in paths)


def access(user, campaign: Campaign) -> Access:
    """The user's roles in `campaign`, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Access()
    if user.is_superuser:
        return Access({Role.OFFICE: None})
    cache = user.__dict__.setdefault("_rectify_access", {})
    if campaign.pk not in cache:
        roles: dict[str, list[str] | None] = {}
        for m in Membership.objects.filter(user=user, campaign=campaign).select_related("org_unit"):
            if m.role == Role.LIAISON and m.org_unit is None:
                # A liaison stands for a unit; without one they reach nothing (fail closed).
                roles.setdefault(m.role, [])
            elif m.org_unit is None or m.role == Role.OFFICE:
                roles[m.role] = None
            elif roles.get(m.role, []) is not None:
                roles.setdefault(m.role, []).append(m.org_unit.path)
        cache[campaign.pk] = Access(
            {r: (None if p is None else tuple(p)) for r, p in roles.items()}
        )
    return cache[campaign.pk]


def _unit_q(paths: tuple[str, ...], field_name: str) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field_name}__path__startswith": p})
    return q


# --- campaigns -------------------------------------------------------------------------------


def scope_campaigns(user) -> QuerySet[Campaign]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Campaign.objects.none()
    if user.is_superuser:
        return Campaign.objects.all()
    return Campaign.objects.filter(memberships__user=user).distinct()


def get_campaign_for_user(user, slug: str) -> Campaign:
    try:
        return scope_campaigns(user).get(slug=slug)
    except Campaign.DoesNotExist:
        raise Http404("campaign") from None


# --- measures --------------------------------------------------------------------------------


def scope_measures(user, campaign: Campaign) -> QuerySet[Measure]:
    acc = access(user, campaign)
    qs = Measure.objects.filter(campaign=campaign)
    paths = acc.paths(*READ_ALL_ROLES, Role.LIAISON)
    if not acc.roles:
        return qs.none()
    if paths is None:
        return qs
    return qs.filter(_unit_q(paths, "responsible_unit"))


def can_change_measure(user, measure: Measure) -> bool:
    acc = access(user, measure.campaign)
    return acc.is_office or (
        acc.has(Role.LIAISON) and acc.covers_unit(measure.responsible_unit, Role.LIAISON)
    )


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


# --- problems --------------------------------------------------------------------------------


def scope_problems(user, campaign: Campaign) -> QuerySet[Problem]:
    acc = access(user, campaign)
    qs = Problem.objects.filter(campaign=campaign)
    if not acc.roles:
        return qs.none()
    paths = acc.paths(*READ_ALL_ROLES, Role.LIAISON)
    if paths is None:
        return qs
    visible_measures = scope_measures(user, campaign).values("problem_id")
    return qs.filter(Q(pk__in=visible_measures) | _unit_q(paths, "lead_unit"))


def get_problem_for_user(user, campaign: Campaign, number: int) -> Problem:
    problem = scope_problems(user, campaign).filter(number=number).first()
    if problem is None:
        raise Http404("problem")
    return problem


def can_change_problem(user, problem: Problem) -> bool:
    return access(user, problem.campaign).is_office


# --- feedback --------------------------------------------------------------------------------


def scope_feedback(user, campaign: Campaign) -> QuerySet[FeedbackItem]:
    """Raw feedback: office, leaders, supervisors, viewers and work groups; never liaisons.

    Leaders, supervisors and viewers limited to a unit see the items about that subtree.
    Work-group members see what their groups collected plus items about their assigned regions
    and units.
    """
    acc = access(user, campaign)
    qs = FeedbackItem.objects.filter(campaign=campaign)
    readers = (Role.OFFICE, Role.LEADER, Role.SUPERVISOR, Role.VIEWER)
    paths = acc.paths(*readers)
    if paths is None:
        return qs
    q = _unit_q(paths, "org_unit")
    if acc.has(Role.GROUP):
        groups = WorkGroup.objects.filter(campaign=campaign, members=user)
        q |= (
            Q(work_group__in=groups)
            | Q(region__in=groups.values("regions"))
            | Q(org_unit__in=groups.values("org_units"))
        )
    return qs.filter(q)


# --- evidence --------------------------------------------------------------------------------


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


# --- campaign reference data: work groups, activities, programs, indicators ------------------


def get_campaign_for_reader(user, slug: str) -> Campaign:
    """The campaign if the user reads it campaign-wide (office, leader, supervisor, viewer, work
    group): 404 when they are not in it, 403 when their only role is unit liaison."""
    campaign = get_campaign_for_user(user, slug)
    if not access(user, campaign).has(*READ_ALL_ROLES):
        raise PermissionDenied
    return campaign


def scope_work_groups(user, campaign: Campaign) -> QuerySet[WorkGroup]:
    """The campaign's work groups, for every campaign-wide reader; nothing for liaisons."""
    qs = WorkGroup.objects.filter(campaign=campaign)
    return qs if access(user, campaign).has(*READ_ALL_ROLES) else qs.none()


def scope_activities(user, campaign: Campaign) -> QuerySet[ResearchActivity]:
    """Research activities, by the rule of scope_feedback (the feedback comes from them).

    Office, leaders, supervisors and viewers see the activities of their unit subtree (all of
    them without a unit); work-group members see their groups' activities plus those in their
    assigned regions and units; liaisons see none.
    """
    acc = access(user, campaign)
    qs = ResearchActivity.objects.filter(campaign=campaign)
    paths = acc.paths(Role.OFFICE, Role.LEADER, Role.SUPERVISOR, Role.VIEWER)
    if paths is None:
        return qs
    q = _unit_q(paths, "org_unit")
    if acc.has(Role.GROUP):
        groups = WorkGroup.objects.filter(campaign=campaign, members=user)
        q |= (
            Q(work_group__in=groups)
            | Q(region__in=groups.values("regions"))
            | Q(org_unit__in=groups.values("org_units"))
        )
    return qs.filter(q)


def scope_programs(user, campaign: Campaign) -> QuerySet[Program]:
    """Thematic programs, for every campaign-wide reader (their problems: scope_problems)."""
    qs = Program.objects.filter(campaign=campaign)
    return qs if access(user, campaign).has(*READ_ALL_ROLES) else qs.none()


def scope_indicators(user, campaign: Campaign) -> QuerySet[Indicator]:
    """Outcome indicators: every member of the campaign, liaisons included (the campaign home
    shows them to everyone in it)."""
    qs = Indicator.objects.filter(campaign=campaign)
    return qs if access(user, campaign).roles else qs.none()


# --- feedback (by id) ------------------------------------------------------------------------


def get_feedback_for_user(user, pk: int) -> FeedbackItem:
    """The feedback item if scope_feedback lets the user see it, else 404."""
    item = FeedbackItem.objects.select_related("campaign").filter(pk=pk).first()
    if item is None or not scope_feedback(user, item.campaign).filter(pk=pk).exists():
        raise Http404("feedback")
    return item


def can_triage_feedback(user, campaign: Campaign) -> bool:
    return access(user, campaign).is_office


# --- supervision actions ---------------------------------------------------------------------


def scope_supervision_actions(user, campaign: Campaign) -> QuerySet[SupervisionAction]:
    """Supervision actions: campaign-wide readers, limited to their unit subtree if they have one
    (the unit supervised); liaisons see none."""
    acc = access(user, campaign)
    qs = SupervisionAction.objects.filter(campaign=campaign)
    paths = acc.paths(*READ_ALL_ROLES)
    if paths is None:
        return qs
    return qs.filter(_unit_q(paths, "target_unit"))


def can_supervise_unit(user, campaign: Campaign, unit) -> bool:
    """The office anywhere; a supervisor within their unit subtree (everywhere without one)."""
    acc = access(user, campaign)
    return acc.is_office or (acc.has(Role.SUPERVISOR) and acc.covers_unit(unit, Role.SUPERVISOR))


# --- reference data --------------------------------------------------------------------------


def scope_regions(user) -> QuerySet[Region]:
    """Regions are reference data: every signed-in user reads all of them."""
    active = getattr(user, "is_authenticated", False) and user.is_active
    return Region.objects.all() if active else Region.objects.none()


def scope_org_units(user) -> QuerySet[OrgUnit]:
    """The organisation tree is reference data (every form picks units from it): every signed-in
    user reads all of it. What a unit's people may do is decided per campaign, above."""
    active = getattr(user, "is_authenticated", False) and user.is_active
    return OrgUnit.objects.all() if active else OrgUnit.objects.none()


# --- work groups and research activities: who may set up and record --------------------------


def can_manage_work_groups(user, campaign: Campaign) -> bool:
    """Setting up work groups (name, leader, members, assignments) is the office's."""
    return access(user, campaign).is_office


def get_work_group_for_user(user, pk: int, *, write: bool = False) -> WorkGroup:
    """The work group if the user reads its campaign (else 404); with write, also set it up
    (else 403)."""
    group = WorkGroup.objects.select_related("campaign", "leader").filter(pk=pk).first()
    if group is None or not scope_work_groups(user, group.campaign).filter(pk=pk).exists():
        raise Http404("work group")
    if write and not can_manage_work_groups(user, group.campaign):
        raise PermissionDenied
    return group


def recording_groups(user, campaign: Campaign) -> QuerySet[WorkGroup]:
    """The work groups the user records activities and feedback for: every group of the campaign
    for the office, their own groups for a work-group member, none for anyone else."""
    acc = access(user, campaign)
    qs = WorkGroup.objects.filter(campaign=campaign)
    if acc.is_office:
        return qs
    if acc.has(Role.GROUP):
        return qs.filter(members=user)
    return qs.none()


def can_record_activity(user, campaign: Campaign, *, work_group=None, region=None, unit=None):
    """May the user record (or change an activity into) one held by `work_group` in `region` at
    `unit`? The office: any. A work-group member: only for one of their own groups, in a region
    assigned to that group (or none), at a unit within that group's assigned units (or none)."""
    acc = access(user, campaign)
    if acc.is_office:
        return True
    if not acc.has(Role.GROUP) or work_group is None or work_group.campaign_id != campaign.pk:
        return False
    if not recording_groups(user, campaign).filter(pk=work_group.pk).exists():
        return False
    if region is not None and not work_group.regions.filter(pk=region.pk).exists():
        return False
    return unit is None or any(unit.is_within(u) for u in work_group.org_units.all())


def can_change_activity(user, activity: ResearchActivity) -> bool:
    """The office; a work-group member for the activities of their own groups (they also enter
    its feedback and attach its minutes)."""
    acc = access(user, activity.campaign)
    if acc.is_office:
        return True
    return (
        activity.work_group_id is not None
        and recording_groups(user, activity.campaign).filter(pk=activity.work_group_id).exists()
    )


def get_activity_for_user(user, pk: int, *, write: bool = False) -> ResearchActivity:
    """The activity if scope_activities lets the user see it (else 404); with write, also change
    it (else 403)."""
    activity = (
        ResearchActivity.objects.select_related("campaign", "work_group", "region", "org_unit")
        .filter(pk=pk)
        .first()
    )
    if activity is None or not scope_activities(user, activity.campaign).filter(pk=pk).exists():
        raise Http404("activity")
    if write and not can_change_activity(user, activity):
        raise PermissionDenied
    return activity


def get_activity_attachment_for_user(user, pk: int):
    """An activity's attachment (minutes …) if the user may see the activity, else 404."""
    from rectify.campaigns.models import ActivityAttachment

    attachment = (
        ActivityAttachment.objects.select_related("activity__campaign").filter(pk=pk).first()
    )
    if (
        attachment is None
        or not scope_activities(user, attachment.activity.campaign)
        .filter(pk=attachment.activity_id)
        .exists()
    ):
        raise Http404("attachment")
    return attachment


# --- milestones, progress reports, the campaign log --------------------------------------------


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


def can_read_campaign_log(user, campaign: Campaign) -> bool:
    """The whole log names every unit's work and raw feedback: campaign-wide readers only."""
    return (
        access(user, campaign).paths(Role.OFFICE, Role.LEADER, Role.SUPERVISOR, Role.VIEWER) is None
    )


def scope_import_batches(user, campaign: Campaign):
    """Spreadsheet imports: the office sees every batch of the campaign, a work-group member
    the batches they started; nobody else any (the rows are raw feedback with contacts)."""
    from rectify.feedback.models import ImportBatch

    acc = access(user, campaign)
    batches = ImportBatch.objects.filter(campaign=campaign)
    if acc.is_office:
        return batches
    if acc.has(Role.GROUP):
        return batches.filter(created_by=user)
    return batches.none()


def get_campaign_for_importer(user, slug: str) -> Campaign:
    """The campaign if the user may import spreadsheets into it (importing.can_import): 404
    when they are not in it, 403 otherwise."""
    from rectify.feedback.importing import can_import

    campaign = get_campaign_for_user(user, slug)
    if not can_import(user, campaign):
        raise PermissionDenied
    return campaign


def get_import_batch_for_user(user, pk: int):
    """The batch if scope_import_batches lets the user see it, else 404."""
    from rectify.feedback.models import ImportBatch

    batch = ImportBatch.objects.select_related("campaign", "created_by").filter(pk=pk).first()
    if batch is None or not scope_import_batches(user, batch.campaign).filter(pk=pk).exists():
        raise Http404("import batch")
    return batch


# --- consolidation (归并): the office's board ---------------------------------------------------


def get_campaign_for_consolidation(user, slug: str) -> Campaign:
    """The campaign if the user is its office: 404 when they are not in it, 403 otherwise."""
    campaign = get_campaign_for_user(user, slug)
    if not access(user, campaign).is_office:
        raise PermissionDenied
    return campaign


def _office_object(user, obj, campaign, name: str):
    if obj is None or not scope_campaigns(user).filter(pk=campaign.pk).exists():
        raise Http404(name)
    if not access(user, campaign).is_office:
        raise PermissionDenied
    return obj


def get_consolidation_run_for_user(user, pk: int):
    """A regrouping: office only (404 outside the campaign, 403 for its other members)."""
    from rectify.consolidation.models import Run

    run = Run.objects.select_related("campaign").filter(pk=pk).first()
    return _office_object(user, run, run.campaign if run else None, "run")


def get_suggested_group_for_user(user, pk: int):
    """A suggested group: office only (404 outside the campaign, 403 for its other members)."""
    from rectify.consolidation.models import SuggestedGroup

    group = SuggestedGroup.objects.select_related("run__campaign").filter(pk=pk).first()
    return _office_object(user, group, group.run.campaign if group else None, "group")


def get_merge_for_user(user, pk: int):
    """A merge decision: office only (404 outside the campaign, 403 for its other members)."""
    from rectify.consolidation.models import Merge

    merge = Merge.objects.select_related("campaign", "problem").filter(pk=pk).first()
    return _office_object(user, merge, merge.campaign if merge else None, "merge")
