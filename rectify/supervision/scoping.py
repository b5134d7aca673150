"""Who may see supervision actions and supervise a unit (built on orgs/access.py)."""

from django.db.models import QuerySet

from rectify.campaigns.models import Campaign
from rectify.orgs.access import READ_ALL_ROLES, access, unit_q
from rectify.orgs.choices import Role
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
