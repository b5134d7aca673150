"""A few words that say what a group is about, for display."""

import logging
from collections import Counter

import jieba

jieba.setLogLevel(logging.WARNING)

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
    ]
)


def key_terms(texts: list[str], limit: int = 5) -> list[str]:
    """The words of two or more characters that the most members use."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({w for w in jieba.lcut(text) if len(w) >= 2 and w not in _STOP})
    return [w for w, _ in counts.most_common(limit)]
