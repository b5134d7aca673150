"""The access kernel: who holds which role where, and the explicit system actor of commands."""

import pytest

from rectify.campaigns.scoping import scope_campaigns
from rectify.feedback.scoping import can_import
from rectify.ledger.scoping import scope_measures
from rectify.orgs.access import SYSTEM, access
from rectify.orgs.choices import Role


@pytest.mark.django_db
def test_the_system_actor_is_the_office_everywhere_and_no_person(world):
    assert access(SYSTEM, world.campaign).is_office
    assert can_import(SYSTEM, world.campaign)
    assert set(scope_campaigns(SYSTEM)) == {world.campaign}
    assert scope_measures(SYSTEM, world.campaign).count() == 3
    assert not SYSTEM.is_authenticated  # the log records no person for it


@pytest.mark.django_db
def test_a_missing_user_passes_no_check(world):
    """`can_import(None, …)` used to mean "the CLI" and passed every check."""
    assert access(None, world.campaign).roles == {}
    assert not can_import(None, world.campaign)
    assert not scope_campaigns(None).exists()
    assert not scope_measures(None, world.campaign).exists()


@pytest.mark.django_db
def test_roles_and_their_subtrees(world):
    leader = access(world.leader, world.campaign)
    assert leader.has(Role.LEADER) and not leader.is_office
    assert leader.paths(Role.LEADER) is None  # no unit: the whole campaign
    liaison = access(world.liaison, world.campaign)
    assert liaison.paths(Role.LIAISON) == (world.bureau_a.path,)
    assert liaison.covers_unit(world.org_a1, Role.LIAISON)
    assert not liaison.covers_unit(world.bureau_b, Role.LIAISON)
