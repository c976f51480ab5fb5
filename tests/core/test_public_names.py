"""The package's public names: one list, spelled out for type checkers, imported lazily."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import lmstudio_core


def _type_checking_names() -> set[str]:
    tree = ast.parse(inspect.getsource(lmstudio_core))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
    )
    return {
        alias.asname or alias.name
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.module != "typing"
        for alias in node.names
    }


def test_type_checker_imports_match_the_one_list() -> None:
    assert _type_checking_names() == set(lmstudio_core.__all__)


def test_every_public_name_resolves_to_its_module() -> None:
    for name, module in lmstudio_core._LAZY.items():
        value = getattr(lmstudio_core, name)
        assert getattr(sys.modules[module], name) is value


def test_documented_names_are_exported_and_internals_are_not() -> None:
    for name in ("reset_breakers", "ParsedURI", "ModelFacts", "UnknownOptionError", "parse_uri"):
        assert name in lmstudio_core.__all__
    for name in ("StreamAccumulator", "parse_chat_completion", "map_tool_choice"):
        assert name not in lmstudio_core.__all__


def test_importing_the_package_loads_neither_httpx_nor_pydantic() -> None:
    code = "import sys, lmstudio_core; print('httpx' in sys.modules, 'pydantic' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert out.stdout.split() == ["False", "False"]
