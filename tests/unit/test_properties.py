"""Property-based tests: chunking never changes what the SSE decoder and the reader produce."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lmstudio_core import ChatResult, LMStudioError, LMStudioSettings
from lmstudio_core.accumulate import parse_chat_completion
from lmstudio_core.protocol import LMStudioProtocol
from lmstudio_core.sse import SSEDecoder

EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROTOCOL = LMStudioProtocol(
    LMStudioSettings(base_url="http://127.0.0.1:9/v1", circuit_breaker_threshold=0)
)

line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=20
)
event_name = st.sampled_from(["", "message", "error", "ping", "é"])
newline = st.sampled_from([b"\n", b"\r\n", b"\r"])


@st.composite
def sse_stream(draw: st.DrawFn) -> tuple[bytes, list[tuple[str, str]]]:
    """Bytes of an SSE stream and the events it must decode to."""
    nl = draw(newline)
    out = b""
    expected = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            out += b": keep-alive" + nl + nl
        if draw(st.booleans()):
            out += nl  # a stray blank line
        name = draw(event_name)
        lines = draw(st.lists(line_text, min_size=1, max_size=3))
        if name:
            out += b"event: " + name.encode() + nl
        for line in lines:
            out += b"data: " + line.encode() + nl
        out += nl
        expected.append((name or "message", "\n".join(lines)))
    return out, expected


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(data[last:point])
        last = point
    pieces.append(data[last:])
    return pieces


def _decode(pieces: list[bytes]) -> list[tuple[str, str]]:
    decoder = SSEDecoder()
    events = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    events.extend(decoder.flush())
    return events


@EXAMPLES
@given(sse_stream(), st.lists(st.integers(0, 10_000), max_size=12))
def test_any_split_gives_the_same_events(
    stream: tuple[bytes, list[tuple[str, str]]], cuts: list[int]
) -> None:
    data, expected = stream
    assert _decode([data]) == expected
    assert _decode(_split(data, cuts)) == expected


@EXAMPLES
@given(st.binary(max_size=300), st.lists(st.integers(0, 1000), max_size=8))
def test_decoder_never_raises(data: bytes, cuts: list[int]) -> None:
    events = _decode(_split(data, cuts))
    assert all(isinstance(name, str) and isinstance(value, str) for name, value in events)


# -- the stream reader ------------------------------------------------------------------------

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


@EXAMPLES
@given(chat_stream(), st.lists(st.integers(0, 100_000), max_size=12))
def test_any_split_gives_the_same_result(stream: tuple[bytes, str, int], cuts: list[int]) -> None:
    data, text, n_calls = stream
    whole_content, whole_reasoning, whole = _read([data])
    split_content, split_reasoning, split = _read(_split(data, cuts))
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
        for piece in _split(b"".join(parts), cuts):
            reader.feed(piece)
        reader.finish()
    except LMStudioError as exc:
        partial = exc.partial
    else:
        partial = reader.result()
    assert isinstance(partial, ChatResult)
