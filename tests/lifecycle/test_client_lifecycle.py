"""One object used for a long time, as real programs do (lmstudio_core/lifecycle.py).

Every async method from three successive ``asyncio.run`` calls, one object from 8 threads,
threads each running their own loop, sync after async after sync, copies with another
``base_url``, a server that starts late. `FakeLMStudio` keeps connections alive as LM Studio
does (pytest-httpserver closes them and would hide the event-loop bug). ResourceWarnings are
errors here, and each test also collects garbage and fails on any it sees.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import pickle
import socket
import threading
import warnings
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage
from llama_index.core.base.llms.types import ChatMessage

from langchain_lmstudio import ChatLMStudio, LMStudioEmbeddings
from llama_index_lmstudio import LMStudio, LMStudioEmbedding
from lmstudio_core import AsyncLMStudioClient, LMStudioClient, LMStudioConnectionError
from lmstudio_core.errors import CircuitOpenError, LMStudioTimeoutError
from lmstudio_core.resilience import reset_breakers
from lmstudio_core.testing import FakeLMStudio

pytestmark = pytest.mark.filterwarnings("error::ResourceWarning")

HI = [{"role": "user", "content": "hi"}]
LI_HI = [ChatMessage(role="user", content="hi")]
FAST = {"max_retries": 0}


@pytest.fixture
def lms() -> Iterator[FakeLMStudio]:
    with FakeLMStudio() as server:
        yield server


@contextmanager
def no_unclosed_sockets() -> Iterator[None]:
    """Fail if anything in the block (or garbage it left) warns of an unclosed resource."""
    gc.collect()  # earlier tests' garbage is not this block's
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    # Sockets and transports: an "unclosed event loop" is a test runner's loop that
    # asyncio.run replaced as the thread's current loop, not a connection of ours.
    leaks = [
        str(w.message)
        for w in seen
        if issubclass(w.category, ResourceWarning) and "event loop" not in str(w.message)
    ]
    assert not leaks, leaks


def chat_count(lms: FakeLMStudio) -> int:
    return sum(1 for r in lms.requests if r.path.endswith("/chat/completions"))


# -- every async method from three successive asyncio.run calls --------------------------------


def _core(lms: FakeLMStudio) -> dict[str, Callable[[], Awaitable[Any]]]:
    client = AsyncLMStudioClient(base_url=lms.base_url, **FAST)

    async def stream() -> str:
        return "".join([d.content or "" async for d in client.chat_stream(HI, model="m")])

    return {
        "chat": lambda: client.chat(HI, model="m"),
        "chat_stream": stream,
        "embed": lambda: client.embed(["a", "b"], "fake-embed"),
        "list_models": client.list_models,
    }


def _langchain(lms: FakeLMStudio) -> dict[str, Callable[[], Awaitable[Any]]]:
    llm = ChatLMStudio(base_url=lms.base_url, model="m", **FAST)
    emb = LMStudioEmbeddings(base_url=lms.base_url, model="fake-embed", **FAST)

    async def astream() -> str:
        return "".join([str(c.content) async for c in llm.astream("hi")])

    return {
        "ainvoke": lambda: llm.ainvoke("hi"),
        "astream": astream,
        "abatch": lambda: llm.abatch(["a", "b"]),
        "aembed_query": lambda: emb.aembed_query("x"),
        "aembed_documents": lambda: emb.aembed_documents(["x", "y"]),
    }


def _llama_index(lms: FakeLMStudio) -> dict[str, Callable[[], Awaitable[Any]]]:
    llm = LMStudio(base_url=lms.base_url, model="m", context_window=4096, **FAST)
    emb = LMStudioEmbedding(base_url=lms.base_url, model_name="fake-embed", **FAST)

    async def astream_chat() -> str:
        return "".join([r.delta or "" async for r in await llm.astream_chat(LI_HI)])

    async def astream_complete() -> str:
        return "".join([r.delta or "" async for r in await llm.astream_complete("hi")])

    return {
        "achat": lambda: llm.achat(LI_HI),
        "astream_chat": astream_chat,
        "acomplete": lambda: llm.acomplete("hi"),
        "astream_complete": astream_complete,
        "aget_text_embedding": lambda: emb.aget_text_embedding("x"),
        "aget_text_embedding_batch": lambda: emb.aget_text_embedding_batch(["x", "y"]),
    }


@pytest.mark.parametrize("surface", [_core, _langchain, _llama_index])
def test_every_async_method_in_three_successive_asyncio_runs(
    lms: FakeLMStudio, surface: Callable[[FakeLMStudio], dict[str, Any]]
) -> None:
    methods = surface(lms)
    with no_unclosed_sockets():
        for name, call in methods.items():
            results = [asyncio.run(call()) for _ in range(3)]
            assert all(result for result in results), (name, results)


def test_llama_index_quoted_failure_second_asyncio_run(lms: FakeLMStudio) -> None:
    """The issue's reproduction: RuntimeError 'Event loop is closed' on the second run."""
    llm = LMStudio(base_url=lms.base_url, model="tiny-chat")
    with no_unclosed_sockets():
        first = asyncio.run(llm.achat(LI_HI))
        second = asyncio.run(llm.achat(LI_HI))
    assert first.message.content == second.message.content == "ok"


