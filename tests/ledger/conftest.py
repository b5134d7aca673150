import pytest
from django.db import transaction
from django.test import override_settings

from tests.factories import World, make_user

# The suite's autouse fixture that picks a fast hasher is function-scoped; this one is not.
FAST_HASHING = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """One World shared by a whole module and rolled back at its end.

    Each test still runs in its own savepoint (the `db` fixture), so what a test changes is
    undone before the next one. Do not mix with transaction=True tests in the same module.
    """
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(**FAST_HASHING):
        world = World()
        world.superuser = make_user("root", is_superuser=True, is_staff=True)
        yield world
        transaction.set_rollback(True)
