"""LM Studio's chat answer bodies, and the fake server's scripted replies built from them.

`ChatBodies` builds the bodies LM Studio sends: a ``chat.completion``, the
``chat.completion.chunk`` events of a stream, the trailing usage chunk; `sse_body` frames
events as the text of an SSE stream. The fake server renders its replies with them, and so
can a test that scripts another server (pytest-httpserver, a raw socket)::

    bodies = ChatBodies(model="qwen/qwen3-4b")
    stream = sse_body(bodies.chunk({"content": "Hi"}), bodies.chunk({}, "stop"))

Every reply answers both a plain request (one ``chat.completion`` JSON body) and a streamed
one (``chat.completion.chunk`` events the way LM Studio sends them). Rendering is pure: a
reply plus a `ChatContext` gives an `Answer`; the server only writes it out.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CONTEXT_OVERFLOW_ERROR",
    "NO_MODELS_LOADED_ERROR",
    "Answer",
    "ChatBodies",
    "ChatContext",
    "ErrorReply",
    "FakeToolCall",
    "MessageReply",
    "ReasoningField",
    "Reply",
    "StreamErrorReply",
    "count_tokens",
    "chunk",
    "split_text",
    "sse_body",
    "sse_event",
    "tool_calls_of",
]

ReasoningField = Literal["reasoning_content", "reasoning", "think"]
"""Where reasoning goes: ``reasoning_content`` (Qwen/DeepSeek), ``reasoning`` (gpt-oss) or
``think`` (inline ``<think>...</think>`` at the start of ``content``)."""

CONTEXT_OVERFLOW_ERROR = (
    "The number of tokens to keep from the initial prompt is greater than the context length "
    "(n_keep: 5000>= n_ctx: 4096). Try to load the model with a larger context length, or "
    "provide a shorter input."
)
"""LM Studio's context-overflow message, for ``reply_error(400, CONTEXT_OVERFLOW_ERROR)``."""

NO_MODELS_LOADED_ERROR = (
    "No models loaded. Please load a model in the developer page or use the 'lms load' command."
)
"""LM Studio's answer when nothing is loaded and JIT loading is off."""


def sse_event(event: Mapping[str, Any] | str) -> str:
    """One SSE event: ``data: <event>`` and a blank line (dicts as JSON, strings as they are)."""
    data = event if isinstance(event, str) else json.dumps(event)
    return f"data: {data}\n\n"


def sse_body(*events: Mapping[str, Any] | str, done: bool = True) -> str:
    """A whole SSE stream: the events in order, then ``data: [DONE]`` when ``done``."""
    return "".join(sse_event(e) for e in events) + (sse_event("[DONE]") if done else "")


