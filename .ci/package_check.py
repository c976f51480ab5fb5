"""Build the wheel and sdist, install the wheel into clean venvs with each extra, and import.

    python .ci/package_check.py

With no extra only ``lmstudio_core`` imports, and each adapter's import raises an ImportError
naming the extra to install; with ``[langchain]`` or ``[llama-index]`` that adapter imports too.
The sdist must carry the license, the README and the docs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv") or "uv"

# What each install must allow: (extra, importable modules, modules whose import must fail).
CASES = (
    (
        "",
        ("lmstudio_core", "lmstudio_core.testing"),
        ("langchain_lmstudio", "llama_index_lmstudio"),
    ),
    ("langchain", ("lmstudio_core", "langchain_lmstudio"), ("llama_index_lmstudio",)),
    ("llama-index", ("lmstudio_core", "llama_index_lmstudio"), ("langchain_lmstudio",)),
)
EXTRA_OF = {"langchain_lmstudio": "langchain", "llama_index_lmstudio": "llama-index"}
CHECK = """
import importlib, sys
ok, refused, extra_of = sys.argv[1].split(","), sys.argv[2].split(","), dict(
    pair.split("=") for pair in sys.argv[3].split(",")
)
for name in filter(None, ok):
    importlib.import_module(name)
    print("imports:", name)
for name in filter(None, refused):
    try:
        importlib.import_module(name)
    except ImportError as exc:
        hint = f'lmstudio-integrations[{extra_of[name]}]'
        assert hint in str(exc), f"{name}: the ImportError does not name {hint}: {exc}"
        print("refused as it should be:", name, "->", exc)
    else:
        raise AssertionError(f"{name} imported without its framework installed")
"""


def run(*args: str) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, cwd=ROOT, check=True)


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        dist = Path(scratch) / "dist"
        run(UV, "build", "--quiet", "--out-dir", str(dist))
        wheel = next(dist.glob("*.whl"))
        sdist = next(dist.glob("*.tar.gz"))
        with tarfile.open(sdist) as archive:
            names = {Path(n).name for n in archive.getnames()}
        missing = {"LICENSE", "README.md", "pyproject.toml", "py.typed"} - names
        assert not missing, f"the sdist lacks {sorted(missing)}"
        print("sdist carries LICENSE, README.md, pyproject.toml, py.typed")
        extra_of = ",".join(f"{k}={v}" for k, v in EXTRA_OF.items())
        for extra, ok, refused in CASES:
            venv = Path(scratch) / f"venv-{extra or 'bare'}"
            python = str(venv / "bin" / "python")
            run(UV, "venv", "--quiet", "--python", sys.executable, str(venv))
            target = f"{wheel}[{extra}]" if extra else str(wheel)
            run(UV, "pip", "install", "--quiet", "--python", python, target)
            run(python, "-c", CHECK, ",".join(ok), ",".join(refused), extra_of)
    print("\nPACKAGE CHECK: PASSED (wheel and sdist built; bare, [langchain], [llama-index])")
    return 0


if __name__ == "__main__":
    sys.exit(main())
