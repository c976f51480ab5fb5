"""`AsyncLMStudioClient`: the async twin of `LMStudioClient` (see `client.py` for both)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from typing import Any, TypeVar

import httpx

from lmstudio_core.chat_request import ChatRequest
from lmstudio_core.client_base import ClientBase, as_request, http_options
from lmstudio_core.errors import LMStudioError
from lmstudio_core.loop_local_http import LoopLocalAsyncHTTP
from lmstudio_core.model_download import DownloadWatch, download_flow, watch_flow
from lmstudio_core.model_results import DownloadResult, ReadyModel
from lmstudio_core.model_setup import build_load_config, ensure_flow, load_flow
from lmstudio_core.progress import ProgressOption, progress_reporter
from lmstudio_core.results import (
    ChatDelta,
    ChatResult,
    EmbeddingResult,
    LoadResult,
    ModelFacts,
    ModelInfo,
)
from lmstudio_core.settings import LMStudioSettings
from lmstudio_core.steps import Close, Flow, Read, Send, Step
from lmstudio_core.stream_reader import StreamReader

__all__ = ["AsyncChatStream", "AsyncLMStudioClient"]

T = TypeVar("T")


class AsyncChatStream:
    """An async iterator of `ChatDelta`s; `result` gives the accumulated message at any point."""

    def __init__(self, client: AsyncLMStudioClient, request: ChatRequest) -> None:
        self._client = client
        self._request = request
        self._reader: StreamReader | None = None
        self._iterator = self._iterate()

    async def _iterate(self) -> AsyncGenerator[ChatDelta, None]:
        try:
            client = self._client
            response, reader = await client._run(client._protocol.open_stream(self._request))
            self._reader = reader
            if response is None:
                for delta in reader.pending:
                    yield delta
                return
            try:
                feed = reader.feed
                async for data in response.aiter_bytes():
                    for delta in feed(data):
                        yield delta
                for delta in reader.finish():
                    yield delta
            except httpx.HTTPError as exc:
                raise reader.transport_failure(exc) from exc
            finally:
                await response.aclose()
        except LMStudioError as exc:
            self._client._redact(exc)
            raise

    def __aiter__(self) -> AsyncGenerator[ChatDelta, None]:
        return self._iterator

    async def __anext__(self) -> ChatDelta:
        return await self._iterator.__anext__()

    def result(self) -> ChatResult:
        """Everything received so far (the whole message once iteration has finished)."""
        if self._reader is None:
            return ChatResult()
        return self._reader.result()

    async def aclose(self) -> None:
        """Stop reading and release the connection."""
        await self._iterator.aclose()

    async def __aenter__(self) -> AsyncChatStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class AsyncLMStudioClient(ClientBase):
    """Asynchronous twin of `LMStudioClient`; same arguments, awaitable methods.

    Args:
        settings: connection settings; keyword arguments override single fields.
        http_client: an `httpx.AsyncClient` to use instead of creating one per event loop (not
            closed by us; an httpx async client works only in the loop it was first used in).
        parse_think_tags: split inline ``<think>...</think>`` out of content into reasoning.
    """

    def __init__(
        self,
        settings: LMStudioSettings | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        parse_think_tags: bool = True,
        **overrides: Any,
    ) -> None:
        super().__init__(settings, parse_think_tags, overrides)
        self._http = http_client
        self._per_loop = LoopLocalAsyncHTTP(self._new_http) if http_client is None else None

    def _new_http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(**http_options(self.settings))

    @property
    def http(self) -> httpx.AsyncClient:
        """The `httpx.AsyncClient` of the running event loop (or the one you passed).

        httpx's async pool is bound to the loop it first ran in, so each event loop that uses
        this client gets its own pool, closed when that loop shuts down (`loop_local_http.py`).
        """
        if self._per_loop is None:
            assert self._http is not None
            return self._http
        return self._per_loop.get()

    async def _perform(self, step: Step) -> Any:
        if isinstance(step, Send):
            return await self.http.send(step.request, stream=step.stream)
        if isinstance(step, Read):
            return await step.response.aread()
        if isinstance(step, Close):
            await step.response.aclose()
            return None
        await asyncio.sleep(step.seconds)
        return None

    async def _run(self, flow: Flow[T]) -> T:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = flow.throw(error) if error is not None else flow.send(value)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            except LMStudioError as exc:
                self._redact(exc)
                raise
            value = error = None
            try:
                value = await self._perform(step)
            except httpx.HTTPError as exc:
                error = exc

    async def chat(
        self, request: ChatRequest | Sequence[dict[str, Any]], /, **options: Any
    ) -> ChatResult:
        """A chat completion. Pass a `ChatRequest`, or messages plus options as keywords."""
        return await self._run(self._protocol.chat(as_request(request, options)))

    def chat_stream(
        self, request: ChatRequest | Sequence[dict[str, Any]], /, **options: Any
    ) -> AsyncChatStream:
        """A streamed chat completion; ``async for`` over it. Sent on first iteration."""
        return AsyncChatStream(self, as_request(request, options))

    async def embed(
        self, texts: Sequence[str], model: str | None = None, *, batch_size: int = 512
    ) -> EmbeddingResult:
        """Embed strings in batches; vectors come back in input order."""
        return await self._run(self._protocol.embed(texts, model, batch_size=batch_size))

    async def list_models(self) -> list[ModelInfo]:
        """Models the server knows (all downloaded ones when JIT loading is on)."""
        return await self._run(self._protocol.list_models())

    async def model_info(self, model: str) -> ModelInfo | None:
        """Catalog entry for a model key or instance id, or ``None``."""
        return await self._run(self._protocol.model_info(model))

    async def context_length(self, model: str | None = None) -> int | None:
        """The model's loaded context length (or its maximum), ``None`` when nothing says."""
        return await self._run(self._protocol.context_length(model))

    async def model_facts(
        self, model: str | None = None, *, timeout: float | None = None
    ) -> ModelFacts:
        """Context length and capabilities of ``model`` (default: the single loaded LLM).

        One catalog request, cached until this client loads or unloads a model. ``timeout``
        bounds each request and turns retries off, for a quick probe.
        """
        return await self._run(self._protocol.model_facts(model, timeout=timeout))

    async def default_model(self, *, embeddings: bool = False) -> str:
        """The single loaded chat (or embedding) model; raises when none or several."""
        return await self._run(self._protocol.check_model(None, embeddings=embeddings))

    async def load_model(
        self,
        model: str,
        *,
        context_length: int | None = None,
        ttl: int | None = None,
        progress: ProgressOption = True,
        **load_config: Any,
    ) -> LoadResult:
        """Load a model (LM Studio 0.4+); the same options as `LMStudioClient.load_model`."""
        config = build_load_config("load_model", context_length, ttl, load_config)
        reporter = progress_reporter(progress)
        return await self._run(load_flow(self._protocol, model, reporter, config))

    async def download_model(
        self,
        model: str,
        *,
        quantization: str | None = None,
        progress: ProgressOption = True,
        poll_interval: float = 1.0,
    ) -> DownloadResult:
        """Download a model through LM Studio (0.4+); see `LMStudioClient.download_model`.

        Polling waits with ``asyncio.sleep``; cancelling the task stops the watching, not the
        download (the job id is reported and logged).
        """
        watch = DownloadWatch(model, progress_reporter(progress), poll_interval)
        return await self._watching(watch, download_flow(self._protocol, watch, quantization))

    async def watch_download(
        self,
        job_id: str,
        *,
        model: str | None = None,
        progress: ProgressOption = True,
        poll_interval: float = 1.0,
    ) -> DownloadResult:
        """Watch a download job that is already running (after Ctrl-C or a lost connection)."""
        watch = DownloadWatch(model or job_id, progress_reporter(progress), poll_interval)
        return await self._watching(watch, watch_flow(self._protocol, watch, job_id))

    async def ensure_model(
        self,
        model: str,
        *,
        download: bool = True,
        load: bool = True,
        context_length: int | None = None,
        ttl: int | None = None,
        progress: ProgressOption = True,
        poll_interval: float = 1.0,
        embeddings: bool | None = None,
        **load_config: Any,
    ) -> ReadyModel:
        """Make ``model`` ready, doing only what is missing; see `LMStudioClient.ensure_model`."""
        config = build_load_config("ensure_model", context_length, ttl, load_config)
        watch = DownloadWatch(model, progress_reporter(progress), poll_interval)
        flow = ensure_flow(
            self._protocol, watch, config, download=download, load=load, embeddings=embeddings
        )
        return await self._watching(watch, flow)

    async def _watching(self, watch: DownloadWatch, flow: Flow[T]) -> T:
        """Run a flow that may watch a download: cancelling stops watching, not the download."""
        try:
            return await self._run(flow)
        except asyncio.CancelledError:
            watch.stopped()
            raise
        except KeyboardInterrupt:
            stopped = watch.stopped()
            if stopped is None:
                raise
            raise stopped from None
        finally:
            watch.close()

    async def unload_model(self, instance_id: str) -> None:
        """Unload a model instance (LM Studio 0.4+)."""
        await self._run(self._protocol.unload_model(instance_id))

    async def health(self) -> bool:
        """True when the server answers; never raises for a server that is down."""
        return await self._run(self._protocol.health())

    async def aclose(self) -> None:
        """Close the running loop's connections if this object created them."""
        if self._per_loop is not None:
            await self._per_loop.aclose()

    async def __aenter__(self) -> AsyncLMStudioClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
