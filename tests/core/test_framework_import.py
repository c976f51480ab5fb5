"""An adapter says "not installed" only when its framework is (lmstudio_core/framework_import.py).

A newcomer's script named ``copy.py`` shadowed the standard library; importing the adapter then
claimed langchain-core was not installed. Such errors now propagate unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lmstudio_core.framework_import import import_framework

REPO = Path(__file__).resolve().parents[2]
ADAPTERS = {
    "langchain_lmstudio": ("langchain_core", "langchain-core", "[langchain]"),
    "llama_index_lmstudio": ("llama_index.core", "llama-index-core", "[llama-index]"),
}


def _run_script(directory: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` as ``directory/main.py``: that directory comes first on sys.path."""
    script = directory / "main.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("adapter", list(ADAPTERS))
def test_a_script_shadowing_the_stdlib_gets_the_real_error(tmp_path: Path, adapter: str) -> None:
    (tmp_path / "copy.py").write_text("x = 1\n", encoding="utf-8")  # the user's own copy.py
    result = _run_script(tmp_path, f"import {adapter}\n")
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("ImportError: cannot import name"), result.stderr
    assert str(tmp_path / "copy.py") in last_line
    assert "not installed" not in result.stderr


@pytest.mark.parametrize("adapter", list(ADAPTERS))
@pytest.mark.parametrize("blocked", ["package", "top"])
def test_a_missing_framework_names_the_extra(tmp_path: Path, adapter: str, blocked: str) -> None:
    module, distribution, extra = ADAPTERS[adapter]
    missing = module if blocked == "package" else module.split(".")[0]
    code = f"import sys\nsys.modules[{missing!r}] = None  # as if not installed\nimport {adapter}\n"
    result = _run_script(tmp_path, code)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == (
        f"ImportError: {adapter} needs {distribution}, which is not installed: "
        f'pip install "lmstudio-integrations{extra}"'
    ), result.stderr


def test_a_missing_dependency_of_the_framework_is_not_the_framework(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "some_framework"
    package.mkdir()
    (package / "__init__.py").write_text("import dependency_nobody_has\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as raised:
        import_framework("some_framework", adapter="a", distribution="d", extra="e")
    assert raised.value.name == "dependency_nobody_has"
    assert "not installed" not in str(raised.value)
    with pytest.raises(ImportError, match=r'a needs d, which is not installed: .*\[e\]"'):
        import_framework("framework_nobody_has.core", adapter="a", distribution="d", extra="e")
