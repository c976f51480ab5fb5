"""Reasoning, streamed and not.

``reasoning_content``, ``reasoning`` (gpt-oss) and inline ``<think>`` tags (the splitter).
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from lmstudio_core import (
    LMStudioClient,
)
from lmstudio_core.accumulate import StreamAccumulator, ThinkTagSplitter, parse_chat_completion
from lmstudio_core.testing import FakeLMStudio
from lmstudio_core.testing.replies import sse_body
from tests.core.accumulator_runs import accumulate, texts
from tests.core.both_clients import USER, MakeApi
from tests.core.samples import (
    CHAT,
    OSLO_QUESTION,
    answer_with,
    chunk,
    usage_chunk,
)
from tests.support.httpserver_answers import serve_stream


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_fields(field: str) -> None:
    chunks = [
        chunk({field: "Think"}),
        chunk({field: "ing.", "content": ""}),
        chunk({"content": "Answer"}),
        chunk({}, "stop"),
    ]
    deltas, acc = accumulate(chunks)
    assert texts(deltas) == ("Answer", "Thinking.")
    result = acc.result()
    assert result.reasoning == "Thinking."
    assert result.content == "Answer"


def test_empty_reasoning_content_means_no_reasoning() -> None:
    _, acc = accumulate([chunk({"content": "x", "reasoning_content": ""}, "stop")])
    assert acc.result().reasoning is None


def test_think_tags_in_one_chunk() -> None:
    deltas, acc = accumulate([chunk({"content": "<think>plan</think>The answer."}, "stop")])
    assert texts(deltas) == ("The answer.", "plan")
    assert acc.result().content == "The answer."
    assert acc.result().reasoning == "plan"


@pytest.mark.parametrize("cut", range(1, len("<think>ab</think>cd")))
def test_think_tags_split_anywhere(cut: int) -> None:
    text = "<think>ab</think>cd"
    deltas, acc = accumulate(
        [chunk({"content": text[:cut]}), chunk({"content": text[cut:]}), chunk({}, "stop")]
    )
    assert texts(deltas) == ("cd", "ab")
    assert (acc.result().content, acc.result().reasoning) == ("cd", "ab")


def test_think_tags_char_by_char() -> None:
    text = "pre <think>a < b</think> post <thin"
    deltas, acc = accumulate([chunk({"content": c}) for c in text] + [chunk({}, "stop")])
    assert texts(deltas) == ("pre  post <thin", "a < b")
    assert acc.result().content == "pre  post <thin"


def test_unclosed_think_is_reasoning() -> None:
    deltas, acc = accumulate([chunk({"content": "<think>still thinking"})])
    assert texts(deltas) == ("", "still thinking")
    assert acc.result().reasoning == "still thinking"


def test_think_tags_kept_when_parsing_is_off() -> None:
    deltas, acc = accumulate(
        [chunk({"content": "<think>x</think>y"}, "stop")], parse_think_tags=False
    )
    assert texts(deltas) == ("<think>x</think>y", "")
    assert acc.result().content == "<think>x</think>y"
    assert acc.result().reasoning is None


def test_result_mid_stream_does_not_break_a_split_tag() -> None:
    acc = StreamAccumulator()
    acc.add_chunk(chunk({"content": "a<thi"}))
    assert acc.result().content == "a<thi"
    acc.add_chunk(chunk({"content": "nk>r</think>b"}))
    acc.add_chunk(chunk({}, "stop"))
    result = acc.result()
    assert (result.content, result.reasoning) == ("ab", "r")
    assert acc.result() == result


def test_a_held_back_tail_is_released_as_a_final_delta() -> None:
    acc = StreamAccumulator()
    delta = acc.add_chunk(chunk({"content": "1 <"}, "stop"))
    assert delta is not None
    assert delta.content == "1 "
    tail = acc.flush()
    assert tail is not None
    assert tail.content == "<"
    assert acc.flush() is None
    assert acc.result().content == "1 <"


def test_splitter_direct() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("a<th") == ("a", "")
    assert splitter.feed("ink>b</th") == ("", "b")
    assert splitter.flush() == ("", "</th")


def test_reasoning_content_and_reasoning() -> None:
    a = parse_chat_completion(answer_with(content="A", reasoning_content="R1"))
    b = parse_chat_completion(answer_with(content="A", reasoning="R2"))
    c = parse_chat_completion(answer_with(content="<think>R3</think>\nA"))
    assert (a.content, a.reasoning) == ("A", "R1")
    assert (b.content, b.reasoning) == ("A", "R2")
    assert (c.content, c.reasoning) == ("\nA", "R3")


def test_think_tags_kept_when_disabled() -> None:
    body = answer_with(content="<think>R</think>A")
    result = parse_chat_completion(body, parse_think_tags=False)
    assert result.content == "<think>R</think>A"
    assert result.reasoning is None


def test_trailing_partial_tag_is_content() -> None:
    assert parse_chat_completion(answer_with(content="x <thi")).content == "x <thi"


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
async def test_reasoning_non_stream(httpserver: HTTPServer, make_api: MakeApi, field: str) -> None:
    httpserver.expect_request(CHAT).respond_with_json(
        answer_with(content="42", **{field: "I think"})
    )
    result = await make_api().call("chat", USER, model="m")
    assert (result.content, result.reasoning) == ("42", "I think")


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
async def test_reasoning_stream(httpserver: HTTPServer, make_api: MakeApi, field: str) -> None:
    serve_stream(
        httpserver,
        sse_body(
            chunk({"role": "assistant", field: "I "}),
            chunk({field: "think"}),
            chunk({"content": "42"}),
            chunk({}, "stop"),
            usage_chunk(),
        ),
    )
    deltas, result = await make_api().stream(model="m")
    assert "".join(d.reasoning for d in deltas) == "I think"
    assert (result.content, result.reasoning) == ("42", "I think")


async def test_think_tags_stream(httpserver: HTTPServer, make_api: MakeApi) -> None:
    serve_stream(
        httpserver,
        sse_body(
            chunk({"content": "<thi"}),
            chunk({"content": "nk>plan</th"}),
            chunk({"content": "ink>ok"}),
            chunk({}, "stop"),
        ),
    )
    deltas, result = await make_api().stream(model="m")
    assert "".join(d.content for d in deltas) == "ok"
    assert (result.content, result.reasoning) == ("ok", "plan")


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning", "think"])
@pytest.mark.parametrize("stream", [False, True])
def test_reasoning_forms(
    client: LMStudioClient, fake_lmstudio: FakeLMStudio, field: str, stream: bool
) -> None:
    fake_lmstudio.reply_text("42", reasoning="six times seven", reasoning_field=field)  # type: ignore[arg-type]
    if stream:
        chat_stream = client.chat_stream(OSLO_QUESTION)
        reasoning = "".join(d.reasoning for d in chat_stream)
        result = chat_stream.result()
        assert reasoning == "six times seven"
    else:
        result = client.chat(OSLO_QUESTION)
    assert result.content == "42"
    assert result.reasoning == "six times seven"
