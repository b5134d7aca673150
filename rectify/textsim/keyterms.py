"""A few words that say what a group is about, for display.

Segmenting every text with jieba would cost more than the grouping itself at 100,000 texts, so
the words are the group's character bigrams that jieba's dictionary knows as words, ranked by
their TF-IDF summed over the members; the places the members name come first."""

import functools
import re

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


@functools.cache
def _dictionary() -> frozenset[str]:
    """The two-character words of jieba's dictionary (read directly with one regular
    expression: 0.1 s, where jieba.initialize() would take 1 s to load what segmentation
    needs)."""
    import jieba

    with jieba.get_dict_file() as f:
        return frozenset(re.findall(r"^(\S\S) ", f.read().decode("utf-8"), re.MULTILINE))


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
        self.place_names = np.array(
            [_upper_latin(t.split(":", 1)[-1]) for t in vectors.place_terms], dtype=object
        )

    def of(self, ids: list[int], limit: int = 5) -> list[str]:
        """Up to `limit` terms: the places most members name, then the heaviest words."""
        place_cols, _ = _summed(self.places, ids)
        word_cols, weight = _summed(self.words, ids)
        top = np.argsort(-weight, kind="stable")[: limit * 2]
        out: list[str] = []
        for term in [*self.place_names[place_cols[:3]].tolist(), *self.terms[word_cols[top]]]:
            if len(out) >= limit:
                break
            if term and not any(term in kept or kept in term for kept in out):
                out.append(term)
        return out


def _summed(matrix: sparse.csr_matrix, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Columns used by these rows, most-used first, and their summed values (by column)."""
    if len(ids) == 1:
        lo, hi = matrix.indptr[ids[0]], matrix.indptr[ids[0] + 1]
        return matrix.indices[lo:hi], matrix.data[lo:hi]
    starts, ends = matrix.indptr[ids], matrix.indptr[np.asarray(ids) + 1]
    cols = np.concatenate([matrix.indices[a:b] for a, b in zip(starts, ends, strict=True)])
    data = np.concatenate([matrix.data[a:b] for a, b in zip(starts, ends, strict=True)])
    unique, inverse, counts = np.unique(cols, return_inverse=True, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return unique[order], np.bincount(inverse, weights=data)[order]


def _upper_latin(term: str) -> str:
    """Place codes were lower-cased for comparison; show them as written (A区, A1区)."""
    return "".join(ch.upper() if ch.isascii() else ch for ch in term)
