"""Every way a caller can ask for a chat answer, driven the same way under a hard deadline.

A *path* is one public entry point: core, LangChain or LlamaIndex; sync or async; plain or
streamed. `drive` runs it in a worker thread (async paths in their own event loop there) and
fails the test if it has not returned within the deadline, so a hang is a test failure, never
a stuck suite. The `Outcome` records what the caller saw: streamed pieces, the final text,
the error.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from lmstudio_core import AsyncLMStudioClient, LMStudioClient

__all__ = ["ADAPTER_PATHS", "CORE_PATHS", "Outcome", "Path", "drive"]

MESSAGES = [{"role": "user", "content": "hi"}]
CORE_DEFAULTS: dict[str, Any] = {"retry_backoff": 0.01, "retry_max_backoff": 0.05}


@dataclass
class Outcome:
    """What the caller observed."""

    streamed: list[str] = field(default_factory=list)
    text: str | None = None
    error: BaseException | None = None
    texts: list[str | None] = field(default_factory=list)

    def finish(self, text: str | None) -> None:
        """Record one call's final text (the last one is ``text``)."""
        self.texts.append(text)
        self.text = text

    @property
    def partial(self) -> Any:
        """``error.partial`` (the `ChatResult` received before the failure), if any."""
        return getattr(self.error, "partial", None)

    @property
    def partial_text(self) -> str | None:
        """The content of ``error.partial``, or ``None`` when the error carries none."""
        partial = self.partial
        return None if partial is None else partial.content


Runner = Callable[[str, dict[str, Any], Outcome], Any]


@dataclass(frozen=True)
class Path:
    """One public chat entry point."""

    name: str
    stream: bool
    is_async: bool
    runner: Runner

    def __repr__(self) -> str:
        return self.name


def _core_settings(opts: dict[str, Any]) -> dict[str, Any]:
    settings = {**CORE_DEFAULTS, **opts, **opts.get("client_kwargs", {})}
    for key in ("chat_options", "client_kwargs", "times", "messages"):
        settings.pop(key, None)
    return settings


def _chat_options(opts: dict[str, Any]) -> dict[str, Any]:
    return {"model": "m", **opts.get("chat_options", {})}


def _messages(opts: dict[str, Any]) -> list[dict[str, Any]]:
    return list(opts.get("messages", MESSAGES))


def _prompt(opts: dict[str, Any]) -> str:
    return str(_messages(opts)[-1]["content"])


def _times(opts: dict[str, Any]) -> range:
    return range(int(opts.get("times", 1)))


def _core_sync_chat(base_url: str, opts: dict[str, Any], out: Outcome) -> None:
    with LMStudioClient(base_url=base_url, **_core_settings(opts)) as client:
        for _ in _times(opts):
            out.finish(client.chat(_messages(opts), **_chat_options(opts)).content)


def _core_sync_stream(base_url: str, opts: dict[str, Any], out: Outcome) -> None:
    with LMStudioClient(base_url=base_url, **_core_settings(opts)) as client:
        for _ in _times(opts):
            stream = client.chat_stream(_messages(opts), **_chat_options(opts))
            for delta in stream:
                if delta.content:
                    out.streamed.append(delta.content)
            out.finish(stream.result().content)


async def _core_async_chat(base_url: str, opts: dict[str, Any], out: Outcome) -> None:
    async with AsyncLMStudioClient(base_url=base_url, **_core_settings(opts)) as client:
        for _ in _times(opts):
            out.finish((await client.chat(_messages(opts), **_chat_options(opts))).content)


async def _core_async_stream(base_url: str, opts: dict[str, Any], out: Outcome) -> None:
    async with AsyncLMStudioClient(base_url=base_url, **_core_settings(opts)) as client:
        for _ in _times(opts):
            stream = client.chat_stream(_messages(opts), **_chat_options(opts))
            async for delta in stream:
                if delta.content:
                    out.streamed.append(delta.content)
            out.finish(stream.result().content)


def _adapter_kwargs(base_url: str, opts: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"model": "m", "base_url": base_url}
    for key in ("max_retries", "timeout", "api_key"):
        if key in opts:
            kwargs[key] = opts[key]
    kwargs.update(opts.get("chat_options", {}))
    return kwargs


def _langchain(base_url: str, opts: dict[str, Any]) -> Any:
    from langchain_lmstudio import ChatLMStudio

    return ChatLMStudio(**_adapter_kwargs(base_url, opts), client_kwargs=_client_kwargs(opts))


def _client_kwargs(opts: dict[str, Any]) -> dict[str, Any]:
    """Core settings the adapters take in ``client_kwargs`` (fast retry backoff by default)."""
    client_kwargs = {k: v for k, v in CORE_DEFAULTS.items() if k not in opts}
    client_kwargs.update(opts.get("client_kwargs", {}))
    for key in ("verify", "circuit_breaker_threshold", "circuit_breaker_cooldown"):
        if key in opts:
            client_kwargs[key] = opts[key]
    return client_kwargs


