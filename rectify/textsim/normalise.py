"""Normalising Chinese text for comparison. The original is always kept elsewhere; these
functions only make keys and comparison forms."""

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")
# Invisible characters that change nothing a reader sees: zero-width, BOM, bidi controls.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069",
    ),
    None,
)


def fold_width(text: str) -> str:
    """Full-width ASCII forms (ＡＢＣ１２３，U+3000) to half-width; Chinese characters unchanged.

    NFKC also folds compatibility forms (①, ㈠) that the office would consider the same text.
    """
    return unicodedata.normalize("NFKC", text)


def squeeze_space(text: str) -> str:
    """Runs of whitespace (tabs, newlines, U+3000, U+00A0 after folding) become one space."""
    return _SPACE.sub(" ", text).strip()


def comparable(text: str) -> str:
    """The form in which two texts count as identical: width folded, invisibles dropped,
    whitespace squeezed, Latin letters lower-cased."""
    return squeeze_space(fold_width(text).translate(_INVISIBLE)).lower()


def dedup_key(text: str) -> str:
    """A short stable key of `comparable(text)`, to find identical items with one index lookup."""
    return hashlib.sha256(comparable(text).encode("utf-8")).hexdigest()[:32]


# --- Comparison form for similarity (added for grouping) ---------------------------------

# Chinese punctuation that NFKC leaves alone, mapped to one ASCII form each.
_PUNCT = str.maketrans(
    {
        "。": ".",
        "、": ",",
        "，": ",",
        "；": ";",
        "：": ":",
        "？": "?",
        "！": "!",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "《": "<",
        "》": ">",
        "【": "[",
        "】": "]",
        "〔": "[",
        "〕": "]",
        "…": ".",
        "—": "-",
        "－": "-",
        "～": "~",
        "·": " ",
        "｀": "'",
    }
)
_REPEATED_PUNCT = re.compile(r"([.,;:?!~\-])[.,;:?!~\-\s]*")


def fold_punct(text: str) -> str:
    """Chinese and repeated punctuation to one ASCII mark (，，， → ,)."""
    return _REPEATED_PUNCT.sub(r"\1", text.translate(_PUNCT))


def compare_form(text: str) -> str:
    """The form in which texts are compared for similarity: `comparable`, punctuation folded."""
    return squeeze_space(fold_punct(comparable(text)))
