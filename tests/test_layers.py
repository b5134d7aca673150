"""The import rules of docs/dev/layout.md, read from the AST of every module.

Apps are ordered lowest first (LAYERS). A domain module imports only from its own app and apps
below it; a web module (views, forms, filters, urls, templatetags, admin, API routers, commands)
may import any app's domain modules but never another app's web modules; core and textsim stand
on nothing above them; no module imports a module that (through any chain) imports it back.
Function-local imports count. There is no exception list: where this test would need one, the
code moves.

Run as a script to print every finding: `.venv/bin/python tests/test_layers.py`.
"""

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "rectify"

LAYERS = [
    "textsim",
    "core",
    "audit",
    "orgs",
    "campaigns",
    "ledger",
    "feedback",
    "consolidation",
    "supervision",
    "reports",
    "api",
    "demo",
]
RANK = {app: i for i, app in enumerate(LAYERS)}
# Modules of the project itself (settings, root urls, wsgi, the CLI entry point) sit above every
# app; no app imports them.
PROJECT = "project"
WEB_NAMES = {"views", "forms", "filters", "urls", "templatetags", "admin", "routers", "management"}
# The API app's assembly of its routers (rectify/api/api.py) is web too.
WEB_NAMES_IN = {"api": {"api"}}
# Web modules of core are the page plumbing every app's pages share; core still imports nothing
# above it.
FLOOR = {"textsim", "core"}


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. rectify.ledger.services
    path: Path

    @property
    def parts(self) -> list[str]:
        return self.name.split(".")

    @property
    def app(self) -> str:
        parts = self.parts
        if len(parts) < 2 or parts[1] not in RANK:
            return PROJECT
        return parts[1]

    @property
    def is_web(self) -> bool:
        if self.app == PROJECT:
            return True
        inner = self.parts[2:]
        names = WEB_NAMES | WEB_NAMES_IN.get(self.app, set())
        return any(part in names for part in inner)


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    rule: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.rule}"


def modules() -> dict[str, Module]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        if "migrations" in rel.parts:
            continue
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        found[name] = Module(name, path)
    return found


def _resolve(target: str, known: dict[str, Module]) -> str | None:
    """The most specific known module a dotted import name refers to."""
    parts = target.split(".")
    while parts:
        name = ".".join(parts)
        if name in known:
            return name
        parts.pop()
    return None


def imports(module: Module, known: dict[str, Module]) -> list[tuple[int, str, str]]:
    """(line, imported name as written, resolved module) for every import of `module`."""
    tree = ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))
    package = module.parts if module.path.name == "__init__.py" else module.parts[:-1]
    result = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # `from a import b` imports a.b when b is a module, else a.
            names = [f"{stem}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if not name.startswith("rectify"):
                if module.app == "textsim" and name.split(".")[0] == "django":
                    result.append((node.lineno, name, "django"))
                continue
            resolved = _resolve(name, known)
            if resolved and resolved != module.name:
                result.append((node.lineno, name, resolved))
    return result


def check() -> list[Finding]:
    known = modules()
    findings: list[Finding] = []
    graph: dict[str, set[str]] = {name: set() for name in known}
    lines: dict[tuple[str, str], int] = {}
    for module in known.values():
        for line, written, target_name in imports(module, known):
            if target_name == "django":
                findings.append(Finding(module.path, line, "textsim imports Django"))
                continue
            target = known[target_name]
            graph[module.name].add(target.name)
            lines.setdefault((module.name, target.name), line)
            rule = _breach(module, target)
            if rule:
                findings.append(Finding(module.path, line, f"imports {written}: {rule}"))
    for cycle in _cycles(graph):
        first, second = cycle[0], cycle[1]
        chain = " -> ".join(cycle + [cycle[0]])
        findings.append(
            Finding(known[first].path, lines[(first, second)], f"module cycle: {chain}")
        )
    return findings


def _breach(module: Module, target: Module) -> str | None:
    if target.app == PROJECT:
        return "no app imports the project's own modules (settings via django.conf)"
    if module.app == PROJECT or module.app == target.app:
        if module.app == target.app and not module.is_web and target.is_web:
            return f"domain module imports the web module {target.name} of its own app"
        return None
    if module.app in FLOOR or not module.is_web:
        if RANK[target.app] > RANK[module.app]:
            kind = "the floor" if module.app in FLOOR else "a domain module"
            return (
                f"{kind} of {module.app} imports {target.app}, which is above it "
                f"(order: {' < '.join(LAYERS)})"
            )
        if target.is_web and target.app not in FLOOR and module.app not in FLOOR:
            return f"a domain module imports the web module {target.name}"
    if target.is_web and target.app != "core":
        return f"a web module imports another app's web module ({target.name})"
    return None


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One representative cycle per strongly connected component (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_a_cycle(graph, set(component)) for component in components]


def _a_cycle(graph: dict[str, set[str]], members: set[str]) -> list[str]:
    """A shortest cycle through the first member of a strongly connected component."""
    start = min(members)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                return paths[node]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return sorted(members)


def test_every_app_has_a_place_in_the_order():
    apps = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps - set(LAYERS) == set(), "an app outside LAYERS: give it its place in the order"


def test_imports_keep_the_layers():
    findings = check()
    assert not findings, "\n" + "\n".join(str(f) for f in findings)


def test_the_checker_sees_each_kind_of_breach(tmp_path, monkeypatch):
    """The rules fire on a miniature project with one breach of each kind."""
    package = tmp_path / "rectify"
    files = {
        "__init__.py": "",
        "settings.py": "",
        "core/__init__.py": "",
        "core/errors.py": "from rectify.ledger import models\n",
        "textsim/__init__.py": "import django\n",
        "ledger/__init__.py": "",
        "ledger/models.py": "from rectify.ledger.services import x\n",
        "ledger/services.py": "def f():\n    from rectify.ledger.models import y\n",
        "ledger/views.py": "from rectify.feedback.views import page\n",
        "feedback/__init__.py": "",
        "feedback/views.py": "",
        "orgs/__init__.py": "",
        "orgs/scoping.py": "from rectify.ledger import models\nimport rectify.settings\n",
    }
    for rel, text in files.items():
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / rel).write_text(text, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    text = "\n".join(f"{f.path.relative_to(tmp_path)}:{f.line}: {f.rule}" for f in check())
    assert "rectify/core/errors.py:1: imports rectify.ledger.models: the floor of core" in text
    assert "rectify/textsim/__init__.py:1: textsim imports Django" in text
    assert "rectify/ledger/views.py:1: imports rectify.feedback.views.page: a web module" in text
    assert (
        "rectify/orgs/scoping.py:1: imports rectify.ledger.models: a domain module of orgs" in text
    )
    assert "rectify/orgs/scoping.py:2: imports rectify.settings: no app imports" in text
    assert "module cycle: rectify.ledger.models -> rectify.ledger.services" in text


if __name__ == "__main__":
    for finding in check():
        print(finding)
