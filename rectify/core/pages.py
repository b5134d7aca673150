"""Page plumbing every app's views share: htmx, status codes of refusals, messages, "back".

The API's error mapping uses the same status_of, so a refusal answers the same code on a page
and in /api/v1/.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from rectify.core.errors import ConflictError, DomainError, PermissionRefused, TransitionRefused


def is_htmx(request) -> bool:
    """An htmx request for a fragment (a history restore wants the whole page)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request"
    )


def status_of(error: DomainError) -> int:
    """The HTTP status of a refused operation: 409 for a conflict or a state that does not
    allow it, 403 for a missing right, 422 for a reused idempotency key, 400 otherwise."""
    if isinstance(error, ConflictError):
        return 409
    if isinstance(error, PermissionRefused):
        return 403
    if isinstance(error, TransitionRefused):
        return 403 if error.code == "wrong_role" else 409
    if error.code == "idempotency_key_reused":
        return 422  # the Idempotency-Key draft: the same key with a different payload
    return 400


def form_errors_to_messages(request, form) -> None:
    """Each error of a form that has no page of its own (a button on a list) as a message,
    named by its field's label."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def safe_next(request, default: str) -> str:
    """The page a form came from (its `next` field) if it is on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def redirect_back(request, default: str):
    """Back to the page the form came from (safe_next)."""
    return redirect(safe_next(request, default))
