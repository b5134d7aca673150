"""Input types shared by the routers, so that bad input is a 422 at the edge and never a 500.

- Text must be storable on both databases: no NUL character (PostgreSQL refuses it) and no
  unpaired surrogate (not UTF-8). Everything else is kept exactly as sent.
- Moments carry a time zone and lie between 1990 and 2100 (far-off years overflow on the way to
  UTC).
"""

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, Field, PlainSerializer

EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no unpaired surrogates)") from None
    return value


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def in_range(value: dt.datetime) -> dt.datetime:
    try:
        ok = EARLIEST <= value.astimezone(dt.UTC) < LATEST
    except OverflowError:
        ok = False
    if not ok:
        raise ValueError("must lie between 1990 and 2100")
    return value


def Line(max_length: int):
    """A short text: at most `max_length` characters, may be empty."""
    return Annotated[str, Field(max_length=max_length), AfterValidator(storable)]


def Text(max_length: int):
    """A required text, kept as sent: not blank, at most `max_length` characters."""
    return Annotated[
        str,
        Field(min_length=1, max_length=max_length),
        AfterValidator(storable),
        AfterValidator(not_blank),
    ]


Moment = Annotated[AwareDatetime, AfterValidator(in_range)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]  # a database id (64-bit)
Slug = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]+$", max_length=50)]  # a campaign's slug
Number = Annotated[int, Field(ge=1, le=2**31 - 1)]  # a problem number or a version (32-bit)
# Text the forms and services validate further; here only what the database could not store.
Storable = Annotated[str, AfterValidator(storable)]
# A similarity (0..1) as it is meant to be read: three decimals, like `rectify cluster`'s CSV.
# The stored value keeps its float32 noise (0.9999998 on one CPU, 1.0 on another); answers do
# not. Only the answer is rounded: the OpenAPI type stays a number.
Similarity = Annotated[float, PlainSerializer(lambda x: round(x, 3), return_type=float)]


def printable(value: str) -> str:
    """A client-sent file name or type without control characters (NUL cannot be stored)."""
    return "".join(ch for ch in value if ch.isprintable())


# The OpenAPI description of a download answered with a file.
FILE_DOWNLOAD = {
    "responses": {
        200: {
            "description": "The file, as an attachment",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    }
}


class StoredFileOut(Schema):
    """An uploaded file (evidence, activity minutes …): what every kind of stored file shows.
    Subclasses add their links and resolve `download` to their own endpoint."""

    id: int
    original_name: str
    size: int
    sha256: str
    content_type: str
    description: str
    uploaded_by: str | None
    uploaded_at: dt.datetime
    download: str = Field(description="GET this path (under /api/v1) for the file")

    @staticmethod
    def resolve_uploaded_by(obj) -> str | None:
        return obj.uploaded_by.username if obj.uploaded_by_id else None
