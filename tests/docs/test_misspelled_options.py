"""A misspelled option is never silent: core errors, adapter warnings, nothing lost on the wire."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from lmstudio_core import (
    AsyncLMStudioClient,
    InvalidRequestError,
    LMStudioClient,
    LMStudioError,
    LMStudioSettings,
    UnknownOptionError,
)
from lmstudio_core.request_options import KNOWN_EXTRA_OPTIONS, KNOWN_REQUEST_OPTIONS
from lmstudio_core.testing import FakeLMStudio

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def lms() -> Iterator[FakeLMStudio]:
    with FakeLMStudio() as fake:
        yield fake


def _assert_unknown(
    excinfo: pytest.ExceptionInfo[UnknownOptionError], option: str, suggestion: str | None
) -> None:
    error = excinfo.value
    assert isinstance(error, TypeError)
    assert isinstance(error, InvalidRequestError)
    assert isinstance(error, LMStudioError)
    assert error.option == option
    assert error.suggestion == suggestion
    assert f"unknown option {option!r}" in str(error)
    if suggestion is not None:
        assert f"did you mean {suggestion!r}?" in str(error)
    assert "Valid options: " in str(error)


# -- core ------------------------------------------------------------------------------------


@pytest.mark.parametrize("client_class", [LMStudioClient, AsyncLMStudioClient])
def test_core_client_rejects_misspelled_base_url(client_class: type[Any]) -> None:
    with pytest.raises(UnknownOptionError) as excinfo:
        client_class(base_ur="http://gpu:1234/v1")
    _assert_unknown(excinfo, "base_ur", "base_url")
    assert str(excinfo.value).startswith(f"{client_class.__name__} got an unknown option")


def test_core_client_typo_is_a_type_error_like_any_unexpected_keyword() -> None:
    with pytest.raises(TypeError, match="did you mean 'max_retries'"):
        LMStudioClient(max_retires=0)


def test_core_client_suggests_its_own_arguments() -> None:
    with pytest.raises(UnknownOptionError) as excinfo:
        LMStudioClient(parse_think_tag=False)
    _assert_unknown(excinfo, "parse_think_tag", "parse_think_tags")


def test_core_client_rejects_typo_on_top_of_settings() -> None:
    with pytest.raises(UnknownOptionError) as excinfo:
        LMStudioClient(LMStudioSettings(base_url="gpu:1234"), timout=5)
    _assert_unknown(excinfo, "timout", "timeout")


def test_settings_reject_misspelled_option() -> None:
    with pytest.raises(UnknownOptionError) as excinfo:
        LMStudioSettings(base_ur="http://gpu:1234/v1")
    _assert_unknown(excinfo, "base_ur", "base_url")
    message = str(excinfo.value)
    assert message.startswith(
        "LMStudioSettings got an unknown option 'base_ur'; did you mean 'base_url'? "
        "Valid options: base_url, api_key, timeout,"
    )
    assert excinfo.value.valid_options == list(LMStudioSettings.model_fields)


def test_settings_suggest_base_url_for_the_openai_name() -> None:
    with pytest.raises(UnknownOptionError) as excinfo:
        LMStudioSettings(api_base="http://gpu:1234/v1")
    _assert_unknown(excinfo, "api_base", "base_url")


def test_settings_unknown_option_without_a_close_name() -> None:
    with pytest.raises(UnknownOptionError) as excinfo:
        LMStudioSettings(zzzz=1)
    _assert_unknown(excinfo, "zzzz", None)
    assert "did you mean" not in str(excinfo.value)


def test_settings_model_validate_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError, match="base_ur"):
        LMStudioSettings.model_validate({"base_ur": "http://gpu:1234/v1"})


def test_valid_settings_still_work() -> None:
    settings = LMStudioSettings(base_url="gpu:1234", timeout=5, max_retries=0)
    assert settings.base_url == "http://gpu:1234/v1"
    assert LMStudioClient(settings, timeout=7).settings.timeout == 7


@pytest.mark.parametrize(
    "name",
    [
        *("ttl", "draft_model", "top_k", "min_p", "repeat_penalty", "cache_prompt"),
        *("reasoning_effort", "mirostat", "mirostat_tau", "mirostat_eta", "typical_p", "tfs_z"),
        *("n_probs", "min_keep", "samplers", "dry_multiplier", "dry_base", "dry_allowed_length"),
        *("dry_penalty_last_n", "dry_sequence_breakers", "xtc_probability", "xtc_threshold"),
        *("top_n_sigma", "dynatemp_range", "dynatemp_exponent", "grammar", "json_schema"),
        *("n_keep", "n_predict", "id_slot", "return_tokens", "t_max_predict_ms", "ignore_eos"),
        *("logit_bias", "presence_penalty", "frequency_penalty", "repeat_last_n", "seed"),
        "penalty_last_n",
    ],
)
def test_known_options_list_has_lm_studio_and_llama_cpp_names(name: str) -> None:
    assert name in KNOWN_REQUEST_OPTIONS


def test_known_extra_options_are_not_typed_fields() -> None:
    from lmstudio_core import ChatRequest

    assert not KNOWN_EXTRA_OPTIONS & set(ChatRequest.model_fields)


# -- LangChain -------------------------------------------------------------------------------


def test_chat_lmstudio_warns_about_misspelled_timeout_and_still_sends_it(
    lms: FakeLMStudio,
) -> None:
    from langchain_lmstudio import ChatLMStudio

    with pytest.warns(UserWarning, match="timout") as record:
        llm = ChatLMStudio(model="fake-llm", base_url=lms.base_url, timout=5)
    assert len(record) == 1
    message = str(record[0].message)
    assert "did you mean 'timeout'?" in message
    assert "transferred to model_kwargs" in message
    assert record[0].filename == __file__, "the warning points at the caller's line"
    assert llm.model_kwargs == {"timout": 5}
    llm.invoke("hi")
    assert lms.last_request.json["timout"] == 5


def test_chat_lmstudio_known_options_pass_without_warning(lms: FakeLMStudio) -> None:
    from langchain_lmstudio import ChatLMStudio

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        llm = ChatLMStudio(
            model="fake-llm",
            base_url=lms.base_url,
            ttl=600,
            top_k=40,
            cache_prompt=True,
            mirostat=2,
            typical_p=0.9,
            dry_multiplier=0.8,
            xtc_probability=0.1,
            samplers=["top_k", "temperature"],
            model_kwargs={"my_proxy_field": 1},
            extra_body={"another_custom_field": "x"},
        )
        llm.invoke("hi")
    assert [str(w.message) for w in record if issubclass(w.category, UserWarning)] == []
    body = lms.last_request.json
    assert body["ttl"] == 600
    assert body["top_k"] == 40
    assert body["cache_prompt"] is True
    assert body["mirostat"] == 2
    assert body["typical_p"] == 0.9
    assert body["dry_multiplier"] == 0.8
    assert body["xtc_probability"] == 0.1
    assert body["samplers"] == ["top_k", "temperature"]
    assert body["my_proxy_field"] == 1
    assert body["another_custom_field"] == "x"


def test_chat_lmstudio_names_a_misspelled_known_option() -> None:
    from langchain_lmstudio import ChatLMStudio

    with pytest.warns(UserWarning, match="did you mean 'cache_prompt'"):
        ChatLMStudio(cache_promt=True)


def test_chat_lmstudio_takes_api_base_and_suggests_base_url_for_a_typo() -> None:
    from langchain_lmstudio import ChatLMStudio

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the other clients' name is accepted, no warning
        assert ChatLMStudio(api_base="http://127.0.0.9:1234/v1").base_url == (
            "http://127.0.0.9:1234/v1"
        )
    with pytest.warns(UserWarning, match="did you mean 'base_url'"):
        ChatLMStudio(base_ur="http://127.0.0.9:1234/v1")


@pytest.mark.parametrize("class_name", ["ChatLMStudio", "LMStudioEmbeddings"])
def test_langchain_client_kwargs_typo_fails_on_construction(class_name: str) -> None:
    import langchain_lmstudio

    cls = getattr(langchain_lmstudio, class_name)
    with pytest.raises(UnknownOptionError) as excinfo:
        cls(client_kwargs={"circuit_breaker_treshold": 0})
    _assert_unknown(excinfo, "circuit_breaker_treshold", "circuit_breaker_threshold")
    assert str(excinfo.value).startswith(f"{class_name} client_kwargs got an unknown option")


def test_langchain_embeddings_reject_misspelled_option() -> None:
    from langchain_lmstudio import LMStudioEmbeddings

    with pytest.raises(UnknownOptionError) as excinfo:
        LMStudioEmbeddings(base_ur="http://gpu:1234/v1")
    _assert_unknown(excinfo, "base_ur", "base_url")
    with pytest.raises(UnknownOptionError) as excinfo:
        LMStudioEmbeddings(chunk_sise=8)
    _assert_unknown(excinfo, "chunk_sise", "chunk_size")
    assert LMStudioEmbeddings(chunk_size=8).batch_size == 8


# -- LlamaIndex ------------------------------------------------------------------------------


def test_llama_index_api_base_is_an_alias_of_base_url(lms: FakeLMStudio) -> None:
    from llama_index.core.llms import ChatMessage

    from llama_index_lmstudio import LMStudio

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        llm = LMStudio(model="fake-llm", api_base=lms.base_url, context_window=512)
    assert llm.base_url == lms.base_url
    assert llm.additional_kwargs == {}
    llm.chat([ChatMessage(role="user", content="hi")])
    assert lms.chat_requests, "the request reached the api_base server, not localhost"


def test_llama_index_warns_about_unknown_keyword_and_sends_it(lms: FakeLMStudio) -> None:
    from llama_index.core.llms import ChatMessage

    from llama_index_lmstudio import LMStudio

    with pytest.warns(UserWarning, match="tmperature") as record:
        llm = LMStudio(model="fake-llm", base_url=lms.base_url, tmperature=0.1)
    message = str(record[0].message)
    assert "did you mean 'temperature'?" in message
    assert "transferred to additional_kwargs" in message
    assert llm.additional_kwargs == {"tmperature": 0.1}
    llm.chat([ChatMessage(role="user", content="hi")])
    assert lms.last_request.json["tmperature"] == 0.1


def test_llama_index_known_options_pass_without_warning(lms: FakeLMStudio) -> None:
    from llama_index.core.llms import ChatMessage

    from llama_index_lmstudio import LMStudio

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        llm = LMStudio(
            model="fake-llm",
            base_url=lms.base_url,
            context_window=512,
            cache_prompt=True,
            mirostat=2,
            presence_penalty=0.5,
            additional_kwargs={"my_proxy_field": 1},
        )
        llm.chat([ChatMessage(role="user", content="hi")])
    assert [str(w.message) for w in record if issubclass(w.category, UserWarning)] == []
    body = lms.last_request.json
    assert body["cache_prompt"] is True
    assert body["mirostat"] == 2
    assert body["presence_penalty"] == 0.5
    assert body["my_proxy_field"] == 1


@pytest.mark.parametrize("class_name", ["LMStudio", "LMStudioEmbedding"])
def test_llama_index_client_kwargs_typo_fails_on_construction(class_name: str) -> None:
    import llama_index_lmstudio

    cls = getattr(llama_index_lmstudio, class_name)
    with pytest.raises(UnknownOptionError) as excinfo:
        cls(client_kwargs={"verfy": False})
    _assert_unknown(excinfo, "verfy", "verify")


def test_llama_index_embedding_rejects_misspelled_option() -> None:
    from llama_index_lmstudio import LMStudioEmbedding

    with pytest.raises(UnknownOptionError) as excinfo:
        LMStudioEmbedding(base_ur="http://gpu:1234/v1")
    _assert_unknown(excinfo, "base_ur", "base_url")
    assert LMStudioEmbedding(api_base="http://gpu:1234/v1").base_url == "http://gpu:1234/v1"
