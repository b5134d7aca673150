"""Who may see and change campaigns, work groups, research activities, programs and indicators.

One function per type, built on orgs/access.py; views, the API, exports and commands call these
and nothing else decides access to these types.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from rectify.campaigns.models import (
    ActivityAttachment,
    Campaign,
    Indicator,
    Phase,
    Program,
    ResearchActivity,
    WorkGroup,
)
from rectify.orgs.access import (
    READ_ALL_ROLES,
    SYSTEM,
    UNIT_READER_ROLES,
    access,
    is_active_user,
    unit_q,
)
from rectify.orgs.choices import Role


def scope_campaigns(user) -> QuerySet[Campaign]:
    if user is SYSTEM or (is_active_user(user) and user.is_superuser):
        return Campaign.objects.all()
    if not is_active_user(user):
        return Campaign.objects.none()
    return Campaign.objects.filter(memberships__user=user).distinct()


def get_campaign_for_user(user, slug: str) -> Campaign:
    try:
        return scope_campaigns(user).get(slug=slug)
    except Campaign.DoesNotExist:
        raise Http404("campaign") from None


def reads_campaign(user, campaign: Campaign) -> bool:
    """Does the user read the campaign beyond one unit's measures (office, leader, supervisor,
    viewer, work group)? Liaisons do not: they see their unit's measures only."""
    return access(user, campaign).has(*READ_ALL_ROLES)


def is_unit_limited(user, campaign: Campaign) -> bool:
    """Is what the user reads limited to a unit subtree (a leader, supervisor or viewer of one
    unit)? Their pages say so."""
    return access(user, campaign).paths(*UNIT_READER_ROLES) is not None


def scope_subordinates(user, campaign: Campaign) -> QuerySet[Campaign]:
    """The subordinate campaigns rolled up into `campaign` that the user may see: all of them
    for a campaign-wide reader, those of units within their subtree for one limited to a unit,
    none for a liaison."""
    qs = Campaign.objects.filter(parent=campaign)
    acc = access(user, campaign)
    if not acc.has(*READ_ALL_ROLES):
        return qs.none()
    paths = acc.paths(*READ_ALL_ROLES)
    return qs if paths is None else qs.filter(unit_q(paths, "org_unit"))


def get_campaign_for_reader(user, slug: str) -> Campaign:
    """The campaign if the user reads it campaign-wide (reads_campaign): 404 when they are not
    in it, 403 when their only role is unit liaison."""
    campaign = get_campaign_for_user(user, slug)
    if not reads_campaign(user, campaign):
        raise PermissionDenied
    return campaign


def starts_on_tasks(user, campaign: Campaign) -> bool:
    """A unit liaison who is not the office lands on their tasks (我的任务), not the campaign
    home, whose campaign-wide figures are not theirs to read."""
    acc = access(user, campaign)
    return acc.has(Role.LIAISON) and not acc.is_office


def roles_in(user, campaign: Campaign) -> list[str]:
    """The roles the user holds in the campaign (sorted), as the API reports them to the user."""
    return sorted(access(user, campaign).roles)


def get_campaign_for_office(user, slug: str) -> Campaign:
    """The campaign if the user is its office: 404 when they are not in it, 403 otherwise."""
    campaign = get_campaign_for_user(user, slug)
    if not access(user, campaign).is_office:
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
    q = heard_q(user, campaign)
    qs = ResearchActivity.objects.filter(campaign=campaign)
    return qs if q is None else qs.filter(q)


def heard_q(user, campaign: Campaign) -> Q | None:
    """What the user may read of the listening work (activities, and the feedback heard at
    them), as a filter on rows with `org_unit`, `work_group` and `region`; None = all of it.

    Office, leaders, supervisors and viewers: rows about their unit subtree (all without a
    unit). Work-group members: their groups' rows and those about their assigned regions and
    units. Anyone else: nothing.
    """
    acc = access(user, campaign)
    paths = acc.paths(*UNIT_READER_ROLES)
    if paths is None:
        return None
    q = unit_q(paths, "org_unit")
    if acc.has(Role.GROUP):
        groups = WorkGroup.objects.filter(campaign=campaign, members=user)
        q |= (
            Q(work_group__in=groups)
            | Q(region__in=groups.values("regions"))
            | Q(org_unit__in=groups.values("org_units"))
        )
    return q


def scope_programs(user, campaign: Campaign) -> QuerySet[Program]:
    """Special programs (专项整治): every member of the campaign reads them, liaisons too; the
    problems and measures listed in them go through scope_problems / scope_measures, so a
    liaison sees only their own unit's part of a program."""
    qs = Program.objects.filter(campaign=campaign)
    return qs if access(user, campaign).roles else qs.none()


def can_edit_programs(user, campaign: Campaign) -> bool:
    """Setting up programs (owner, timetable, phases, problems, measures, weights) is the
    office's."""
    return access(user, campaign).is_office


def get_program_for_user(user, pk: int, *, write: bool = False) -> Program:
    """The program if the user is a member of its campaign (else 404); with write, also set it
    up (else 403)."""
    program = Program.objects.select_related("campaign", "lead_unit").filter(pk=pk).first()
    if program is None or not access(user, program.campaign).roles:
        raise Http404("program")
    if write and not can_edit_programs(user, program.campaign):
        raise PermissionDenied
    return program


def get_phase_for_user(user, pk: int, *, write: bool = False) -> Phase:
    """A program's phase, by the rule of get_program_for_user."""
    phase = Phase.objects.select_related("program__campaign").filter(pk=pk).first()
    if phase is None or not access(user, phase.program.campaign).roles:
        raise Http404("phase")
    if write and not can_edit_programs(user, phase.program.campaign):
        raise PermissionDenied
    return phase


def scope_indicators(user, campaign: Campaign) -> QuerySet[Indicator]:
    """Outcome indicators: every member of the campaign, liaisons included (the campaign home
    shows them to everyone in it)."""
    qs = Indicator.objects.filter(campaign=campaign)
    return qs if access(user, campaign).roles else qs.none()


def can_change_settings(user, campaign: Campaign) -> bool:
    """The campaign's settings (dates, warning thresholds, public page) are the office's."""
    return access(user, campaign).is_office


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


def can_record(user, campaign: Campaign) -> bool:
    """Does the user record activities and feedback in the campaign (the office, or a member of
    one of its work groups)?"""
    return access(user, campaign).is_office or recording_groups(user, campaign).exists()


def can_record_without_group(user, campaign: Campaign) -> bool:
    """An activity or feedback held by no work group is the office's to record; anyone else
    records for one of their own groups (recording_groups)."""
    return access(user, campaign).is_office


def scope_entry_activities(user, campaign: Campaign) -> QuerySet[ResearchActivity]:
    """The activities whose feedback the user enters: every one they see for the office, those
    of their own groups (recording_groups) for a work-group member."""
    qs = scope_activities(user, campaign)
    if not can_record_without_group(user, campaign):
        qs = qs.filter(work_group__in=recording_groups(user, campaign))
    return qs


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


def can_read_campaign_log(user, campaign: Campaign) -> bool:
    """The whole log names every unit's work and raw feedback: campaign-wide readers only."""
    return access(user, campaign).paths(*UNIT_READER_ROLES) is None
