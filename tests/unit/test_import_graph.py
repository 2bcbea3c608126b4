"""No import circles among infra_team modules, read from the source with ``ast``.

Two graphs: the imports that run when a module is imported (module level, outside
``if TYPE_CHECKING:``), which must be acyclic outright; and every import, including the
deferred ones inside functions, in which the roster (``registry``) must not reach the tool
catalogue and no tool module may sit on a circle. The roster's ``tools:`` lines are checked
against the catalogue by ``toolsets``, which imports both.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

Graph = dict[str, set[str]]


def _modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in sorted((SRC / "infra_team").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_time(statements: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run at import: module level, into if/try blocks, not into defs or TYPE_CHECKING."""
    for node in statements:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from _import_time(node.orelse)
            continue
        yield node
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(node, field, None)
            if isinstance(inner, list):
                yield from _import_time([n for n in inner if isinstance(n, ast.stmt)])
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                yield from _import_time(handler.body)


def _graph(*, deferred: bool) -> Graph:
    modules = _modules()
    graph: Graph = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = ast.walk(tree) if deferred else _import_time(tree.body)
        for node in nodes:
            if isinstance(node, ast.Import):
                graph[name].update(alias.name for alias in node.names if alias.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    if target in modules:
                        graph[name].add(target)
                    elif node.module in modules:
                        graph[name].add(node.module)
    return graph


def _circles(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            child = next(edges, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    return circles


def _reachable(graph: Graph, start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_graph_sees_real_imports() -> None:
    graph = _graph(deferred=False)
    assert "infra_team.tools._base" in graph["infra_team.tools.database_administrator"]
    assert "infra_team.registry" in graph["infra_team.toolsets"]
    assert "infra_team.tools" in graph["infra_team.toolsets"]


def test_the_circle_finder_finds_a_circle() -> None:
    graph: Graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


def test_no_import_circle_at_import_time() -> None:
    assert _circles(_graph(deferred=False)) == []


def test_registry_does_not_import_the_tools_even_lazily() -> None:
    reached = _reachable(_graph(deferred=True), "infra_team.registry")
    assert sorted(m for m in reached if m.startswith("infra_team.tools")) == []


def test_no_tool_module_is_on_a_circle_even_counting_deferred_imports() -> None:
    on_circles = {m for circle in _circles(_graph(deferred=True)) for m in circle}
    assert sorted(m for m in on_circles if m.startswith("infra_team.tools")) == []
