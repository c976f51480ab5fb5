"""The incremental SSE decoder."""

from __future__ import annotations

from lmstudio_core.sse import SSEDecoder


def _all(*chunks: bytes, flush: bool = True) -> list[tuple[str, str]]:
    decoder = SSEDecoder()
    events = []
    for piece in chunks:
        events.extend(decoder.feed(piece))
    if flush:
        events.extend(decoder.flush())
    return events


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
