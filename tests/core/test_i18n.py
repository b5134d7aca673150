"""Chinese first: zh-Hans is the default, every UI string is translated, and the compiled
catalogue matches its source."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "rectify/locale/zh_Hans/LC_MESSAGES/django.po"


def po_entries() -> dict[str, str]:
    """msgid → msgstr of a .po written with --no-wrap (as `make messages` writes it)."""
    text = PO.read_text(encoding="utf-8")
    pairs = re.findall(
        r'^(?:msgctxt "(.*)"\n)?msgid "((?:[^"\\]|\\.)*)"\nmsgstr "((?:[^"\\]|\\.)*)"', text, re.M
    )
    # An entry with a context is keyed "context\x04msgid", as gettext keys it.
    return {f"{ctx}\x04{mid}" if ctx else mid: mstr for ctx, mid, mstr in pairs if mid}


def test_chinese_is_the_default_language():
    assert settings.LANGUAGE_CODE == "zh-hans"


def test_every_message_is_translated():
    untranslated = [mid for mid, mstr in po_entries().items() if not mstr]
    assert untranslated == []


def test_no_fuzzy_translations():
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")


def test_the_compiled_catalogue_matches_the_source():
    """Catches a .po edited without `make messages` (compilemessages) afterwards."""
    with translation.override("zh-hans"):
        stale = {}
        for mid, mstr in po_entries().items():
            mid_u = mid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
            mstr_u = mstr.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
            if "%" in mid_u and "%(" not in mid_u:
                continue
            context, _sep, word = mid_u.rpartition("\x04")
            got = translation.pgettext(context, word) if context else translation.gettext(word)
            if got != mstr_u:
                stale[mid_u] = got
        assert stale == {}


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Overdue", "逾期"),
        ("Closure requested", "申请销号"),
        ("Superior inspection feedback", "巡视反馈"),
    ],
)
def test_domain_words_read_as_the_office_says_them(english, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(english) == chinese
    with translation.override("en"):
        assert translation.gettext(english) == english
