"""Pairs of texts at or above a similarity threshold, without comparing all pairs."""

import numpy as np
from scipy import sparse

from rectify.textsim.vectors import Vectors

BLOCK = 4000  # rows per sparse product: bounds memory whatever the number of texts
CANDIDATES = 40  # per text, the best candidates (by probe score) that get an exact score
PROBE_FLOOR = 0.05  # probe scores below this are not candidates


def _top_per_row(block: sparse.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, col) of the k largest entries of each row of a csr block."""
    counts = np.diff(block.indptr)
    rows = np.repeat(np.arange(block.shape[0]), counts)
    if counts.max(initial=0) <= k:
        return rows, block.indices
    # sort by (row, -value): then the first k of each row are its best
    order = np.lexsort((-block.data, rows))
    rank = np.arange(len(order)) - np.repeat(block.indptr[:-1], counts)
    keep = order[rank < k]
    return rows[keep], block.indices[keep]


def similar_pairs(vectors: Vectors, threshold: float, progress=None) -> sparse.coo_matrix:
    """Symmetric sparse matrix of similarity ≥ threshold between distinct texts.

    Candidates come from a sparse product of the probe vectors (each text's rarer bigrams and
    its named places), block by block, best CANDIDATES per text; each candidate pair then gets
    its exact similarity from the full vectors."""
    probe, full = vectors.probe, vectors.full
    n = probe.shape[0]
    probe_t = probe.T.tocsr()
    rows, cols, vals = [], [], []
    for start in range(0, n, BLOCK):
        block = (probe[start : start + BLOCK] @ probe_t).tocsr()
        block.data[block.data < PROBE_FLOOR] = 0.0
        block.eliminate_zeros()
        r, c = _top_per_row(block, CANDIDATES)
        r = r + start
        keep = r != c
        r, c = r[keep], c[keep]
        exact = np.asarray(full[r].multiply(full[c]).sum(axis=1), dtype=np.float32).ravel()
        keep = exact >= threshold
        rows.append(r[keep])
        cols.append(c[keep])
        vals.append(np.minimum(exact[keep], 1.0))
        if progress:
            progress(min(start + BLOCK, n), n)
    r = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
    v = np.concatenate(vals) if vals else np.empty(0, dtype=np.float32)
    # a pair found from either side counts once, in both directions
    m = sparse.coo_matrix((v, (r, c)), shape=(n, n)).tocsr()
    return m.maximum(m.T).tocoo()


def query_pairs(
    candidates: sparse.csr_matrix, queries: sparse.csr_matrix, threshold: float, k: int
) -> list[list[tuple[int, float]]]:
    """For each query row, up to k (candidate index, similarity) at or above threshold, best
    first (exact products, block by block: candidates are existing problems, not millions)."""
    out = []
    ct = candidates.T.tocsr()
    for start in range(0, queries.shape[0], BLOCK):
        block = (queries[start : start + BLOCK] @ ct).tocsr()
        for i in range(block.shape[0]):
            lo, hi = block.indptr[i], block.indptr[i + 1]
            idx, val = block.indices[lo:hi], block.data[lo:hi]
            keep = val >= threshold
            idx, val = idx[keep], val[keep]
            order = np.argsort(-val, kind="stable")[:k]
            out.append([(int(idx[j]), float(min(val[j], 1.0))) for j in order])
    return out
