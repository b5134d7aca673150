import pytest

from rectify.orgs.choices import Role
from tests.factories import grant, make_user


@pytest.fixture
def supervisor_a(world):
    """A supervisor limited to bureau_a's subtree (bureau_a and org_a1)."""
    user = make_user("supervisor_a")
    grant(user, world.campaign, Role.SUPERVISOR, world.bureau_a)
    return user
