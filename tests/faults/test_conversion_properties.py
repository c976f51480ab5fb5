"""Property tests: whatever conversation a user builds, the adapters send it to the wire intact.

Each generated conversation goes through the public API (``invoke`` / ``chat``) to a loopback
fault server that records the JSON body; roles, text, tool calls and tool results must match.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.faults.fault_server import FaultServer, chat_completion, fault_server, reply

TEXT = st.text(min_size=1, max_size=40)
NAME = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
ARGS = st.dictionaries(NAME, JSON_VALUE, max_size=3)
EXAMPLES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def recorder() -> Iterator[FaultServer]:
    """One server answering every request with a fixed completion, recording the bodies."""
    with fault_server(reply(200, chat_completion("ok"))) as server:
        yield server


@st.composite
def langchain_turns(draw: st.DrawFn) -> list[Any]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

    turns: list[Any] = []
    if draw(st.booleans()):
        turns.append(SystemMessage(content=draw(TEXT)))
    for number in range(draw(st.integers(1, 3))):
        turns.append(HumanMessage(content=draw(TEXT)))
        if draw(st.booleans()):
            calls = [
                {"name": draw(NAME), "args": draw(ARGS), "id": f"call_{number}_{i}"}
                for i in range(draw(st.integers(1, 2)))
            ]
            turns.append(AIMessage(content="", tool_calls=calls))
            turns.extend(ToolMessage(content=draw(TEXT), tool_call_id=c["id"]) for c in calls)
        else:
            turns.append(AIMessage(content=draw(TEXT)))
    turns.append(HumanMessage(content=draw(TEXT)))
    return turns


@EXAMPLES
@given(turns=langchain_turns())
def test_langchain_conversation_reaches_the_wire_intact(
    recorder: FaultServer, turns: list[Any]
) -> None:
    from langchain_lmstudio import ChatLMStudio

    model = ChatLMStudio(model="m", base_url=recorder.base_url, max_retries=0)
    assert model.invoke(turns).content == "ok"
    sent = recorder.requests[-1].json()["messages"]
    roles = {"system": "system", "human": "user", "ai": "assistant", "tool": "tool"}
    assert [m["role"] for m in sent] == [roles[t.type] for t in turns]
    for wire, turn in zip(sent, turns, strict=True):
        calls = getattr(turn, "tool_calls", None)
        if calls:
            assert wire.get("content") in ("", None)
            assert [c["function"]["name"] for c in wire["tool_calls"]] == [c["name"] for c in calls]
            assert [json.loads(c["function"]["arguments"]) for c in wire["tool_calls"]] == [
                c["args"] for c in calls
            ]
            assert [c["id"] for c in wire["tool_calls"]] == [c["id"] for c in calls]
        else:
            assert wire["content"] == turn.content
        if turn.type == "tool":
            assert wire["tool_call_id"] == turn.tool_call_id


@EXAMPLES
@given(
    turns=st.lists(
        st.tuples(st.sampled_from(["system", "user", "assistant"]), TEXT), min_size=1, max_size=6
    )
)
def test_llama_index_conversation_reaches_the_wire_intact(
    recorder: FaultServer, turns: list[tuple[str, str]]
) -> None:
    from llama_index.core.llms import ChatMessage

    from llama_index_lmstudio import LMStudio

    llm = LMStudio(model="m", base_url=recorder.base_url, max_retries=0, context_window=4096)
    messages = [ChatMessage(role=role, content=text) for role, text in turns]
    assert llm.chat(messages).message.content == "ok"
    sent = recorder.requests[-1].json()["messages"]
    assert [(m["role"], m["content"]) for m in sent] == turns
