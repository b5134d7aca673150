"""A few words that say what a group is about, for display.

Segmenting every text with jieba would cost more than the grouping itself at 100,000 texts, so
the words are the group's character 2–3-grams that jieba's dictionary knows, ranked by how many
members use them and how rare they are in the whole input; named places come first."""

import logging
import math
from collections import Counter

_STOP = frozenset(
    [
        "我们",
        "你们",
        "他们",
        "这个",
        "那个",
        "什么",
        "怎么",
        "为什么",
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
    ]
)
_WORDS: set[str] | None = None


def _dictionary() -> set[str]:
    global _WORDS
    if _WORDS is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _WORDS = {w for w, f in jieba.dt.FREQ.items() if f > 0 and 2 <= len(w) <= 4}
    return _WORDS


def key_terms(
    texts: list[str], doc_freq: dict[str, int], total: int, entities: list[str], limit: int = 5
) -> list[str]:
    """Up to `limit` terms: the members' named places, then dictionary words by
    (members using it) × idf. `doc_freq` counts texts containing each character bigram."""
    words = _dictionary()
    used: Counter[str] = Counter()
    for text in texts:
        found = set()
        for size in (4, 3, 2):
            for i in range(len(text) - size + 1):
                w = text[i : i + size]
                if w in words and w not in _STOP:
                    found.add(w)
        used.update(found)

    def score(w: str) -> float:
        df = min(doc_freq.get(w[i : i + 2], 1) for i in range(len(w) - 1))
        return used[w] * math.log((1 + total) / df) * (1 + 0.3 * (len(w) - 2))

    ranked = sorted(used, key=lambda w: (-score(w), w))
    out: list[str] = []
    for term in [*dict.fromkeys(entities), *ranked]:
        if len(out) >= limit:
            break
        if not any(term in kept or kept in term for kept in out):
            out.append(term)
    return out
