"""Structured output for `LMStudio`: LM Studio's grammar-enforced ``json_schema`` (DEFAULT mode).

The structured-predict methods stay on the class (LlamaIndex calls them there); this module holds
what they share: the request options that ask for the schema, the instrumentation events
LlamaIndex's own LLM emits, parsing the answer, and partial objects while the answer streams in.
They parse ``message.content``, never the reasoning, which the core has already split off.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Generator, Iterable
from typing import Any

from llama_index.core.base.llms.types import ChatResponse
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictInProgressEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.core.program.utils import FlexibleModel, process_streaming_objects
from llama_index.core.prompts import PromptTemplate
from llama_index.core.types import Model
from llama_index_instrumentation import get_dispatcher

from lmstudio_core import json_schema_format

__all__ = [
    "apartial_objects",
    "partial_objects",
    "structured_end",
    "structured_kwargs",
    "structured_start",
]

dispatcher = get_dispatcher(__name__)


def structured_kwargs(output_cls: type[Model], llm_kwargs: dict[str, Any] | None) -> dict[str, Any]:
    """The caller's ``llm_kwargs`` plus the ``response_format`` that enforces ``output_cls``."""
    schema = output_cls.model_json_schema()
    return {
        **(llm_kwargs or {}),
        "response_format": json_schema_format(schema, name=output_cls.__name__),
    }


def structured_start(
    output_cls: type[Model], prompt: PromptTemplate, prompt_args: dict[str, Any]
) -> None:
    """The event LlamaIndex's own LLM emits when a structured prediction starts."""
    dispatcher.event(
        LLMStructuredPredictStartEvent(
            output_cls=output_cls, template=prompt, template_args=prompt_args
        )
    )


def structured_end(output_cls: type[Model], response: ChatResponse) -> Model:
    """Parse the whole answer into ``output_cls`` and emit the end event."""
    output: Model = output_cls.model_validate_json(response.message.content or "")
    dispatcher.event(LLMStructuredPredictEndEvent(output=output))
    return output


def partial_objects(
    output_cls: type[Model], responses: Iterable[ChatResponse]
) -> Generator[Model | FlexibleModel, None, None]:
    """Partial objects as a streamed answer grows, with the in-progress and end events."""
    parser = _PartialObjects(output_cls)
    for response in responses:
        parsed = parser.feed(response)
        if parsed is not None:
            dispatcher.event(LLMStructuredPredictInProgressEvent(output=parsed))
            yield parsed
    dispatcher.event(LLMStructuredPredictEndEvent(output=parser.last))


async def apartial_objects(
    output_cls: type[Model], responses: AsyncIterable[ChatResponse]
) -> AsyncGenerator[Model | FlexibleModel, None]:
    """`partial_objects` for an async stream."""
    parser = _PartialObjects(output_cls)
    async for response in responses:
        parsed = parser.feed(response)
        if parsed is not None:
            dispatcher.event(LLMStructuredPredictInProgressEvent(output=parsed))
            yield parsed
    dispatcher.event(LLMStructuredPredictEndEvent(output=parser.last))


class _PartialObjects:
    """Turns a growing JSON answer into partial objects (shared by both structured streams)."""

    def __init__(self, output_cls: type[Model]) -> None:
        self.output_cls = output_cls
        self.current: list[Any] | None = None
        self.last: Any = None

    def feed(self, response: ChatResponse) -> Any:
        try:
            objects = process_streaming_objects(
                response,
                self.output_cls,
                cur_objects=self.current,
                allow_parallel_tool_calls=False,
                flexible_mode=True,
            )
        except Exception:  # an incomplete prefix is expected mid-stream
            return None
        self.current = objects if isinstance(objects, list) else [objects]
        self.last = objects
        return objects
