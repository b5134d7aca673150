"""The JSON API at /api/v1/: django-ninja over the same services and scoping as the pages.

Each router lives in rectify/api/routers/ and only binds input, calls a scoping function or a
service, and shapes the output. No rule lives here.
"""

from ninja import NinjaAPI

from rectify.api import errors
from rectify.api.auth import AUTH, TokenRateThrottle


class RectifyAPI(NinjaAPI):
    """Documents, on every operation, the error answers any operation can give (auth, scoping,
    validation, conflicts, rate limits), all in the one ErrorOut shape."""

    ERROR_CODES = {
        "400": "Refused",
        "401": "Not signed in, or the token is unknown, expired or revoked",
        "403": "Not allowed for this user or token",
        "404": "Not found, or not visible to this user",
        "409": "Conflict: stale version, or not allowed in the current state",
        "422": "The request is not valid",
        "429": "Too many requests (see Retry-After)",
    }

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Built once per process (about a second: every router's schemas) and kept: the
        routes cannot change while the process runs."""
        key = (path_prefix, tuple(sorted((path_params or {}).items())))
        cache = self.__dict__.setdefault("_schemas", {})
        if key not in cache:
            cache[key] = self._build_schema(path_prefix=path_prefix, path_params=path_params)
        return cache[key]

    def _build_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        error = errors.ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(error.pop("$defs", {}))
        components.setdefault("ErrorOut", error)
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                # Keys may be ints (ninja) or strings (openapi_extra): one string key each, or
                # the JSON would repeat a key, which YAML readers (the docs page) refuse.
                responses = {str(k): v for k, v in operation.get("responses", {}).items()}
                operation["responses"] = responses
                for code, description in self.ERROR_CODES.items():
                    responses.setdefault(code, {"description": description, "content": content})
        return schema


api = RectifyAPI(
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
    api.add_router("/", "rectify.api.routers.orgs.router")
    api.add_router("/", "rectify.api.routers.feedback.router")
    api.add_router("/", "rectify.api.routers.supervision.router")
    api.add_router("/", "rectify.api.routers.scoreboard.router")
    api.add_router("/", "rectify.api.routers.problems.router")
    api.add_router("/", "rectify.api.routers.measures.router")
    api.add_router("/", "rectify.api.routers.rectification.router")
    api.add_router("/", "rectify.api.routers.activity.router")
    api.add_router("/", "rectify.api.routers.public.router")
    api.add_router("/", "rectify.api.routers.workgroups.router")
    api.add_router("/", "rectify.api.routers.programs.router")
    api.add_router("/", "rectify.api.routers.imports.router")
    api.add_router("/", "rectify.api.routers.ledger_migration.router")
    api.add_router("/", "rectify.api.routers.consolidation.router")
    api.add_router("/", "rectify.api.routers.calendar.router")
    api.add_router("/", "rectify.api.routers.ledger_reimport.router")
    api.add_router("/", "rectify.api.routers.ledger_export.router")
    api.add_router("/", "rectify.api.routers.notifications.router")


_register()
