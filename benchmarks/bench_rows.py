"""The rows of the benchmark: one driver per client library, all doing the same three things.

A driver streams a chat answer (sync and async, yielding one item per chunk) and makes a
non-streamed call. The model name tells the fake server what to answer (see `bench_server`).
Drivers build their clients once per model name and reuse them, as an application would.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

MESSAGES = [{"role": "user", "content": "Say hello."}]
API_KEY = "bench-key"


def chunks_of(model: str) -> int:
    """The chunk count a ``bench-<n>`` model name asks for (1 for any other name)."""
    count = model.split("-")[1] if "-" in model else ""
    return int(count) if count.isdigit() else 1


class Driver:
    """One library's way to stream and call; subclasses override the three methods."""

    network = True
    """False for the framework floors, which do no I/O."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._cache: dict[str, Any] = {}

    def model(self, model: str) -> Any:
        """The library's client object for ``model``, built once."""
        obj = self._cache.get(model)
        if obj is None:
            obj = self._cache[model] = self.build(model)
        return obj

    def build(self, model: str) -> Any:
        raise NotImplementedError

    def stream(self, model: str) -> Iterator[Any]:
        raise NotImplementedError

    def astream(self, model: str) -> AsyncIterator[Any]:
        raise NotImplementedError

    def call(self, model: str) -> Any:
        raise NotImplementedError

    async def acall(self, model: str) -> Any:
        raise NotImplementedError


class RawHttpx(Driver):
    """The limit: one pooled httpx client, ``iter_lines`` and ``json.loads``, nothing else."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        import httpx

        self.endpoint = url + "/chat/completions"
        self.client = httpx.Client(timeout=60)
        self.aclient = httpx.AsyncClient(timeout=60)

    @staticmethod
    def body(model: str, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, "messages": MESSAGES, "stream": stream}
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body

    def stream(self, model: str) -> Iterator[Any]:
        with self.client.stream("POST", self.endpoint, json=self.body(model, True)) as response:
            response.raise_for_status()
            for line in response.iter_lines():  # to the end, so the connection is reused
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        continue
                    choices = json.loads(data)["choices"]
                    yield choices[0]["delta"].get("content") if choices else None

    async def astream(self, model: str) -> AsyncIterator[Any]:
        async with self.aclient.stream(
            "POST", self.endpoint, json=self.body(model, True)
        ) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        continue
                    choices = json.loads(data)["choices"]
                    yield choices[0]["delta"].get("content") if choices else None

    def call(self, model: str) -> Any:
        response = self.client.post(self.endpoint, json=self.body(model, False))
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]

    async def acall(self, model: str) -> Any:
        response = await self.aclient.post(self.endpoint, json=self.body(model, False))
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]


class Core(Driver):
    """`lmstudio_core`'s sync and async clients."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        from lmstudio_core import AsyncLMStudioClient, LMStudioClient

        self.client = LMStudioClient(base_url=url, api_key=API_KEY)
        self.aclient = AsyncLMStudioClient(base_url=url, api_key=API_KEY)

    def stream(self, model: str) -> Iterator[Any]:
        for delta in self.client.chat_stream(MESSAGES, model=model):
            yield delta.content

    async def astream(self, model: str) -> AsyncIterator[Any]:
        async for delta in self.aclient.chat_stream(MESSAGES, model=model):
            yield delta.content

    def call(self, model: str) -> Any:
        return self.client.chat(MESSAGES, model=model).content

    async def acall(self, model: str) -> Any:
        return (await self.aclient.chat(MESSAGES, model=model)).content


class LangChainDriver(Driver):
    """Any LangChain chat model: ``stream``, ``astream``, ``invoke``."""

    def stream(self, model: str) -> Iterator[Any]:
        for chunk in self.model(model).stream(MESSAGES):
            yield chunk.content

    async def astream(self, model: str) -> AsyncIterator[Any]:
        async for chunk in self.model(model).astream(MESSAGES):
            yield chunk.content

    def call(self, model: str) -> Any:
        return self.model(model).invoke(MESSAGES).content

    async def acall(self, model: str) -> Any:
        return (await self.model(model).ainvoke(MESSAGES)).content


