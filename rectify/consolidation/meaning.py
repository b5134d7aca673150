"""Sentence vectors of feedback items, read once and kept (ItemMeaning).

The sentence model reads about 65 messages a second on 2 cores: regrouping 10,000 items would
spend minutes reading the same texts again each time. Each item's vector is stored with a
digest of the model and the text it read, so an edited text or another model is read anew.
"""

import hashlib

import numpy as np

from rectify import textsim
from rectify.consolidation.models import ItemMeaning
from rectify.textsim.semantic import MODEL_ID

CHUNK = 500  # ids per query (SQLite allows 999 parameters)


def digest(text: str) -> str:
    return hashlib.sha256(f"{MODEL_ID}\n{text}".encode()).hexdigest()


def vectors_for(ids: list[int], texts: list[str], progress=None) -> np.ndarray:
    """The sentence vector of each item (ids[i] with texts[i]): kept ones where the digest
    still matches, the rest read now (progress counts those) and kept for next time."""
    wanted = [digest(t) for t in texts]
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
        fresh = textsim.sentence_vectors([texts[i] for i in stale], progress)
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
