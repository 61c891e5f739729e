"""Imports point toward the core (issue 24).

`recommendations` is the core: outside its pages (`recommendations/views/`) it imports
none of the apps built on it, not even inside a function or for type checking. What
they add to a change reaches them through `recommendations.signals` (sent by the
services) and `recommendations.hooks` (registered in their AppConfig.ready()).

And the apps' import graph has no cycle: an app may import another only if that one
does not import it back, directly or through others. An app's pages (its `views`
module or package and its `urls`) count as a node of their own, "<app>.web": the item
pages compose the features (evidence's files, the PCC's response, saved views), so
they sit above those apps, while the apps sit above the core.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = "recommendations"
FEATURE_APPS = frozenset(
    {"evidence", "monitoring", "responses", "savedsearches", "api", "devdata", "engage"}
)
APPS = sorted(p.parent.name for p in ROOT.glob("*/apps.py"))

# Imports that still close a cycle, each to be removed by its owner (the test fails
# once one here is gone, so that it is taken off the list, and for any other import
# that closes a cycle): (importing module, imported module or a module it names).
# None left: tracker, the shared kernel, imports no app (the roles reach two-factor
# through a lookup forces registers; names, errors, bullets and the request helpers
# live in the kernel).
KNOWN_CYCLE_EDGES: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in the file, wherever it is (a function body, an
    `if TYPE_CHECKING:` block), relative ones resolved; `from a import b` names both
    `a` and `a.b` (b may be a module). Also import_module("...") and __import__("...")
    with a literal name."""
    module = module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            if name:
                yield node.lineno, name
            for alias in node.names:
                yield node.lineno, f"{name}.{alias.name}" if name else alias.name
        elif isinstance(node, ast.Call):
            called = node.func
            name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            if (
                name in ("import_module", "__import__")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                yield node.lineno, node.args[0].value


def python_files(app: str) -> list[Path]:
    return sorted((ROOT / app).rglob("*.py"))


def is_web(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 1 and parts[1] in ("views", "urls")


def node_of(module: str) -> str | None:
    """The graph's node of a project module ("<app>" or "<app>.web"), None outside."""
    app = module.split(".")[0]
    if app not in APPS:
        return None
    return f"{app}.web" if is_web(module) else app


def test_the_apps_are_found():
    assert {CORE, "forces", "tracker", *FEATURE_APPS} <= set(APPS)


def test_the_core_imports_no_app_built_on_it():
    found = []
    for path in python_files(CORE):
        if is_web(module_name(path)):
            continue  # the pages compose the features
        for line, name in imported_modules(path):
            if name.split(".")[0] in FEATURE_APPS:
                found.append(f"{path.relative_to(ROOT)}:{line}: imports {name}")
    assert not found, "\n".join(found)


def known(module: str, name: str) -> bool:
    return any(
        module == importer and (name == imported or name.startswith(imported + "."))
        for importer, imported in KNOWN_CYCLE_EDGES
    )


def import_graph() -> dict[str, dict[str, list[str]]]:
    """node -> node it imports -> the imports that make the edge ("module -> module")."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for app in APPS:
        for path in python_files(app):
            module = module_name(path)
            source = node_of(module)
            assert source is not None
            for _, name in imported_modules(path):
                target = node_of(name)
                if target is None or target == source:
                    continue
                if known(module, name):
                    continue
                graph[source][target].append(f"{module} -> {name}")
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(set(graph) | {t for targets in graph.values() for t in targets}):
        if node not in index:
            visit(node)
    return found


def test_the_app_import_graph_has_no_cycle():
    graph = import_graph()
    problems = []
    for component in cycles(graph):
        edges = [
            f"  {a} -> {b}: {', '.join(sorted(set(graph[a][b]))[:3])}"
            for a in component
            for b in component
            if b in graph.get(a, {})
        ]
        problems.append(" <-> ".join(component) + "\n" + "\n".join(edges))
    assert not problems, "\n".join(problems)


def test_each_known_cycle_edge_is_still_there():
    """Take an edge off KNOWN_CYCLE_EDGES once its import is gone."""
    imports = {
        (module_name(path), name)
        for app in APPS
        for path in python_files(app)
        for _, name in imported_modules(path)
    }
    gone = sorted(set(KNOWN_CYCLE_EDGES) - imports)
    assert not gone, gone


def test_the_graph_check_finds_a_cycle():
    graph = {"a": {"b": ["a -> b"]}, "b": {"c": ["b -> c"]}, "c": {"a": ["c -> a"]}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b": ["a -> b"]}}) == []
