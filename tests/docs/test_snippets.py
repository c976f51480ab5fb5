"""Every fenced ``python`` block in README.md and docs/*.md runs, alone, against FakeLMStudio.

A block is run as pasted into a fresh interpreter namespace, with ``LMSTUDIO_BASE_URL`` pointing
at a `FakeLMStudio` that accepts any model name (so ``LMStudioClient()`` or
``ChatLMStudio(model="qwen2.5-7b-instruct")`` reach it). A block that cannot run that way is
marked on the line before its fence with ``<!-- not-runnable: reason -->`` (see CONTRIBUTING.md);
a mark without a reason fails. A snippet that stops working fails this test.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from lmstudio_core.testing import FakeLMStudio

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARK = re.compile(r"<!--\s*not-runnable:(.*?)-->")


class Snippet(NamedTuple):
    page: str
    line: int
    code: str
    skip_reason: str | None


def snippets() -> list[Snippet]:
    """Every ```python block of the pages, with its not-runnable reason when marked."""
    found: list[Snippet] = []
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        index = 0
        while index < len(lines):
            if lines[index].strip() != "```python":
                index += 1
                continue
            start = index
            end = start + 1
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            before = next((ln for ln in reversed(lines[:start]) if ln.strip()), "")
            mark = MARK.search(before)
            reason = mark.group(1).strip() if mark else None
            code = "\n".join(lines[start + 1 : end])
            found.append(Snippet(page.relative_to(ROOT).as_posix(), start + 1, code, reason))
            index = end + 1
    return found


SNIPPETS = snippets()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeLMStudio]:
    with FakeLMStudio() as server:  # no catalog given: any model name is accepted
        yield server


@pytest.fixture
def environment(fake: FakeLMStudio, monkeypatch: pytest.MonkeyPatch) -> FakeLMStudio:
    monkeypatch.setenv("LMSTUDIO_BASE_URL", fake.base_url)
    for name in ("LM_API_TOKEN", "LMSTUDIO_API_TOKEN", "LM_STUDIO_API_KEY", "LMSTUDIO_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    fake.clear()
    fake.reset_models()  # a snippet that downloads or loads a model does not change the next
    return fake


def test_marks_give_a_reason() -> None:
    for snippet in SNIPPETS:
        if snippet.skip_reason is not None:
            where = f"{snippet.page}:{snippet.line}"
            assert snippet.skip_reason, f"{where}: not-runnable needs a reason"


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"{s.page}:{s.line}" for s in SNIPPETS])
def test_snippet_runs(snippet: Snippet, environment: FakeLMStudio) -> None:
    if snippet.skip_reason is not None:
        pytest.skip(f"not runnable: {snippet.skip_reason}")
    namespace: dict[str, object] = {"__name__": "__snippet__"}
    # Top-level ``await`` is allowed, as in a notebook or ``python -m asyncio``.
    code = compile(
        snippet.code, f"{snippet.page}:{snippet.line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    )
    try:
        result = eval(code, namespace)
        if inspect.iscoroutine(result):
            asyncio.run(result)
    finally:
        _reset_frameworks()
    asyncio.set_event_loop(None)


def _reset_frameworks() -> None:
    """Undo what a snippet sets globally (LlamaIndex's Settings)."""
    from llama_index.core import Settings

    Settings._llm = None
    Settings._embed_model = None
