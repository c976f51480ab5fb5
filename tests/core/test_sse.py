"""The incremental SSE decoder.

Line endings, fields, split bytes; chunking never changes the events.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lmstudio_core.sse import SSEDecoder
from tests.core.accumulator_runs import EXAMPLES, split_at


def _all(*chunks: bytes, flush: bool = True) -> list[tuple[str, str]]:
    decoder = SSEDecoder()
    events = []
    for piece in chunks:
        events.extend(decoder.feed(piece))
    if flush:
        events.extend(decoder.flush())
    return events


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


def test_data_lines_and_done() -> None:
    stream = b'data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n'
    assert _all(stream) == [("message", '{"a":1}'), ("message", '{"a":2}'), ("message", "[DONE]")]


def test_comments_and_keep_alives_are_ignored() -> None:
    stream = b": keep-alive\n\n\n\ndata: x\n: mid-event comment\n\n:\n\n"
    assert _all(stream) == [("message", "x")]


def test_crlf_and_cr_line_endings() -> None:
    assert _all(b"data: a\r\n\r\ndata: b\r\n\r\n") == [("message", "a"), ("message", "b")]
    assert _all(b"data: a\r\rdata: b\r\r") == [("message", "a"), ("message", "b")]


def test_crlf_split_between_feeds() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\n\r") == []
    assert decoder.feed(b"\n") == [("message", "a")]
    assert decoder.flush() == []


def test_multi_line_data_is_joined_with_newlines() -> None:
    assert _all(b"data: line one\ndata: line two\ndata:three\n\n") == [
        ("message", "line one\nline two\nthree")
    ]


def test_event_names_reset_after_each_event() -> None:
    stream = b'event: error\ndata: {"error":"x"}\n\ndata: next\n\n'
    assert _all(stream) == [("error", '{"error":"x"}'), ("message", "next")]


def test_event_without_data_is_not_dispatched() -> None:
    assert _all(b"event: ping\n\ndata: a\n\n") == [("message", "a")]


def test_id_and_retry_fields_are_ignored() -> None:
    assert _all(b"id: 7\nretry: 100\ndata: a\n\n") == [("message", "a")]


def test_only_one_leading_space_is_stripped() -> None:
    assert _all(b"data:  two spaces\n\n") == [("message", " two spaces")]
    assert _all(b"data\n\n") == [("message", "")]


def test_split_utf8_sequence() -> None:
    text = "data: héllo ✓ 😀\n\n".encode()
    for cut in range(1, len(text)):
        assert _all(text[:cut], text[cut:]) == [("message", "héllo ✓ 😀")], cut


def test_byte_by_byte() -> None:
    stream = b'event: e\r\ndata: {"k": "v"}\r\n\r\ndata: [DONE]\r\n\r\n'
    assert _all(*(stream[i : i + 1] for i in range(len(stream)))) == [
        ("e", '{"k": "v"}'),
        ("message", "[DONE]"),
    ]


def test_flush_without_trailing_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: last") == [("message", "a")]
    assert decoder.flush() == [("message", "last")]
    assert decoder.flush() == []
    decoder = SSEDecoder()
    assert decoder.feed(b"data: last\n") == []
    assert decoder.flush() == [("message", "last")]
    decoder = SSEDecoder()
    assert decoder.feed(b"data: last\r") == []
    assert decoder.flush() == [("message", "last")]


def test_invalid_utf8_is_replaced_not_raised() -> None:
    assert _all(b"data: \xff\xfe\n\n") == [("message", "\ufffd\ufffd")]


def test_empty_feed() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"") == []
    assert decoder.flush() == []


@EXAMPLES
@given(sse_stream(), st.lists(st.integers(0, 10_000), max_size=12))
def test_any_split_gives_the_same_events(
    stream: tuple[bytes, list[tuple[str, str]]], cuts: list[int]
) -> None:
    data, expected = stream
    assert _all(data) == expected
    assert _all(*split_at(data, cuts)) == expected


@EXAMPLES
@given(st.binary(max_size=300), st.lists(st.integers(0, 1000), max_size=8))
def test_decoder_never_raises(data: bytes, cuts: list[int]) -> None:
    events = _all(*split_at(data, cuts))
    assert all(isinstance(name, str) and isinstance(value, str) for name, value in events)
