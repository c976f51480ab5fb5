"""Do-nothing models of each framework: the per-chunk and per-call cost no adapter can avoid.

Each builds its framework's objects the cheapest way an adapter could, per chunk and per call,
so its cost is the framework's own share (as issue 14 defines the floors):

- LangChain: a ``BaseChatModel`` whose ``_stream`` yields
  ``ChatGenerationChunk(message=AIMessageChunk(content=tok))`` per chunk and whose
  ``_generate`` returns one ``AIMessage``, driven through ``stream()``/``invoke()``;
- LlamaIndex: a ``CustomLLM`` whose ``stream_chat``/``chat`` (and async twins) under
  ``@llm_chat_callback()`` yield ``ChatResponse(message=ChatMessage(role="assistant",
  content=text_so_far), delta=tok)`` per chunk.

The tokens come from a `Source`: pre-set ones (no I/O: the floor rows), or raw httpx against
the fake server (the "floor over raw httpx" reference rows: the cheapest adapter that does I/O,
which shows what running both in one process costs beyond the sum of the two).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

TOKEN = " tok"
ANSWER = "Hello there"


class Source:
    """Where a floor's tokens and answers come from: here, pre-set (no I/O)."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks

    def tokens(self) -> Iterator[str]:
        """The streamed tokens."""
        for _ in range(self.chunks):
            yield TOKEN

    async def atokens(self) -> AsyncIterator[str]:
        """The streamed tokens, async."""
        for _ in range(self.chunks):
            yield TOKEN

    def answer(self) -> str:
        """The non-streamed answer."""
        return ANSWER

    async def aanswer(self) -> str:
        """The non-streamed answer, async."""
        return ANSWER


class RawSource(Source):
    """Tokens and answers read by raw httpx (`bench_rows.RawHttpx`) for one model name."""

    def __init__(self, raw: Any, model: str) -> None:
        super().__init__(0)
        self.raw, self.model = raw, model

    def tokens(self) -> Iterator[str]:
        for token in self.raw.stream(self.model):
            yield token or ""

    async def atokens(self) -> AsyncIterator[str]:
        async for token in self.raw.astream(self.model):
            yield token or ""

    def answer(self) -> str:
        return str(self.raw.call(self.model))

    async def aanswer(self) -> str:
        return str(await self.raw.acall(self.model))


def langchain_floor(source: Source) -> Any:
    """A LangChain ``BaseChatModel`` building one chunk per token of ``source``."""
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    class FloorChatModel(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "floor"

        def _generate(  # type: ignore[override]
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> ChatResult:
            message = AIMessage(content=source.answer())
            return ChatResult(generations=[ChatGeneration(message=message)])

        async def _agenerate(  # type: ignore[override]
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> ChatResult:
            message = AIMessage(content=await source.aanswer())
            return ChatResult(generations=[ChatGeneration(message=message)])

        def _stream(  # type: ignore[override]
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Iterator[Any]:
            for tok in source.tokens():
                yield ChatGenerationChunk(message=AIMessageChunk(content=tok))

        async def _astream(  # type: ignore[override]
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> AsyncIterator[Any]:
            async for tok in source.atokens():
                yield ChatGenerationChunk(message=AIMessageChunk(content=tok))

    return FloorChatModel()


def llama_index_floor(source: Source) -> Any:
    """A LlamaIndex ``CustomLLM`` building one response per token of ``source``."""
    from llama_index.core.base.llms.types import (
        ChatMessage,
        ChatResponse,
        CompletionResponse,
        LLMMetadata,
    )
    from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
    from llama_index.core.llms.custom import CustomLLM

    def responses() -> Iterator[Any]:
        text = ""
        for tok in source.tokens():
            text += tok
            yield ChatResponse(message=ChatMessage(role="assistant", content=text), delta=tok)

    async def aresponses() -> AsyncIterator[Any]:
        text = ""
        async for tok in source.atokens():
            text += tok
            yield ChatResponse(message=ChatMessage(role="assistant", content=text), delta=tok)

    class FloorLLM(CustomLLM):
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(is_chat_model=True, model_name="floor")

        @llm_chat_callback()
        def chat(self, messages: Any, **kwargs: Any) -> Any:
            return ChatResponse(message=ChatMessage(role="assistant", content=source.answer()))

        @llm_chat_callback()
        def stream_chat(self, messages: Any, **kwargs: Any) -> Any:
            return responses()

        @llm_chat_callback()
        async def achat(self, messages: Any, **kwargs: Any) -> Any:
            text = await source.aanswer()
            return ChatResponse(message=ChatMessage(role="assistant", content=text))

        @llm_chat_callback()
        async def astream_chat(self, messages: Any, **kwargs: Any) -> Any:
            return aresponses()

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
            return CompletionResponse(text=ANSWER)

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
            def gen() -> Iterator[Any]:
                yield CompletionResponse(text=TOKEN, delta=TOKEN)

            return gen()

    return FloorLLM()
