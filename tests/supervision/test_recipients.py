"""Who hears about a unit: liaisons and leaders of a subtree holding it, supervisors of it or of
the whole campaign; one reading of the memberships."""

import pytest

from rectify.orgs.choices import Role
from rectify.supervision.recipients import Contacts
from tests.factories import grant, make_unit, make_user

pytestmark = pytest.mark.django_db


def test_contacts_by_unit_subtree(world, django_assert_num_queries):
    sub = make_unit("甲省民政厅办公室", world.bureau_a)
    leader_a = make_user("leader_a")
    grant(leader_a, world.campaign, Role.LEADER, world.bureau_a)
    supervisor_b = make_user("supervisor_b")
    grant(supervisor_b, world.campaign, Role.SUPERVISOR, world.bureau_b)
    gone = make_user("gone", is_active=False)
    grant(gone, world.campaign, Role.LIAISON, world.bureau_a)
    with django_assert_num_queries(1):
        c = Contacts(world.campaign)
    assert c.liaisons(sub) == [world.liaison]
    assert c.liaisons(world.bureau_b) == [world.liaison2]
    assert c.leaders(sub) == [leader_a]
    assert c.leaders(world.bureau_b) == []  # the campaign-wide leader is not the unit's leader
    assert set(c.supervisors(world.bureau_b)) == {world.supervisor, supervisor_b}
    assert c.supervisors(sub) == [world.supervisor]
    assert c.office() == [world.office]
