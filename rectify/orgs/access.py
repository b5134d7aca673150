"""Who holds which role where: the kernel every app's scoping.py builds on.

`access(user, campaign)` answers "which roles does this person hold in this campaign, and over
which unit subtrees"; nothing here knows the types those roles guard. Each app's `scoping.py`
holds the `scope_*`, `get_*_for_user` and `can_*` functions of its own types (docs/domain.md,
Roles):

- office (整改办): everything in the campaign.
- leader, supervisor, viewer: read everything within their membership's unit subtree (no unit =
  the whole campaign); work-group members read campaign-wide by their groups' assignments.
- unit liaison: only measures whose responsible unit is in their subtree, and the problems those
  measures belong to; they may update those measures.
- superusers count as office in every campaign; anonymous users reach nothing.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from rectify.orgs.choices import Role
from rectify.orgs.models import Membership

# Roles that read by unit subtree (the whole campaign without a unit).
UNIT_READER_ROLES = (Role.OFFICE, Role.LEADER, Role.SUPERVISOR, Role.VIEWER)
# Everyone who reads the campaign beyond one unit's measures: the above and work-group members.
READ_ALL_ROLES = (*UNIT_READER_ROLES, Role.GROUP)


class SystemActor:
    """The server's operator running a command without naming a user (`rectify import` without
    --user, `rectify token revoke`): the office of every campaign, recorded in the activity log
    as no person. An explicit object, so a missing user (None) never passes a check."""

    pk = None
    is_authenticated = False  # the log and created_by record no person
    is_active = True
    is_superuser = False

    def __str__(self):
        return "system"


SYSTEM = SystemActor()


def is_active_user(user) -> bool:
    """Signed in and not deactivated: anyone else reaches nothing."""
    return getattr(user, "is_authenticated", False) and user.is_active


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


def access(user, campaign) -> Access:
    """The user's roles in `campaign`, cached on the user object for the request."""
    if user is SYSTEM:
        return Access({Role.OFFICE: None})
    if not is_active_user(user):
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


def unit_q(paths: tuple[str, ...], field_name: str) -> Q:
    """Rows whose unit (`field_name`, a foreign key to OrgUnit) lies in one of the subtrees."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field_name}__path__startswith": p})
    return q
