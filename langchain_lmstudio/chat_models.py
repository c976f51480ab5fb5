"""`ChatLMStudio`: LangChain chat model for LM Studio, a thin layer over `lmstudio_core`.

Messages are converted once (`_convert`), sent by the core's sync or async client (the only
difference between the four paths), and the core's results converted back.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LangSmithParams, LanguageModelInput, ModelProfile
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field, field_validator, model_validator
from typing_extensions import Self

from langchain_lmstudio._connection import LMStudioConnection
from langchain_lmstudio._convert import result_to_chat_result, text_of
from langchain_lmstudio._profile import STATIC_PROFILE, ServerProfile, profile_of
from langchain_lmstudio._request import (
    chat_request,
    configured_options,
    ls_params,
    sampling_fields,
    stream_request,
)
from lmstudio_core import ModelFacts, ModelInfo, parse_uri
from lmstudio_core.chat_request import map_tool_choice
from lmstudio_core.errors import accepted_names
from lmstudio_core.request_options import collect_unknown_options

if TYPE_CHECKING:  # loaded when first used (import cost)
    from langchain_core.tools import BaseTool

    from langchain_lmstudio._structured import StructuredMethod

__all__ = ["ChatLMStudio"]


ToolChoice = str | bool | dict[str, Any] | None


class ChatLMStudio(LMStudioConnection, BaseChatModel):
    """Chat model served by LM Studio (``/v1/chat/completions``), with its extras first-class.

    Setup: start LM Studio's server (``lms server start``) and load a model. No API key is
    needed unless "Require Authentication" is on (then set ``LM_API_TOKEN`` or ``api_key``).

    Example:
        ```python
        from langchain_lmstudio import ChatLMStudio

        llm = ChatLMStudio(model="qwen2.5-7b-instruct", temperature=0, top_k=40, ttl=600)
        llm.invoke("Name the capital of France.").content
        for chunk in llm.stream("Count to five."):
            print(chunk.content, end="")
        await llm.ainvoke("hi")
        llm.bind_tools([get_weather], tool_choice="get_weather").invoke("Weather in Paris?")
        llm.with_structured_output(Person).invoke("Ada Lovelace, 36")  # json_schema
        ChatLMStudio(cache_prompt=True)  # unknown options go to the top level of the request
        ChatLMStudio.from_uri("lmstudio://qwen2.5-7b-instruct@localhost:1234?temperature=0.7")
        ```

    Reasoning (``reasoning_content``, ``reasoning`` or inline ``<think>`` tags) is returned in
    ``additional_kwargs["reasoning_content"]``, or as a ``reasoning`` content block with
    ``output_version="v1"``; it is never sent back to the server.
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True, defer_build=True)

    model: str | None = None
    """LM Studio model key or instance id; ``None`` uses the single loaded LLM."""
    temperature: float | None = None
    """Sampling temperature, 0 to 2; ``None`` keeps the model's preset."""
    max_tokens: int | None = None
    """Most tokens to generate; ``-1`` means no limit."""
    top_p: float | None = None
    """Nucleus sampling probability mass, 0 to 1."""
    top_k: int | None = None
    """Sample from the k most likely tokens (LM Studio extra)."""
    min_p: float | None = None
    """Minimum token probability relative to the most likely one (LM Studio extra)."""
    repeat_penalty: float | None = None
    """Penalty for repeated tokens; 1 is off (LM Studio extra)."""
    presence_penalty: float | None = None
    """OpenAI presence penalty, -2 to 2."""
    frequency_penalty: float | None = None
    """OpenAI frequency penalty, -2 to 2."""
    seed: int | None = None
    """Sampling seed for reproducible output."""
    stop: list[str] | None = None
    """Stop strings."""
    logit_bias: dict[str, float] | None = None
    """Token id (as a string) to logit bias."""
    ttl: int | None = None
    """Seconds a model JIT-loaded by a request stays loaded when idle (LM Studio extra)."""
    draft_model: str | None = None
    """Draft model for speculative decoding; must share the vocabulary (LM Studio extra)."""
    reasoning_effort: str | None = None
    """Reasoning effort (``low``, ``medium``, ``high``, ``none``) for models that support it."""
    parse_think_tags: bool = True
    """Split inline ``<think>...</think>`` out of the content into the reasoning."""
    streaming: bool = False
    """Stream even for ``invoke`` (tokens reach callbacks as they arrive)."""
    stream_usage: bool = True
    """Ask for token usage when streaming; it arrives on the final chunk."""
    extra_body: dict[str, Any] | None = None
    """Fields merged into the top level of every request body."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Unknown constructor arguments land here and go to the top level of the request body."""

    _sampling_fields: ClassVar[tuple[str, ...]] = ()
    """The request options among the fields above (set below the class, from its fields)."""

    @model_validator(mode="before")
    @classmethod
    def _collect_model_kwargs(cls, values: Any) -> Any:
        """Move unknown constructor arguments into ``model_kwargs`` (sent at the top level).

        One that is not a known LM Studio / llama.cpp request option is likely a typo: it is
        still sent, with a warning naming the closest field.
        """
        return collect_unknown_options(
            cls.__name__, values, fields=accepted_names(cls), destination="model_kwargs"
        )

    @field_validator("model_kwargs")
    @classmethod
    def _no_fields_in_model_kwargs(cls, value: dict[str, Any]) -> dict[str, Any]:
        fields = sorted(key for key in value if key in cls.model_fields)
        if fields:
            raise ValueError(f"Pass {fields} as arguments, not in model_kwargs.")
        return value

    @classmethod
    def from_uri(cls, uri: str, **kwargs: Any) -> Self:
        """Build from ``lmstudio://model@host:port?temperature=0.7`` (query values typed)."""
        parsed = parse_uri(uri)
        fields: dict[str, Any] = {"base_url": parsed.base_url, **parsed.params}
        if parsed.model:
            fields["model"] = parsed.model
        return cls(**{**fields, **kwargs})

    # -- LangChain identity -------------------------------------------------------------------

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The API key is serialized as a reference to ``LM_API_TOKEN``, never by value."""
        return {"api_key": "LM_API_TOKEN"}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """False: langchain-core's loader only revives classes on its own allowlist.

        ``dumpd``/``dumps`` still work (as a ``not_implemented`` stub whose ``repr`` masks the
        key); rebuild a model from its fields or ``from_uri`` instead.
        """
        return False

    @property
    def _llm_type(self) -> str:
        return "lmstudio-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        params = {"base_url": self.base_url, **configured_options(self)}
        return {key: value for key, value in params.items() if value is not None}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        return ls_params(self, stop, kwargs)

    # -- calls -----------------------------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = chat_request(self, messages, stop, kwargs, stream=False)
        return result_to_chat_result(self.client.chat(request), request.model)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = chat_request(self, messages, stop, kwargs, stream=False)
        return result_to_chat_result(await self.async_client.chat(request), request.model)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request, converter = stream_request(self, messages, stop, kwargs)
        with self.client.chat_stream(request) as stream:
            for delta in stream:
                chunk = converter.chunk(delta)
                if chunk is not None:
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
            last = converter.last(stream.result())
        if run_manager:
            run_manager.on_llm_new_token("", chunk=last)
        yield last

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request, converter = stream_request(self, messages, stop, kwargs)
        async with self.async_client.chat_stream(request) as stream:
            async for delta in stream:
                chunk = converter.chunk(delta)
                if chunk is not None:
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
            last = converter.last(stream.result())
        if run_manager:
            await run_manager.on_llm_new_token("", chunk=last)
        yield last

    # -- tools and structured output ------------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: ToolChoice = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (pydantic classes, functions, LangChain tools or OpenAI dicts).

        Args:
            tools: the tools the model may call.
            tool_choice: ``"auto"``, ``"none"``, ``"required"``, ``"any"`` or ``True`` (must
                call one), a tool name (must call that one: sent as ``required`` with only that
                tool, since LM Studio rejects the object form), or the OpenAI dict.
            parallel_tool_calls: allow several calls per turn (LM Studio does not enforce
                ``False``).
            strict: ask for strict schema adherence in the tool definitions.
            **kwargs: other request options to bind.

        Raises:
            InvalidRequestError: ``tool_choice`` names a tool that is not bound.
        """
        formatted = [convert_to_openai_tool(tool, strict=strict) for tool in tools]
        if tool_choice is not None:
            map_tool_choice(tool_choice, formatted)
            kwargs["tool_choice"] = tool_choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: StructuredMethod = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """A runnable that returns output shaped by ``schema``.

        Args:
            schema: a pydantic class, TypedDict, JSON schema or OpenAI function schema
                (optional for ``json_mode``).
            method: ``json_schema`` (default: LM Studio enforces the schema by grammar),
                ``function_calling`` (the schema as the only tool, which must be called) or
                ``json_mode`` (any JSON object; the schema only parses the answer).
            include_raw: return ``{"raw", "parsed", "parsing_error"}`` instead of raising on
                a parse failure.
            strict: request strict schema adherence (``json_schema``, ``function_calling``).
            **kwargs: not supported; raises.

        Raises:
            ValueError: unknown keyword arguments, method, or a missing schema.
        """
        if kwargs:
            raise ValueError(f"Received unsupported arguments {sorted(kwargs)}")
        from langchain_lmstudio._structured import structured_output

        return structured_output(
            self.bind,
            self.bind_tools,
            schema,
            method=method,
            include_raw=include_raw,
            strict=strict,
        )

    # -- server information and token estimates -------------------------------------------------

    def list_models(self) -> list[ModelInfo]:
        """Models the server knows (all downloaded ones when JIT loading is on)."""
        return self.client.list_models()

    async def alist_models(self) -> list[ModelInfo]:
        """Async `list_models`."""
        return await self.async_client.list_models()

    def get_context_window(self) -> int | None:
        """The model's loaded context length (or its maximum), asked from the server (cached)."""
        return self.client.model_facts(self.model).context_length

    def _after_copy(self) -> None:
        """A copy asks its own server for the profile (it may have another ``base_url``)."""
        if isinstance(self.__dict__.get("profile"), ServerProfile):
            self.profile = self._resolve_model_profile()

    @model_validator(mode="after")
    def _set_model_profile(self) -> Self:
        """Set the profile where langchain-core has no `_resolve_model_profile` hook (< 1.3)."""
        if self.profile is None:
            self.profile = self._resolve_model_profile()
        return self

    def _resolve_model_profile(self) -> ModelProfile | None:
        """The profile LangChain sets at construction: no request until a server key is read.

        See `ServerProfile`: ``structured_output`` and the text modalities are known without
        asking; ``max_input_tokens`` and the capabilities are read from the server's catalog
        (cached, bounded by a short timeout) the first time they are looked up.
        """
        return cast("ModelProfile", ServerProfile(self._probe_facts))

    def _probe_facts(self, timeout: float) -> ModelFacts:
        """The server facts for `ServerProfile` (a quick probe, unless a shorter timeout is set)."""
        if self.timeout is not None:
            timeout = min(timeout, self.timeout)
        return self.client.model_facts(self.model, timeout=timeout)

    def fetch_profile(self) -> ModelProfile:
        """Ask the server's catalog now (normal timeout and retries; errors raise).

        Fills ``max_input_tokens`` (the loaded context length) and, when the catalog says,
        ``tool_calling``, ``tool_choice``, ``image_inputs`` and ``reasoning_output``, then
        returns ``profile``. Not needed: reading those keys asks the server by itself (see
        docs/langchain.md); this is the way to see a failure. Keys you set yourself are kept.
        """
        server = profile_of(self.client.model_facts(self.model))
        if isinstance(self.profile, ServerProfile):
            self.profile.fill(server)
        else:
            self.profile = {**STATIC_PROFILE, **server, **(self.profile or {})}
        return self.profile

    def get_num_tokens(self, text: str) -> int:
        """Estimated tokens in ``text`` (about four characters a token; offline, no tokenizer)."""
        return math.ceil(len(text) / 4)

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool] | None = None,
    ) -> int:
        """Estimated prompt tokens, offline: ~4 characters a token, +4 per message.

        Counts message text, tool calls and tool definitions. An estimate only (the real count
        depends on the model's tokenizer and chat template);
        the exact count is in ``usage_metadata["input_tokens"]`` after a call.
        """
        total = sum(4 + self.get_num_tokens(text_of(message)) for message in messages)
        for tool in tools or ():
            total += self.get_num_tokens(str(convert_to_openai_tool(tool)))
        return total


ChatLMStudio._sampling_fields = sampling_fields(ChatLMStudio.model_fields)