class LlamaIndexDriver(Driver):
    """Any LlamaIndex LLM: ``stream_chat``, ``astream_chat``, ``chat``."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        from llama_index.core.base.llms.types import ChatMessage

        self.messages = [ChatMessage(role=m["role"], content=m["content"]) for m in MESSAGES]

    def stream(self, model: str) -> Iterator[Any]:
        for response in self.model(model).stream_chat(self.messages):
            yield response.delta

    async def astream(self, model: str) -> AsyncIterator[Any]:
        async for response in await self.model(model).astream_chat(self.messages):
            yield response.delta

    def call(self, model: str) -> Any:
        return self.model(model).chat(self.messages).message.content

    async def acall(self, model: str) -> Any:
        return (await self.model(model).achat(self.messages)).message.content


class LangChainFloor(LangChainDriver):
    """LangChain's own cost: a chat model building its chunks from pre-set tokens."""

    network = False

    def build(self, model: str) -> Any:
        from bench_floors import Source, langchain_floor

        return langchain_floor(Source(chunks_of(model)))


class LlamaIndexFloor(LlamaIndexDriver):
    """LlamaIndex's own cost: an LLM building its responses from pre-set tokens."""

    network = False

    def build(self, model: str) -> Any:
        from bench_floors import Source, llama_index_floor

        return llama_index_floor(Source(chunks_of(model)))


class RawFed(Driver):
    """A driver whose framework model reads through one shared `RawHttpx`."""

    def raw(self) -> RawHttpx:
        """The raw httpx driver, built once."""
        raw = self._cache.get("")
        if raw is None:
            raw = self._cache[""] = RawHttpx(self.url)
        return raw  # type: ignore[no-any-return]


class LangChainFloorOverRaw(RawFed, LangChainDriver):
    """The LangChain floor fed by raw httpx: the cheapest LangChain adapter that does I/O."""

    def build(self, model: str) -> Any:
        from bench_floors import RawSource, langchain_floor

        return langchain_floor(RawSource(self.raw(), model))


class LlamaIndexFloorOverRaw(RawFed, LlamaIndexDriver):
    """The LlamaIndex floor fed by raw httpx: the cheapest LlamaIndex adapter that does I/O."""

    def build(self, model: str) -> Any:
        from bench_floors import RawSource, llama_index_floor

        return llama_index_floor(RawSource(self.raw(), model))


class ChatLMStudioDriver(LangChainDriver):
    """Our LangChain adapter."""

    def build(self, model: str) -> Any:
        from langchain_lmstudio import ChatLMStudio

        return ChatLMStudio(model=model, base_url=self.url, api_key=API_KEY)


class LMStudioDriver(LlamaIndexDriver):
    """Our LlamaIndex adapter."""

    def build(self, model: str) -> Any:
        from llama_index_lmstudio import LMStudio

        return LMStudio(model=model, base_url=self.url, api_key=API_KEY)


class ChatOpenAIDriver(LangChainDriver):
    """Peer: langchain-openai's ChatOpenAI pointed at the server."""

    def build(self, model: str) -> Any:
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=model, base_url=self.url, api_key=API_KEY)  # type: ignore[arg-type]


class OpenAILikeDriver(LlamaIndexDriver):
    """Peer: llama-index-llms-openai-like."""

    def build(self, model: str) -> Any:
        from llama_index.llms.openai_like import OpenAILike

        return OpenAILike(model=model, api_base=self.url, api_key=API_KEY, is_chat_model=True)


class LlamaIndexLMStudioDriver(LlamaIndexDriver):
    """Peer: llama-index-llms-lmstudio."""

    def build(self, model: str) -> Any:
        from llama_index.llms.lmstudio import LMStudio

        return LMStudio(model_name=model, base_url=self.url)


