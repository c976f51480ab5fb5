"""The pure conversion helpers of langchain_lmstudio._convert."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_lmstudio._convert import StreamConverter, messages_to_openai, usage_to_metadata
from lmstudio_core import ChatDelta, ChatResult, ToolCallDelta, Usage


def test_anthropic_style_assistant_turn_becomes_text_and_tool_calls() -> None:
    message = AIMessage(
        [
            {"type": "thinking", "thinking": "hmm", "signature": "sig"},
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": "x"}},
        ],
        tool_calls=[{"name": "lookup", "args": {"q": "x"}, "id": "t1"}],
    )
    [converted] = messages_to_openai([message])
    assert converted["content"] == "Let me check."
    assert converted["tool_calls"][0]["function"] == {"name": "lookup", "arguments": '{"q": "x"}'}


def test_v1_assistant_blocks_keep_only_text() -> None:
    message = AIMessage(
        [
            {"type": "reasoning", "reasoning": "private"},
            {"type": "text", "text": "Public."},
            {"type": "tool_call", "id": "c1", "name": "f", "args": {}},
        ],
        tool_calls=[{"name": "f", "args": {}, "id": "c1"}],
    )
    [converted] = messages_to_openai([message])
    assert converted["content"] == "Public."
    assert [call["id"] for call in converted["tool_calls"]] == ["c1"]


def test_tool_message_with_text_blocks_and_user_name() -> None:
    converted = messages_to_openai(
        [
            HumanMessage("hi", name="ada"),
            ToolMessage([{"type": "text", "text": "r1"}], tool_call_id="c1", status="error"),
        ]
    )
    assert converted == [
        {"role": "user", "name": "ada", "content": "hi"},
        {"role": "tool", "tool_call_id": "c1", "content": "r1"},
    ]


def test_usage_details() -> None:
    assert usage_to_metadata(None) is None
    plain = usage_to_metadata(Usage(prompt_tokens=3, completion_tokens=2, total_tokens=5))
    assert plain == {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
    detailed = usage_to_metadata(
        Usage(
            prompt_tokens=10,
            completion_tokens=6,
            total_tokens=16,
            cached_tokens=8,
            reasoning_tokens=4,
        )
    )
    assert detailed is not None
    assert detailed["input_token_details"] == {"cache_read": 8}
    assert detailed["output_token_details"] == {"reasoning": 4}


def test_stream_converter_chunks_and_last() -> None:
    converter = StreamConverter("m")
    assert converter.chunk(ChatDelta(finish_reason="stop", id="x1")) is None
    first = converter.chunk(ChatDelta(tool_calls=[ToolCallDelta(0, "c1", "f", '{"a"')], id="x1"))
    second = converter.chunk(ChatDelta(tool_calls=[ToolCallDelta(0, None, None, ": 1}")]))
    assert first is not None
    assert second is not None
    last = converter.last(
        ChatResult(
            finish_reason="tool_calls",
            usage=Usage(prompt_tokens=1, completion_tokens=2, total_tokens=3),
        )
    )
    assert last.message.chunk_position == "last"  # type: ignore[attr-defined]
    full = first.message + second.message + last.message  # type: ignore[operator]
    assert full.id == "x1"
    assert full.tool_calls == [{"name": "f", "args": {"a": 1}, "id": "c1", "type": "tool_call"}]
    assert full.response_metadata["model_name"] == "m"
    assert full.usage_metadata["total_tokens"] == 3
