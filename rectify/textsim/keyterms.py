"""A few words that say what a group is about, for display.

Segmenting every text with jieba would cost more than the grouping itself at 100,000 texts, so
the words are the group's character bigrams that jieba's dictionary knows as words, ranked by
their TF-IDF summed over the members; the places the members name come first."""

import logging

import numpy as np
from scipy import sparse

from rectify.textsim.vectors import Vectors

_STOP = frozenset(
    [
        "我们",
        "你们",
        "他们",
        "这个",
        "那个",
        "什么",
        "怎么",
        "没有",
        "可以",
        "一个",
        "问题",
        "反映",
        "希望",
        "请问",
        "谢谢",
        "您好",
        "领导",
        "现在",
        "目前",
        "已经",
        "还是",
        "但是",
        "因为",
        "所以",
        "如果",
        "这样",
        "那么",
        "自己",
        "相关",
        "部门",
        "有关",
        "情况",
        "进行",
        "要求",
        "这边",
        "那边",
        "尽快",
        "处理",
        "解决",
        "重视",
        "恳请",
        "不是",
        "就是",
        "还有",
        "今天",
        "时候",
    ]
)


def _dictionary() -> frozenset[str]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return frozenset(w for w, f in jieba.dt.FREQ.items() if f > 0 and len(w) == 2)


class KeyTerms:
    """Key terms of groups of one input (the word columns are found once)."""

    def __init__(self, vectors: Vectors):
        words = _dictionary()
        terms = vectors.bigram_terms
        keep = np.fromiter(
            (t in words and t not in _STOP for t in terms), dtype=bool, count=len(terms)
        )
        self.words = (vectors.bigrams @ sparse.diags(keep.astype(np.float32))).tocsr()
        self.words.eliminate_zeros()
        self.terms = terms
        self.places = vectors.places
        self.place_terms = vectors.place_terms

    def of(self, ids: list[int], limit: int = 5) -> list[str]:
        """Up to `limit` terms: the places most members name, then the heaviest words."""
        place_cols, _ = _summed(self.places, ids)
        word_cols, weight = _summed(self.words, ids)
        places = [self.place_terms[c].split(":", 1)[1] for c in place_cols[:3]]
        words = [self.terms[c] for c in word_cols[np.argsort(-weight, kind="stable")]]
        out: list[str] = []
        for term in [*places, *words]:
            if len(out) >= limit:
                break
            if term and not any(term in kept or kept in term for kept in out):
                out.append(_upper_latin(term))
        return out


def _summed(matrix: sparse.csr_matrix, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Columns used by these rows, most-used first, and their summed values (by column)."""
    starts, ends = matrix.indptr[ids], matrix.indptr[np.asarray(ids) + 1]
    if len(ids) == 1:
        cols = matrix.indices[starts[0] : ends[0]]
        values = matrix.data[starts[0] : ends[0]]
        return cols, values
    cols = np.concatenate([matrix.indices[a:b] for a, b in zip(starts, ends, strict=True)])
    data = np.concatenate([matrix.data[a:b] for a, b in zip(starts, ends, strict=True)])
    unique, inverse, counts = np.unique(cols, return_inverse=True, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return unique[order], np.bincount(inverse, weights=data)[order]


def _upper_latin(term: str) -> str:
    """Place codes were lower-cased for comparison; show them as written (A区, A1区)."""
    return "".join(ch.upper() if ch.isascii() else ch for ch in term)