def test_a_loop_closed_without_shutdown_asyncgens_leaks_nothing(lms: FakeLMStudio) -> None:
    """LlamaIndex's asyncio_run in a running loop: new_event_loop, run_until_complete, close."""
    llm = LMStudio(base_url=lms.base_url, model="m", context_window=4096)
    with no_unclosed_sockets():
        for _ in range(3):
            loop = asyncio.new_event_loop()
            try:
                assert loop.run_until_complete(llm.achat(LI_HI)).message.content == "ok"
            finally:
                loop.close()
        # the next use (any loop) releases the sockets of the loops closed under them
        assert asyncio.run(llm.achat(LI_HI)).message.content == "ok"


def test_llama_index_components_across_asyncio_runs(lms: FakeLMStudio) -> None:
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.agent.workflow import FunctionAgent
    from llama_index.core.ingestion import IngestionPipeline
    from llama_index.core.node_parser import SentenceSplitter

    llm = LMStudio(base_url=lms.base_url, model="m", context_window=4096, **FAST)
    emb = LMStudioEmbedding(base_url=lms.base_url, model_name="fake-embed", **FAST)

    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    agent = FunctionAgent(tools=[add], llm=llm)

    async def run_agent() -> Any:
        return await agent.run("hi")  # the handler is made inside the running loop

    pipeline = IngestionPipeline(transformations=[SentenceSplitter(), emb])
    docs = [Document(text="LM Studio runs models locally.")]
    with no_unclosed_sockets():
        for _ in range(2):
            lms.reply_text("done")
            assert "done" in str(asyncio.run(run_agent()))
            nodes = asyncio.run(pipeline.arun(documents=docs))
            assert nodes
            assert nodes[0].embedding
        index = VectorStoreIndex.from_documents(docs, embed_model=emb, use_async=True)
        assert index.docstore.docs
        assert asyncio.run(emb.aget_text_embedding("x"))


# -- threads ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["core", "langchain", "llama_index"])
def test_one_object_from_eight_threads(lms: FakeLMStudio, kind: str) -> None:
    calls: dict[str, Callable[[], str]] = {}
    if kind == "core":
        client = LMStudioClient(base_url=lms.base_url)
        calls["core"] = lambda: client.chat(HI, model="m").content or ""
    elif kind == "langchain":
        llm = ChatLMStudio(base_url=lms.base_url, model="m")
        calls["langchain"] = lambda: str(llm.invoke("hi").content)
    else:
        li = LMStudio(base_url=lms.base_url, model="m", context_window=4096)
        calls["llama_index"] = lambda: str(li.chat(LI_HI).message.content)
    with no_unclosed_sockets(), ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: calls[kind](), range(32)))
    assert answers == ["ok"] * 32
    assert chat_count(lms) == 32


