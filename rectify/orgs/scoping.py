"""Reads of the organisation's reference data: regions and the unit tree (orgs/access.py)."""

from django.db.models import QuerySet

from rectify.orgs.access import is_active_user
from rectify.orgs.models import OrgUnit, Region


def scope_regions(user) -> QuerySet[Region]:
    """Regions are reference data: every signed-in user reads all of them."""
    active = is_active_user(user)
    return Region.objects.all() if active else Region.objects.none()


def scope_org_units(user) -> QuerySet[OrgUnit]:
    """The organisation tree is reference data (every form picks units from it): every signed-in
    user reads all of it. What a unit's people may do is decided per campaign, above."""
    active = is_active_user(user)
    return OrgUnit.objects.all() if active else OrgUnit.objects.none()
