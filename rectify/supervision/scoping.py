"""Who may see supervision actions and supervise a unit, and whose notifications one reads
(built on orgs/access.py)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from rectify.campaigns.models import Campaign
from rectify.ledger import derived
from rectify.ledger.scoping import scope_measures
from rectify.orgs.access import READ_ALL_ROLES, access, is_active_user, unit_q
from rectify.orgs.choices import Role
from rectify.orgs.models import OrgUnit
from rectify.supervision.models import Notification, SupervisionAction


def scope_supervision_actions(user, campaign: Campaign) -> QuerySet[SupervisionAction]:
    """Supervision actions: campaign-wide readers, limited to their unit subtree if they have one
    (the unit supervised); a liaison those about their own units (the 督办单 and 催办 sent to
    them, the inspections of their unit)."""
    acc = access(user, campaign)
    qs = SupervisionAction.objects.filter(campaign=campaign)
    paths = acc.paths(*READ_ALL_ROLES, Role.LIAISON)
    if paths is None:
        return qs
    return qs.filter(unit_q(paths, "target_unit"))


def can_supervise_unit(user, campaign: Campaign, unit) -> bool:
    """The office anywhere; a supervisor within their unit subtree (everywhere without one)."""
    acc = access(user, campaign)
    return acc.is_office or (acc.has(Role.SUPERVISOR) and acc.covers_unit(unit, Role.SUPERVISOR))


# --- the scoreboard and the unit pages -----------------------------------------------------


def can_read_scoreboard(user, campaign: Campaign) -> bool:
    """The scoreboard ranks units against each other: campaign-wide readers (office, leaders,
    supervisors, viewers, work groups), each within their unit subtree. A liaison is refused it
    (a ranking of one row says nothing); their own unit's page shows them the same figures."""
    return access(user, campaign).has(*READ_ALL_ROLES)


def get_scoreboard_paths(user, campaign: Campaign) -> tuple[str, ...] | None:
    """The unit subtrees whose rows the user sees on the scoreboard (None = every unit), or
    PermissionDenied when they may not read it."""
    if not can_read_scoreboard(user, campaign):
        raise PermissionDenied
    return access(user, campaign).paths(*READ_ALL_ROLES)


def scope_unit_pages(user, campaign: Campaign) -> QuerySet[OrgUnit]:
    """The units of `campaign` (its organisation's subtree) whose page the user may open:
    campaign-wide readers those of their subtree (all without one), a liaison their own unit
    and its children; nobody else any."""
    acc = access(user, campaign)
    qs = OrgUnit.objects.subtree(campaign.org_unit)
    paths = acc.paths(*READ_ALL_ROLES, Role.LIAISON)
    if not acc.roles:
        return qs.none()
    if paths is None:
        return qs
    within = Q(pk__in=[])
    for p in paths:
        within |= Q(path__startswith=p)
    return qs.filter(within)


def get_unit_for_user(user, campaign: Campaign, pk: int) -> OrgUnit:
    """A unit of the campaign whose page the user may open, else 404 (as a measure they cannot
    see: whether the unit exists is not told)."""
    unit = scope_unit_pages(user, campaign).filter(pk=pk).first()
    if unit is None:
        raise Http404("unit")
    return unit


def own_units(user, campaign: Campaign) -> QuerySet[OrgUnit]:
    """The units a liaison stands for in `campaign` (their memberships' units), for the link to
    their unit's page; none for anyone else."""
    paths = access(user, campaign).paths(Role.LIAISON)
    if not paths:
        return OrgUnit.objects.none()
    return OrgUnit.objects.subtree(campaign.org_unit).filter(path__in=paths)


def scope_notifications(user) -> QuerySet[Notification]:
    """A person's own notifications, across campaigns: nobody reads another's (the office and
    staff included); anonymous or deactivated users none."""
    if not is_active_user(user):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def get_notification_for_user(user, pk: int) -> Notification:
    """One of the person's own notifications (404 for anyone else's: it is not theirs to see)."""
    notification = scope_notifications(user).filter(pk=pk).first()
    if notification is None:
        raise Http404("notification")
    return notification


def can_urge_measure(user, measure) -> bool:
    """催办: whoever may supervise the measure's responsible unit (the office anywhere, a
    supervisor within their subtree)."""
    return can_supervise_unit(user, measure.campaign, measure.responsible_unit)


def can_record_supervision(user, campaign: Campaign) -> bool:
    """May the user record supervision in this campaign at all (the office, any supervisor)?
    Which units: can_supervise_unit / supervisable_units."""
    acc = access(user, campaign)
    return acc.is_office or acc.has(Role.SUPERVISOR)


def supervisable_units(user, campaign: Campaign) -> QuerySet[OrgUnit]:
    """The campaign's units the user may supervise (can_supervise_unit, as a queryset)."""
    acc = access(user, campaign)
    qs = OrgUnit.objects.subtree(campaign.org_unit)
    if acc.is_office:
        return qs
    if not acc.has(Role.SUPERVISOR):
        return qs.none()
    paths = acc.paths(Role.SUPERVISOR)
    return qs if paths is None else qs.filter(_path_q(paths))


def _path_q(paths: tuple[str, ...]) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(path__startswith=p)
    return q


def get_action_for_user(user, campaign: Campaign, pk: int, *, notice: bool | None = None):
    """The supervision action (or, with notice=True, the notice) if the user reads it, else 404."""
    qs = scope_supervision_actions(user, campaign).select_related("target_unit", "actor")
    if notice is not None:
        qs = qs.exclude(level="") if notice else qs.filter(level="")
    action = qs.filter(pk=pk).first()
    if action is None:
        raise Http404("supervision action")
    return action


def actions_about_problem(user, campaign: Campaign, problem) -> QuerySet[SupervisionAction]:
    """The actions the user reads about `problem`: naming it, one of its measures, a notice
    naming one of its measures, or a follow-up measure on it (the problem's timeline)."""
    about = (
        Q(problem=problem)
        | Q(measure__problem=problem)
        | Q(items__problem=problem)
        | Q(follow_ups__problem=problem)
    )
    ids = SupervisionAction.objects.filter(campaign=campaign).filter(about).values("pk")
    return scope_supervision_actions(user, campaign).filter(pk__in=ids)


def actions_about_measure(user, campaign: Campaign, measure) -> QuerySet[SupervisionAction]:
    """The actions the user reads about `measure`: naming it (a 催办), a notice naming it, or
    the action it follows up (the measure's timeline)."""
    about = Q(measure=measure) | Q(items=measure) | Q(follow_ups=measure)
    ids = SupervisionAction.objects.filter(campaign=campaign).filter(about).values("pk")
    return scope_supervision_actions(user, campaign).filter(pk__in=ids)


def overdue_measures(user, campaign: Campaign, unit) -> QuerySet:
    """The unit's (and its subunits') overdue measures the user sees, oldest deadline first:
    what a supervision notice to the unit may name."""
    return (
        scope_measures(user, campaign)
        .filter(responsible_unit__path__startswith=unit.path)
        .filter(derived.overdue_q(derived.today()))
        .select_related("problem", "responsible_unit")
        .order_by("deadline", "problem__number", "pk")
    )
