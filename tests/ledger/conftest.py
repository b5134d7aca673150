import pytest
from django.db import transaction

from tests.factories import World, make_user


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """One World shared by a whole module and rolled back at its end.

    Each test still runs in its own savepoint (the `db` fixture), so what a test changes is
    undone before the next one. Do not mix with transaction=True tests in the same module.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        world = World()
        world.superuser = make_user("root", is_superuser=True, is_staff=True)
        yield world
        transaction.set_rollback(True)
