"""Who may see supervision actions and supervise a unit, and whose notifications one reads
(built on orgs/access.py)."""

from django.db.models import QuerySet
from django.http import Http404

from rectify.campaigns.models import Campaign
from rectify.orgs.access import READ_ALL_ROLES, access, is_active_user, unit_q
from rectify.orgs.choices import Role
from rectify.supervision.models import Notification, SupervisionAction


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
