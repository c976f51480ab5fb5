"""Message conversion rules (pure functions, no server)."""

from __future__ import annotations

import httpx
import pytest
from llama_index.core.base.llms.types import (
    AudioBlock,
    ChatMessage,
    ChatResponse,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from pytest_httpserver import HTTPServer

from llama_index_lmstudio._convert import StreamState, to_wire_messages, tool_selections
from lmstudio_core import ChatDelta, ChatResult, ToolCall, ToolCallDelta
from tests.llama_index.lmstudio_answers import completion, make_llm
from tests.support.httpserver_answers import serve_chat


def test_roles_are_mapped_to_what_lm_studio_accepts() -> None:
    messages = [
        ChatMessage(role="developer", content="rules"),
        ChatMessage(role="chatbot", content="a"),
        ChatMessage(role="model", content="b"),
        ChatMessage(role="function", content="c", additional_kwargs={"tool_call_id": "7"}),
    ]
    assert to_wire_messages(messages) == [
        {"role": "system", "content": "rules"},
        {"role": "assistant", "content": "a"},
        {"role": "assistant", "content": "b"},
        {"role": "tool", "content": "c", "tool_call_id": "7"},
    ]


def test_thinking_blocks_are_not_resent_and_legacy_tool_calls_are() -> None:
    legacy = {"id": "1", "type": "function", "function": {"name": "f", "arguments": {"x": 1}}}
    message = ChatMessage(
        role="assistant",
        blocks=[ThinkingBlock(content="hmm"), TextBlock(text="")],
        additional_kwargs={"tool_calls": [legacy], "prompt_tokens": 3, "stats": {}},
    )
    assert to_wire_messages([message]) == [
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}
            ],
        }
    ]


def test_blocks_lm_studio_cannot_take_fail_clearly() -> None:
    message = ChatMessage(role="user", blocks=[AudioBlock(audio=b"RIFF....", format="wav")])
    with pytest.raises(ValueError, match="AudioBlock"):
        to_wire_messages([message])


def test_stream_state_builds_growing_messages() -> None:
    state = StreamState()
    first = state.update(ChatDelta(content="Hel", reasoning="r1"))
    second = state.update(
        ChatDelta(content="lo", tool_calls=[ToolCallDelta(0, "id1", "f", '{"a": ')])
    )
    assert (first.delta, first.message.content) == ("Hel", "Hel")
    assert first.additional_kwargs["thinking_delta"] == "r1"
    assert second.message.content == "Hello"
    assert second.additional_kwargs["thinking_delta"] is None
    (block,) = [b for b in second.message.blocks if isinstance(b, ToolCallBlock)]
    # Mid-stream, arguments cut short are completed for display (no warning, no crash)...
    assert (block.tool_call_id, block.tool_name, block.tool_kwargs) == ("id1", "f", {"a": None})
    partial = tool_selections(second, error_on_no_tool_call=False)
    assert partial[0].tool_kwargs == {"a": None}
    # ...but a stream that ENDS with them cut short hands the agent no made-up arguments.
    truncated = state.finish(
        ChatResult(tool_calls=[ToolCall(id="id1", name="f", arguments='{"a": ')])
    )
    assert tool_selections(truncated, error_on_no_tool_call=False)[0].tool_kwargs == {}
    final = state.finish(ChatResult(content="Hello!", reasoning="r1"))
    assert final.delta == "!"
    assert final.message.content == "Hello!"


def test_tool_selections_read_legacy_additional_kwargs() -> None:
    call = {"id": "5", "function": {"name": "g", "arguments": '{"q": "x"}'}}
    response = ChatResponse(
        message=ChatMessage(role="assistant", content="", additional_kwargs={"tool_calls": [call]})
    )
    (selection,) = tool_selections(response, error_on_no_tool_call=True)
    assert (selection.tool_id, selection.tool_name, selection.tool_kwargs) == ("5", "g", {"q": "x"})


def test_injected_http_client_is_used(httpserver: HTTPServer) -> None:
    seen: list[str] = []
    client = httpx.Client(event_hooks={"request": [lambda r: seen.append(r.url.path)]})
    serve_chat(httpserver, completion({"content": "ok"}))
    llm = make_llm(httpserver, http_client=client)
    assert llm.chat([ChatMessage(role="user", content="hi")]).message.content == "ok"
    assert seen == ["/v1/chat/completions"]
    client.close()


async def test_injected_async_http_client_is_used(httpserver: HTTPServer) -> None:
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request.url.path)

    client = httpx.AsyncClient(event_hooks={"request": [hook]})
    serve_chat(httpserver, completion({"content": "ok"}))
    llm = make_llm(httpserver, async_http_client=client)
    response = await llm.achat([ChatMessage(role="user", content="hi")])
    assert response.message.content == "ok"
    assert seen == ["/v1/chat/completions"]
    await client.aclose()
