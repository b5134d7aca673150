import pytest
from django.core.cache import cache

from rectify.api import tokens


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token_for(db):
    """token_for(user, scope="write") → the plaintext of a new token."""

    def make(user, scope="write", days=None):
        return tokens.issue(user, name="test", scope=scope, days=days)[1]

    return make


@pytest.fixture
def api(client, token_for):
    """api(user).get(path) / .post(path, json) with the user's token, on /api/v1/."""

    class Caller:
        def __init__(self, user, scope="write"):
            self.headers = {"Authorization": f"Bearer {token_for(user, scope)}"}

        def get(self, path, **params):
            return client.get(f"/api/v1{path}", params, headers=self.headers)

        def post(self, path, data=None, headers=None):
            return client.post(
                f"/api/v1{path}",
                data or {},
                content_type="application/json",
                headers={**self.headers, **(headers or {})},
            )

        def delete(self, path, headers=None):
            return client.delete(f"/api/v1{path}", headers={**self.headers, **(headers or {})})

        def patch(self, path, data, headers=None):
            return client.patch(
                f"/api/v1{path}",
                data,
                content_type="application/json",
                headers={**self.headers, **(headers or {})},
            )

    return Caller
