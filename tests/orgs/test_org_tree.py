"""The materialised path of OrgUnit, which every scoping query relies on."""

import pytest
from django.core.exceptions import ValidationError

from rectify.ledger import scoping as ledger_scoping
from rectify.orgs.models import OrgUnit, User
from tests.factories import make_unit


def paths(*units) -> list[str]:
    return [OrgUnit.objects.get(pk=u.pk).path for u in units]


def fresh(user) -> User:
    """The user without the per-request access cache."""
    return User.objects.get(pk=user.pk)


def test_a_new_unit_gets_its_parents_path_plus_its_own_id(world):
    assert world.ministry.path == f"{world.ministry.pk:06d}/"
    assert (
        world.org_a1.path
        == f"{world.ministry.pk:06d}/{world.bureau_a.pk:06d}/{world.org_a1.pk:06d}/"
    )
    assert set(OrgUnit.objects.subtree(world.bureau_a)) == {world.bureau_a, world.org_a1}


def test_moving_a_unit_updates_the_paths_of_its_whole_subtree(world):
    grandchild = make_unit("协会分会", world.org_a1)
    world.bureau_a.parent = world.bureau_b
    world.bureau_a.save()
    b = world.bureau_b.path
    a = f"{b}{world.bureau_a.pk:06d}/"
    assert paths(world.bureau_a, world.org_a1, grandchild) == [
        a,
        f"{a}{world.org_a1.pk:06d}/",
        f"{a}{world.org_a1.pk:06d}/{grandchild.pk:06d}/",
    ]
    assert paths(world.bureau_b, world.ministry) == [world.bureau_b.path, world.ministry.path]
    assert set(OrgUnit.objects.subtree(world.bureau_b)) == {
        world.bureau_b,
        world.bureau_a,
        world.org_a1,
        grandchild,
    }


def test_scoping_follows_a_moved_unit(world):
    world.bureau_a.parent = world.bureau_b
    world.bureau_a.save()
    liaison2 = fresh(world.liaison2)
    seen = set(ledger_scoping.scope_measures(liaison2, world.campaign))
    assert seen == {world.measure_a, world.measure_b, world.measure_b2}
    assert set(ledger_scoping.scope_measures(fresh(world.liaison), world.campaign)) == {
        world.measure_a
    }


def test_moving_back_restores_every_path(world):
    before = paths(world.bureau_a, world.org_a1)
    world.bureau_a.parent = world.bureau_b
    world.bureau_a.save()
    world.bureau_a.parent = world.ministry
    world.bureau_a.save()
    assert paths(world.bureau_a, world.org_a1) == before


def test_a_unit_can_become_a_root(world):
    world.bureau_a.parent = None
    world.bureau_a.save()
    assert paths(world.bureau_a, world.org_a1) == [
        f"{world.bureau_a.pk:06d}/",
        f"{world.bureau_a.pk:06d}/{world.org_a1.pk:06d}/",
    ]


def test_a_unit_cannot_be_moved_under_its_own_descendant(world):
    before = paths(world.ministry, world.bureau_a, world.org_a1)
    world.bureau_a.parent = world.org_a1
    with pytest.raises(ValidationError):
        world.bureau_a.save()
    assert paths(world.ministry, world.bureau_a, world.org_a1) == before


def test_a_unit_cannot_be_its_own_parent(world):
    before = paths(world.bureau_a)
    world.bureau_a.parent = world.bureau_a
    with pytest.raises(ValidationError):
        world.bureau_a.save()
    assert paths(world.bureau_a) == before


def test_a_stale_parent_copy_cannot_create_a_cycle(world):
    stale_a1 = OrgUnit.objects.get(pk=world.org_a1.pk)
    # Someone moves org_a1 from under bureau_a to under bureau_b …
    world.org_a1.parent = world.bureau_b
    world.org_a1.save()
    # … and someone else, holding an old copy of org_a1, moves bureau_b under it.
    world.bureau_b.parent = stale_a1
    with pytest.raises(ValidationError):
        world.bureau_b.save()
