"""Streamed chat: chunks become `ChatDelta`s and one `ChatResult`.

Content, finish reason, usage, stats, whatever the chunking.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from lmstudio_core import (
    AsyncLMStudioClient,
    ChatResult,
    LMStudioClient,
    LMStudioError,
    LMStudioSettings,
)
from lmstudio_core.accumulate import StreamAccumulator, parse_chat_completion
from lmstudio_core.protocol import LMStudioProtocol
from lmstudio_core.testing import FakeLMStudio
from lmstudio_core.testing.replies import sse_body
from tests.core.accumulator_runs import EXAMPLES, accumulate, split_at
from tests.core.both_clients import MakeApi
from tests.core.samples import (
    CHAT,
    HI,
    OSLO_QUESTION,
    answer_with,
    chunk,
    usage_chunk,
)
from tests.support.httpserver_answers import serve_stream

PROTOCOL = LMStudioProtocol(
    LMStudioSettings(base_url="http://127.0.0.1:9/v1", circuit_breaker_threshold=0)
)
content_alphabet = st.sampled_from(
    ["a", "b", " ", "<", ">", "/", "<think>", "</think>", "<thi", "nk>", "é", "✓", "\n"]
)


@st.composite
def chat_stream(draw: st.DrawFn) -> tuple[bytes, str, int]:
    """An SSE chat stream: content (with think tags) and tool calls, in random chunks."""
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    text = "".join(draw(st.lists(content_alphabet, max_size=30)))
    chunks: list[dict[str, Any]] = [{"role": "assistant", "content": None}]
    cut_points = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    last = 0
    for point in [*cut_points, len(text)]:
        if point > last:
            chunks.append({"content": text[last:point]})
            last = point
    field = draw(st.sampled_from(["reasoning_content", "reasoning"]))
    for piece in draw(st.lists(st.sampled_from(["x", "y z", "ü"]), max_size=3)):
        chunks.insert(1, {field: piece})
    calls = draw(st.lists(st.sampled_from(['{"city": "Oslo"}', "", '{"a": [1, 2]}']), max_size=3))
    for index, arguments in enumerate(calls):
        cut = draw(st.integers(0, len(arguments)))
        chunks.append(
            {
                "tool_calls": [
                    {
                        "index": index,
                        "id": f"id{index}",
                        "type": "function",
                        "function": {"name": f"f{index}", "arguments": arguments[:cut]},
                    }
                ]
            }
        )
        chunks.append(
            {"tool_calls": [{"index": index, "function": {"arguments": arguments[cut:]}}]}
        )
    events = [
        {"id": "c1", "model": "m", "choices": [{"index": 0, "delta": d, "finish_reason": None}]}
        for d in chunks
    ]
    events.append({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    events.append(
        {"id": "c1", "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2}}
    )
    body = "".join(f"data: {json.dumps(e, ensure_ascii=False)}{nl}{nl}" for e in events)
    body += f"data: [DONE]{nl}{nl}"
    return body.encode(), text, len(calls)


def _read(pieces: list[bytes]) -> tuple[str, str, ChatResult]:
    reader = PROTOCOL.stream_reader()
    deltas = []
    for piece in pieces:
        deltas.extend(reader.feed(piece))
    deltas.extend(reader.finish())
    content = "".join(d.content for d in deltas)
    reasoning = "".join(d.reasoning for d in deltas)
    return content, reasoning, reader.result()


scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "x", "<think>"])
json_values = (
    scalars
    | st.lists(scalars, max_size=2)
    | st.dictionaries(st.text(max_size=3), scalars, max_size=2)
)
chunk_keys = st.sampled_from(
    ["id", "model", "choices", "usage", "stats", "timings", "error", "delta", "message"]
)
delta_keys = st.sampled_from(
    ["content", "reasoning", "reasoning_content", "tool_calls", "role", "function", "index", "id"]
)


@st.composite
def chunk_like(draw: st.DrawFn) -> Any:
    """JSON that looks a bit like a chunk, with wrong types anywhere."""
    delta = draw(st.dictionaries(delta_keys, json_values | st.lists(json_values), max_size=4))
    choice = draw(
        st.dictionaries(
            st.sampled_from(["delta", "message", "finish_reason", "index"]), json_values
        )
    )
    choice.setdefault("delta", delta)
    chunk = draw(st.dictionaries(chunk_keys, json_values, max_size=4))
    if draw(st.booleans()):
        chunk["choices"] = [choice]
    return chunk


def test_content_role_only_and_finish() -> None:
    chunks = [
        chunk({"role": "assistant", "content": None}),
        chunk({"role": "assistant", "content": "Hel"}),
        chunk({"role": "assistant", "content": "lo!"}),
        chunk({}, "stop"),
    ]
    deltas, acc = accumulate(chunks)
    assert [d.content for d in deltas] == ["Hel", "lo!", ""]
    assert deltas[-1].finish_reason == "stop"
    assert deltas[0].id == "chatcmpl-7fk1"
    assert deltas[0].model == "qwen/qwen3-4b-2507"
    result = acc.result()
    assert result.content == "Hello!"
    assert result.reasoning is None
    assert result.finish_reason == "stop"
    assert result.tool_calls == []
    assert result.usage is None
    assert result.id == "chatcmpl-7fk1"
    assert acc.chunks == 4


def test_usage_from_trailing_empty_choices_chunk() -> None:
    deltas, acc = accumulate([chunk({"content": "a"}), chunk({}, "stop"), usage_chunk()])
    assert deltas[-1].usage is not None
    assert deltas[-1].content == ""
    usage = acc.result().usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (12, 3, 15)


def test_usage_details_and_timings() -> None:
    last = {
        "choices": [],
        "usage": {
            "completion_tokens": 6,
            "prompt_tokens": 25,
            "total_tokens": 31,
            "prompt_tokens_details": {"cached_tokens": 24},
            "completion_tokens_details": {"reasoning_tokens": 2},
        },
        "timings": {"predicted_per_second": 4500.5},
    }
    _, acc = accumulate([chunk({"content": "a"}), chunk({}, "stop", timings={"x": 1}), last])
    result = acc.result()
    assert result.usage is not None
    assert result.usage.cached_tokens == 24
    assert result.usage.reasoning_tokens == 2
    assert result.timings == {"predicted_per_second": 4500.5}
    assert result.tokens_per_second == 4500.5


def test_chunk_without_anything_new_yields_no_delta() -> None:
    acc = StreamAccumulator()
    assert acc.add_chunk(chunk({"role": "assistant"})) is None
    assert acc.add_chunk({"choices": []}) is None
    assert not acc.has_output


def test_stats_in_a_chunk() -> None:
    deltas, acc = accumulate([chunk({"content": "a"}, "stop", stats={"tokens_per_second": 12.5})])
    assert deltas[0].stats == {"tokens_per_second": 12.5}
    assert acc.result().stats == {"tokens_per_second": 12.5}
    assert acc.result().tokens_per_second == 12.5


@EXAMPLES
@given(chat_stream(), st.lists(st.integers(0, 100_000), max_size=12))
def test_any_split_gives_the_same_result(stream: tuple[bytes, str, int], cuts: list[int]) -> None:
    data, text, n_calls = stream
    whole_content, whole_reasoning, whole = _read([data])
    split_content, split_reasoning, split = _read(split_at(data, cuts))
    assert split == whole
    assert (split_content, split_reasoning) == (whole.content, whole.reasoning or "")
    assert (whole_content, whole_reasoning) == (whole.content, whole.reasoning or "")
    assert whole.finish_reason == "stop"
    assert whole.usage is not None
    assert whole.usage.total_tokens == 7
    assert len(whole.tool_calls) == n_calls
    assert all(json.loads(call.arguments) is not None for call in whole.tool_calls)
    # Think tags split across chunks are parsed exactly like the whole text in one answer.
    one = parse_chat_completion({"choices": [{"message": {"content": text}}]})
    assert whole.content == one.content
    assert (one.reasoning or "") in (whole.reasoning or "")


@EXAMPLES
@given(
    st.lists(
        st.binary(max_size=60) | chunk_like().map(lambda c: f"data: {json.dumps(c)}\n\n".encode()),
        max_size=5,
    ),
    st.lists(st.integers(0, 1000), max_size=6),
)
def test_reader_raises_only_library_errors(parts: list[bytes], cuts: list[int]) -> None:
    reader = PROTOCOL.stream_reader()
    try:
        for piece in split_at(b"".join(parts), cuts):
            reader.feed(piece)
        reader.finish()
    except LMStudioError as exc:
        partial = exc.partial
    else:
        partial = reader.result()
    assert isinstance(partial, ChatResult)


async def test_stream_without_usage_is_fine(httpserver: HTTPServer, make_api: MakeApi) -> None:
    serve_stream(httpserver, sse_body(chunk({"content": "a"}), chunk({}, "stop")))
    _, result = await make_api().stream(model="m")
    assert result.content == "a"
    assert result.usage is None


async def test_stream_answered_with_one_json_completion(
    httpserver: HTTPServer, make_api: MakeApi
) -> None:
    httpserver.expect_request(CHAT).respond_with_json(
        answer_with(content="<think>r</think>whole <")
    )
    deltas, result = await make_api().stream(model="m")
    assert "".join(d.content for d in deltas) == "whole <"
    assert (result.content, result.reasoning) == ("whole <", "r")
    assert result.usage.total_tokens == 33
    assert result.finish_reason == "stop"


async def test_stream_with_crlf_and_keep_alives(httpserver: HTTPServer, make_api: MakeApi) -> None:
    body = sse_body(chunk({"content": "a"}), chunk({"content": "b"}), chunk({}, "stop"))
    body = ": ping\n\n" + body.replace("\n", "\r\n")
    serve_stream(httpserver, body)
    deltas, result = await make_api().stream(model="m")
    assert [d.content for d in deltas] == ["a", "b", ""]
    assert result.content == "ab"


def test_streamed_text_with_usage(client: LMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_text("Sunny and mild.")
    stream = client.chat_stream(OSLO_QUESTION, model="fake-llm")
    pieces = [d.content for d in stream if d.content]
    assert len(pieces) == 3
    assert "".join(pieces) == "Sunny and mild."
    result = stream.result()
    assert result.content == "Sunny and mild."
    assert result.usage is not None
    assert result.usage.completion_tokens == 3
    body = fake_lmstudio.last_request.json
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


async def test_text_and_stream(aclient: AsyncLMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    fake_lmstudio.reply_text("one two three", reasoning="hmm", reasoning_field="reasoning")
    fake_lmstudio.reply_text("four five", reasoning="aha", reasoning_field="think")
    first = await aclient.chat(HI)
    assert (first.content, first.reasoning) == ("one two three", "hmm")
    stream = aclient.chat_stream(HI)
    deltas = [d async for d in stream]
    assert "".join(d.content for d in deltas) == "four five"
    result = stream.result()
    assert result.reasoning == "aha"
    assert result.usage is not None


async def test_concurrent_requests_each_take_one_reply(
    aclient: AsyncLMStudioClient, fake_lmstudio: FakeLMStudio
) -> None:
    for n in range(8):
        fake_lmstudio.reply_text(f"answer {n}")
    results = await asyncio.gather(*(aclient.chat(HI) for _ in range(8)))
    assert sorted(r.content for r in results) == [f"answer {n}" for n in range(8)]
    assert fake_lmstudio.pending_replies == 0
