"""`FakeLMStudio`: a scripted LM Studio server for tests, with LM Studio's quirks.

Routes requests the way LM Studio does (``/v1/*``, ``/api/v0/*``, ``/api/v1/*``), rejects what
LM Studio rejects (``json_object``, object ``tool_choice``, unknown models, missing tokens),
answers unknown paths with HTTP 200 and an ``error`` body, answers a chat request naming an
embedding model (or the reverse) as LM Studio does, and records every request.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from lmstudio_core.testing.catalog import FakeModel, default_models, fake_embedding
from lmstudio_core.testing.enforced import DEFAULT_REPLY, enforced_reply
from lmstudio_core.testing.fake_models import ModelRoutes, error_answer
from lmstudio_core.testing.replies import (
    NO_MODELS_LOADED_ERROR,
    Answer,
    ChatContext,
    ErrorReply,
    FakeToolCall,
    MessageReply,
    ReasoningField,
    Reply,
    StreamErrorReply,
    count_tokens,
    tool_calls_of,
)
from lmstudio_core.testing.server import BackgroundServer, RecordedRequest

__all__ = ["FakeLMStudio", "RecordedRequest"]

_CHAT_PATHS = ("/v1/chat/completions", "/api/v0/chat/completions")
_EMBEDDING_PATHS = ("/v1/embeddings", "/api/v0/embeddings")
_AUTH_MESSAGE = (
    "An LM Studio API token is required to make requests to this server. Provide it via the "
    "'Authorization: Bearer $LM_API_TOKEN' header."
)
_INVALID_TOKEN_MESSAGE = "The provided LM Studio API token is invalid."  # noqa: S105


def _prompt_text(messages: Any) -> str:
    parts: list[str] = []
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return " ".join(parts)


class FakeLMStudio(ModelRoutes):
    """A fake LM Studio server on ``127.0.0.1`` for tests, scripted reply by reply.

    Chat requests take the next scripted reply (`reply_text`, `reply_tool_call`, `reply_json`,
    `reply_error`, `reply_stream_error`), or ``default_reply`` when none is left. Like LM Studio,
    the default answer obeys a ``json_schema`` ``response_format`` (a minimal valid object) and
    ``tool_choice: "required"`` (a call of the first tool): see `testing.enforced`. Every reply
    is served as one JSON body or, for ``"stream": true``, as LM Studio's SSE chunks.

    Args:
        models: the catalog (ids or `FakeModel`s). When given, requests naming any other model
            are answered with LM Studio's ``model_not_found`` error. Default: a loaded LLM
            ``fake-llm`` and a loaded embedding model ``fake-embed``, and any model name is
            accepted.
        api_key: when set, every request needs ``Authorization: Bearer <api_key>`` (else 401).
        default_reply: answer when no scripted reply is left; default `DEFAULT_REPLY`.
        stream_pieces: chunks that text and tool arguments are split into when streaming.
        port: the loopback port to listen on; 0 (default) picks a free one. A fixed port lets
            a test start the server after its client has already tried to call it.
        api_v1: serve LM Studio 0.4's ``/api/v1/*`` (catalog, load, unload, downloads: see
            `ModelRoutes`); ``False`` simulates LM Studio 0.3, which answers them as unknown
            endpoints.

    Example:
        >>> with FakeLMStudio() as lms:  # doctest: +SKIP
        ...     lms.reply_text("Paris")
        ...     LMStudioClient(base_url=lms.base_url).chat([...]).content
        'Paris'
    """

    def __init__(
        self,
        *,
        models: Sequence[FakeModel | str] | None = None,
        api_key: str | None = None,
        default_reply: Reply | None = None,
        stream_pieces: int = 3,
        port: int = 0,
        api_v1: bool = True,
    ) -> None:
        self.strict_models = models is not None
        """Whether unknown model names are rejected (True when ``models`` was given)."""
        self.models: list[FakeModel] = (
            [FakeModel.of(m) for m in models] if models is not None else default_models()
        )
        """The catalog; load and unload requests change it."""
        self.api_key = api_key
        """Token required as ``Authorization: Bearer``; ``None`` disables authentication."""
        self.default_reply: Reply = default_reply or DEFAULT_REPLY
        """Answer used when no scripted reply is left (only `DEFAULT_REPLY` obeys constraints)."""
        self.stream_pieces = stream_pieces
        """Chunks that text and tool arguments are split into when streaming."""
        self._replies: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = BackgroundServer(self._handle, port)
        self._init_model_routes(api_v1)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeLMStudio:
        """Start serving on a free loopback port; returns ``self``."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.stop()

    def __enter__(self) -> FakeLMStudio:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` (for LM Studio's ``/api/*`` endpoints)."""
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: pass it as ``base_url``."""
        return self.root_url + "/v1"

    # -- scripting ----------------------------------------------------------------------------

    def reply(self, reply: Reply) -> FakeLMStudio:
        """Queue any `Reply` for the next chat request; returns ``self`` for chaining."""
        with self._lock:
            self._replies.append(reply)
        return self

    def reply_text(
        self,
        text: str,
        *,
        reasoning: str | None = None,
        reasoning_field: ReasoningField = "reasoning_content",
        usage: Mapping[str, Any] | None = None,
        finish_reason: str = "stop",
    ) -> FakeLMStudio:
        """Queue a text answer, optionally with reasoning.

        Args:
            text: the answer.
            reasoning: reasoning text, if any.
            reasoning_field: ``reasoning_content``, ``reasoning`` (gpt-oss) or ``think``
                (inline ``<think>...</think>`` before the text).
            usage: usage fields reported instead of the computed word counts.
            finish_reason: e.g. ``length`` to simulate a cut-off answer.
        """
        return self.reply(
            MessageReply(
                text,
                reasoning=reasoning,
                reasoning_field=reasoning_field,
                usage=usage,
                finish_reason=finish_reason,
            )
        )

    def reply_json(self, obj: Any) -> FakeLMStudio:
        """Queue an answer whose content is ``json.dumps(obj)`` (structured output)."""
        return self.reply(MessageReply(json.dumps(obj)))

    def reply_tool_call(
        self, name: str, arguments: Mapping[str, Any] | str | None = None, *, id: str | None = None
    ) -> FakeLMStudio:
        """Queue one tool call; ``arguments`` is a dict or the raw (possibly invalid) string."""
        return self.reply(MessageReply(tool_calls=(FakeToolCall.create(name, arguments, id),)))

    def reply_tool_calls(
        self,
        calls: Sequence[FakeToolCall | tuple[str, Mapping[str, Any] | str] | Mapping[str, Any]],
        *,
        content: str = "",
    ) -> FakeLMStudio:
        """Queue parallel tool calls: `FakeToolCall`s, ``(name, args)`` or ``{"name", ...}``."""
        return self.reply(MessageReply(content, tool_calls=tool_calls_of(calls)))

    def reply_error(self, status: int, error: str | Mapping[str, Any]) -> FakeLMStudio:
        """Queue an error answer ``{"error": error}`` with ``status`` (200 is allowed).

        A string reproduces LM Studio's string form; a dict its object form
        (``{"message", "type", "param", "code"}``).
        """
        return self.reply(ErrorReply(status, error))

    def reply_stream_error(
        self,
        after_chunks: int,
        error: str | Mapping[str, Any],
        *,
        text: str = "This answer stops here",
    ) -> FakeLMStudio:
        """Queue a stream that sends ``after_chunks`` content chunks, then an in-stream error.

        A non-streamed request gets the error as HTTP 500 instead.
        """
        return self.reply(StreamErrorReply(after_chunks, error, text))

    @property
    def pending_replies(self) -> int:
        """Scripted replies not yet served."""
        with self._lock:
            return len(self._replies)

    def clear(self) -> None:
        """Forget recorded requests and scripted replies."""
        with self._lock:
            self._replies.clear()
            self._requests.clear()

    # -- inspection ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def last_request(self) -> RecordedRequest:
        """The most recent request (raises `LookupError` when there was none)."""
        with self._lock:
            if not self._requests:
                raise LookupError("the fake LM Studio server has received no request")
            return self._requests[-1]

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """Chat completion requests only (``/v1`` and ``/api/v0``)."""
        return [r for r in self.requests if r.path.split("?")[0] in _CHAT_PATHS]

    # -- request handling ---------------------------------------------------------------------

    def _handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        data: Any = None
        if body:
            try:
                data = json.loads(body)
            except ValueError:
                data = body.decode("utf-8", "replace")
        with self._lock:
            self._requests.append(RecordedRequest(method, path, headers, data))
        denied = self._check_auth(headers)
        if denied is not None:
            return denied
        route = path.split("?")[0].rstrip("/") or "/"
        if method == "GET" and route == "/lmstudio-greeting":
            return Answer(body={"lmstudio": True})
        if method == "POST" and route in (*_CHAT_PATHS, *_EMBEDDING_PATHS):
            if not isinstance(data, dict):
                return Answer(status=400, body={"error": "Request body must be a JSON object"})
            return self._chat(data) if route in _CHAT_PATHS else self._embeddings(data)
        models = self._model_route(method, route, data)
        if models is not None:
            return models
        return Answer(body={"error": f"Unexpected endpoint or method. ({method} {route})"})

    def _check_auth(self, headers: Mapping[str, str]) -> Answer | None:
        if self.api_key is None:
            return None
        given = headers.get("authorization", "")
        if given == f"Bearer {self.api_key}":
            return None
        message = _INVALID_TOKEN_MESSAGE if given else _AUTH_MESSAGE
        return Answer(
            status=401,
            body={
                "error": {"type": "invalid_request", "code": "invalid_api_key", "message": message}
            },
        )

    def _resolve(self, name: Any, *, embeddings: bool) -> FakeModel | str | Answer:
        """The model a request is served by, its name when lenient, or an error answer."""
        if isinstance(name, str) and name:
            for model in self.models:
                if model.id == name:
                    if model.is_embedding != embeddings:  # LM Studio's answer to the wrong kind
                        kind = "embedding" if embeddings else "llm"
                        return error_answer(
                            400,
                            f'Failed to load model "{name}". Error: Model is not {kind}.',
                            code="model_not_found",
                            param="model",
                        )
                    model.loaded = True  # JIT loading, as LM Studio does by default
                    return model
            if not self.strict_models:
                return name
            examples = ", ".join(m.id for m in self.models) or "none"
            return error_answer(
                400,
                f'Invalid model identifier "{name}". Please specify a valid downloaded model '
                f"(e.g., {examples}).",
                code="model_not_found",
                param="model",
            )
        for model in self.models:
            if model.loaded and model.is_embedding == embeddings:
                return model
        return error_answer(400, NO_MODELS_LOADED_ERROR, code="model_not_found", param="model")

    def _chat(self, data: dict[str, Any]) -> Answer:
        if not isinstance(data.get("messages"), list):
            return Answer(status=400, body={"error": "'messages' field is required"})
        response_format = data.get("response_format")
        if isinstance(response_format, dict) and response_format.get("type") not in (
            "json_schema",
            "text",
        ):
            return Answer(
                status=400,
                body={"error": "'response_format.type' must be 'json_schema' or 'text'"},
            )
        tool_choice = data.get("tool_choice")
        if tool_choice is not None and not isinstance(tool_choice, str):
            return Answer(
                status=400,
                body={
                    "error": "Invalid tool_choice type: 'object'. "
                    "Supported string values: none, auto, required"
                },
            )
        model = self._resolve(data.get("model"), embeddings=False)
        if isinstance(model, Answer):
            return model
        with self._lock:
            reply = self._replies.popleft() if self._replies else self.default_reply
        if reply is DEFAULT_REPLY:
            reply = enforced_reply(data) or reply
        options = data.get("stream_options")
        stream = data.get("stream") is True
        ctx = ChatContext(
            model=model.id if isinstance(model, FakeModel) else model,
            stream=stream,
            include_usage=stream
            and isinstance(options, dict)
            and options.get("include_usage") is True,
            prompt_tokens=count_tokens(_prompt_text(data["messages"])),
            completion_id=f"chatcmpl-fake{next(self._ids):06d}",
            created=int(time.time()),
            stream_pieces=self.stream_pieces,
        )
        return reply.answer(ctx)

    def _embeddings(self, data: dict[str, Any]) -> Answer:
        texts = data.get("input")
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            return Answer(
                status=400,
                body={"error": "'input' field must be a string or an array of strings"},
            )
        model = self._resolve(data.get("model"), embeddings=True)
        if isinstance(model, Answer):
            return model
        return Answer(
            body={
                "object": "list",
                "data": [
                    {"object": "embedding", "index": i, "embedding": fake_embedding(t)}
                    for i, t in enumerate(texts)
                ],
                "model": model.id if isinstance(model, FakeModel) else model,
                "usage": {"prompt_tokens": 0, "total_tokens": 0},
            }
        )
