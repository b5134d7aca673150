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
        out: list[str] = []
        if len(ids) == 1:
            p = self.places
            cols = p.indices[p.indptr[ids[0]] : p.indptr[ids[0] + 1]]
            places = [self.place_terms[c].split(":", 1)[1] for c in cols]
            w = self.words
            lo, hi = w.indptr[ids[0]], w.indptr[ids[0] + 1]
            order = np.argsort(-w.data[lo:hi], kind="stable")[: limit * 2]
            words = [self.terms[c] for c in w.indices[lo:hi][order]]
        else:
            counts = np.asarray(self.places[ids].sum(axis=0)).ravel()
            cols = np.flatnonzero(counts)
            cols = cols[np.argsort(-counts[cols], kind="stable")]
            places = [self.place_terms[c].split(":", 1)[1] for c in cols]
            weight = np.asarray(self.words[ids].sum(axis=0)).ravel()
            top = np.argpartition(-weight, min(limit * 2, len(weight) - 1))[: limit * 2]
            top = top[weight[top] > 0]
            words = [self.terms[c] for c in top[np.argsort(-weight[top], kind="stable")]]
        for term in [*places[:3], *words]:
            if len(out) >= limit:
                break
            if term and not any(term in kept or kept in term for kept in out):
                out.append(term.upper() if term.isascii() else _upper_latin(term))
        return out


def _upper_latin(term: str) -> str:
    """Place codes were lower-cased for comparison; show them as written (A区, A1区)."""
    return "".join(ch.upper() if ch.isascii() else ch for ch in term)