def _lc_invoke(base_url: str, opts: dict[str, Any], out: Outcome) -> None:
    model = _langchain(base_url, opts)
    for _ in _times(opts):
        out.finish(str(model.invoke(_prompt(opts)).content))


def _lc_stream(base_url: str, opts: dict[str, Any], out: Outcome) -> None:
    model = _langchain(base_url, opts)
    for _ in _times(opts):
        mark = len(out.streamed)
        for chunk in model.stream(_prompt(opts)):
            if chunk.content:
                out.streamed.append(str(chunk.content))
        out.finish("".join(out.streamed[mark:]))


async def _lc_ainvoke(base_url: str, opts: dict[str, Any], out: Outcome) -> None:
    model = _langchain(base_url, opts)
    for _ in _times(opts):
        out.finish(str((await model.ainvoke(_prompt(opts))).content))


async def _lc_astream(base_url: str, opts: dict[str, Any], out: Outcome) -> None:
    model = _langchain(base_url, opts)
    for _ in _times(opts):
        mark = len(out.streamed)
        async for chunk in model.astream(_prompt(opts)):
            if chunk.content:
                out.streamed.append(str(chunk.content))
        out.finish("".join(out.streamed[mark:]))


def _llama(base_url: str, opts: dict[str, Any]) -> Any:
    from llama_index_lmstudio import LMStudio

    return LMStudio(**_adapter_kwargs(base_url, opts), client_kwargs=_client_kwargs(opts))


def _li_messages(opts: dict[str, Any]) -> Any:
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role="user", content=_prompt(opts))]


def _li_chat(base_url: str, opts: dict[str, Any], out: Outcome) -> None:
    llm = _llama(base_url, opts)
    for _ in _times(opts):
        out.finish(llm.chat(_li_messages(opts)).message.content)


def _li_stream(base_url: str, opts: dict[str, Any], out: Outcome) -> None:
    llm = _llama(base_url, opts)
    for _ in _times(opts):
        mark = len(out.streamed)
        for response in llm.stream_chat(_li_messages(opts)):
            if response.delta:
                out.streamed.append(response.delta)
        out.finish("".join(out.streamed[mark:]))


async def _li_achat(base_url: str, opts: dict[str, Any], out: Outcome) -> None:
    llm = _llama(base_url, opts)
    for _ in _times(opts):
        out.finish((await llm.achat(_li_messages(opts))).message.content)


async def _li_astream(base_url: str, opts: dict[str, Any], out: Outcome) -> None:
    llm = _llama(base_url, opts)
    for _ in _times(opts):
        mark = len(out.streamed)
        async for response in await llm.astream_chat(_li_messages(opts)):
            if response.delta:
                out.streamed.append(response.delta)
        out.finish("".join(out.streamed[mark:]))


CORE_PATHS = [
    Path("core.chat", False, False, _core_sync_chat),
    Path("core.chat_stream", True, False, _core_sync_stream),
    Path("core.achat", False, True, _core_async_chat),
    Path("core.achat_stream", True, True, _core_async_stream),
]
ADAPTER_PATHS = [
    Path("langchain.invoke", False, False, _lc_invoke),
    Path("langchain.stream", True, False, _lc_stream),
    Path("langchain.ainvoke", False, True, _lc_ainvoke),
    Path("langchain.astream", True, True, _lc_astream),
    Path("llama_index.chat", False, False, _li_chat),
    Path("llama_index.stream_chat", True, False, _li_stream),
    Path("llama_index.achat", False, True, _li_achat),
    Path("llama_index.astream_chat", True, True, _li_astream),
]


def drive(path: Path, base_url: str, *, deadline: float = 10.0, **opts: Any) -> Outcome:
    """Run ``path`` against ``base_url``; fail the test if it has not returned in ``deadline``."""
    out = Outcome()
    hung: list[bool] = []

    async def bounded() -> None:
        task = asyncio.ensure_future(path.runner(base_url, opts, out))
        done, _ = await asyncio.wait({task}, timeout=deadline)
        if not done:
            hung.append(True)
            task.cancel()
            return
        task.result()

    def work() -> None:
        try:
            if path.is_async:
                asyncio.run(bounded())
            else:
                path.runner(base_url, opts, out)
        except BaseException as exc:
            out.error = exc

    worker = threading.Thread(target=work, name=f"drive-{path.name}", daemon=True)
    worker.start()
    worker.join(deadline)
    if worker.is_alive() or hung:
        pytest.fail(f"{path.name} did not return within {deadline} s (hang)")
    return out
