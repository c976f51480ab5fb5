"""A LlamaIndex FunctionAgent with one tool, driven by LMStudio (a real FunctionCallingLLM).

Run: python -m examples.llama_index_agent
"""

from __future__ import annotations

import asyncio

from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.tools import FunctionTool

from examples._connect import Target, connect
from llama_index_lmstudio import LMStudio


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


async def run_agent(target: Target) -> tuple[str, list[ToolCallResult]]:
    """Run the agent once; return its answer and the tool calls it made."""
    llm = LMStudio(model=target.chat_model, base_url=target.base_url, max_tokens=128)
    agent = FunctionAgent(tools=[FunctionTool.from_defaults(fn=multiply)], llm=llm)
    handler = agent.run(user_msg="What is 6 times 7?")
    calls = [event async for event in handler.stream_events() if isinstance(event, ToolCallResult)]
    answer = str(await handler)
    return answer, calls


def main(target: Target | None = None) -> tuple[str, list[ToolCallResult]]:
    """Run the agent and print what happened."""
    if target is None:
        with connect() as found:
            return main(found)
    answer, calls = asyncio.run(run_agent(target))
    for call in calls:
        print(f"tool {call.tool_name}({call.tool_kwargs}) -> {call.tool_output.content}")
    print("answer:", answer)
    return answer, calls


if __name__ == "__main__":
    main()
