"""A LangChain agent (`langchain.agents.create_agent`) with one tool, driven by ChatLMStudio.

Needs the ``langchain`` package (``pip install langchain``), which the ``langchain`` extra does
not install: ChatLMStudio itself needs only langchain-core.

Run: python -m examples.langchain_agent
"""

from __future__ import annotations

from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool

from examples._connect import Target, connect
from langchain_lmstudio import ChatLMStudio


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is 21 degrees and sunny in {city}."


def main(target: Target | None = None) -> list[Any]:
    """Run the agent once; return its messages."""
    if target is None:
        with connect() as found:
            return main(found)
    llm = ChatLMStudio(model=target.chat_model, base_url=target.base_url, max_tokens=128)
    agent = create_agent(model=llm, tools=[get_weather])
    state = agent.invoke(
        {"messages": [HumanMessage("What is the weather in Oslo?")]},
        {"recursion_limit": 8},
    )
    for message in state["messages"]:
        calls = getattr(message, "tool_calls", None)
        text = f"calls {[(c['name'], c['args']) for c in calls]}" if calls else message.content
        print(f"{message.type:>5}: {text}")
    return list(state["messages"])


if __name__ == "__main__":
    main()
