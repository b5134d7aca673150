"""Who may see supervision actions and supervise a unit (built on orgs/access.py)."""

from django.db.models import Q, QuerySet
from django.http import Http404

from rectify.campaigns.models import Campaign
from rectify.ledger import derived
from rectify.ledger.scoping import scope_measures
from rectify.orgs.access import READ_ALL_ROLES, access, unit_q
from rectify.orgs.choices import Role
from rectify.orgs.models import OrgUnit
from rectify.supervision.models import SupervisionAction


def scope_supervision_actions(user, campaign: Campaign) -> QuerySet[SupervisionAction]:
    """Supervision actions: campaign-wide readers, limited to their unit subtree if they have one
    (the unit supervised); liaisons see none."""
    acc = access(user, campaign)
    qs = SupervisionAction.objects.filter(campaign=campaign)
    paths = acc.paths(*READ_ALL_ROLES)
    if paths is None:
        return qs
    return qs.filter(unit_q(paths, "target_unit"))


def can_supervise_unit(user, campaign: Campaign, unit) -> bool:
    """The office anywhere; a supervisor within their unit subtree (everywhere without one)."""
    acc = access(user, campaign)
    return acc.is_office or (acc.has(Role.SUPERVISOR) and acc.covers_unit(unit, Role.SUPERVISOR))


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
