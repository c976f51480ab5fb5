"""`LMStudio`: a LlamaIndex `FunctionCallingLLM` over `lmstudio_core`.

Every option reaches the top level of the request JSON; the context window and tool support
are asked from the server once and cached; streaming is truly async on the async path.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.generic_utils import (
    achat_to_completion_decorator,
    astream_chat_to_completion_decorator,
    chat_to_completion_decorator,
    stream_chat_to_completion_decorator,
)
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr, model_validator
from llama_index.core.constants import DEFAULT_NUM_OUTPUTS
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.program.utils import FlexibleModel
from llama_index.core.prompts import PromptTemplate
from llama_index.core.types import Model, PydanticProgramMode
from llama_index_instrumentation import get_dispatcher

from llama_index_lmstudio._connection import LMStudioConnection
from llama_index_lmstudio._convert import (
    StreamState,
    chat_response,
    to_wire_messages,
    tool_selections,
)
from llama_index_lmstudio._facts import server_facts
from llama_index_lmstudio._structured import (
    apartial_objects,
    partial_objects,
    structured_end,
    structured_kwargs,
    structured_start,
)
from llama_index_lmstudio._tools import keep_first_tool_call, prepare_tool_chat
from lmstudio_core import ChatRequest, ModelFacts
from lmstudio_core.chat_request import REQUEST_OPTION_FIELDS
from lmstudio_core.errors import accepted_names
from lmstudio_core.request_options import collect_unknown_options

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = ["LMStudio"]

dispatcher = get_dispatcher(__name__)


class LMStudio(LMStudioConnection, FunctionCallingLLM):
    """LM Studio chat model for LlamaIndex (chat, streaming, tools, structured output, images).

    Examples:
        ```python
        from llama_index_lmstudio import LMStudio

        llm = LMStudio(model="qwen2.5-7b-instruct", temperature=0, top_k=40, ttl=600)
        print(llm.complete("The capital of France is"))
        ```

    Leave ``model`` out to use the one LLM loaded in LM Studio; leave ``context_window`` out to
    ask the server for the loaded context length. Anything in ``additional_kwargs`` (or passed
    as a keyword to a call) is sent at the top level of the request JSON; so is an unknown
    constructor keyword (``cache_prompt=True``), with a warning unless it is a known LM Studio
    or llama.cpp option. ``api_base`` is accepted as an alias of ``base_url``.
    """

    model: str | None = Field(
        default=None,
        description="Model key or instance id; None uses the single loaded LLM.",
    )
    temperature: float | None = Field(
        default=None, description="Sampling temperature, 0 to 2; None uses the server's."
    )
    max_tokens: int | None = Field(
        default=None, description="Most tokens to generate; -1 means no limit."
    )
    top_p: float | None = Field(default=None, description="Nucleus sampling mass, 0 to 1.")
    top_k: int | None = Field(default=None, description="Sample from the k most likely tokens.")
    min_p: float | None = Field(
        default=None, description="Minimum token probability relative to the most likely one."
    )
    repeat_penalty: float | None = Field(
        default=None, description="Penalty for repeated tokens; 1 is off."
    )
    seed: int | None = Field(default=None, description="Sampling seed for reproducible output.")
    stop: list[str] | None = Field(default=None, description="Stop strings.")
    ttl: int | None = Field(
        default=None,
        description="Seconds a model JIT-loaded by a request stays loaded while idle.",
    )
    draft_model: str | None = Field(
        default=None, description="Draft model for speculative decoding."
    )
    context_window: int | None = Field(
        default=None,
        gt=0,
        description="Context length in tokens; None asks the server (loaded context length).",
    )
    is_function_calling_model: bool | None = Field(
        default=None,
        description="Whether the model calls tools; None uses the server's capabilities "
        "(True when the server does not say).",
    )
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra request fields (e.g. cache_prompt), sent at the top level of the JSON.",
    )
    parse_think_tags: bool = Field(
        default=True,
        description="Move inline <think>...</think> text out of the answer into reasoning.",
    )
    _facts: tuple[ModelFacts | None, tuple[str, int, bool]] | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _collect_additional_kwargs(cls, values: Any) -> Any:
        """Move unknown constructor keywords into ``additional_kwargs`` (sent at the top level).

        A known LM Studio / llama.cpp request option (``cache_prompt``, ``mirostat``, ...) goes
        quietly; anything else is likely a typo: still sent, with a warning naming the closest
        field (as `ChatLMStudio` does with ``model_kwargs``).
        """
        return collect_unknown_options(
            cls.__name__, values, fields=accepted_names(cls), destination="additional_kwargs"
        )

    @classmethod
    def class_name(cls) -> str:
        """The LlamaIndex component name."""
        return "LMStudio"

    def _server_facts(self) -> tuple[str, int, bool]:
        """``(model, context window, calls tools)``, asked once (see `_facts.server_facts`)."""
        result, self._facts = server_facts(
            self.client,
            self.model,
            self.context_window,
            self.is_function_calling_model,
            self._facts,
        )
        return result

    @property
    def metadata(self) -> LLMMetadata:
        """Context window, output size, tool support and model name (server asked once)."""
        model, context, tools = self._server_facts()
        return LLMMetadata(
            context_window=context,
            num_output=self.max_tokens
            if self.max_tokens and self.max_tokens > 0
            else DEFAULT_NUM_OUTPUTS,
            is_chat_model=True,
            is_function_calling_model=tools,
            model_name=model,
        )

    def to_payload(self) -> dict[str, Any]:
        """Non-sensitive description for callbacks and instrumentation (no server call)."""
        return {
            "class_name": self.class_name(),
            "model_name": self.model,
            **self._set_fields(("base_url", "context_window", *_REQUEST_FIELDS)),
        }

    def _set_fields(self, names: Iterable[str]) -> dict[str, Any]:
        """The named fields whose value is not None, in order."""
        return {name: value for name in names if (value := getattr(self, name)) is not None}

    # -- requests -------------------------------------------------------------------------------

    def _request(
        self, messages: Sequence[ChatMessage], *, stream: bool = False, **kwargs: Any
    ) -> ChatRequest:
        options: dict[str, Any] = {"model": self.model, **self._set_fields(_REQUEST_FIELDS)}
        options.update(self.additional_kwargs)
        options.update(kwargs)
        return ChatRequest.create(messages=to_wire_messages(messages), stream=stream, **options)

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Chat; keyword arguments become top-level request fields."""
        return chat_response(self.client.chat(self._request(messages, **kwargs)))

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Async chat."""
        return chat_response(await self.async_client.chat(self._request(messages, **kwargs)))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        """Stream a chat answer; the last response carries usage, stats and finish reason.

        Chunks that add no text, reasoning or tool call (the finish reason, the usage) are not
        yielded on their own: what they say arrives with that last response.
        """
        request = self._request(messages, stream=True, **kwargs)

        def gen() -> Generator[ChatResponse, None, None]:
            state = StreamState()
            with self.client.chat_stream(request) as stream:
                for delta in stream:
                    if state.adds_output(delta):
                        yield state.update(delta)
                yield state.finish(stream.result())

        return gen()

    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        """Stream a chat answer asynchronously (an async generator over the HTTP stream)."""
        request = self._request(messages, stream=True, **kwargs)

        async def gen() -> AsyncGenerator[ChatResponse, None]:
            state = StreamState()
            async with self.async_client.chat_stream(request) as stream:
                async for delta in stream:
                    if state.adds_output(delta):
                        yield state.update(delta)
                yield state.finish(stream.result())

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """Complete a prompt (sent as one user message)."""
        return chat_to_completion_decorator(self.chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        """Async complete."""
        return await achat_to_completion_decorator(self.achat)(prompt, **kwargs)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        """Stream a completion."""
        return stream_chat_to_completion_decorator(self.stream_chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        """Stream a completion asynchronously."""
        return await astream_chat_to_completion_decorator(self.astream_chat)(prompt, **kwargs)

    # -- tools ----------------------------------------------------------------------------------

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Messages, OpenAI tool specs and tool_choice for a chat with tools."""
        return prepare_tool_chat(
            tools,
            user_msg,
            chat_history,
            allow_parallel_tool_calls=allow_parallel_tool_calls,
            tool_required=tool_required,
            tool_choice=tool_choice,
            **kwargs,
        )

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        """Keep only the first tool call unless parallel calls are allowed."""
        return response if allow_parallel_tool_calls else keep_first_tool_call(response)

    def get_tool_calls_from_response(
        self, response: ChatResponse, error_on_no_tool_call: bool = True, **kwargs: Any
    ) -> list[ToolSelection]:
        """The tool calls in a response; malformed arguments become ``{}`` with a warning."""
        return tool_selections(response, error_on_no_tool_call=error_on_no_tool_call)

    # -- structured output (helpers in _structured.py) ----------------------------------------

    @dispatcher.span
    def structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Structured output via LM Studio's grammar-enforced json_schema (DEFAULT mode)."""
        if self.pydantic_program_mode != PydanticProgramMode.DEFAULT:
            result: Model = super().structured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
            return result
        structured_start(output_cls, prompt, prompt_args)
        messages = prompt.format_messages(**prompt_args)
        response = self.chat(messages, **structured_kwargs(output_cls, llm_kwargs))
        return structured_end(output_cls, response)

    @dispatcher.span
    async def astructured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Async structured output via json_schema (DEFAULT mode)."""
        if self.pydantic_program_mode != PydanticProgramMode.DEFAULT:
            result: Model = await super().astructured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
            return result
        structured_start(output_cls, prompt, prompt_args)
        messages = prompt.format_messages(**prompt_args)
        response = await self.achat(messages, **structured_kwargs(output_cls, llm_kwargs))
        return structured_end(output_cls, response)

    @dispatcher.span
    def stream_structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Generator[Model | FlexibleModel, None, None]:
        """Partial objects as the json_schema answer streams in (DEFAULT mode)."""
        if self.pydantic_program_mode != PydanticProgramMode.DEFAULT:
            return super().stream_structured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
        messages = prompt.format_messages(**prompt_args)

        def gen() -> Generator[Model | FlexibleModel, None, None]:
            structured_start(output_cls, prompt, prompt_args)
            responses = self.stream_chat(messages, **structured_kwargs(output_cls, llm_kwargs))
            yield from partial_objects(output_cls, responses)

        return gen()

    @dispatcher.span
    async def astream_structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> AsyncGenerator[Model | FlexibleModel, None]:
        """Async partial objects as the json_schema answer streams in (DEFAULT mode)."""
        if self.pydantic_program_mode != PydanticProgramMode.DEFAULT:
            return await super().astream_structured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
        messages = prompt.format_messages(**prompt_args)

        async def gen() -> AsyncGenerator[Model | FlexibleModel, None]:
            structured_start(output_cls, prompt, prompt_args)
            responses = await self.astream_chat(
                messages, **structured_kwargs(output_cls, llm_kwargs)
            )
            async for parsed in apartial_objects(output_cls, responses):
                yield parsed

        return gen()


_REQUEST_FIELDS = tuple(name for name in REQUEST_OPTION_FIELDS if name in LMStudio.model_fields)
"""The typed request options `LMStudio` has as fields (sent when not None)."""
