"""Pairs of rows whose cosine is at or above a threshold, without an all-pairs dense matrix."""

import numpy as np
from scipy import sparse

BLOCK = 2000


def similar_pairs(x: sparse.csr_matrix, threshold: float, progress=None) -> sparse.csr_matrix:
    """Upper-triangular sparse matrix of cosine ≥ threshold between distinct rows of `x`
    (rows L2-normalised). Computed block by block so memory stays bounded."""
    n = x.shape[0]
    xt = x.T.tocsr()
    rows, cols, vals = [], [], []
    for start in range(0, n, BLOCK):
        block = (x[start : start + BLOCK] @ xt).tocoo()
        r = block.row + start
        keep = (block.data >= threshold) & (block.col > r)
        rows.append(r[keep])
        cols.append(block.col[keep])
        vals.append(block.data[keep])
        if progress:
            progress(min(start + BLOCK, n), n)
    r = np.concatenate(rows) if rows else np.empty(0, dtype=np.int32)
    c = np.concatenate(cols) if cols else np.empty(0, dtype=np.int32)
    v = np.concatenate(vals) if vals else np.empty(0, dtype=np.float32)
    return sparse.csr_matrix((v, (r, c)), shape=(n, n))


def query_pairs(
    candidates: sparse.csr_matrix, queries: sparse.csr_matrix, threshold: float, k: int
) -> list[list[tuple[int, float]]]:
    """For each query row, up to k (candidate index, cosine) at or above threshold, best first."""
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
