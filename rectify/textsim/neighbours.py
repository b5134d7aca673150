"""Pairs of texts at or above a similarity threshold, without comparing all pairs."""

import numpy as np
from scipy import sparse

from rectify.textsim.vectors import MEANING_FLOOR, Vectors

BLOCK = 4000  # rows per sparse product: bounds memory whatever the number of texts
DENSE_BLOCK = 1000  # rows per dense product of sentence vectors (1,000 × 20,000 × 4 B = 80 MB)
CANDIDATES = 20  # per text, the best candidates (by probe score) that get an exact score
PROBE_FLOOR = 0.2  # probe scores below this are not candidates


def _top_per_row(block: sparse.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, col) of the k largest entries of each row of a csr block."""
    counts = np.diff(block.indptr)
    rows = np.repeat(np.arange(block.shape[0]), counts)
    if counts.max(initial=0) <= k:
        return rows, block.indices
    # one float key orders by row, then by value descending (values lie in 0..1)
    order = np.argsort(rows * 2.0 + (1.0 - block.data))
    rank = np.arange(len(order)) - np.repeat(block.indptr[:-1], counts)
    keep = order[rank < k]
    return rows[keep], block.indices[keep]


def _candidate_blocks(vectors: Vectors, threshold: float, level: str):
    """(first row, csr block of candidate scores) for each block of rows.

    Character vectors: a sparse product of the probe vectors (each text's rarer bigrams and
    its named places). Sentence vectors (duplicate level): their dense product, which is all
    pairs but one matrix product per block; only pairs that could reach the threshold."""
    if level == "duplicate" and vectors.meaning is not None:
        meaning = vectors.meaning
        floor = MEANING_FLOOR + threshold * (1.0 - MEANING_FLOOR)
        for start in range(0, meaning.shape[0], DENSE_BLOCK):
            block = meaning[start : start + DENSE_BLOCK] @ meaning.T
            block[block < floor] = 0.0
            yield start, sparse.csr_matrix(block)
        return
    probe = vectors.probe
    probe_t = probe.T.tocsr()
    for start in range(0, probe.shape[0], BLOCK):
        block = (probe[start : start + BLOCK] @ probe_t).tocsr()
        block.data[block.data < PROBE_FLOOR] = 0.0
        block.eliminate_zeros()
        yield start, block


def similar_pairs(
    vectors: Vectors, threshold: float, progress=None, level: str = "duplicate"
) -> sparse.coo_matrix:
    """Symmetric sparse matrix of similarity ≥ threshold between distinct texts.

    Candidates come block by block (_candidate_blocks), best CANDIDATES per text; each
    candidate pair (once, whichever side found it) then gets its exact similarity."""
    n = vectors.full.shape[0]
    keys = []
    for start, block in _candidate_blocks(vectors, threshold, level):
        r, c = _top_per_row(block, CANDIDATES)
        r = r + start
        apart = r != c
        low, high = np.minimum(r, c)[apart], np.maximum(r, c)[apart]
        keys.append(low.astype(np.int64) * n + high)
        if progress:
            progress(min(start + block.shape[0], n) // 2, n)
    pairs = np.unique(np.concatenate(keys)) if keys else np.empty(0, dtype=np.int64)
    rows, cols, vals = [], [], []
    step = 200_000
    for start in range(0, len(pairs), step):
        r, c = np.divmod(pairs[start : start + step], n)
        exact = vectors.similarity(r, c, level)
        keep = exact >= threshold
        rows.append(r[keep])
        cols.append(c[keep])
        vals.append(exact[keep])
        if progress:
            progress(n // 2 + n * min(start + step, len(pairs)) // (2 * len(pairs)), n)
    r = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
    v = np.concatenate(vals) if vals else np.empty(0, dtype=np.float32)
    return sparse.coo_matrix(
        (np.concatenate([v, v]), (np.concatenate([r, c]), np.concatenate([c, r]))), shape=(n, n)
    )


def query_pairs(
    vectors: Vectors, n_candidates: int, threshold: float, k: int
) -> list[list[tuple[int, float]]]:
    """For each query (the rows after the first n_candidates), up to k (candidate index,
    similarity) at or above threshold, best first. Exact products, block by block: the
    candidates are existing problems, not millions."""
    out = []
    full = vectors.full
    ct = full[:n_candidates].T.tocsr()
    for start in range(n_candidates, full.shape[0], BLOCK):
        block = (full[start : start + BLOCK] @ ct).tocoo()
        # the place rule only lowers a similarity: apply it to what could still qualify
        near = block.data >= threshold
        rows, cols = block.row[near], block.col[near]
        vals = vectors.adjust(rows + start, cols, block.data[near])
        keep = vals >= threshold
        rows, cols, vals = rows[keep], cols[keep], np.minimum(vals[keep], 1.0)
        order = np.lexsort((-vals, rows))
        rows, cols, vals = rows[order], cols[order], vals[order]
        bounds = np.searchsorted(rows, np.arange(block.shape[0] + 1))
        for i in range(block.shape[0]):
            lo, hi = bounds[i], min(bounds[i + 1], bounds[i] + k)
            out.append([(int(c), float(v)) for c, v in zip(cols[lo:hi], vals[lo:hi], strict=True)])
    return out
