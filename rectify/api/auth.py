"""Who is calling: a personal token (Authorization: Bearer) or the browser session (with CSRF).

Either way the request then acts as that user, scoped exactly as on the pages.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer, django_auth
from ninja.throttling import SimpleRateThrottle

from rectify.api import tokens
from rectify.api.models import TokenScope
from rectify.core.errors import PermissionRefused

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenAuth(HttpBearer):
    openapi_description = "Personal token: Authorization: Bearer rct_…"

    def authenticate(self, request, token):
        found = tokens.authenticate(token)
        if found is None:
            return None
        if request.method not in SAFE_METHODS and found.scope != TokenScope.WRITE:
            raise PermissionRefused(
                _("This token is read-only: create a write token to change data."),
                code="read_only_token",
            )
        request.user = found.user
        request.api_token = found
        return found


class TokenRateThrottle(SimpleRateThrottle):
    """Per token (or per signed-in user, or per address): settings.API_RATE_LIMIT, e.g. 600/min.

    The rate is read on each request, so an operator (or a test) can change it without restart.
    """

    def __init__(self):
        self.rate = None

    def allow_request(self, request) -> bool:
        self.rate = settings.API_RATE_LIMIT
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request):
        token = getattr(request, "api_token", None)
        if token is not None:
            ident = f"t{token.pk}"
        elif getattr(request, "user", None) is not None and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            ident = f"a{self.get_ident(request)}"
        return f"rectify-api-rate-{ident}"


AUTH = [TokenAuth(), django_auth]
