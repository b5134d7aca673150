"""Turning texts into sparse TF-IDF vectors whose cosine says how alike they are."""

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer


def vectorise(texts: list[str]) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows of character 1–3-grams (no model, no download)."""
    vectoriser = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 3), sublinear_tf=True, dtype=np.float32
    )
    return vectoriser.fit_transform(texts).tocsr()
