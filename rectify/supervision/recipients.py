"""Who hears about a unit's measures: its liaisons, its leaders and its supervisors.

One reading of the campaign's memberships answers every unit (reminders run over thousands of
units), so the number of queries does not grow with the number of units or measures.
"""

from rectify.orgs.choices import Role
from rectify.orgs.models import Membership


class Contacts:
    """The people of a campaign by role and unit subtree, read once.

    A membership limited to a unit covers that unit's subtree; one without a unit covers the
    whole campaign. A liaison always stands for a unit (one without reaches nobody).
    """

    def __init__(self, campaign):
        # role → unit path (None: the whole campaign) → people, in the order of the rows
        self._by_role: dict[str, dict[str | None, list]] = {}
        rows = Membership.objects.filter(campaign=campaign, user__is_active=True).select_related(
            "user", "org_unit"
        )
        for m in rows:
            path = m.org_unit.path if m.org_unit_id else None
            self._by_role.setdefault(m.role, {}).setdefault(path, []).append(m.user)

    def _covering(self, role: str, unit, *, campaign_wide: bool) -> list:
        """Those of `role` limited to the unit or one of its ancestors (each path prefix of
        the unit's materialised path), and the campaign-wide ones if asked: a few dictionary
        lookups per unit, however many memberships the campaign has."""
        by_path = self._by_role.get(role, {})
        paths = [None] if campaign_wide else []
        end = unit.path.find("/")
        while end != -1:
            paths.append(unit.path[: end + 1])
            end = unit.path.find("/", end + 1)
        found = {}
        for path in paths:
            for user in by_path.get(path, ()):
                found.setdefault(user.pk, user)
        return list(found.values())

    def liaisons(self, unit) -> list:
        """The liaisons whose subtree holds `unit`: the unit's own contacts for its measures."""
        return self._covering(Role.LIAISON, unit, campaign_wide=False)

    def leaders(self, unit) -> list:
        """Leaders limited to a subtree that holds `unit` (the unit's own leadership)."""
        return self._covering(Role.LEADER, unit, campaign_wide=False)

    def supervisors(self, unit) -> list:
        """Supervisors of `unit`: those limited to a subtree holding it and campaign-wide ones."""
        return self._covering(Role.SUPERVISOR, unit, campaign_wide=True)

    def office(self) -> list:
        return [user for users in self._by_role.get(Role.OFFICE, {}).values() for user in users]


def notice_recipients(contacts: Contacts, unit) -> list:
    """Who a supervision notice (督办单) reaches: the unit it is addressed to (its liaisons and
    leaders) and the unit's supervisors, each once."""
    found = {}
    for user in (*contacts.liaisons(unit), *contacts.leaders(unit), *contacts.supervisors(unit)):
        found.setdefault(user.pk, user)
    return list(found.values())
