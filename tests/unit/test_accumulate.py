"""StreamAccumulator: content, reasoning, <think> tags, tool calls, usage, finish reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lmstudio_core import ChatDelta
from lmstudio_core.accumulate import StreamAccumulator, ThinkTagSplitter
from tests.unit.lmstudio_bodies import chunk, usage_chunk


def _run(
    chunks: list[dict[str, Any]], *, parse_think_tags: bool = True
) -> tuple[list[ChatDelta], StreamAccumulator]:
    acc = StreamAccumulator(parse_think_tags=parse_think_tags)
    deltas = [d for d in (acc.add_chunk(c) for c in chunks) if d is not None]
    tail = acc.flush()
    if tail is not None:
        deltas.append(tail)
    return deltas, acc


def _text(deltas: list[ChatDelta]) -> tuple[str, str]:
    return "".join(d.content for d in deltas), "".join(d.reasoning for d in deltas)


def test_content_role_only_and_finish() -> None:
    chunks = [
        chunk({"role": "assistant", "content": None}),
        chunk({"role": "assistant", "content": "Hel"}),
        chunk({"role": "assistant", "content": "lo!"}),
        chunk({}, "stop"),
    ]
    deltas, acc = _run(chunks)
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


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_fields(field: str) -> None:
    chunks = [
        chunk({field: "Think"}),
        chunk({field: "ing.", "content": ""}),
        chunk({"content": "Answer"}),
        chunk({}, "stop"),
    ]
    deltas, acc = _run(chunks)
    assert _text(deltas) == ("Answer", "Thinking.")
    result = acc.result()
    assert result.reasoning == "Thinking."
    assert result.content == "Answer"


def test_empty_reasoning_content_means_no_reasoning() -> None:
    _, acc = _run([chunk({"content": "x", "reasoning_content": ""}, "stop")])
    assert acc.result().reasoning is None


def test_think_tags_in_one_chunk() -> None:
    deltas, acc = _run([chunk({"content": "<think>plan</think>The answer."}, "stop")])
    assert _text(deltas) == ("The answer.", "plan")
    assert acc.result().content == "The answer."
    assert acc.result().reasoning == "plan"


@pytest.mark.parametrize("cut", range(1, len("<think>ab</think>cd")))
def test_think_tags_split_anywhere(cut: int) -> None:
    text = "<think>ab</think>cd"
    deltas, acc = _run(
        [chunk({"content": text[:cut]}), chunk({"content": text[cut:]}), chunk({}, "stop")]
    )
    assert _text(deltas) == ("cd", "ab")
    assert (acc.result().content, acc.result().reasoning) == ("cd", "ab")


def test_think_tags_char_by_char() -> None:
    text = "pre <think>a < b</think> post <thin"
    deltas, acc = _run([chunk({"content": c}) for c in text] + [chunk({}, "stop")])
    assert _text(deltas) == ("pre  post <thin", "a < b")
    assert acc.result().content == "pre  post <thin"


def test_unclosed_think_is_reasoning() -> None:
    deltas, acc = _run([chunk({"content": "<think>still thinking"})])
    assert _text(deltas) == ("", "still thinking")
    assert acc.result().reasoning == "still thinking"


def test_think_tags_kept_when_parsing_is_off() -> None:
    deltas, acc = _run([chunk({"content": "<think>x</think>y"}, "stop")], parse_think_tags=False)
    assert _text(deltas) == ("<think>x</think>y", "")
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


def test_tool_calls_merged_by_index() -> None:
    chunks = [
        chunk({"role": "assistant", "content": None}),
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "730116245",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ]
            }
        ),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]}),
        chunk(
            {
                "tool_calls": [
                    {"index": 1, "id": "2", "function": {"name": "add", "arguments": '{"a":'}},
                    {"index": 0, "id": None, "function": {"name": None, "arguments": '"Oslo"}'}},
                ]
            }
        ),
        chunk({"tool_calls": [{"index": 1, "function": {"arguments": "1}"}}]}),
        chunk({}, "tool_calls"),
        usage_chunk(),
    ]
    deltas, acc = _run(chunks)
    fragments = [tc for d in deltas for tc in d.tool_calls or []]
    assert [(f.index, f.id, f.name) for f in fragments] == [
        (0, "730116245", "get_weather"),
        (0, None, None),
        (1, "2", "add"),
        (0, None, None),
        (1, None, None),
    ]
    result = acc.result()
    assert [(c.index, c.id, c.name, c.arguments) for c in result.tool_calls] == [
        (0, "730116245", "get_weather", '{"city":"Oslo"}'),
        (1, "2", "add", '{"a":1}'),
    ]
    assert result.finish_reason == "tool_calls"
    assert result.tool_calls[0].parsed_arguments() == ({"city": "Oslo"}, None)


def test_empty_tool_call_ids_are_generated_once_per_call() -> None:
    chunks = [
        chunk(
            {"tool_calls": [{"index": 0, "id": "", "function": {"name": "f", "arguments": "{"}}]}
        ),
        chunk({"tool_calls": [{"index": 0, "id": "", "function": {"arguments": "}"}}]}),
        chunk({"tool_calls": [{"index": 1, "function": {"name": "g"}}]}),
    ]
    deltas, acc = _run(chunks)
    first_id = deltas[0].tool_calls[0].id  # type: ignore[index]
    assert first_id
    assert first_id.startswith("call_")
    result = acc.result()
    assert result.tool_calls[0].id == first_id
    assert result.tool_calls[1].id
    assert result.tool_calls[1].id != first_id
    assert result.tool_calls[0].arguments == "{}"


def test_empty_arguments_mean_empty_object() -> None:
    _, acc = _run([chunk({"tool_calls": [{"index": 0, "id": "1", "function": {"name": "ping"}}]})])
    call = acc.result().tool_calls[0]
    assert call.arguments == "{}"
    assert call.parsed_arguments() == ({}, None)


def test_object_arguments_are_serialised() -> None:
    raw = {"index": 0, "id": "1", "function": {"name": "f", "arguments": {"x": [1, 2]}}}
    _, acc = _run([chunk({"tool_calls": [raw]})])
    assert json.loads(acc.result().tool_calls[0].arguments) == {"x": [1, 2]}


def test_name_arriving_after_the_first_fragment() -> None:
    chunks = [
        chunk({"tool_calls": [{"index": 0, "id": "1", "function": {"arguments": "{}"}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"name": "late"}}]}),
    ]
    deltas, acc = _run(chunks)
    assert deltas[1].tool_calls[0].name == "late"  # type: ignore[index]
    assert acc.result().tool_calls[0].name == "late"


def test_empty_tool_calls_list_means_none() -> None:
    deltas, acc = _run([chunk({"content": "hi", "tool_calls": []}, "stop")])
    assert deltas[0].tool_calls is None
    assert acc.result().tool_calls == []


def test_usage_from_trailing_empty_choices_chunk() -> None:
    deltas, acc = _run([chunk({"content": "a"}), chunk({}, "stop"), usage_chunk(12, 3)])
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
    _, acc = _run([chunk({"content": "a"}), chunk({}, "stop", timings={"x": 1}), last])
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
    deltas, acc = _run([chunk({"content": "a"}, "stop", stats={"tokens_per_second": 12.5})])
    assert deltas[0].stats == {"tokens_per_second": 12.5}
    assert acc.result().stats == {"tokens_per_second": 12.5}
    assert acc.result().tokens_per_second == 12.5
