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


_T2S = None

# Greetings, thanks and sign-offs that say nothing about the problem. Only the comparison form
# drops them; the original text is kept as it was.
_BOILERPLATE = re.compile(
    r"尊敬的[^,.!?;:\x00]{0,12}?(?:领导|同志|书记|主任|局长|市长|县长|区长|负责人)们?(?:您|你)?好?"
    r"|(?:各位)?领导(?:们)?(?:您|你)好|(?:您|你)们?好"
    r"|(?:非常|十分)?(?:感谢|谢谢)(?:您|你|领导|各位领导|政府)?(?:们)?(?:的)?(?:关注|支持|帮助|回复)?"
    r"|此致敬礼|此致|敬礼"
)


def to_simplified(text: str) -> str:
    """Traditional to simplified characters with OpenCC's own tables (t2s)."""
    global _T2S
    if _T2S is None:
        import opencc

        _T2S = opencc.OpenCC("t2s")
    return _T2S.convert(text)


def strip_boilerplate(text: str) -> str:
    """Drop greetings, thanks and sign-offs (尊敬的领导您好, 您好, 谢谢, 此致敬礼)."""
    return _BOILERPLATE.sub(" ", text)


def compare_form(text: str) -> str:
    """The form in which texts are compared for similarity: `comparable`, simplified
    characters, boilerplate dropped, punctuation folded, whitespace squeezed."""
    return compare_forms([text])[0]


_SEP = "\x00"
_TRIM = " .,;:!?~-"


def compare_forms(texts: list[str]) -> list[str]:
    """`compare_form` of many texts at once: each step runs once over all of them joined by
    NUL (no step matches across it), which is several times faster than text by text."""
    joined = _SEP.join(t.replace(_SEP, " ") if _SEP in t else t for t in texts)
    folded = fold_punct(to_simplified(comparable(joined)))
    plain = squeeze_space(fold_punct(strip_boilerplate(folded))).split(_SEP)
    fallback = folded.split(_SEP)
    out = []
    for stripped, whole in zip(plain, fallback, strict=True):
        form = stripped.strip(_TRIM) or squeeze_space(whole).strip(_TRIM) or squeeze_space(whole)
        out.append(form)
    return out
