import pytest
from django.db import connection
from django.utils import translation


@pytest.fixture
def world(db):
    from tests.factories import World

    return World()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Real hashing costs ~0.3 s per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _skip_pg_only(request):
    if request.node.get_closest_marker("pg_only") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (runs in the PostgreSQL pass of make test)")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in English activates English in the
    thread (LocaleMiddleware), and a later test that makes no request would inherit it."""
    yield
    translation.deactivate()
