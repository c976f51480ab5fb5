"""Fold OpenAI-style chat chunks into per-chunk deltas and one final message.

One `StreamAccumulator` serves both paths: a stream feeds it every chunk, and a non-streamed
answer is fed as a single chunk whose delta is the whole message (`parse_chat_completion`).
It normalises LM Studio's variants: reasoning in ``reasoning_content``, ``reasoning`` or inline
``<think>`` tags; ``tool_calls: []``; empty tool-call ids; ``""`` arguments; usage in a trailing
chunk with empty ``choices``.
"""

from __future__ import annotations

import json
from typing import Any

from lmstudio_core.errors import InvalidResponseError
from lmstudio_core.results import (
    ChatDelta,
    ChatResult,
    ToolCall,
    ToolCallDelta,
    Usage,
    new_tool_call_id,
)

__all__ = ["StreamAccumulator", "ThinkTagSplitter", "parse_chat_completion"]

_OPEN = "<think>"
_CLOSE = "</think>"


class ThinkTagSplitter:
    """Splits streamed text into (content, reasoning) at ``<think>``/``</think>`` tags.

    Tags may be split across chunks: a tail that could be the start of a tag is held back
    until the next piece decides it.
    """

    __slots__ = ("_inside", "_pending")

    def __init__(self) -> None:
        self._inside = False
        self._pending = ""

    def affects(self, text: str) -> bool:
        """Whether feeding ``text`` could move any of it into reasoning (else it is all content).

        True inside a ``<think>`` block, with a possible tag start held back, or when ``text``
        holds a ``<``; lets callers skip `feed` for the common plain chunk.
        """
        return bool(self._pending or self._inside or "<" in text)

    def feed(self, text: str) -> tuple[str, str]:
        """Return the ``(content, reasoning)`` this text completes."""
        if not self.affects(text):
            return text, ""
        text = self._pending + text
        self._pending = ""
        content: list[str] = []
        reasoning: list[str] = []
        while text:
            tag = _CLOSE if self._inside else _OPEN
            out = reasoning if self._inside else content
            pos = text.find(tag)
            if pos >= 0:
                out.append(text[:pos])
                text = text[pos + len(tag) :]
                self._inside = not self._inside
                continue
            keep = _partial_tag_suffix(text, tag)
            out.append(text[: len(text) - keep])
            self._pending = text[len(text) - keep :]
            break
        return "".join(content), "".join(reasoning)

    def peek(self) -> tuple[str, str]:
        """What `flush` would release, without releasing it."""
        return ("", self._pending) if self._inside else (self._pending, "")

    def flush(self) -> tuple[str, str]:
        """End of text: release anything held back."""
        released = self.peek()
        self._pending = ""
        return released