def test_threads_each_running_their_own_loop(lms: FakeLMStudio) -> None:
    llm = ChatLMStudio(base_url=lms.base_url, model="m")
    li = LMStudio(base_url=lms.base_url, model="m", context_window=4096)
    errors: list[BaseException] = []
    answers: list[str] = []

    def worker() -> None:
        try:
            for _ in range(3):
                answers.append(str(asyncio.run(llm.ainvoke("hi")).content))
                answers.append(str(asyncio.run(li.achat(LI_HI)).message.content))
        except BaseException as exc:
            errors.append(exc)

    with no_unclosed_sockets():
        threads = [threading.Thread(target=worker) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert not errors, errors
    assert answers == ["ok"] * 36


def test_sync_after_async_after_sync(lms: FakeLMStudio) -> None:
    llm = ChatLMStudio(base_url=lms.base_url, model="m")
    emb = LMStudioEmbedding(base_url=lms.base_url, model_name="fake-embed")
    with no_unclosed_sockets():
        assert llm.invoke("hi").content == "ok"
        assert asyncio.run(llm.ainvoke("hi")).content == "ok"
        assert llm.invoke("hi").content == "ok"
        assert asyncio.run(llm.ainvoke("hi")).content == "ok"
        vector = emb.get_text_embedding("x")
        assert asyncio.run(emb.aget_text_embedding("x")) == vector
        assert emb.get_text_embedding("x") == vector
    llm.close()
    assert llm.invoke("hi").content == "ok"  # a closed object opens new connections on use


# -- copies -------------------------------------------------------------------------------------


@pytest.fixture
def other() -> Iterator[FakeLMStudio]:
    with FakeLMStudio(default_reply=None) as server:
        server.default_reply = type(server.default_reply)("other")  # answers "other"
        yield server


COPIES: dict[str, Callable[[Any, str], Any]] = {
    "model_copy": lambda obj, url: obj.model_copy(update={"base_url": url}),
    "copy.copy": lambda obj, url: _set_url(copy.copy(obj), url),
    "copy.deepcopy": lambda obj, url: _set_url(copy.deepcopy(obj), url),
    "pickle": lambda obj, url: _set_url(pickle.loads(pickle.dumps(obj)), url),
}


def _set_url(obj: Any, url: str) -> Any:
    object.__setattr__(obj, "base_url", url)
    return obj


@pytest.mark.filterwarnings("error::UserWarning")  # e.g. a cached value taken for an option
@pytest.mark.parametrize("how", list(COPIES))
def test_copies_talk_to_their_own_server_and_close_only_their_pool(
    lms: FakeLMStudio, other: FakeLMStudio, how: str
) -> None:
    llm = ChatLMStudio(base_url=lms.base_url, model="m")
    assert llm.invoke("hi").content == "ok"  # the original has built its clients
    twin = COPIES[how](llm, other.base_url)
    assert twin.invoke("hi").content == "other"
    assert set(other.last_request.json) == {"model", "messages"}  # nothing cached leaks in
    assert twin.client.base_url == other.base_url
    assert llm.client.base_url == lms.base_url
    twin.close()
    assert llm.invoke("hi").content == "ok"  # the original's pool was not closed
    assert not llm.client.http.is_closed
    llm.close()
    twin.close()


@pytest.mark.parametrize(
    "make",
    [
        lambda url: LMStudioEmbeddings(base_url=url, model="fake-embed"),
        lambda url: LMStudio(base_url=url, model="m", context_window=4096),
        lambda url: LMStudioEmbedding(base_url=url, model_name="fake-embed"),
    ],
    ids=["LMStudioEmbeddings", "LMStudio", "LMStudioEmbedding"],
)
def test_model_copy_with_another_base_url_for_every_class(
    lms: FakeLMStudio, other: FakeLMStudio, make: Callable[[str], Any]
) -> None:
    original = make(lms.base_url)
    assert original.client.base_url == lms.base_url
    twin = original.model_copy(update={"base_url": other.base_url})
    assert twin.client.base_url == other.base_url
    assert twin.client is not original.client
    twin.close()
    assert not original.client.http.is_closed


def test_configurable_fields_give_their_own_clients(lms: FakeLMStudio, other: FakeLMStudio) -> None:
    from langchain_core.runnables import ConfigurableField

    llm = ChatLMStudio(base_url=lms.base_url, model="m").configurable_fields(
        base_url=ConfigurableField(id="base_url")
    )
    assert llm.invoke("hi").content == "ok"
    moved = llm.invoke("hi", config={"configurable": {"base_url": other.base_url}})
    assert isinstance(moved, AIMessage)
    assert moved.content == "other"


# -- a server that starts late; the breaker never locks out a healthy server -------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("breaker", [0, 1], ids=["default", "breaker-on"])
def test_a_server_that_starts_late_answers_the_next_call(breaker: int) -> None:
    reset_breakers()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"
    llm = ChatLMStudio(
        base_url=url, model="m", max_retries=0, client_kwargs={"circuit_breaker_threshold": breaker}
    )
    li = LMStudio(base_url=url, model="m", context_window=4096, max_retries=0)
    for _ in range(3):  # a notebook's first cells, before LM Studio was started
        with pytest.raises(LMStudioConnectionError, match="not reachable") as caught:
            llm.invoke("hi")
        assert not isinstance(caught.value, CircuitOpenError)
        with pytest.raises(LMStudioConnectionError):
            asyncio.run(li.achat(LI_HI))
    with FakeLMStudio(port=port):
        assert llm.invoke("hi").content == "ok"
        assert asyncio.run(li.achat(LI_HI)).message.content == "ok"
        fresh = ChatLMStudio(base_url=url, model="m")
        assert fresh.invoke("hi").content == "ok"


def test_short_deadline_callers_never_lock_out_patient_ones() -> None:
    from tests.faults.fault_server import chat_completion, fault_server, slow_reply

    reset_breakers()
    settings = {"circuit_breaker_threshold": 1, "circuit_breaker_cooldown": 3600}
    body = chat_completion("patient")
    with fault_server(slow_reply(body, pieces=2, delay=0.3)) as server:
        hasty = LMStudioClient(base_url=server.base_url, timeout=0.05, max_retries=0, **settings)
        patient = LMStudioClient(base_url=server.base_url, timeout=10, max_retries=0, **settings)
        for _ in range(3):
            with pytest.raises(LMStudioTimeoutError, match=r"within 0\.05 s"):
                hasty.chat(HI, model="m")
        assert patient.chat(HI, model="m").content == "patient"
        hasty.close()
        patient.close()


# -- one settings contract ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: ChatLMStudio(model="m", **kw),
        lambda **kw: LMStudioEmbeddings(model="m", **kw),
        lambda **kw: LMStudio(model="m", **kw),
        lambda **kw: LMStudioEmbedding(model_name="m", **kw),
        lambda **kw: LMStudioClient(**kw),
    ],
    ids=["ChatLMStudio", "LMStudioEmbeddings", "LMStudio", "LMStudioEmbedding", "core"],
)
def test_timeout_means_the_same_everywhere(make: Callable[..., Any]) -> None:
    def settings(obj: Any) -> Any:
        return obj.settings if isinstance(obj, LMStudioClient) else obj.client.settings

    assert settings(make()).timeout == 600.0
    assert settings(make(timeout=None)).timeout is None  # httpx's convention: no limit
    assert settings(make(timeout=5)).timeout == 5
    assert settings(make(connect_timeout=None)).connect_timeout is None
    with pytest.raises(ValueError, match="timeout"):
        settings(make(timeout=0))


