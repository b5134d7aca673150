"""Entering many feedback items at once (after a symposium): the exact-duplicate check and an
all-or-nothing create.

Each item goes through services.create_feedback (role check, activity log), all of them inside
one transaction: one refused item and none is saved. Near-duplicates are the consolidation
work's business; here only texts equal after normalisation (FeedbackItem.text_key) count.
"""

from collections.abc import Iterable

from django.db import transaction

from rectify.feedback.choices import Channel
from rectify.feedback.items import closeness, services
from rectify.feedback.models import FeedbackItem
from rectify.textsim.normalise import dedup_key

# Items entered at once, on the page and in the API (a request carries at most 1,000 fields,
# Django's default; the page sends 5 per row).
MAX_ROWS = 150

# Research activities and the channel their feedback arrives through share their names.
CHANNEL_OF_ACTIVITY = {
    kind: kind for kind in ("symposium", "interview", "written", "field_visit", "survey")
}
# Channels with their own way in (the public page, spreadsheet import): not entered by hand.
ENTRY_CHANNELS = [(v, label) for v, label in Channel.choices if v not in ("public_page", "import")]


def channel_for(activity) -> str:
    return CHANNEL_OF_ACTIVITY.get(getattr(activity, "kind", ""), Channel.OTHER)


def split_lines(text: str) -> list[str]:
    """One item per line, blank lines ignored; each line kept as it was (without its line
    break)."""
    return [line for line in text.splitlines() if line.strip()]


def existing_duplicates(campaign, texts: Iterable[str]) -> dict[str, FeedbackItem]:
    """text_key → the earliest item of the campaign with that key, for the keys of `texts`."""
    keys = {dedup_key(t) for t in texts}
    found: dict[str, FeedbackItem] = {}
    if not keys:
        return found
    for item in FeedbackItem.objects.filter(campaign=campaign, text_key__in=keys).order_by("pk"):
        found.setdefault(item.text_key, item)
    return found


@transaction.atomic
def create_many(campaign, *, actor, rows: list[dict], **common) -> list[FeedbackItem]:
    """Create every row (kind, text, channel, region …, plus `common`: activity, work_group,
    received_at …) through create_feedback, in one transaction: all or nothing. The items are
    then compared with the campaign's problems together (feedback/items/closeness.py)."""
    items = [
        services.create_feedback(campaign, actor=actor, flag=False, **common, **row) for row in rows
    ]
    closeness.flag_at_intake(items)
    return items
