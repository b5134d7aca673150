"""One JSON error shape for every refusal, with a machine code and the message in Chinese and
English. Bad input never becomes a 500."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from rectify.core.errors import DomainError
from rectify.core.pages import status_of


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """Every 4xx answer of the API has this shape."""

    code: str
    message: str
    message_en: str
    errors: list[FieldError] = []


# The 4xx answers an endpoint may give, for its `response=` declaration.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _both(template, params=None) -> tuple[str, str]:
    return tuple(DomainError(template, params=params).render(lang) for lang in ("zh-hans", "en"))


def error_body(code: str, template, params=None, errors=None) -> dict:
    zh, en = _both(template, params)
    return {"code": code, "message": zh, "message_en": en, "errors": errors or []}


def respond(api, request, status: int, body: dict):
    return api.create_response(request, body, status=status)


def install(api) -> None:
    """Register the handlers on a NinjaAPI."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        body = {
            "code": exc.code,
            "message": exc.render("zh-hans"),
            "message_en": exc.render("en"),
            "errors": [],
        }
        return respond(api, request, status_of(exc), body)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = []
        for e in exc.errors:
            loc = [
                str(p)
                for p in e.get("loc", ())
                if p not in ("body", "query", "path", "payload", "form", "file")
            ]
            errors.append({"field": ".".join(loc) or "-", "message": str(e.get("msg", ""))})
        body = error_body("invalid", _("The request is not valid: see the fields listed."))
        body["errors"] = errors
        return respond(api, request, 422, body)

    @api.exception_handler(DjangoValidationError)
    def model_validation_error(request, exc: DjangoValidationError):
        errors = []
        if hasattr(exc, "error_dict"):
            with translation.override("zh-hans"):
                for field, errs in exc.message_dict.items():
                    errors += [{"field": field, "message": m} for m in errs]
        else:
            errors = [{"field": "-", "message": m} for m in exc.messages]
        body = error_body("invalid", _("The request is not valid: see the fields listed."))
        body["errors"] = errors
        return respond(api, request, 422, body)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(api, request, 404, error_body("not_found", _("Not found.")))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return respond(api, request, 403, error_body("forbidden", _("You may not do this.")))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(
            api,
            request,
            401,
            error_body(
                "unauthenticated",
                _("Sign in, or send a valid token as “Authorization: Bearer <token>”."),
            ),
        )

    @api.exception_handler(Throttled)
    def throttled(request, exc: Throttled):
        return respond(
            api,
            request,
            429,
            error_body("rate_limited", _("Too many requests: wait a moment and try again.")),
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return respond(api, request, exc.status_code, error_body("http_error", str(exc.message)))
