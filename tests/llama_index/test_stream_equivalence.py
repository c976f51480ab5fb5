"""Streamed `ChatResponse`s are exactly what they were before the per-chunk speed-ups (issue 14).

Recorded LM Studio / llama.cpp streams (plain text, reasoning, inline ``<think>`` tags, parallel
tool calls, usage, stats and timings) are served by `FakeLMStudio` and read through the real
``stream_chat`` / ``astream_chat``. Every response (its fields, which fields were set, its
blocks, its repr) and the instrumentation events must match ``stream_golden.json``, which was
recorded with the adapter as it was before those changes, on llama-index-core
``GOLDEN_LLAMA_INDEX`` (other releases build their objects with other fields, so there the
streams are compared with the same streams built by the validating constructors instead).
To re-record after an intended change of output:
``python -m tests.llama_index.test_stream_equivalence``.
"""

from __future__ import annotations

import asyncio
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.events.llm import (
    LLMChatEndEvent,
    LLMChatInProgressEvent,
    LLMChatStartEvent,
)
from llama_index_instrumentation import get_dispatcher
from llama_index_instrumentation.event_handlers import BaseEventHandler

from llama_index_lmstudio import LMStudio, _convert, _text_response
from lmstudio_core.testing import FakeLMStudio
from lmstudio_core.testing.replies import Answer, ChatContext, Reply

GOLDEN = Path(__file__).with_name("stream_golden.json")
GOLDEN_LLAMA_INDEX = "0.14.25"  # the llama-index-core release stream_golden.json was recorded on
HI = [ChatMessage(role="user", content="hi")]
CHAT_EVENTS = (LLMChatStartEvent, LLMChatInProgressEvent, LLMChatEndEvent)


def _chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "id": "chatcmpl-rec",
        "object": "chat.completion.chunk",
        "created": 1731000000,
        "model": "qwen3-4b",
        "system_fingerprint": "qwen3-4b",
        "choices": []
        if delta is None
        else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    chunk.update(extra)
    return chunk


USAGE = {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}
STREAMS: dict[str, list[Any]] = {
    "plain": [
        _chunk({"role": "assistant", "content": ""}),
        _chunk({"role": "assistant", "content": "Hel"}),
        _chunk({"role": "assistant", "content": "lo"}),
        _chunk({"role": "assistant", "content": " there"}),
        _chunk({"role": "assistant", "content": ""}, "stop"),
        _chunk(None, usage=USAGE),
        "[DONE]",
    ],
    "reasoning_content": [
        _chunk({"role": "assistant", "reasoning_content": "Think"}),
        _chunk({"role": "assistant", "reasoning_content": "ing."}),
        _chunk({"role": "assistant", "content": "Yes"}),
        _chunk({"role": "assistant", "content": "."}, "stop"),
        _chunk(
            None,
            usage={**USAGE, "completion_tokens_details": {"reasoning_tokens": 4}},
            stats={"tokens_per_second": 50.5, "time_to_first_token": 0.1},
        ),
        "[DONE]",
    ],
    "think_tags": [
        _chunk({"role": "assistant", "content": "<thi"}),
        _chunk({"role": "assistant", "content": "nk>pon"}),
        _chunk({"role": "assistant", "content": "der</th"}),
        _chunk({"role": "assistant", "content": "ink>Ans"}),
        _chunk({"role": "assistant", "content": "wer <b"}),
        _chunk({"content": ""}, "stop", timings={"predicted_n": 5, "predicted_ms": 12.5}),
        "[DONE]",
    ],
    "tool_calls": [
        _chunk({"role": "assistant", "content": "Let me check."}),
        _chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"ci'},
                    }
                ]
            }
        ),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ty": "Paris"}'}}]}),
        _chunk(
            {
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "get_time", "arguments": ""},
                    }
                ]
            }
        ),
        _chunk({}, "tool_calls"),
        _chunk(None, usage=USAGE),
        "[DONE]",
    ],
    "no_usage_gpt_oss_reasoning": [
        _chunk({"role": "assistant", "reasoning": "Hmm"}),
        _chunk({"role": "assistant", "content": "OK"}, "length"),
        "[DONE]",
    ],
}


class _Recorded(Reply):
    def __init__(self, events: list[Any]) -> None:
        self.events = tuple(events)

    def answer(self, ctx: ChatContext) -> Answer:
        return Answer(events=self.events)


class _ChatEvents(BaseEventHandler):
    events: list[BaseEvent] = []

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        if isinstance(event, CHAT_EVENTS):
            self.events.append(event)


def _dump(response: ChatResponse) -> dict[str, Any]:
    message = response.message
    return {
        "response": response.model_dump(mode="json"),
        "repr": repr(response),
        "fields_set": sorted(response.__pydantic_fields_set__),
        "message_fields_set": sorted(message.__pydantic_fields_set__),
        "role_type": type(message.role).__name__,
        "blocks": [
            [type(block).__name__, sorted(block.__pydantic_fields_set__)]
            for block in message.blocks
        ],
        "content": message.content,
    }


