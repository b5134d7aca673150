"""Give every existing feedback item its row fingerprint (what a re-import recognises)."""

import hashlib
import re
import unicodedata

from django.db import migrations
from django.utils import timezone

# Copied from rectify.textsim.normalise and rectify.feedback.models (migrations do not import
# app code).
_SPACE = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069",
    ),
    None,
)


def _comparable(text):
    folded = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return _SPACE.sub(" ", folded).strip().lower()


def _fingerprint(text_key, received, submitter):
    day = (
        received.astimezone(timezone.get_default_timezone()).date().isoformat() if received else ""
    )
    raw = f"{text_key}|{day}|{_comparable(submitter or '')}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def fill(apps, schema_editor):
    FeedbackItem = apps.get_model("feedback", "FeedbackItem")
    items = FeedbackItem.objects.filter(row_fingerprint="").only(
        "pk", "text_key", "received_at", "submitter_name"
    )
    for item in items.iterator(chunk_size=2000):
        FeedbackItem.objects.filter(pk=item.pk).update(
            row_fingerprint=_fingerprint(item.text_key, item.received_at, item.submitter_name)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0005_import_batches_and_column_mappings"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
