"""Receipt codes (回执码): 10 characters from an alphabet without 0/O and 1/l/I (31 symbols,
~49.5 bits), drawn with `secrets`, shown grouped as XXXX-XXXX-XX; typed input is folded to upper
case with dashes, spaces and full-width forms ignored."""

import re
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, no 1/l/I
CODE_LENGTH = 10  # 31**10 ≈ 8.2e14 ≈ 2**49.5
GROUPS = (4, 4, 2)
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―－_.·]+")


def new_code() -> str:
    """A fresh receipt code, as stored (no dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """XXXX-XXXX-XX, for showing and reading aloud."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start : start + size])
        start += size
    return "-".join(p for p in parts if p)


def normalise_code(typed: str) -> str | None:
    """The stored form of a code as someone typed it, or None if it cannot be a code.

    Case is ignored, and so are dashes, spaces and full-width forms (ＡＢ－ＣＤ).
    """
    if not isinstance(typed, str) or len(typed) > 4 * CODE_LENGTH:
        return None
    folded = _SEPARATORS.sub("", unicodedata.normalize("NFKC", typed)).upper()
    if len(folded) != CODE_LENGTH or any(c not in ALPHABET for c in folded):
        return None
    return folded
