"""LangChain's standard integration suites against the real llama.cpp server (tiny model)."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_tests.integration_tests import ChatModelIntegrationTests, EmbeddingsIntegrationTests

from langchain_lmstudio import ChatLMStudio, LMStudioEmbeddings
from tests.langchain.conftest import OnLlamaServer

pytestmark = pytest.mark.integration

UsageDetail = Literal[
    "audio_input", "audio_output", "reasoning_output", "cache_read_input", "cache_creation_input"
]


class TestChatLMStudioIntegration(OnLlamaServer, ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[ChatLMStudio]:
        return ChatLMStudio

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # No model: the single loaded model is resolved from the server's catalog.
        return {"base_url": self.server.base_url, "temperature": 0, "max_tokens": 96}

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return False

    @property
    def supports_anthropic_inputs(self) -> bool:
        return True

    @property
    def model_override_value(self) -> str:
        # llama-server ignores the name and answers as "tiny-chat"; the override path is
        # checked on the wire in test_lmstudio_shapes.py.
        return "tiny-chat"

    @property
    def supported_usage_metadata_details(
        self,
    ) -> dict[Literal["invoke", "stream"], list[UsageDetail]]:
        return {"invoke": ["cache_read_input"], "stream": ["cache_read_input"]}

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        llm = ChatLMStudio(**self.chat_model_params)
        prompt = [HumanMessage("Repeat after me: the cat sat on the mat. " * 8)]
        llm.invoke(prompt)  # fills llama.cpp's prompt cache
        if not stream:
            return llm.invoke(prompt)
        full = None
        for chunk in llm.stream(prompt):
            full = chunk if full is None else full + chunk
        assert isinstance(full, AIMessage)
        return full

    @pytest.mark.xfail(
        reason="json_mode enforces only 'a JSON object'; the tiny random-weight model cannot "
        "follow the prompt's instruction to use the keys 'setup' and 'punchline'."
    )
    def test_json_mode(self, model: Any) -> None:
        super().test_json_mode(model)

    @pytest.mark.xfail(
        reason="The tiny random-weight model fills the tool's string argument with noise (often "
        "''), so the standard test's non-empty 'answer_style' check cannot be met."
    )
    def test_bind_runnables_as_tools(self, model: Any) -> None:
        super().test_bind_runnables_as_tools(model)

    @pytest.mark.xfail(
        reason="The tiny random-weight model never emits non-ASCII bytes, so it cannot copy "
        "the Chinese/Japanese customer name into the tool arguments."
    )
    def test_unicode_tool_call_integration(self, model: Any) -> None:
        super().test_unicode_tool_call_integration(model)


class TestLMStudioEmbeddingsIntegration(OnLlamaServer, EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[LMStudioEmbeddings]:
        return LMStudioEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"base_url": self.server.base_url}
