"""Structured-predict instrumentation events, and how streams end (no run of empty deltas)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, CompletionResponse
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictInProgressEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.core.prompts import PromptTemplate
from llama_index_instrumentation import get_dispatcher
from llama_index_instrumentation.event_handlers import BaseEventHandler
from pydantic import BaseModel

from llama_index_lmstudio import LMStudio
from lmstudio_core.testing import FakeLMStudio

HI = [ChatMessage(role="user", content="hi")]
PROMPT = PromptTemplate("A city for {topic}.")
STRUCTURED = (
    LLMStructuredPredictStartEvent,
    LLMStructuredPredictInProgressEvent,
    LLMStructuredPredictEndEvent,
)


class City(BaseModel):
    """A city."""

    name: str
    population: int


class _Recorder(BaseEventHandler):
    events: list[BaseEvent] = []

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        if isinstance(event, STRUCTURED):
            self.events.append(event)

    def names(self) -> list[str]:
        return [type(e).__name__.removeprefix("LLMStructuredPredict") for e in self.events]


@pytest.fixture
def recorder() -> Iterator[_Recorder]:
    root = get_dispatcher()
    handler = _Recorder(events=[])
    root.add_event_handler(handler)
    try:
        yield handler
    finally:
        root.event_handlers.remove(handler)


@pytest.fixture
def fake() -> Iterator[FakeLMStudio]:
    with FakeLMStudio() as server:
        yield server


@pytest.fixture
def llm(fake: FakeLMStudio) -> LMStudio:
    return LMStudio(model="fake-llm", base_url=fake.base_url, max_retries=0)


OSLO = {"name": "Oslo", "population": 700000}


def test_structured_predict_events(llm: LMStudio, fake: FakeLMStudio, recorder: _Recorder) -> None:
    fake.reply_json(OSLO)
    city = llm.structured_predict(City, PROMPT, topic="fjords")
    assert city == City(**OSLO)
    assert recorder.names() == ["StartEvent", "EndEvent"]
    start, end = recorder.events
    assert isinstance(start, LLMStructuredPredictStartEvent)
    assert start.output_cls is City
    assert start.template_args == {"topic": "fjords"}
    assert isinstance(end, LLMStructuredPredictEndEvent)
    assert end.output == city


async def test_astructured_predict_events(
    llm: LMStudio, fake: FakeLMStudio, recorder: _Recorder
) -> None:
    fake.reply_json(OSLO)
    city = await llm.astructured_predict(City, PROMPT, topic="fjords")
    assert recorder.names() == ["StartEvent", "EndEvent"]
    assert recorder.events[-1].output == city  # type: ignore[attr-defined]


def test_stream_structured_predict_events(
    llm: LMStudio, fake: FakeLMStudio, recorder: _Recorder
) -> None:
    fake.reply_json(OSLO)
    partials = list(llm.stream_structured_predict(City, PROMPT, topic="fjords"))
    names = recorder.names()
    assert names[0] == "StartEvent"
    assert names[-1] == "EndEvent"
    assert names[1:-1] == ["InProgressEvent"] * len(partials)
    assert len(partials) >= 1
    assert recorder.events[-1].output == partials[-1]  # type: ignore[attr-defined]
    assert City.model_validate(partials[-1].model_dump()) == City(**OSLO)


async def test_astream_structured_predict_events(
    llm: LMStudio, fake: FakeLMStudio, recorder: _Recorder
) -> None:
    fake.reply_json(OSLO)
    stream = await llm.astream_structured_predict(City, PROMPT, topic="fjords")
    partials = [p async for p in stream]
    names = recorder.names()
    assert (names[0], names[-1]) == ("StartEvent", "EndEvent")
    assert names[1:-1] == ["InProgressEvent"] * len(partials)


def _check_end(responses: list[ChatResponse] | list[CompletionResponse]) -> None:
    deltas = [r.delta for r in responses]
    assert deltas == ["hello", " worl", "d foo", ""]  # one final response, not a run of ""
    extra = responses[-1].additional_kwargs
    assert extra["finish_reason"] == "stop"
    assert extra["total_tokens"] > 0
    assert all("finish_reason" not in r.additional_kwargs for r in responses[:-1])


def test_stream_chat_ends_with_one_final_response(llm: LMStudio, fake: FakeLMStudio) -> None:
    fake.reply_text("hello world foo")
    responses = list(llm.stream_chat(HI))
    _check_end(responses)
    assert responses[-1].message.content == "hello world foo"
    raw = responses[-1].raw
    assert raw is not None
    assert (raw["finish_reason"], raw["model"]) == ("stop", "fake-llm")
    assert raw["usage"]["total_tokens"] == responses[-1].additional_kwargs["total_tokens"]


async def test_astream_chat_ends_with_one_final_response(llm: LMStudio, fake: FakeLMStudio) -> None:
    fake.reply_text("hello world foo")
    responses = [r async for r in await llm.astream_chat(HI)]
    _check_end(responses)


def test_stream_complete_ends_with_one_final_response(llm: LMStudio, fake: FakeLMStudio) -> None:
    fake.reply_text("hello world foo")
    responses = list(llm.stream_complete("hi"))
    _check_end(responses)
    assert responses[-1].text == "hello world foo"


async def test_astream_complete_ends_with_one_final_response(
    llm: LMStudio, fake: FakeLMStudio
) -> None:
    fake.reply_text("hello world foo")
    responses = [r async for r in await llm.astream_complete("hi")]
    _check_end(responses)
