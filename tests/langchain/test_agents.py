"""LangChain's own agent components with ChatLMStudio's profile (``langchain.agents``).

Kept apart from test_profile.py: the lowest-versions run cannot install ``langchain`` at
langchain-core's floor, and leaves this file out (.ci/compat.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.factory import _supports_provider_strategy
from langchain.agents.middleware import SummarizationMiddleware
from langchain_core.messages import AIMessage, HumanMessage

from langchain_lmstudio import ChatLMStudio
from lmstudio_core.testing import FakeLMStudio
from tests.langchain.test_profile import Weather, _catalog_requests, _closed_port_url, fake

__all__ = ["fake"]


@pytest.mark.timeout(20)
def test_no_server_agents_still_pick_the_native_schema() -> None:
    llm = ChatLMStudio(base_url=_closed_port_url())
    assert _supports_provider_strategy(llm)  # structured_output needs no server
    with pytest.raises(ValueError, match="profile information is required"):
        SummarizationMiddleware(model=llm, trigger=("fraction", 0.5))


def test_create_agent_uses_the_provider_json_schema(fake: FakeLMStudio) -> None:
    fake.reply_json({"city": "Oslo", "degrees": 7})
    agent = create_agent(model=ChatLMStudio(base_url=fake.base_url), response_format=Weather)
    state = agent.invoke({"messages": [HumanMessage("Weather in Oslo?")]})
    assert state["structured_response"] == Weather(city="Oslo", degrees=7)
    (chat,) = fake.chat_requests
    response_format = chat.json["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Weather"
    assert set(response_format["json_schema"]["schema"]["properties"]) == {"city", "degrees"}
    assert not chat.json.get("tools")  # not the tool strategy
    assert _catalog_requests(fake) == ["/api/v1/models"]  # the default model, nothing more


async def test_create_agent_async_uses_the_provider_json_schema(fake: FakeLMStudio) -> None:
    fake.reply_json({"city": "Oslo", "degrees": 7})
    agent = create_agent(model=ChatLMStudio(base_url=fake.base_url), response_format=Weather)
    state = await agent.ainvoke({"messages": [HumanMessage("Weather in Oslo?")]})
    assert state["structured_response"] == Weather(city="Oslo", degrees=7)
    assert fake.chat_requests[-1].json["response_format"]["type"] == "json_schema"


def test_summarization_middleware_with_a_fraction(fake: FakeLMStudio) -> None:
    llm = ChatLMStudio(base_url=fake.base_url)
    middleware = SummarizationMiddleware(model=llm, trigger=("fraction", 0.5), keep=("messages", 2))
    fake.reply_text("A summary.")
    fake.reply_text("The answer.")
    agent = create_agent(model=llm, middleware=[middleware])
    history = [
        message
        for turn in range(6)
        for message in (HumanMessage(f"question {turn} " + "word " * 400), AIMessage("reply"))
    ]
    state = agent.invoke({"messages": [*history, HumanMessage("last question")]})
    assert state["messages"][-1].content == "The answer."
    summary_request, answer_request = fake.chat_requests
    assert "question 0" in str(summary_request.json["messages"])
    assert "question 0" not in str(answer_request.json["messages"])
    assert "A summary." in str(answer_request.json["messages"])
    assert _catalog_requests(fake) == ["/api/v1/models"]


def test_create_agent_runs_tools_against_the_real_server(llama_server: Any) -> None:
    """`create_agent` (LangChain 1.x's agent) with a tool, against the bundled llama.cpp."""
    from tests.langchain.test_real_server import (
        WEATHER_QUESTION,
        assert_weather_round_trip,
        get_weather,
    )

    llm = ChatLMStudio(
        model=llama_server.model, base_url=llama_server.base_url, temperature=0, max_tokens=64
    )
    agent = create_agent(model=llm, tools=[get_weather])
    assert_weather_round_trip(agent.invoke({"messages": [HumanMessage(WEATHER_QUESTION)]}))
