"""Fill translations in rectify/locale/zh_Hans/LC_MESSAGES/django.po from a JSON mapping.

    .venv/bin/python scripts/po_fill.py mapping.json

Each msgid in the mapping gets its msgstr (a list of two strings for plural entries) and loses
a "fuzzy" flag that `make messages` may have guessed. An entry with a msgctxt is keyed
"context\x04msgid", as gettext keys it, so a word with a context never takes the plain word's.
Prints the msgids still untranslated.
"""

import json
import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "rectify/locale/zh_Hans/LC_MESSAGES/django.po"


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def unquote(lines: list[str]) -> str:
    return "".join(json.loads(line) for line in lines)


def main() -> int:
    mapping = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")) if len(sys.argv) > 1 else {}
    blocks = PO.read_text(encoding="utf-8").split("\n\n")
    out, missing = [], []
    for block in blocks:
        lines = block.split("\n")
        ids = _field(lines, "msgid")
        if ids is None or ids == "":
            out.append(block)
            continue
        context = _field(lines, "msgctxt")
        if context is not None:  # a word with a context: keyed "context\x04msgid" (gettext's)
            ids = f"{context}\x04{ids}"
        if ids in mapping:
            block = _translate(lines, mapping[ids])
        elif _untranslated(lines):
            missing.append(ids)
        out.append(block)
    PO.write_text("\n\n".join(out), encoding="utf-8")
    for ids in missing:
        print("untranslated:", ids)
    return 0


def _field(lines, name):
    for i, line in enumerate(lines):
        if line.startswith(name + " "):
            parts = [line[len(name) + 1 :]]
            for more in lines[i + 1 :]:
                if not more.startswith('"'):
                    break
                parts.append(more)
            return unquote(parts)
    return None


def _untranslated(lines) -> bool:
    text = "\n".join(lines)
    if "#, fuzzy" in text or "#, python-format, fuzzy" in text:
        return True
    # Chinese has one plural form: msgstr[0] is the one read.
    first = re.search(r'^msgstr(?:\[0\])? (".*")$', text, re.M)
    multi = re.search(r'^msgstr(?:\[0\])? ""\n"', text, re.M)
    return first is not None and first.group(1) == '""' and not multi


def _translate(lines, value) -> str:
    kept = []
    for line in lines:
        if line.startswith("#, "):
            flags = [f for f in line[3:].split(", ") if f != "fuzzy"]
            if flags:
                kept.append("#, " + ", ".join(flags))
            continue
        if line.startswith("#| "):
            continue
        if line.startswith("msgstr"):
            break
        kept.append(line)
    # drop continuation lines of the old msgstr
    if isinstance(value, str) and any(line.startswith("msgid_plural ") for line in kept):
        value = [value]  # Chinese has one plural form
    if isinstance(value, list):
        kept += [f"msgstr[{i}] {quote(v)}" for i, v in enumerate(value)]
    else:
        kept.append(f"msgstr {quote(value)}")
    return "\n".join(kept)


if __name__ == "__main__":
    sys.exit(main())
