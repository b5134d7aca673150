"""Idempotency-Key: a retried POST answers what the first one answered and creates nothing twice."""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from rectify.api.models import IdempotentRequest
from rectify.core.errors import DomainError

HEADER = "Idempotency-Key"


class KeyReused(DomainError):
    code = "idempotency_key_reused"


def run(request, payload: dict, produce: Callable[[], tuple[int, dict]]) -> tuple[int, dict, bool]:
    """(status, body, replayed). Without the header, just produce()."""
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        status, body = produce()
        return status, body, False
    if len(key) > 200:
        raise KeyReused(_("The Idempotency-Key header is longer than 200 characters."))
    digest = hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()
    previous = _previous(request.user, key, digest)
    if previous:
        return previous.status_code, previous.response, True
    try:
        with transaction.atomic():
            status, body = produce()
            IdempotentRequest.objects.create(
                user=request.user,
                key=key,
                path=request.path[:300],
                request_digest=digest,
                status_code=status,
                response=json.loads(json.dumps(body, default=str)),
            )
    except IntegrityError:
        # A concurrent request with the same key won; answer what it answered.
        previous = _previous(request.user, key, digest)
        if previous is None:
            raise
        return previous.status_code, previous.response, True
    return status, body, False


def _previous(user, key: str, digest: str) -> IdempotentRequest | None:
    previous = IdempotentRequest.objects.filter(user=user, key=key).first()
    if previous is not None and previous.request_digest != digest:
        raise KeyReused(
            _("This Idempotency-Key was already used for a different request."),
        )
    return previous
