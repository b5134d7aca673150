import pytest
from django.db import connection


@pytest.fixture
def world(db):
    from tests.factories import World

    return World()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Real hashing costs ~0.3 s per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The suite judges meaning with the m3e-small model, chosen here explicitly (its licence:
    # non-commercial, research use only; docs/licences.md). The setting's default is none;
    # the tests of "no model" set it back.
    settings.MEANING_MODEL = "m3e-small"


@pytest.fixture(autouse=True)
def _skip_pg_only(request):
    if request.node.get_closest_marker("pg_only") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (runs in the PostgreSQL pass of make test)")
