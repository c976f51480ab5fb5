"""A LangChain LCEL chain: prompt | ChatLMStudio | StrOutputParser, streamed and batched.

Run: python -m examples.langchain_chain
"""

from __future__ import annotations

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from examples._connect import Target, connect
from langchain_lmstudio import ChatLMStudio


def main(target: Target | None = None) -> list[str]:
    """Stream one answer, then batch two; return the batch answers."""
    if target is None:
        with connect() as found:
            return main(found)
    llm = ChatLMStudio(
        model=target.chat_model,
        base_url=target.base_url,
        temperature=0.7,
        max_tokens=64,
        top_k=40,  # LM Studio options are plain fields...
        cache_prompt=True,  # ...and anything else reaches the request body as is.
    )
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer in one sentence."), ("human", "{topic}")]
    )
    chain = prompt | llm | StrOutputParser()
    for piece in chain.stream({"topic": "What is a GGUF file?"}):
        print(piece, end="", flush=True)
    print()
    answers = chain.batch([{"topic": "What is LM Studio?"}, {"topic": "What is llama.cpp?"}])
    for answer in answers:
        print("-", answer)
    return answers


if __name__ == "__main__":
    main()
