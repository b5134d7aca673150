"""The JSON API at /api/v1/: django-ninja over the same services and scoping as the pages.

Each router lives in rectify/api/routers/ and only binds input, calls a scoping function or a
service, and shapes the output. No rule lives here.
"""

from ninja import NinjaAPI

from rectify.api import errors
from rectify.api.auth import AUTH, TokenRateThrottle

api = NinjaAPI(
    title="Rectify 整改台账 API",
    version="1",
    description=(
        "Everything the pages show and do, for other systems and scripts. Authenticate with a "
        "personal token (`Authorization: Bearer rct_…`, created on your account page or with "
        "`rectify token create`) or the browser session. Every answer is scoped exactly as the "
        "same user on the pages. Errors: `{code, message, message_en, errors[]}`."
    ),
    auth=AUTH,
    throttle=[TokenRateThrottle()],
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)


def _register():
    from rectify.api.routers import campaigns

    api.add_router("/", campaigns.router)


_register()
