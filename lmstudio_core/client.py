"""The two I/O shells: `LMStudioClient` (here) and `AsyncLMStudioClient` (`async_client.py`).

What they share is in `client_base.py`.

Each does two kinds of I/O for the shared, I/O-free logic, and differs from the other only in
doing it with sync or async httpx:

- it runs the flows of `LMStudioProtocol` (`protocol.py`), performing each step they yield
  (`Send`, `Read`, `Close`, `Sleep`; see `steps.py`) and sending the result back (`_run`);
- for a streamed chat (`ChatStream`, `AsyncChatStream`) it drives the `StreamReader`
  (`stream_reader.py`) the ``open_stream`` flow returns: it iterates the response body, feeds
  each chunk of bytes to the reader and yields the deltas, then calls ``finish``, and reports a
  connection that breaks mid-stream with ``transport_failure``.

Every decision (retries, breaker, model resolution, parsing, errors) is made in the protocol and
the reader, once for both clients; the shells redact the API token from every error they raise.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Generator, Sequence
from typing import Any, TypeVar

import httpx

from lmstudio_core.chat_request import ChatRequest
from lmstudio_core.client_base import ClientBase, as_request, http_options
from lmstudio_core.errors import LMStudioError
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

__all__ = ["ChatStream", "LMStudioClient"]

T = TypeVar("T")


class ChatStream:
    """An iterator of `ChatDelta`s; `result` gives the accumulated message at any point."""

    def __init__(self, client: LMStudioClient, request: ChatRequest) -> None:
        self._client = client
        self._request = request
        self._reader: StreamReader | None = None
        self._iterator = self._iterate()

    def _iterate(self) -> Generator[ChatDelta, None, None]:
        try:
            response, reader = self._client._run(self._client._protocol.open_stream(self._request))
            self._reader = reader
            if response is None:
                yield from reader.pending
                return
            try:
                feed = reader.feed
                for data in response.iter_bytes():
                    deltas = feed(data)
                    if deltas:
                        yield from deltas
                yield from reader.finish()
            except httpx.HTTPError as exc:
                raise reader.transport_failure(exc) from exc
            finally:
                response.close()
        except LMStudioError as exc:
            self._client._redact(exc)
            raise

    def __iter__(self) -> Generator[ChatDelta, None, None]:
        return self._iterator

    def __next__(self) -> ChatDelta:
        return next(self._iterator)

    def result(self) -> ChatResult:
        """Everything received so far (the whole message once iteration has finished)."""
        if self._reader is None:
            return ChatResult()
        return self._reader.result()

    def close(self) -> None:
        """Stop reading and release the connection."""
        self._iterator.close()

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LMStudioClient(ClientBase):
    """Synchronous LM Studio client: chat, streaming, embeddings, model catalog and lifecycle.

    Args:
        settings: connection settings; keyword arguments override single fields
            (``base_url=``, ``api_key=``, ``timeout=``, ``max_retries=`` ...).
        http_client: an `httpx.Client` to use instead of creating one (not closed by us).
        parse_think_tags: split inline ``<think>...</think>`` out of content into reasoning.
    """

    def __init__(
        self,
        settings: LMStudioSettings | None = None,
        *,
        http_client: httpx.Client | None = None,
        parse_think_tags: bool = True,
        **overrides: Any,
    ) -> None:
        super().__init__(settings, parse_think_tags, overrides)
        self._http = http_client
        self._owns_http = http_client is None

    @property
    def http(self) -> httpx.Client:
        """The pooled `httpx.Client` (created on first use; one for every thread)."""
        http = self._http
        if http is None:
            with self._lock:  # two threads' first calls must not each build (and leak) a pool
                if self._http is None:
                    self._http = httpx.Client(**http_options(self.settings))
                    # A client dropped without close() (most LLM objects are) closes its pool.
                    weakref.finalize(self, self._http.close)
                http = self._http
        return http

    def _perform(self, step: Step) -> Any:
        if isinstance(step, Send):
            return self.http.send(step.request, stream=step.stream)
        if isinstance(step, Read):
            return step.response.read()
        if isinstance(step, Close):
            step.response.close()
            return None
        time.sleep(step.seconds)
        return None

    def _run(self, flow: Flow[T]) -> T:
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
                value = self._perform(step)
            except httpx.HTTPError as exc:
                error = exc

    def chat(
        self, request: ChatRequest | Sequence[dict[str, Any]], /, **options: Any
    ) -> ChatResult:
        """A chat completion. Pass a `ChatRequest`, or messages plus options as keywords."""
        return self._run(self._protocol.chat(as_request(request, options)))

    def chat_stream(
        self, request: ChatRequest | Sequence[dict[str, Any]], /, **options: Any
    ) -> ChatStream:
        """A streamed chat completion; iterate it for deltas. Sent on first iteration."""
        return ChatStream(self, as_request(request, options))

    def embed(
        self, texts: Sequence[str], model: str | None = None, *, batch_size: int = 512
    ) -> EmbeddingResult:
        """Embed strings in batches; vectors come back in input order."""
        return self._run(self._protocol.embed(texts, model, batch_size=batch_size))

    def list_models(self) -> list[ModelInfo]:
        """Models the server knows (all downloaded ones when JIT loading is on)."""
        return self._run(self._protocol.list_models())

    def model_info(self, model: str) -> ModelInfo | None:
        """Catalog entry for a model key or instance id, or ``None``."""
        return self._run(self._protocol.model_info(model))

    def context_length(self, model: str | None = None) -> int | None:
        """The model's loaded context length (or its maximum), ``None`` when nothing says."""
        return self._run(self._protocol.context_length(model))

    def model_facts(self, model: str | None = None, *, timeout: float | None = None) -> ModelFacts:
        """Context length and capabilities of ``model`` (default: the single loaded LLM).

        One catalog request, cached until this client loads or unloads a model. ``timeout``
        bounds each request and turns retries off, for a quick probe.
        """
        return self._run(self._protocol.model_facts(model, timeout=timeout))

    def default_model(self, *, embeddings: bool = False) -> str:
        """The single loaded chat (or embedding) model; raises when none or several."""
        return self._run(self._protocol.check_model(None, embeddings=embeddings))

    def load_model(
        self,
        model: str,
        *,
        context_length: int | None = None,
        ttl: int | None = None,
        progress: ProgressOption = True,
        **load_config: Any,
    ) -> LoadResult:
        """Load a model (LM Studio 0.4+), optionally with a context length and idle TTL.

        Other load options (``flash_attention``, ``eval_batch_size``, ``num_experts``,
        ``offload_kv_cache_to_gpu``) are keywords; ``progress`` as for `download_model`.
        """
        config = build_load_config("load_model", context_length, ttl, load_config)
        return self._run(load_flow(self._protocol, model, progress_reporter(progress), config))

    def download_model(
        self,
        model: str,
        *,
        quantization: str | None = None,
        progress: ProgressOption = True,
        poll_interval: float = 1.0,
    ) -> DownloadResult:
        """Download a model through LM Studio (0.4+) and return once it is on disk.

        Args:
            model: a catalog id (``qwen/qwen3-4b-2507``) or an exact Hugging Face URL.
            quantization: for a Hugging Face URL, e.g. ``Q4_K_M``.
            progress: ``True`` shows a bar in a terminal (one line per state change
                elsewhere), a callable receives each `ProgressUpdate`, ``False`` is silent.
            poll_interval: seconds between two status requests.

        Raises:
            DownloadFailedError, ModelNotFoundError, DownloadNotSupportedError,
            DownloadWatchLostError; DownloadInterrupted on Ctrl-C (the download goes on).
        """
        watch = DownloadWatch(model, progress_reporter(progress), poll_interval)
        return self._watching(watch, download_flow(self._protocol, watch, quantization))

    def watch_download(
        self,
        job_id: str,
        *,
        model: str | None = None,
        progress: ProgressOption = True,
        poll_interval: float = 1.0,
    ) -> DownloadResult:
        """Watch a download job that is already running (after Ctrl-C or a lost connection)."""
        watch = DownloadWatch(model or job_id, progress_reporter(progress), poll_interval)
        return self._watching(watch, watch_flow(self._protocol, watch, job_id))

    def ensure_model(
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
        """Make ``model`` ready, doing only what is missing; returns the instance to use.

        Already loaded with a compatible configuration: one catalog request. Downloaded but
        not loaded: a load. Not downloaded: a download (``download=False`` raises instead),
        then a load (unless ``load=False``). Load options as for `load_model`.
        ``embeddings=True`` / ``False``: the model must be an embedding / a chat model (else
        the wrong-kind `ModelNotFoundError` of a chat or embeddings request, before any
        download or load); ``None``: either.
        """
        config = build_load_config("ensure_model", context_length, ttl, load_config)
        watch = DownloadWatch(model, progress_reporter(progress), poll_interval)
        flow = ensure_flow(
            self._protocol, watch, config, download=download, load=load, embeddings=embeddings
        )
        return self._watching(watch, flow)

    def _watching(self, watch: DownloadWatch, flow: Flow[T]) -> T:
        """Run a flow that may watch a download: Ctrl-C stops watching, not the download."""
        try:
            return self._run(flow)
        except KeyboardInterrupt:
            stopped = watch.stopped()
            if stopped is None:
                raise
            raise stopped from None
        finally:
            watch.close()

    def unload_model(self, instance_id: str) -> None:
        """Unload a model instance (LM Studio 0.4+)."""
        self._run(self._protocol.unload_model(instance_id))

    def health(self) -> bool:
        """True when the server answers; never raises for a server that is down."""
        return self._run(self._protocol.health())

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http and self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> LMStudioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
