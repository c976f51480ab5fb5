"""Run the test suite at one end of the declared version range.

    python .ci/compat.py lowest   # oldest supported Python, each direct requirement at its lowest
    python .ci/compat.py newest   # newest Python found, today's newest releases, plus mypy

Each run gets its own venv (``.venv-compat-<end>``) built by uv from PyPI, prints the
interpreter and the versions it resolved, and runs pytest (no lint). An interpreter that this
machine does not have is reported as SKIPPED in a banner, never as passed; the exit status is 0
then, so a machine without pyenv's extra Pythons can still run the rest of CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest's own dependency
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")  # only interpreters this machine has
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv") or "uv"
# The packages whose versions a reader of the compat log wants to see.
REPORTED = (
    "httpx",
    "httpcore",
    "pydantic",
    "langchain-core",
    "llama-index-core",
    "langgraph",
    "langchain",
    "langchain-tests",
    "xllamacpp",
    "pytest",
    "mypy",
)
# The lowest end resolves every direct requirement to its lowest allowed version
# (``--resolution lowest-direct``): our floors, or higher where a dependency's own floor is
# higher (llama-index-core needs a newer pydantic than the core does). Test tools that cannot
# run there are left out, loudly; these constraints keep the test tools' lowest releases working.
LOWEST_TEST_CONSTRAINTS = ("langgraph-checkpoint<3",)  # 3.x needs a newer langchain-core
# langchain-tests 1.1.9 needs langchain-core>=1.4 and httpx>=0.28.1, and every langchain
# release that works with langgraph>=1.1.5 needs langchain-core>=1.2.10: above our floors.
LOWEST_WITHOUT = {
    "langchain-tests": (
        "tests/langchain/test_standard_unit.py",
        "tests/langchain/test_standard_integration.py",
    ),
    # tests/runnable_examples/test_examples.py::test_langchain_agent (examples/langchain_agent.py
    # uses create_agent) skips itself when langchain is missing, so that file stays in the run.
    "langchain": ("tests/langchain/test_agents.py",),
}


def banner(text: str) -> None:
    line = "=" * 78
    print(f"\n{line}\n{text}\n{line}", flush=True)


def _name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)", requirement)
    assert match is not None, requirement
    return match.group(1).lower().replace("_", "-")


def python_minors() -> list[tuple[int, int]]:
    """The Python minors this project supports, oldest first (3.x from requires-python up)."""
    floor = re.search(r">=\s*3\.(\d+)", PYPROJECT["project"]["requires-python"])
    assert floor is not None
    return [(3, minor) for minor in range(int(floor.group(1)), 16)]


def _runs(executable: str, minor: tuple[int, int]) -> bool:
    try:
        out = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == "%d.%d" % minor


def find_interpreter(minor: tuple[int, int]) -> str | None:
    """A working ``python3.X``: $COMPAT_PYTHON_3_X, then PATH, then pyenv's installs."""
    name = "python%d.%d" % minor
    candidates = [os.environ.get("COMPAT_PYTHON_%d_%d" % minor, ""), shutil.which(name) or ""]
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        versions = Path(root.stdout.strip()) / "versions"
        if root.returncode == 0 and versions.is_dir():
            prefix = "%d.%d." % minor
            found = sorted(
                (v for v in versions.iterdir() if v.name.startswith(prefix)),
                key=lambda v: [int(p) if p.isdigit() else 0 for p in v.name.split(".")],
                reverse=True,
            )
            candidates += [str(v / "bin" / name) for v in found]
    return next((c for c in candidates if c and _runs(c, minor)), None)


def uv(*args: str, **kwargs: object) -> None:
    print("+ uv", " ".join(args), flush=True)
    subprocess.run([UV, *args], cwd=ROOT, check=True, **kwargs)  # type: ignore[call-overload]


def main(end: str) -> int:
    if end not in ("lowest", "newest"):
        raise SystemExit("usage: compat.py lowest|newest")
    minors = python_minors()
    order = minors if end == "lowest" else list(reversed(minors))
    wanted = order[0]
    if end == "lowest":
        interpreter = find_interpreter(wanted)
    else:  # the newest Python found, whatever the newest that exists is
        wanted, interpreter = next(
            ((m, p) for m in order if (p := find_interpreter(m)) is not None), (wanted, None)
        )
    if interpreter is None:
        banner(
            "COMPAT %s: SKIPPED, NOT PASSED: no Python %d.%d interpreter on this machine "
            "(looked on PATH, in pyenv, and at $COMPAT_PYTHON_%d_%d)"
            % (end.upper(), *wanted, *wanted)
        )
        return 0
    venv = ROOT / f".venv-compat-{end}"
    python = venv / "bin" / "python"
    uv("venv", "--quiet", "--clear", "--python", interpreter, str(venv))
    install = ["pip", "install", "--quiet", "--python", str(python), "-e", ".[all]"]
    ignored: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        if end == "lowest":
            tests = [r for r in PYPROJECT["dependency-groups"]["test"] if isinstance(r, str)]
            kept = [r for r in tests if _name(r) not in LOWEST_WITHOUT]
            for name, files in LOWEST_WITHOUT.items():
                if any(_name(r) == name for r in tests):
                    print(f"lowest: {name} left out (needs more than our floors); ignoring", *files)
                    ignored += files
            requirements = Path(scratch) / "requirements.txt"
            requirements.write_text("\n".join(kept) + "\n")
            constraints = Path(scratch) / "constraints.txt"
            constraints.write_text("\n".join(LOWEST_TEST_CONSTRAINTS) + "\n")
            install += ["-r", str(requirements), "--constraint", str(constraints)]
            install += ["--resolution", "lowest-direct"]
        else:
            install += ["--group", "test", "--group", "lint", "--upgrade", "--refresh"]
        uv(*install)
    versions = subprocess.run(
        [
            str(python),
            "-c",
            "import sys, importlib.metadata as m\n"
            "print('Python', sys.version.split()[0], sys.executable)\n"
            "for n in sys.argv[1:]:\n"
            "    try: print(f'{n}=={m.version(n)}')\n"
            "    except m.PackageNotFoundError: print(f'{n}: not installed')",
            *REPORTED,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    banner(f"COMPAT {end.upper()}: Python {'%d.%d' % wanted} with\n{versions.rstrip()}")
    failed = []
    mypy = [str(venv / "bin" / "mypy")]
    if end == "newest" and subprocess.run(mypy, cwd=ROOT, check=False).returncode:
        failed.append("mypy")
    pytest = [str(python), "-m", "pytest", "-q", *(f"--ignore={f}" for f in ignored)]
    if subprocess.run(pytest, cwd=ROOT, check=False).returncode:
        failed.append("pytest")
    banner(f"COMPAT {end.upper()}: {'FAILED: ' + ', '.join(failed) if failed else 'PASSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ""))