@dataclass(frozen=True)
class ChatBodies:
    """Builds LM Studio chat answer bodies that share one completion id, model and time."""

    model: str = "fake-llm"
    """Model id reported in every body (LM Studio also sends it as ``system_fingerprint``)."""
    completion_id: str = "chatcmpl-fake"
    """``chatcmpl-...`` id shared by the completion and every chunk."""
    created: int = 1767225600
    """Unix time of the answer."""
    usage: Mapping[str, Any] = field(
        default_factory=lambda: {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
    )
    """Usage reported when a call gives none."""

    @classmethod
    def of(cls, ctx: ChatContext) -> ChatBodies:
        """The bodies of the answer to the request described by ``ctx``."""
        return cls(model=ctx.model, completion_id=ctx.completion_id, created=ctx.created)

    def _head(self, kind: str) -> dict[str, Any]:
        return {
            "id": self.completion_id,
            "object": kind,
            "created": self.created,
            "model": self.model,
        }

    def completion(
        self,
        message: Mapping[str, Any],
        *,
        finish_reason: str | None = None,
        usage: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """A ``chat.completion`` whose assistant message has ``message``'s fields.

        ``finish_reason`` defaults to ``tool_calls`` when the message has tool calls, else
        ``stop``. ``fields`` are set at the top level last (``stats={...}``, ``timings=...``);
        LM Studio's empty ``"stats": {}`` is sent unless replaced.
        """
        if finish_reason is None:
            finish_reason = "tool_calls" if message.get("tool_calls") else "stop"
        choice: dict[str, Any] = {"index": 0, "logprobs": None, "finish_reason": finish_reason}
        choice["message"] = {"role": "assistant", **message}
        return {
            **self._head("chat.completion"),
            "system_fingerprint": self.model,
            "choices": [choice],
            "usage": dict(self.usage if usage is None else usage),
            "stats": {},
            **fields,
        }

    def chunk(
        self, delta: Mapping[str, Any], finish_reason: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """One ``chat.completion.chunk`` with a single choice; ``fields`` go to the top level."""
        choice: dict[str, Any] = {"index": 0, "delta": dict(delta), "logprobs": None}
        choice["finish_reason"] = finish_reason
        head = self._head("chat.completion.chunk")
        return {**head, "system_fingerprint": self.model, "choices": [choice], **fields}

    def usage_chunk(self, usage: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The trailing chunk with empty ``choices`` that carries usage (``include_usage``)."""
        usage = dict(self.usage if usage is None else usage)
        return {**self._head("chat.completion.chunk"), "choices": [], "usage": usage}


def count_tokens(text: str) -> int:
    """A deterministic stand-in for a tokenizer: the number of whitespace-separated words."""
    return len(text.split())


def split_text(text: str, pieces: int) -> list[str]:
    """Split ``text`` into at most ``pieces`` non-empty parts of nearly equal length."""
    if not text:
        return []
    pieces = max(1, min(pieces, len(text)))
    size, extra = divmod(len(text), pieces)
    parts: list[str] = []
    start = 0
    for number in range(pieces):
        end = start + size + (1 if number < extra else 0)
        parts.append(text[start:end])
        start = end
    return parts


@dataclass(frozen=True)
class ChatContext:
    """What a reply needs to know about the request it answers."""

    model: str
    """Model id to report (the one requested, or the loaded one)."""
    stream: bool
    """The request asked for ``"stream": true``."""
    include_usage: bool
    """The request asked for ``stream_options.include_usage``."""
    prompt_tokens: int
    """Token count of the prompt (see `count_tokens`)."""
    completion_id: str
    """``chatcmpl-...`` id shared by every chunk of the answer."""
    created: int
    """Unix time of the answer."""
    stream_pieces: int = 3
    """How many chunks text and tool arguments are split into when streaming."""


@dataclass(frozen=True)
class Answer:
    """A rendered answer: a JSON body, or a list of SSE ``data:`` payloads."""

    status: int = 200
    """HTTP status."""
    body: Any = None
    """JSON body (when ``events`` is ``None``)."""
    events: tuple[Any, ...] | None = None
    """SSE payloads in order: dicts (sent as JSON) or the string ``[DONE]``."""


class Reply(ABC):
    """A scripted answer to one chat request."""

    @abstractmethod
    def answer(self, ctx: ChatContext) -> Answer:
        """Render this reply for a request described by ``ctx``."""


@dataclass(frozen=True)
class FakeToolCall:
    """One tool call the fake model makes."""

    name: str
    """Function name."""
    arguments: str
    """Arguments as the JSON string LM Studio sends (may be ``""``)."""
    id: str | None = None
    """Call id; a numeric string like LM Studio's when ``None``."""

    @classmethod
    def create(
        cls, name: str, arguments: Mapping[str, Any] | str | None = None, id: str | None = None
    ) -> FakeToolCall:
        """Build from a dict (serialised with `json.dumps`) or a raw argument string."""
        if arguments is None:
            text = "{}"
        elif isinstance(arguments, str):
            text = arguments
        else:
            text = json.dumps(dict(arguments))
        return cls(name=name, arguments=text, id=id)


def _error_object(error: str | Mapping[str, Any], kind: str) -> dict[str, Any]:
    if isinstance(error, str):
        return {"message": error, "type": kind, "param": None, "code": None}
    return dict(error)


@dataclass(frozen=True)
class MessageReply(Reply):
    """An assistant message: text, optional reasoning, optional tool calls."""

    content: str = ""
    """Answer text."""
    reasoning: str | None = None
    """Reasoning text, if the fake model "thinks"."""
    reasoning_field: ReasoningField = "reasoning_content"
    """How reasoning is sent: ``reasoning_content``, ``reasoning`` (gpt-oss) or ``think``."""
    tool_calls: tuple[FakeToolCall, ...] = ()
    """Tool calls to make (several = parallel calls)."""
    finish_reason: str | None = None
    """Finish reason; ``tool_calls`` when there are calls, else ``stop``, when ``None``."""
    usage: Mapping[str, Any] | None = None
    """Usage fields to report instead of the computed ones (merged over them)."""
    stats: Mapping[str, Any] = field(default_factory=dict)
    """LM Studio ``stats`` object (empty on ``/v1``, as LM Studio sends it)."""

    def _content(self) -> str:
        if self.reasoning is not None and self.reasoning_field == "think":
            return f"<think>{self.reasoning}</think>{self.content}"
        return self.content

    def _finish(self) -> str:
        if self.finish_reason is not None:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"

    def _ids(self, ctx: ChatContext) -> list[str]:
        seed = sum(ord(c) for c in ctx.completion_id)
        return [
            call.id or str(100000000 + seed * 7919 + n) for n, call in enumerate(self.tool_calls)
        ]

    def _usage(self, ctx: ChatContext) -> dict[str, Any]:
        reasoning_tokens = count_tokens(self.reasoning or "")
        completion = count_tokens(self.content) + reasoning_tokens
        completion += sum(count_tokens(c.arguments) + 1 for c in self.tool_calls)
        usage: dict[str, Any] = {
            "prompt_tokens": ctx.prompt_tokens,
            "completion_tokens": max(completion, 1),
            "total_tokens": 0,
            "completion_tokens_details": {"reasoning_tokens": reasoning_tokens},
        }
        usage.update(self.usage or {})
        if not self.usage or "total_tokens" not in self.usage:
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return usage

    def answer(self, ctx: ChatContext) -> Answer:
        """A ``chat.completion`` body, or LM Studio's chunk sequence when streaming."""
        return Answer(events=self._events(ctx)) if ctx.stream else Answer(body=self._body(ctx))

    def _body(self, ctx: ChatContext) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self._content()}
        if self.reasoning_field == "reasoning_content":
            message["reasoning_content"] = self.reasoning or ""
        elif self.reasoning_field == "reasoning" and self.reasoning is not None:
            message["reasoning"] = self.reasoning
        message["tool_calls"] = [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for c, call_id in zip(self.tool_calls, self._ids(ctx), strict=True)
        ]
        return ChatBodies.of(ctx).completion(
            message,
            finish_reason=self._finish(),
            usage=self._usage(ctx),
            stats=dict(self.stats),
        )

    def _events(self, ctx: ChatContext) -> tuple[Any, ...]:
        events: list[Any] = []
        if self.reasoning and self.reasoning_field != "think":
            for piece in split_text(self.reasoning, ctx.stream_pieces):
                events.append(chunk(ctx, {"role": "assistant", self.reasoning_field: piece}))
        for piece in split_text(self._content(), ctx.stream_pieces):
            events.append(chunk(ctx, {"role": "assistant", "content": piece}))
        for index, (call, call_id) in enumerate(zip(self.tool_calls, self._ids(ctx), strict=True)):
            first = {
                "index": index,
                "id": call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            events.append(chunk(ctx, {"role": "assistant", "tool_calls": [first]}))
            for piece in split_text(call.arguments, ctx.stream_pieces):
                fragment = {"index": index, "function": {"arguments": piece}}
                events.append(chunk(ctx, {"role": "assistant", "tool_calls": [fragment]}))
        events.append(chunk(ctx, {}, finish_reason=self._finish()))
        if ctx.include_usage:
            events.append(ChatBodies.of(ctx).usage_chunk(self._usage(ctx)))
        events.append("[DONE]")
        return tuple(events)


def chunk(
    ctx: ChatContext, delta: dict[str, Any], *, finish_reason: str | None = None
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` with a single choice carrying ``delta``."""
    return ChatBodies.of(ctx).chunk(delta, finish_reason)


@dataclass(frozen=True)
class ErrorReply(Reply):
    """An HTTP error answer, in LM Studio's string or object form (status 200 allowed)."""

    status: int
    """HTTP status; 200 reproduces LM Studio's "200 with an error body" answers."""
    error: str | Mapping[str, Any]
    """Sent as ``{"error": error}``: a string, or an object with message/type/code/param."""

    def answer(self, ctx: ChatContext) -> Answer:
        """The same JSON error body whether or not the request streams (as LM Studio does)."""
        error = self.error if isinstance(self.error, str) else dict(self.error)
        return Answer(status=self.status, body={"error": error})


@dataclass(frozen=True)
class StreamErrorReply(Reply):
    """A stream that fails midway: some content chunks, then ``data: {"error": {...}}``."""

    after_chunks: int
    """Content chunks sent before the error."""
    error: str | Mapping[str, Any]
    """The error; a string becomes ``{"message": ..., "type": "server_error"}``."""
    text: str = "This answer stops here"
    """Text spread over the chunks sent before the error."""
    status_when_not_streamed: int = 500
    """Status of the JSON error answer when the request does not stream."""

    def answer(self, ctx: ChatContext) -> Answer:
        """Content chunks then an in-stream error (no ``[DONE]``), or a JSON error body."""
        error = _error_object(self.error, "server_error")
        if not ctx.stream:
            return Answer(status=self.status_when_not_streamed, body={"error": error})
        pieces = split_text(self.text, self.after_chunks) if self.after_chunks > 0 else []
        events: list[Any] = [chunk(ctx, {"role": "assistant", "content": p}) for p in pieces]
        events.append({"error": error})
        return Answer(events=tuple(events))


def tool_calls_of(
    calls: Sequence[FakeToolCall | tuple[str, Mapping[str, Any] | str] | Mapping[str, Any]],
) -> tuple[FakeToolCall, ...]:
    """Normalise `FakeToolCall`s, ``(name, arguments)`` pairs and ``{"name", ...}`` dicts."""
    out: list[FakeToolCall] = []
    for call in calls:
        if isinstance(call, FakeToolCall):
            out.append(call)
        elif isinstance(call, tuple):
            out.append(FakeToolCall.create(call[0], call[1]))
        else:
            out.append(
                FakeToolCall.create(str(call["name"]), call.get("arguments"), call.get("id"))
            )
    return tuple(out)
