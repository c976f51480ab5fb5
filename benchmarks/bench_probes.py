"""Measurements that need a fresh process (cold import time, RSS) and the per-request counters.

Run as a script it is the child side of the RSS probe:
``python bench_probes.py rss <row name> <base url> <calls> <budget seconds>``.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

HERE = os.path.dirname(os.path.abspath(__file__))

IMPORTS: list[tuple[str, str, str]] = [
    # (label, statement, module that must exist)
    ("httpx", "import httpx", "httpx"),
    ("lmstudio_core", "import lmstudio_core", "lmstudio_core"),
    (
        "langchain-core (BaseChatModel)",
        "from langchain_core.language_models.chat_models import BaseChatModel",
        "langchain_core",
    ),
    ("langchain_lmstudio", "from langchain_lmstudio import ChatLMStudio", "langchain_lmstudio"),
    (
        "llama-index-core (FunctionCallingLLM)",
        "from llama_index.core.llms.function_calling import FunctionCallingLLM",
        "llama_index.core",
    ),
    ("llama_index_lmstudio", "from llama_index_lmstudio import LMStudio", "llama_index_lmstudio"),
    ("langchain_openai", "from langchain_openai import ChatOpenAI", "langchain_openai"),
    (
        "llama-index-llms-openai-like",
        "from llama_index.llms.openai_like import OpenAILike",
        "llama_index.llms.openai_like",
    ),
    (
        "llama-index-llms-lmstudio",
        "from llama_index.llms.lmstudio import LMStudio",
        "llama_index.llms.lmstudio",
    ),
    ("openai", "import openai", "openai"),
]
"""What the import-time section measures; our packages are compared with their framework."""

_IMPORT_CODE = """
import time
start = time.process_time()
{statement}
print(time.process_time() - start)
"""


def import_seconds(statement: str) -> float:
    """Process CPU seconds one fresh interpreter spends on ``statement`` (start excluded).

    CPU time, not wall time: a loaded machine (or a cold disk cache) stretches the wall time of
    an import far more than the work it does. Bytecode caching is on for the child even when
    ``PYTHONDONTWRITEBYTECODE`` is set here: an installed package has its ``.pyc`` files, and
    compiling sources would be most of the time measured (call `warm_import` once first).
    """
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_CODE.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE,
        env=_CACHING_ENV,
    )
    return float(out.stdout.strip().splitlines()[-1])


def warm_import(statement: str) -> None:
    """Run ``statement`` once, untimed, so its modules' bytecode is cached on disk."""
    import_seconds(statement)


_CACHING_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def rss_after_calls(row: str, url: str, calls: int, budget: float) -> dict[str, Any]:
    """Run the RSS probe for ``row`` in a child process; its JSON answer."""
    script = os.path.join(HERE, "bench_probes.py")
    out = subprocess.run(
        [sys.executable, script, "rss", row, url, str(calls), str(budget)],
        capture_output=True,
        text=True,
        check=False,
        cwd=HERE,
        timeout=budget + 120,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr else "failed")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def rss_mb() -> float:
    """This process's resident set size in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _rss_child(row_name: str, url: str, calls: int, budget: float) -> None:
    from bench_rows import BY_NAME

    driver = BY_NAME[row_name].driver(url)
    driver.call("bench-model")  # builds the client; the budget counts warm calls only
    start = time.perf_counter()
    done = 1
    while done < calls:
        driver.call("bench-model")
        done += 1
        if time.perf_counter() - start > budget:
            break
    print(json.dumps({"rss_mb": rss_mb(), "calls": done}))


class Counters:
    """Counts httpx clients and SSL contexts created in this process (by patching their init)."""

    def __init__(self) -> None:
        self.clients = 0
        self.ssl_contexts = 0
        self._restore: list[Callable[[], None]] = []

    def install(self) -> None:
        """Start counting."""
        for cls in (httpx.Client, httpx.AsyncClient):
            original_init = cls.__init__

            def init(obj: Any, *args: Any, __orig: Any = original_init, **kwargs: Any) -> None:
                self.clients += 1
                __orig(obj, *args, **kwargs)

            cls.__init__ = init  # type: ignore[method-assign]
            self._restore.append(lambda c=cls, o=original_init: setattr(c, "__init__", o))
        original_new = ssl.SSLContext.__new__

        def new(cls: Any, *args: Any, **kwargs: Any) -> Any:
            self.ssl_contexts += 1
            return original_new(cls, *args, **kwargs)

        ssl.SSLContext.__new__ = staticmethod(new)  # type: ignore[method-assign,assignment]
        self._restore.append(lambda: setattr(ssl.SSLContext, "__new__", original_new))

    def uninstall(self) -> None:
        """Stop counting."""
        while self._restore:
            self._restore.pop()()

    def snapshot(self) -> tuple[int, int]:
        """``(clients, ssl_contexts)`` created so far."""
        return self.clients, self.ssl_contexts


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "rss":
        _rss_child(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit("usage: bench_probes.py rss <row> <base url> <calls> <budget seconds>")
