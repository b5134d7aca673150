"""Our own stylesheets are well formed: a brace lost in a merge silently drops every rule after
it (the notice colours once went missing that way)."""

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "rectify" / "static"
OWN = sorted(p for p in STATIC.rglob("*.css") if "vendor" not in p.parts)


@pytest.mark.parametrize("path", OWN, ids=[p.name for p in OWN])
def test_braces_balance_and_nest_no_deeper_than_a_media_query(path):
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    depth = 0
    for line_no, line in enumerate(text.splitlines(), 1):
        for ch in line:
            depth += (ch == "{") - (ch == "}")
            assert 0 <= depth <= 2, f"{path.name}:{line_no}: braces do not match"
    assert depth == 0, f"{path.name}: {depth} unclosed brace(s)"
