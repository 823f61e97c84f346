"""The package's import graph: no circle, and the layers' arrows point down.

Built with ``ast`` from every module of ``scheduler/``: imports at module level and inside
functions (a lazy import is still a dependency), ``from scheduler.x import y`` counted as an
edge to ``scheduler.x.y`` when ``y`` is a module, else to ``scheduler.x``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent / "scheduler"

LAYERS = ("core", "draft", "export", "registry", "services", "web", "cli")
"""Bottom to top. A layer may import from the layers before it, never from those after: the
web app imports nothing of the command line, whose ``serve`` starts the web app."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _resolve(module: str, level: int, current: str, is_package: bool) -> str:
    if not level:
        return module
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The scheduler modules ``name`` imports, anywhere in its body."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "scheduler":
                    found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node.module or "", node.level, name, path.name == "__init__.py")
            if target.split(".")[0] != "scheduler":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, set(known)) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected set of more than one module (Tarjan), as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_module_and_function_level_imports() -> None:
    edges = graph()
    # module level: "from scheduler.core.plan import Plan"
    assert "scheduler.core.plan" in edges["scheduler.export.ics"]
    # "from scheduler.export import fhir" inside a function is an edge to the module fhir
    assert "scheduler.export.fhir" in edges["scheduler.web.pages"]
    # "from scheduler.core.describe import matches" inside a function
    assert "scheduler.core.describe" in edges["scheduler.core.loader"]
    assert len(edges) > 60


def test_cycles_finds_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle() -> None:
    assert cycles(graph()) == []


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


@pytest.mark.parametrize("layer", LAYERS)
def test_layers_import_only_downwards(layer: str) -> None:
    below = set(LAYERS[: LAYERS.index(layer) + 1])
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph().items() if _layer(module) == layer
        for target in targets if _layer(target) is not None and _layer(target) not in below
    )
    assert wrong == []