def _events(handler: _ChatEvents) -> list[Any]:
    out: list[Any] = []
    for event in handler.events:
        if isinstance(event, LLMChatStartEvent):
            model = {k: v for k, v in event.model_dict.items() if k != "base_url"}  # port varies
            out.append(["start", model, event.additional_kwargs])
        elif isinstance(event, LLMChatInProgressEvent):
            out.append(["progress", _dump(event.response)])
        elif isinstance(event, LLMChatEndEvent):
            out.append(["end", None if event.response is None else _dump(event.response)])
    return out


def _stream(llm: LMStudio, asynchronous: bool) -> list[ChatResponse]:
    if not asynchronous:
        return list(llm.stream_chat(HI))

    async def collect() -> list[ChatResponse]:
        return [response async for response in await llm.astream_chat(HI)]

    return asyncio.run(collect())


def record() -> dict[str, Any]:
    """What every recorded stream yields, sync and async, with its chat events."""
    root = get_dispatcher()
    out: dict[str, Any] = {}
    with FakeLMStudio() as lms:
        llm = LMStudio(base_url=lms.base_url, model="qwen3-4b", context_window=4096)
        for name, events in STREAMS.items():
            for asynchronous in (False, True):
                handler = _ChatEvents(events=[])
                root.add_event_handler(handler)
                try:
                    lms.reply(_Recorded(events))
                    responses = _stream(llm, asynchronous)
                finally:
                    root.event_handlers.remove(handler)
                key = f"{name}/{'async' if asynchronous else 'sync'}"
                out[key] = {
                    "responses": [_dump(r) for r in responses],
                    "events": _events(handler),
                }
    normalized: dict[str, Any] = json.loads(json.dumps(out))  # as the golden file reads back
    return normalized


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    return record()


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def validated() -> dict[str, Any]:
    """The same streams with every chunk built by LlamaIndex's validating constructors."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_convert, "text_response", _text_response.validated_text_response)
        return record()


@pytest.mark.parametrize("name", sorted(STREAMS))
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_stream_yields_what_the_validating_constructors_build(
    name: str, mode: str, recorded: dict[str, Any], validated: dict[str, Any]
) -> None:  # on every llama-index-core release of the declared range
    key = f"{name}/{mode}"
    assert recorded[key]["responses"] == validated[key]["responses"]
    assert recorded[key]["events"] == validated[key]["events"]


@pytest.mark.skipif(
    version("llama-index-core") != GOLDEN_LLAMA_INDEX,
    reason=f"stream_golden.json was recorded on llama-index-core {GOLDEN_LLAMA_INDEX}",
)
@pytest.mark.parametrize("name", sorted(STREAMS))
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_stream_yields_what_it_did_before(
    name: str, mode: str, recorded: dict[str, Any], golden: dict[str, Any]
) -> None:
    key = f"{name}/{mode}"
    assert recorded[key]["responses"] == golden[key]["responses"]
    assert recorded[key]["events"] == golden[key]["events"]


def test_the_golden_file_covers_every_stream(golden: dict[str, Any]) -> None:
    assert sorted(golden) == sorted(f"{n}/{m}" for n in STREAMS for m in ("sync", "async"))
    for key, value in golden.items():
        assert value["responses"], key
        kinds = [event[0] for event in value["events"]]
        assert kinds[0] == "start", key
        assert kinds[-1] == "end", key
        assert kinds.count("progress") == len(value["responses"]), key


def _write_golden() -> None:
    GOLDEN.write_text(json.dumps(record(), indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    _write_golden()


def test_chunks_are_copied_from_templates_on_this_llama_index() -> None:
    assert _text_response.copies_match()
    assert _text_response.text_response is _text_response.copied_text_response


def test_a_template_that_no_longer_matches_is_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    # What a LlamaIndex release adding a field default to TextBlock would look like here.
    monkeypatch.setitem(_text_response._BLOCK_STATE, "block_type", "image")
    assert not _text_response.copies_match()


def test_a_copied_response_is_independent_of_the_next() -> None:
    first = _text_response.copied_text_response("a", "a", {}, {})
    second = _text_response.copied_text_response("ab", "b", {}, {})
    first.message.additional_kwargs["x"] = 1
    first.raw = {"changed": True}
    assert second.message.additional_kwargs == {}
    assert "raw" in first.__pydantic_fields_set__
    assert second.message.content == "ab"
    assert first.message.blocks is not second.message.blocks
    assert first.__pydantic_fields_set__ is not second.__pydantic_fields_set__


def test_a_pydantic_without_the_slots_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    setter = _text_response._slot_setter("__no_such_slot__")
    with pytest.raises(AttributeError, match="__no_such_slot__"):
        setter(object(), None)
    monkeypatch.setattr(_text_response, "_set_extra", setter)
    assert not _text_response.copies_match()
