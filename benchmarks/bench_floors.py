"""Do-nothing models of each framework: the per-chunk and per-call cost no adapter can avoid.

Each yields pre-made chunks (or returns a pre-made answer) through the framework's public
streaming and calling paths, with no I/O, so its cost is the framework's own share.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

TOKEN = " tok"


def langchain_floor(chunks: int) -> Any:
    """A LangChain ``BaseChatModel`` that yields ``chunks`` pre-made chunks."""
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    premade = [ChatGenerationChunk(message=AIMessageChunk(content=TOKEN)) for _ in range(chunks)]
    answer = ChatResult(generations=[ChatGeneration(message=AIMessage(content="Hello there"))])

    class FloorChatModel(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "floor"

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any):  # type: ignore[no-untyped-def]
            return answer

        def _stream(  # type: ignore[override]
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Iterator[Any]:
            yield from premade

        async def _astream(  # type: ignore[override]
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> AsyncIterator[Any]:
            for chunk in premade:
                yield chunk

    return FloorChatModel()


def llama_index_floor(chunks: int) -> Any:
    """A LlamaIndex LLM whose chat paths go through ``llm_chat_callback`` with pre-made answers."""
    from llama_index.core.base.llms.types import (
        ChatMessage,
        ChatResponse,
        CompletionResponse,
        LLMMetadata,
    )
    from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
    from llama_index.core.llms.custom import CustomLLM

    premade = [
        ChatResponse(message=ChatMessage(role="assistant", content=TOKEN), delta=TOKEN)
        for _ in range(chunks)
    ]
    answer = ChatResponse(message=ChatMessage(role="assistant", content="Hello there"))

    class FloorLLM(CustomLLM):
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(is_chat_model=True, model_name="floor")

        @llm_chat_callback()
        def chat(self, messages: Any, **kwargs: Any) -> Any:
            return answer

        @llm_chat_callback()
        def stream_chat(self, messages: Any, **kwargs: Any) -> Any:
            def gen() -> Iterator[Any]:
                yield from premade

            return gen()

        @llm_chat_callback()
        async def achat(self, messages: Any, **kwargs: Any) -> Any:
            return answer

        @llm_chat_callback()
        async def astream_chat(self, messages: Any, **kwargs: Any) -> Any:
            async def gen() -> AsyncIterator[Any]:
                for response in premade:
                    yield response

            return gen()

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
            return CompletionResponse(text="Hello there")

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
            def gen() -> Iterator[Any]:
                yield CompletionResponse(text=TOKEN, delta=TOKEN)

            return gen()

    return FloorLLM()
