"""The sentence model the board uses (settings.MEANING_MODEL), and the vectors it read, kept
per feedback item (ItemMeaning).

The model is the deployer's choice: none (characters only, the default), a folder, or
m3e-small, whose licence is non-commercial, research only. It reads about 65 messages a second
on 2 cores: regrouping 10,000 items would spend minutes reading the same texts again each time.
Each item's vector is stored with a digest of the model and the text it read, so an edited text
or another model is read anew.
"""

import hashlib
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from rectify import textsim
from rectify.consolidation.models import ItemMeaning
from rectify.textsim import semantic
from rectify.textsim.grouping import SEMANTIC_LIMIT

CHUNK = 500  # ids per query (SQLite allows 999 parameters)


def model_folder() -> Path | None:
    """The folder of the model settings.MEANING_MODEL chooses; None: characters only."""
    try:
        return semantic.find(settings.MEANING_MODEL)
    except semantic.ModelMissing as err:
        raise ImproperlyConfigured(f"MEANING_MODEL={settings.MEANING_MODEL!r}: {err}") from err


def measure_used(count: int) -> dict:
    """How near-duplicates among `count` items are judged, for the board's footnote: by
    meaning (and with which model: m3e-small is for research only) or by characters only."""
    folder = model_folder()
    return {
        "semantic": textsim.semantic_for(count, model=folder),
        "model": folder.name if folder else None,
        "research_only": folder is not None and folder.name == semantic.SHIPPED,
        "limit": SEMANTIC_LIMIT,
    }


def digest(text: str, folder: Path) -> str:
    return hashlib.sha256(f"{semantic.model_id(folder)}\n{text}".encode()).hexdigest()


def vectors_for(ids: list[int], texts: list[str], folder: Path, progress=None) -> np.ndarray:
    """The sentence vector of each item (ids[i] with texts[i]) by the model in `folder`: kept
    ones where the digest still matches, the rest read now (progress counts those) and kept."""
    wanted = [digest(t, folder) for t in texts]
    kept: dict[int, tuple[str, bytes]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = ItemMeaning.objects.filter(feedback_item_id__in=ids[start : start + CHUNK])
        kept.update({pk: (d, bytes(v)) for pk, d, v in rows.values_list("pk", "digest", "vector")})
    vectors = [
        np.frombuffer(kept[pk][1], dtype="<f4") if kept.get(pk, ("",))[0] == d else None
        for pk, d in zip(ids, wanted, strict=True)
    ]
    stale = [i for i, v in enumerate(vectors) if v is None]
    if stale:
        fresh = textsim.sentence_vectors([texts[i] for i in stale], folder, progress)
        for k, i in enumerate(stale):
            vectors[i] = fresh[k]
        _keep([(ids[i], wanted[i], vectors[i]) for i in stale])
    elif progress:
        progress(1, 1)
    return np.vstack(vectors).astype(np.float32)


def _keep(rows: list[tuple[int, str, np.ndarray]]) -> None:
    ItemMeaning.objects.bulk_create(
        [
            ItemMeaning(feedback_item_id=pk, digest=d, vector=v.astype("<f4").tobytes())
            for pk, d, v in rows
        ],
        update_conflicts=True,
        unique_fields=["feedback_item"],
        update_fields=["digest", "vector"],
        batch_size=CHUNK,
    )