def test_a_users_http_client_timeout_is_the_one_reported() -> None:
    from tests.faults.fault_server import chat_completion, fault_server, slow_reply

    with fault_server(slow_reply(chat_completion("late"), pieces=2, delay=0.5)) as server:
        with httpx.Client(timeout=0.1) as http:
            llm = ChatLMStudio(base_url=server.base_url, model="m", max_retries=0, http_client=http)
            with pytest.raises(LMStudioTimeoutError, match=r"within 0\.1 s"):
                llm.invoke("hi")


# -- model_copy validates what it changes ---------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda url: ChatLMStudio(base_url=url, model="m"),
        lambda url: LMStudioEmbeddings(base_url=url, model="fake-embed"),
        lambda url: LMStudio(base_url=url, model="m", context_window=4096),
        lambda url: LMStudioEmbedding(base_url=url, model_name="fake-embed"),
    ],
    ids=["ChatLMStudio", "LMStudioEmbeddings", "LMStudio", "LMStudioEmbedding"],
)
def test_model_copy_validates_and_follows_aliases(
    lms: FakeLMStudio, other: FakeLMStudio, make: Callable[[str], Any]
) -> None:
    from lmstudio_core.errors import InvalidRequestError

    original = make(lms.base_url)
    bare = other.base_url.removeprefix("http://").removesuffix("/v1")
    assert original.model_copy(update={"base_url": bare}).client.base_url == other.base_url
    moved = original.model_copy(update={"api_base": other.base_url})  # the OpenAILike name
    assert moved.base_url == other.base_url
    assert moved.client.base_url == other.base_url
    with pytest.raises(InvalidRequestError, match="timeout"):
        original.model_copy(update={"timeout": 0})
    assert original.client.base_url == lms.base_url


def test_chat_model_copy_asks_its_own_server_for_the_profile(
    lms: FakeLMStudio, other: FakeLMStudio
) -> None:
    llm = ChatLMStudio(base_url=lms.base_url, model="fake-llm")
    assert llm.profile is not None
    twin = llm.model_copy(update={"base_url": other.base_url})
    assert twin.profile is not llm.profile
    assert twin.profile is not None
    assert twin.profile.get("max_input_tokens")
    assert any(r.path.endswith("/models") for r in other.requests)


@pytest.mark.parametrize("name", ["api_base", "openai_api_base"])
def test_langchain_accepts_other_clients_url_names(lms: FakeLMStudio, name: str) -> None:
    llm = ChatLMStudio(**{name: lms.base_url}, model="m")
    assert llm.base_url == lms.base_url
    assert llm.invoke("hi").content == "ok"
    assert LMStudioEmbeddings(**{name: lms.base_url}).base_url == lms.base_url


@pytest.mark.parametrize("value", ["-5", "abc"])
def test_a_bad_lmstudio_timeout_is_rejected_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from lmstudio_core.errors import InvalidRequestError

    monkeypatch.setenv("LMSTUDIO_TIMEOUT", value)
    with pytest.raises(InvalidRequestError, match="LMSTUDIO_TIMEOUT"):
        ChatLMStudio(model="m")
    monkeypatch.setenv("LMSTUDIO_TIMEOUT", "0.0")
    assert ChatLMStudio(model="m").timeout is None
