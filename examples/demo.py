"""The five-minute tour: `make demo`.

Runs against LM Studio when it answers at LMSTUDIO_BASE_URL, else against the bundled llama.cpp
server with a tiny model. First `doctor` checks that server (what answers, which calls work);
then it shows, in order: a streaming LCEL chain with usage and tokens/second,
a tool call fed back, structured extraction, a LlamaIndex RAG query over docs/, and a
FunctionAgent run.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from examples._connect import Target, connect
from lmstudio_core import LMStudioError

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _title(number: int, text: str) -> None:
    print(f"\n=== {number}. {text} " + "=" * max(0, 60 - len(text)))


def doctor(target: Target) -> bool:
    """0. `doctor` on the server the demo uses; False when that server does not answer."""
    from lmstudio_core.doctor import DoctorOptions, format_check, header, run_doctor, summary

    print(header(target.base_url))
    report = run_doctor(
        DoctorOptions(base_url=target.base_url),
        on_check=lambda check: print(format_check(check), flush=True),
    )
    print(summary(report))
    return report.check("server").verdict != "fail"


def lcel_chain(target: Target) -> None:
    """1. A LangChain LCEL chain streaming an answer, with usage and tokens/second."""
    from langchain_core.prompts import ChatPromptTemplate

    from langchain_lmstudio import ChatLMStudio

    llm = ChatLMStudio(model=target.chat_model, base_url=target.base_url, max_tokens=64)
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You are a concise assistant."), ("human", "{question}")]
    )
    chain = prompt | llm
    print("Streaming: ", end="", flush=True)
    started = time.perf_counter()
    first_token_at = None
    full = None
    for chunk in chain.stream({"question": "Why run models locally? One sentence."}):
        if chunk.content and first_token_at is None:
            first_token_at = time.perf_counter()
        print(chunk.content, end="", flush=True)
        full = chunk if full is None else full + chunk
    elapsed = time.perf_counter() - (first_token_at or started)
    print()
    usage = full.usage_metadata if full is not None else None
    if usage and full is not None:
        metadata = full.response_metadata
        reported = (metadata.get("stats") or {}).get("tokens_per_second") or (
            metadata.get("timings") or {}
        ).get("predicted_per_second")
        if reported:
            speed, source = float(reported), "reported by the server"
        else:
            speed = usage["output_tokens"] / elapsed if elapsed > 0 else float("nan")
            source = "measured here, from the first token"
        print(
            f"usage: {usage['input_tokens']} in, {usage['output_tokens']} out; "
            f"{speed:,.0f} tokens/s ({source})"
        )


def tool_call(target: Target) -> None:
    """2. A tool call through bind_tools, and the tool's result fed back."""
    from langchain_core.messages import HumanMessage
    from langchain_core.tools import tool

    from langchain_lmstudio import ChatLMStudio

    @tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return f"It is 21 degrees and sunny in {city}."

    llm = ChatLMStudio(model=target.chat_model, base_url=target.base_url, max_tokens=128)
    llm_with_tools = llm.bind_tools([get_weather], tool_choice="get_weather")
    messages: list = [HumanMessage("What is the weather in Paris?")]
    ai = llm_with_tools.invoke(messages)
    for call in ai.tool_calls:
        print(f"model called {call['name']}({call['args']})")
    messages.append(ai)
    for call in ai.tool_calls:
        result = get_weather.invoke(call)
        print(f"tool returned: {result.content}")
        messages.append(result)
    final = llm.bind_tools([get_weather]).invoke(messages)
    print(f"final answer: {final.content!r}")


def structured(target: Target) -> None:
    """3. Structured extraction into a pydantic model (json_schema, grammar-enforced)."""
    from pydantic import BaseModel, Field

    from langchain_lmstudio import ChatLMStudio

    class Person(BaseModel):
        """A person mentioned in the text."""

        name: str = Field(description="Full name")
        age: int = Field(description="Age in years")

    llm = ChatLMStudio(model=target.chat_model, base_url=target.base_url, temperature=0)
    person = llm.with_structured_output(Person).invoke("Ada Lovelace died at the age of 36.")
    print(f"{type(person).__name__}: {person!r}")


def rag(target: Target) -> None:
    """4. LlamaIndex RAG over this project's docs/, with its source files."""
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    from llama_index_lmstudio import LMStudio, LMStudioEmbedding

    if target.embedding_model is None:
        print(
            "Skipped: LM Studio has no embedding model. Download one, e.g. "
            "`lms get nomic-ai/nomic-embed-text-v1.5`, and run the demo again."
        )
        return
    documents = SimpleDirectoryReader(str(DOCS), required_exts=[".md"]).load_data()
    embed = LMStudioEmbedding(model_name=target.embedding_model, base_url=target.base_url)
    llm = LMStudio(model=target.chat_model, base_url=target.base_url, max_tokens=96)
    index = VectorStoreIndex.from_documents(
        documents,
        embed_model=embed,
        transformations=[SentenceSplitter(chunk_size=128, chunk_overlap=16)],
    )
    print(f"indexed {len(documents)} documents from docs/")
    engine = index.as_query_engine(llm=llm, similarity_top_k=2)
    answer = engine.query("How do I pass LM Studio options such as ttl?")
    print(f"answer: {str(answer).strip()!r}")
    sources = sorted({Path(n.metadata.get("file_path", "?")).name for n in answer.source_nodes})
    print(f"sources: {', '.join(sources)}")


def agent(target: Target) -> None:
    """5. A LlamaIndex FunctionAgent with one tool."""
    from llama_index.core.agent.workflow import FunctionAgent
    from llama_index.core.tools import FunctionTool

    from llama_index_lmstudio import LMStudio

    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        return a * b

    llm = LMStudio(model=target.chat_model, base_url=target.base_url, max_tokens=128)
    runner = FunctionAgent(
        tools=[FunctionTool.from_defaults(fn=multiply)],
        llm=llm,
        system_prompt="Use the multiply tool for arithmetic.",
    )

    async def run() -> str:
        handler = runner.run(user_msg="What is 6 times 7?")
        async for event in handler.stream_events():
            if type(event).__name__ == "ToolCallResult":
                print(f"tool {event.tool_name}({event.tool_kwargs}) -> {event.tool_output.content}")
        return str(await handler)

    print(f"agent answer: {asyncio.run(run())!r}")


STEPS = (
    ("LangChain LCEL chain, streamed", lcel_chain),
    ("Tool call with bind_tools, result fed back", tool_call),
    ("Structured extraction into a pydantic model", structured),
    ("LlamaIndex RAG over docs/", rag),
    ("LlamaIndex FunctionAgent with one tool", agent),
)


def main() -> int:
    """Run every step; report failures plainly and keep going."""
    failures = 0
    try:
        with connect() as target:
            _title(0, "doctor: what works on this server")
            if not doctor(target):
                print("The demo stops here: the server does not answer (see the doctor above).")
                return 1
            if target.bundled:
                print("(The tiny model's words are random; watch the structure, not the prose.)")
            for number, (title, step) in enumerate(STEPS, start=1):
                _title(number, title)
                try:
                    step(target)
                except LMStudioError as exc:
                    failures += 1
                    print(f"FAILED: {type(exc).__name__}: {exc}")
    except KeyboardInterrupt:
        print("\nInterrupted.")
        return 130
    except (LMStudioError, RuntimeError) as exc:
        print(f"The demo could not run: {exc}")
        return 1
    print(f"\nDone: {len(STEPS) - failures} of {len(STEPS)} steps succeeded.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
