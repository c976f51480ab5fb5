"""Run a `StreamAccumulator` over chunks, as the clients do; cut bytes at random points."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings

from lmstudio_core import ChatDelta
from lmstudio_core.accumulate import StreamAccumulator

EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Hypothesis settings of the chunking properties."""


def accumulate(
    chunks: list[dict[str, Any]], *, parse_think_tags: bool = True
) -> tuple[list[ChatDelta], StreamAccumulator]:
    """Feed ``chunks``, then flush: the deltas a caller sees and the accumulator."""
    acc = StreamAccumulator(parse_think_tags=parse_think_tags)
    deltas = [d for d in (acc.add_chunk(c) for c in chunks) if d is not None]
    tail = acc.flush()
    if tail is not None:
        deltas.append(tail)
    return deltas, acc


def texts(deltas: list[ChatDelta]) -> tuple[str, str]:
    """The streamed content and reasoning, joined."""
    return "".join(d.content for d in deltas), "".join(d.reasoning for d in deltas)


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at the given points (taken modulo its length, so any integers do)."""
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(data[last:point])
        last = point
    pieces.append(data[last:])
    return pieces
