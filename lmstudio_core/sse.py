"""Incremental, pure Server-Sent Events decoder.

Fed raw bytes as they arrive (any split, including inside a UTF-8 sequence or a CRLF pair), it
returns complete events as ``(event_name, data)`` pairs. Comments, keep-alive blank lines, ``id:``
and ``retry:`` fields are handled per the SSE specification.
"""

from __future__ import annotations

__all__ = ["SSEDecoder", "SSEEvent"]

SSEEvent = tuple[str, str]
"""One dispatched event: ``(event name or "message", data)``."""


class SSEDecoder:
    """Turns a byte stream into SSE events; keeps only the unfinished tail between calls."""

    __slots__ = ("_data", "_event", "_tail")

    def __init__(self) -> None:
        self._tail = b""
        self._event = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Add bytes; return the events they complete, in order."""
        if (
            not self._tail
            and not self._data
            and not self._event
            and chunk.startswith(b"data: ")
            and chunk.find(b"\n", 6) == len(chunk) - 2
            and chunk.endswith(b"\n\n")
            and b"\r" not in chunk
        ):
            # Fast path: exactly one complete ``data:`` event, as servers send each token.
            return [("message", chunk[6:-2].decode("utf-8", "replace"))]
        buf = self._tail + chunk if self._tail else chunk
        hold = b""
        if buf[-1:] == b"\r":
            # The matching "\n" may still be on its way: keep the CR for the next feed.
            buf, hold = buf[:-1], b"\r"
        if b"\r" in buf:
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buf.split(b"\n")
        self._tail = lines.pop() + hold
        return self._lines(lines) if lines else []

    def flush(self) -> list[SSEEvent]:
        """End of stream: dispatch what a missing final blank line left pending."""
        tail, self._tail = self._tail, b""
        lines = tail.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        lines.append(b"")
        return self._lines(lines)

    def _lines(self, lines: list[bytes]) -> list[SSEEvent]:
        events: list[SSEEvent] = []
        data = self._data
        for raw in lines:
            if not raw:
                if data:
                    events.append((self._event or "message", "\n".join(data)))
                    data.clear()
                self._event = ""
                continue
            if raw[:5] == b"data:":
                value = raw[6:] if raw[5:6] == b" " else raw[5:]
                data.append(value.decode("utf-8", "replace"))
                continue
            if raw[:1] == b":":
                continue
            name, sep, value = raw.partition(b":")
            if sep and value[:1] == b" ":
                value = value[1:]
            if name == b"event":
                self._event = value.decode("utf-8", "replace")
            elif name == b"data":
                data.append(value.decode("utf-8", "replace"))
        return events
