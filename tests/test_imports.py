"""Imports flow one way: no module of the package imports, directly or through others, a
module that imports it back. A cycle makes a reader jump back and forth and forces imports
hidden inside functions; among the core modules not even type-only imports may close one."""

from __future__ import annotations

import ast
from pathlib import Path

import tinygrad_edu

PACKAGE = Path(tinygrad_edu.__file__).parent
CORE = {"tensor", "tensor_math", "tensor_numpy", "numpy_api", "function", "engine", "graph",
        "guards", "modes", "broadcasting", "arrays", "errors", "versions"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


def _imports(path: Path, modules: set[str]) -> list[tuple[str, bool]]:
    """(imported module, type-only?) for every import in the file, also inside functions."""
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            type_only.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            base = f"{base}.{node.module}" if node.level and node.module else (
                node.module or base)
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                     for a in node.names]
        for name in names:
            if name in modules and name != here:
                found.append((name, id(node) in type_only))
    return found


def _graph(type_only: bool) -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {m: {n for n, t in _imports(p, set(files)) if type_only or not t}
            for m, p in files.items()}


def _cycle(graph: dict[str, set[str]], nodes: set[str]) -> list[str] | None:
    """One cycle among ``nodes`` (as a list of modules), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(nodes):
        stack: list[tuple[str, list[str]]] = [(start, sorted(graph[start] & nodes))]
        path = [start]
        if state.get(start):
            continue
        state[start] = 1
        while stack:
            node, todo = stack[-1]
            if not todo:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            nxt = todo.pop()
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(graph[nxt] & nodes)))
    return None


def test_no_import_cycle_at_run_time():
    graph = _graph(type_only=False)
    # the package's __init__ imports the public names: it sits above every module
    modules = {m for m in graph if m != "tinygrad_edu"}
    assert _cycle(graph, modules) is None


def test_the_core_has_no_cycle_even_through_type_only_imports():
    graph = _graph(type_only=True)
    core = {f"tinygrad_edu.{m}" for m in CORE} | {m for m in graph
                                                   if m.startswith("tinygrad_edu.ops")}
    assert _cycle(graph, core) is None


def test_the_check_sees_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert _cycle(graph, set(graph)) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}, {"a", "b"}) is None