def _opt_str(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _text(value: Any) -> str:
    """Text of a ``content``-like field: a string, or OpenAI content parts; else ``""``."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            part["text"]
            for part in value
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def _partial_tag_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:size]):
            return size
    return 0


class _ToolCallState:
    __slots__ = ("arguments", "id", "name")

    def __init__(self, id: str, name: str) -> None:
        self.id = id
        self.name = name
        self.arguments: list[str] = []


class StreamAccumulator:
    """Turns decoded chunks into `ChatDelta`s and remembers everything for `result`."""

    __slots__ = (
        "_content",
        "_finish_reason",
        "_id",
        "_model",
        "_reasoning",
        "_saw_reasoning",
        "_splitter",
        "_stats",
        "_timings",
        "_tools",
        "_usage",
        "chunks",
    )

    def __init__(self, *, parse_think_tags: bool = True) -> None:
        self._content: list[str] = []
        self._reasoning: list[str] = []
        self._saw_reasoning = False
        self._tools: dict[int, _ToolCallState] = {}
        self._finish_reason: str | None = None
        self._usage: Usage | None = None
        self._id: str | None = None
        self._model: str | None = None
        self._stats: dict[str, Any] | None = None
        self._timings: dict[str, Any] | None = None
        self._splitter = ThinkTagSplitter() if parse_think_tags else None
        self.chunks = 0
        """How many chunks were fed."""

    def add_chunk(self, chunk: dict[str, Any]) -> ChatDelta | None:
        """Fold one decoded chunk in; return what it adds, or ``None`` when it adds nothing.

        Raises:
            InvalidResponseError: the chunk's ``choices`` or ``delta`` is not the expected shape.
        """
        self.chunks += 1
        if self._id is None:
            self._id = _opt_str(chunk.get("id"))
            self._model = _opt_str(chunk.get("model"))
        usage = chunk.get("usage")
        stats = chunk.get("stats") or None
        if stats is not None and not isinstance(stats, dict):
            stats = None
        timings = chunk.get("timings")
        choices = chunk.get("choices")
        if not choices:
            if usage is None and stats is None:
                if isinstance(timings, dict):
                    self._timings = timings
                return None
            return self._extra(usage, stats, timings)
        choice = choices[0] if isinstance(choices, list) else None
        if not isinstance(choice, dict):
            raise InvalidResponseError(f"Malformed chunk from the server: {str(chunk)[:200]}")
        delta = choice.get("delta")
        if delta is None:
            delta = choice.get("message") or {}
        if not isinstance(delta, dict):
            raise InvalidResponseError(f"Malformed chunk from the server: {str(chunk)[:200]}")
        # `_text` inlined for the common cases (a str, or no field): this runs for every token.
        content = delta.get("content")
        if content is None:
            content = ""
        elif not isinstance(content, str):
            content = _text(content)
        reasoning = delta.get("reasoning_content")
        if reasoning is None:
            reasoning = ""
        elif not isinstance(reasoning, str):
            reasoning = _text(reasoning)
        if not reasoning:
            reasoning = delta.get("reasoning")
            if reasoning is None:
                reasoning = ""
            elif not isinstance(reasoning, str):
                reasoning = _text(reasoning)
        splitter = self._splitter
        if content and splitter is not None and splitter.affects(content):
            content, inline = splitter.feed(content)
            if inline:
                reasoning += inline
        raw_calls = delta.get("tool_calls")
        tool_deltas = (
            self._tool_deltas(raw_calls) if raw_calls and isinstance(raw_calls, list) else None
        )
        finish = choice.get("finish_reason")
        if finish is not None and not isinstance(finish, str):
            finish = None
        if content:
            self._content.append(content)
        if reasoning:
            self._reasoning.append(reasoning)
            self._saw_reasoning = True
        if finish:
            self._finish_reason = finish
        if usage is not None or stats is not None or timings is not None:
            extra = self._extra(usage, stats, timings)
            usage_obj = extra.usage
            stats_obj = extra.stats
        else:
            usage_obj = stats_obj = None
        if not (content or reasoning or tool_deltas or finish or usage_obj or stats_obj):
            return None
        return ChatDelta(
            content, reasoning, tool_deltas, finish, usage_obj, self._id, self._model, stats_obj
        )

    def flush(self) -> ChatDelta | None:
        """End of the stream: release text held back as a possible partial ``<think>`` tag.

        Returns the delta carrying it, or ``None`` when nothing was held back.
        """
        if self._splitter is None:
            return None
        content, reasoning = self._splitter.flush()
        if content:
            self._content.append(content)
        if reasoning:
            self._reasoning.append(reasoning)
            self._saw_reasoning = True
        if not (content or reasoning):
            return None
        return ChatDelta(content, reasoning, id=self._id, model=self._model)

    def _extra(self, usage: Any, stats: Any, timings: Any) -> ChatDelta:
        usage_obj = Usage.from_wire(usage) if usage is not None else None
        if usage_obj is not None:
            self._usage = usage_obj
        if isinstance(stats, dict):
            self._stats = stats
        if isinstance(timings, dict):
            self._timings = timings
        return ChatDelta(
            usage=usage_obj,
            id=self._id,
            model=self._model,
            stats=stats if isinstance(stats, dict) else None,
        )

    def _tool_deltas(self, raw_calls: list[Any]) -> list[ToolCallDelta]:
        out: list[ToolCallDelta] = []
        for position, raw in enumerate(raw_calls):
            if not isinstance(raw, dict):
                continue
            index = raw.get("index")
            if not isinstance(index, int):
                index = position
            function = raw.get("function")
            if not isinstance(function, dict):
                function = {}
            arguments = function.get("arguments")
            if not isinstance(arguments, str):
                arguments = "" if arguments is None else json.dumps(arguments)
            function_name = _opt_str(function.get("name"))
            state = self._tools.get(index)
            if state is None:
                state = _ToolCallState(
                    _opt_str(raw.get("id")) or new_tool_call_id(), function_name or ""
                )
                self._tools[index] = state
                call_id: str | None = state.id
                name: str | None = state.name
            else:
                call_id = name = None
                if function_name and not state.name:
                    state.name = name = function_name
            state.arguments.append(arguments)
            out.append(ToolCallDelta(index, call_id, name, arguments))
        return out

    def result(self, raw: dict[str, Any] | None = None) -> ChatResult:
        """The message so far (complete once the stream ended); changes no state."""
        content = "".join(self._content)
        reasoning = "".join(self._reasoning)
        saw_reasoning = self._saw_reasoning
        if self._splitter is not None:
            tail_content, tail_reasoning = self._splitter.peek()
            content += tail_content
            reasoning += tail_reasoning
            saw_reasoning = saw_reasoning or bool(tail_reasoning)
        tool_calls = [
            ToolCall(id=s.id, name=s.name, arguments="".join(s.arguments) or "{}", index=i)
            for i, s in sorted(self._tools.items())
        ]
        return ChatResult(
            id=self._id,
            model=self._model,
            content=content,
            reasoning=reasoning if saw_reasoning else None,
            tool_calls=tool_calls,
            finish_reason=self._finish_reason,
            usage=self._usage,
            stats=self._stats,
            timings=self._timings,
            raw=raw,
        )

    @property
    def has_output(self) -> bool:
        """True once any content, reasoning or tool call arrived."""
        return bool(self._content or self._reasoning or self._tools)

    @property
    def finish_reason(self) -> str | None:
        """The finish reason, once a chunk carried one."""
        return self._finish_reason


def parse_chat_completion(body: Any, *, parse_think_tags: bool = True) -> ChatResult:
    """Normalise a non-streamed ``chat.completion`` body into a `ChatResult`."""
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
        raise InvalidResponseError(
            f"The server's answer is not a chat completion: {str(body)[:200]!r}. "
            "Check that base_url points at an OpenAI-compatible /v1 endpoint."
        )
    if not body["choices"]:
        raise InvalidResponseError("The server answered with no choices.")
    acc = StreamAccumulator(parse_think_tags=parse_think_tags)
    acc.add_chunk(body)
    return acc.result(raw=body)
