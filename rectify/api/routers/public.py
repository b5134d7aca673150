"""The public page through the API: submit without an account, follow by receipt code.

No authentication (auth=None): the same service, the same rate limits and the same answers as
the page (rectify/feedback/public/). Unknown campaigns and closed pages are 404, like unknown
receipt codes and codes of another campaign, so nothing tells them apart.

No Idempotency-Key: there is no user to keep keys apart, so one stranger's key could replay
another stranger's receipt code. A retried submission may create a second item (with its own
code); the office merges duplicates anyway.
"""

import datetime as dt
import functools
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from ninja.decorators import decorate_view
from pydantic import AfterValidator, ConfigDict

from rectify.api.errors import ERRORS, ErrorOut, error_body
from rectify.api.fields import Id, Line, Slug, Text
from rectify.feedback.choices import FeedbackKind
from rectify.feedback.models import TEXT_MAX_LENGTH
from rectify.feedback.public import codes, limits, lookup, services
from rectify.feedback.public.services import (
    CONTACT_MAX_LENGTH,
    MAX_BODY_BYTES,
    NAME_MAX_LENGTH,
    TEXT_MIN_LENGTH,
)
from rectify.orgs.choices import RegionLevel
from rectify.orgs.models import Region

router = Router(tags=["public"])


def long_enough(value: str) -> str:
    if len(value.strip()) < TEXT_MIN_LENGTH:
        raise ValueError(f"must have at least {TEXT_MIN_LENGTH} characters besides spaces")
    return value


def limit_body(view):
    """Answer 413 to an oversized body before it is read or parsed (wraps the operation)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = MAX_BODY_BYTES + 1
        if size > MAX_BODY_BYTES:
            from rectify.api.api import api

            body = error_body("too_large", _("The request body is too large."))
            return api.create_response(request, body, status=413)
        return view(request, *args, **kwargs)

    return wrapper


class PublicFeedbackIn(Schema):
    """A problem or suggestion from the public, stored exactly as sent."""

    model_config = ConfigDict(extra="forbid")

    kind: FeedbackKind
    text: Annotated[Text(TEXT_MAX_LENGTH), AfterValidator(long_enough)] = Field(
        description=f"{TEXT_MIN_LENGTH} to {TEXT_MAX_LENGTH} characters, stored exactly as sent"
    )
    region_id: Id | None = Field(None, description="a province-level region (see /regions)")
    name: Line(NAME_MAX_LENGTH) = Field("", description="optional; only the office sees it")
    contact: Line(CONTACT_MAX_LENGTH) = Field("", description="optional; only the office sees it")


class ReceiptOut(Schema):
    receipt_code: str = Field(description="keep it: the only way to follow the submission")
    status_url: str = Field(description="the public status page of this submission")
    received_at: dt.datetime


Stage = Literal["received", "merged", "in_progress", "rectified"]


class PublicProblemOut(Schema):
    number: int | None = Field(description="null when the office gave the problem no public title")
    public_title: str | None
    stage: Literal["merged", "in_progress", "rectified"]
    rectified_on: dt.date | None


class ReceiptStatusOut(Schema):
    receipt_code: str
    kind: FeedbackKind
    text: str = Field(description="the submission itself, as sent")
    received_at: dt.datetime
    stage: Stage = Field(
        description="received → merged (into a problem) → in_progress (measures under way) → "
        "rectified (every problem it was merged into)"
    )
    rectified_on: dt.date | None = Field(description="when the last measure was closed")
    problems: list[PublicProblemOut]


def _rate_limited(request, exc: limits.RateLimited):
    from rectify.api.api import api

    response = api.create_response(
        request, error_body(exc.code, exc.template, exc.params), status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def _not_found(request):
    from rectify.api.api import api

    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@router.post(
    "/public/{slug}/feedback",
    auth=None,
    response={201: ReceiptOut, 413: ErrorOut, 429: ErrorOut, **ERRORS},
    summary="Submit a problem or suggestion on a campaign's public page (no account)",
    description=(
        "Works only while the campaign's public page is open (else 404). Rate-limited per "
        "address and per campaign (429 with Retry-After). Answers the receipt code, which is "
        "shown once. No Idempotency-Key: a retry may create a second item."
    ),
)
@decorate_view(limit_body)
def submit(request, slug: Slug, payload: PublicFeedbackIn):
    try:
        campaign = services.get_open_campaign(slug)
    except services.PublicPageClosed:
        return _not_found(request)
    region = None
    if payload.region_id is not None:
        region = Region.objects.filter(level=RegionLevel.PROVINCE, pk=payload.region_id).first()
        if region is None:
            raise ValidationError({"region_id": [_("No such region.")]})
    try:
        item = services.submit_public(
            campaign,
            text=payload.text,
            kind=payload.kind,
            region=region,
            name=payload.name.strip(),
            contact=payload.contact.strip(),
            ip=limits.client_address(request),
        )
    except limits.RateLimited as exc:
        return _rate_limited(request, exc)
    except services.PublicPageClosed:
        return _not_found(request)
    url = reverse("public-status", args=[campaign.slug, item.receipt_code])
    return Status(
        201,
        {
            "receipt_code": codes.format_code(item.receipt_code),
            "status_url": request.build_absolute_uri(url),
            "received_at": item.received_at,
        },
    )


@router.get(
    "/public/{slug}/receipts/{code}",
    auth=None,
    response={200: ReceiptStatusOut, 429: ErrorOut, **ERRORS},
    summary="What became of a public submission, by its receipt code (no account)",
    description=(
        "The code is read as typed: upper or lower case, with or without dashes or spaces. "
        "Shows only that submission's own text and progress. Unknown codes, codes of another "
        "campaign and campaigns without a public page are all 404. Rate-limited per address."
    ),
)
def receipt(request, slug: Slug, code: Annotated[str, Field(max_length=40)]):
    try:
        campaign = services.get_followable_campaign(slug)
    except services.PublicPageClosed:
        return _not_found(request)
    try:
        limits.throttle_lookup(limits.client_address(request))
    except limits.RateLimited as exc:
        return _rate_limited(request, exc)
    found = lookup.public_status(campaign, code)
    if found is None:
        return _not_found(request)
    return {
        "receipt_code": found.display_code,
        "kind": found.kind,
        "text": found.text,
        "received_at": found.received_at,
        "stage": found.stage,
        "rectified_on": found.rectified_on,
        "problems": [p.__dict__ for p in found.problems],
    }