class OpenAISDK(Driver):
    """Reference: the openai SDK itself (what ChatOpenAI and OpenAILike sit on)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        from openai import AsyncOpenAI, OpenAI

        self.client = OpenAI(base_url=url, api_key=API_KEY)
        self.aclient = AsyncOpenAI(base_url=url, api_key=API_KEY)

    def stream(self, model: str) -> Iterator[Any]:
        for chunk in self.client.chat.completions.create(
            model=model,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
        ):
            yield chunk.choices[0].delta.content if chunk.choices else None

    async def astream(self, model: str) -> AsyncIterator[Any]:
        stream = await self.aclient.chat.completions.create(
            model=model,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
        )
        async for chunk in stream:
            yield chunk.choices[0].delta.content if chunk.choices else None

    def call(self, model: str) -> Any:
        return (
            self.client.chat.completions.create(model=model, messages=MESSAGES)  # type: ignore[arg-type]
            .choices[0]
            .message.content
        )

    async def acall(self, model: str) -> Any:
        answer = await self.aclient.chat.completions.create(model=model, messages=MESSAGES)  # type: ignore[arg-type]
        return answer.choices[0].message.content


@dataclass(frozen=True)
class Row:
    """One row of the table."""

    name: str
    group: str
    """``limit``, ``core``, ``floor``, ``adapter``, ``peer`` or ``reference``."""
    framework: str | None
    """``langchain``, ``llama-index`` or ``None``."""
    driver: Callable[[str], Driver]
    requires: tuple[str, ...]
    """Modules that must be importable for the row to run."""
    install: str = ""
    """What to install when they are not."""

    def missing(self) -> str | None:
        """Why the row cannot run, or ``None``."""
        for module in self.requires:
            try:
                found = importlib.util.find_spec(module) is not None
            except ModuleNotFoundError:
                found = False
            if not found:
                hint = f" (pip install {self.install})" if self.install else ""
                return f"{module} is not installed{hint}"
        return None


LC, LI = "langchain", "llama-index"
LC_FLOOR_OVER_RAW = "LangChain floor over raw httpx"
LI_FLOOR_OVER_RAW = "LlamaIndex floor over raw httpx"
ROWS = [
    Row("raw httpx", "limit", None, RawHttpx, ("httpx",)),
    Row("lmstudio_core", "core", None, Core, ("lmstudio_core",)),
    Row("LangChain floor", "floor", LC, LangChainFloor, ("langchain_core",)),
    Row("LlamaIndex floor", "floor", LI, LlamaIndexFloor, ("llama_index.core",)),
    Row("ChatLMStudio", "adapter", LC, ChatLMStudioDriver, ("langchain_lmstudio",)),
    Row("LMStudio (llama-index)", "adapter", LI, LMStudioDriver, ("llama_index_lmstudio",)),
    Row("ChatOpenAI", "peer", LC, ChatOpenAIDriver, ("langchain_openai",), "langchain-openai"),
    Row(
        "OpenAILike",
        "peer",
        LI,
        OpenAILikeDriver,
        ("llama_index.llms.openai_like",),
        "llama-index-llms-openai-like",
    ),
    Row(
        "llama-index-llms-lmstudio",
        "peer",
        LI,
        LlamaIndexLMStudioDriver,
        ("llama_index.llms.lmstudio",),
        "llama-index-llms-lmstudio",
    ),
    Row("openai SDK", "reference", None, OpenAISDK, ("openai",), "openai"),
    Row(LC_FLOOR_OVER_RAW, "reference", LC, LangChainFloorOverRaw, ("langchain_core",)),
    Row(LI_FLOOR_OVER_RAW, "reference", LI, LlamaIndexFloorOverRaw, ("llama_index.core",)),
]
BY_NAME = {row.name: row for row in ROWS}
