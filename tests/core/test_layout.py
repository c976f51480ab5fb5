"""The house rules of docs/architecture.md, checked on the source itself.

The core sits at the bottom and never imports a framework, the adapters sit above it and never
import each other, no module imports (even lazily) a module that imports it back, and no
source file grows past 400 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("lmstudio_core", "langchain_lmstudio", "llama_index_lmstudio")
FRAMEWORKS = ("langchain", "langchain_core", "llama_index")
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module and ``module.name`` this file imports at run time, lazy imports included.

    Imports under ``if TYPE_CHECKING:`` are left out: they never run, so they cannot make a cycle.
    """
    module = _module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return found


def _sources() -> dict[str, Path]:
    return {
        _module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }


def _graph() -> dict[str, set[str]]:
    sources = _sources()
    return {
        module: {name for name in _imports(path) if name in sources and name != module}
        for module, path in sources.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for neighbour in sorted(graph[node]):
            if neighbour not in index:
                visit(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycles() -> None:
    assert _cycles(_graph()) == []


def test_lazy_imports_are_edges_and_typing_only_ones_are_not() -> None:
    assert "lmstudio_core.client" in _imports(ROOT / "lmstudio_core" / "lifecycle.py")
    request = _imports(ROOT / "langchain_lmstudio" / "_request.py")
    assert "langchain_lmstudio._convert" in request
    assert "langchain_lmstudio.chat_models" not in request  # under `if TYPE_CHECKING:`


def test_the_cycle_finder_sees_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", sorted(m for m in _sources() if m.startswith("lmstudio_core")))
def test_the_core_never_imports_a_framework_or_an_adapter(module: str) -> None:
    imported = _imports(_sources()[module])
    above = FRAMEWORKS + PACKAGES[1:]
    assert not [name for name in imported if name.split(".")[0] in above]


@pytest.mark.parametrize(
    ("adapter", "other"),
    [("langchain_lmstudio", "llama_index"), ("llama_index_lmstudio", "langchain")],
)
def test_an_adapter_never_imports_the_other(adapter: str, other: str) -> None:
    for module, path in _sources().items():
        if module.startswith(adapter):
            assert not [name for name in _imports(path) if name.split(".")[0].startswith(other)]


def test_no_source_file_is_over_400_lines() -> None:
    files = [path for package in PACKAGES for path in (ROOT / package).rglob("*.py")]
    files += list((ROOT / "benchmarks").glob("*.py"))
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in files
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}
