"""The chat request body: every typed field, extras, validation before sending, UTF-8 JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from lmstudio_core import (
    ChatRequest,
    InvalidRequestError,
    LMStudioClient,
)
from lmstudio_core.chat_request import (
    build_chat_body,
)
from lmstudio_core.testing import FakeLMStudio
from tests.core.both_clients import MakeApi
from tests.core.samples import (
    CHAT,
    CHAT_COMPLETION,
    MESSAGES,
    OSLO_QUESTION,
)


def test_every_typed_field_reaches_the_top_level() -> None:
    fields: dict[str, Any] = {
        "temperature": 0.3,
        "max_tokens": 50,
        "top_p": 0.9,
        "top_k": 40,
        "min_p": 0.05,
        "repeat_penalty": 1.1,
        "presence_penalty": 0.5,
        "frequency_penalty": -0.5,
        "seed": 7,
        "stop": ["END", "STOP"],
        "logit_bias": {"300": -100.0},
        "ttl": 600,
        "draft_model": "qwen2.5-0.5b-instruct",
        "parallel_tool_calls": False,
    }
    body = build_chat_body(ChatRequest.create(messages=MESSAGES, model="m", **fields))
    assert body == {"model": "m", "messages": MESSAGES, **fields}


def test_unset_fields_are_not_sent() -> None:
    body = build_chat_body(ChatRequest.create(messages=MESSAGES))
    assert body == {"messages": MESSAGES}


def test_model_argument_overrides_request_model() -> None:
    body = build_chat_body(ChatRequest.create(messages=MESSAGES, model="a"), model="b")
    assert body["model"] == "b"


def test_unknown_options_go_to_extra_and_the_top_level() -> None:
    request = ChatRequest.create(
        messages=MESSAGES, cache_prompt=True, mirostat=2, mirostat_tau=5.0, extra={"n_probs": 3}
    )
    assert request.extra == {"n_probs": 3, "cache_prompt": True, "mirostat": 2, "mirostat_tau": 5.0}
    body = build_chat_body(request)
    assert body["cache_prompt"] is True
    assert body["mirostat"] == 2
    assert body["mirostat_tau"] == 5.0
    assert body["n_probs"] == 3
    assert "options" not in body
    assert "extra" not in body


def test_extra_cannot_replace_messages_or_stream() -> None:
    body = build_chat_body(
        ChatRequest.create(messages=MESSAGES, extra={"messages": [], "stream": 1})
    )
    assert body["messages"] == MESSAGES
    assert "stream" not in body


def test_stream_asks_for_usage() -> None:
    body = build_chat_body(ChatRequest.create(messages=MESSAGES, stream=True))
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    custom = ChatRequest.create(messages=MESSAGES, stream=True, stream_options={"x": 1})
    assert build_chat_body(custom)["stream_options"] == {"x": 1}
    assert "stream_options" not in build_chat_body(ChatRequest.create(messages=MESSAGES))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_tokens", -5),
        ("max_tokens", 0),
        ("temperature", 3),
        ("temperature", -0.1),
        ("top_p", 1.5),
        ("top_p", -0.1),
        ("top_p", "lots"),
        ("min_p", 2),
        ("top_k", -2),
        ("repeat_penalty", 0),
        ("presence_penalty", 3),
        ("frequency_penalty", -3),
        ("ttl", 0),
        ("seed", "abc"),
        ("stop", 5),
    ],
)
def test_invalid_options_raise_before_sending(field: str, value: Any) -> None:
    with pytest.raises(InvalidRequestError, match=field) as info:
        ChatRequest.create(messages=MESSAGES, **{field: value})
    assert isinstance(info.value, ValueError)


def test_max_tokens_minus_one_means_no_limit() -> None:
    assert ChatRequest.create(messages=MESSAGES, max_tokens=-1).max_tokens == -1


def test_messages_are_required() -> None:
    with pytest.raises(InvalidRequestError, match="messages"):
        ChatRequest.create(model="m")


def test_options_reach_the_top_level(client: LMStudioClient, fake_lmstudio: FakeLMStudio) -> None:
    client.chat(
        OSLO_QUESTION,
        ttl=600,
        draft_model="tiny-draft",
        top_k=40,
        min_p=0.05,
        repeat_penalty=1.1,
        cache_prompt=True,
        mirostat=2,
    )
    body = fake_lmstudio.last_request.json
    assert body["ttl"] == 600
    assert body["draft_model"] == "tiny-draft"
    assert (body["top_k"], body["min_p"], body["repeat_penalty"]) == (40, 0.05, 1.1)
    assert (body["cache_prompt"], body["mirostat"]) == (True, 2)
    assert "options" not in body


async def test_request_body_is_utf8_json(httpserver: HTTPServer, make_api: MakeApi) -> None:
    httpserver.expect_request(CHAT).respond_with_json(CHAT_COMPLETION)
    await make_api().call("chat", [{"role": "user", "content": "Ünïcödé ✓"}], model="m")
    request, _ = httpserver.log[0]
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.get_data().decode("utf-8"))["messages"][0]["content"] == "Ünïcödé ✓"
