"""docs/licences.md lists the licence of every package installed from the runtime, model and
dev locks, as the package declares it, and of every vendored front-end folder (issue 10); the
sentence model's own licence is stated wherever the model is used."""

import re
from importlib import metadata

from rectify.textsim import semantic
from tests.test_dependencies import ROOT, read_lock

DOC = ROOT / "docs" / "licences.md"
SETS = {
    "runtime": "requirements.lock",
    "model": "requirements-model.lock",
    "dev": "requirements-dev.lock",
}
VENDOR = ROOT / "rectify" / "static" / "vendor"
LICENCE_TEXT = {
    "MIT": "The MIT License",
    "0BSD": "Zero-Clause BSD",
    "Apache-2.0": "Apache License",
}  # a licence file's title
MODEL_LICENCE = "M3E models 也是非商用的，仅供研究使用"  # the model card's words


def declared(dist: metadata.Distribution) -> str:
    """The licence a package declares: its License-Expression, else its License field when that
    is one short line, else its licence classifiers."""
    meta = dist.metadata
    if meta.get("License-Expression"):
        return meta["License-Expression"]
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 60 and text != "UNKNOWN":
        return text
    classifiers = meta.get_all("Classifier") or []
    found = [c.split(" :: ")[-1] for c in classifiers if c.startswith("License :: ")]
    return " / ".join(found) or "not declared"


def table(heading: str) -> list[list[str]]:
    """The cells of each row of the first table under `heading` in docs/licences.md."""
    text = DOC.read_text().split(f"\n{heading}\n", 1)[1]
    lines = [line for line in text.split("\n\n## ", 1)[0].splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def locked() -> dict[str, tuple[str, str]]:
    """Package → (version, set) of every package of the three locks; the dev lock repeats the
    runtime lock's pins, which count as runtime."""
    out: dict[str, tuple[str, str]] = {}
    for name, lock in SETS.items():
        for package, (version, _) in read_lock(lock).items():
            out.setdefault(package, (version, name))
    return out


def listed() -> dict[str, tuple[str, str, str]]:
    rows = table("## Python packages")
    names = [row[0] for row in rows]
    assert len(names) == len(set(names)), "a package is listed twice"
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def test_every_locked_package_is_listed_with_its_version_and_set():
    assert {name: (v, s) for name, (v, s, _) in listed().items()} == locked()


def test_each_installed_package_is_listed_with_the_licence_it_declares():
    wrong = {}
    for name, (_, _, licence) in listed().items():
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # not installed here (a venv without the dev lock): nothing to compare
        if declared(dist) != licence:
            wrong[name] = f"listed {licence!r}, declares {declared(dist)!r}"
    assert not wrong


def test_every_vendored_folder_is_listed_with_licence_files_that_are_there():
    rows = {row[0].strip("`"): row for row in table("## Vendored front-end files")}
    assert set(rows) == {p.name for p in VENDOR.iterdir() if p.is_dir()}
    for folder, (_, licence, files) in rows.items():
        named = re.findall(r"`([^`]+)`", files)
        shipped = {
            p.name for p in (VENDOR / folder).iterdir() if p.name.startswith(("LICENSE", "NOTICE"))
        }
        assert set(named) == shipped, folder
        assert LICENCE_TEXT[licence] in (VENDOR / folder / "LICENSE").read_text(), folder
    notice = (VENDOR / "echarts-6.1.0" / "NOTICE").read_text()
    assert "Apache ECharts" in notice and "The Apache Software Foundation" in notice
    popper = (VENDOR / "bootstrap-5.3.9" / "LICENSE-popper.md").read_text()
    assert "MIT License" in popper and "Federico Zivolo" in popper


def test_the_model_card_says_research_only_and_so_does_every_place_that_uses_the_model():
    card = (semantic.find("m3e-small") / "README.md").read_text()
    assert MODEL_LICENCE in card
    assert MODEL_LICENCE in DOC.read_text().replace("\n", "")
    for doc in ["README.md", "docs/textsim.md", "docs/deploy.md", "docs/dev/dependencies.md"]:
        text = (ROOT / doc).read_text()
        assert "research use only" in " ".join(text.split()), doc
    board = (ROOT / "rectify" / "templates" / "consolidation" / "board.html").read_text()
    assert "The m3e-small model is for non-commercial research use only." in board
