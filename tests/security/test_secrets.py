"""The API token never appears in repr, str, logs, exceptions, tracing metadata or dumps."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lmstudio_core import AsyncLMStudioClient, LMStudioClient, LMStudioError, LMStudioSettings
from tests.faults.fault_server import (
    chat_completion,
    closed_port_url,
    fault_server,
    reply,
    sse,
    stall,
)
from tests.faults.paths import Path, drive
from tests.security.conftest import TOKEN, everything_about


def test_settings_and_clients_hide_the_token() -> None:
    settings = LMStudioSettings(api_key=TOKEN)
    texts = [
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        str(settings.model_dump()),
        repr(LMStudioClient(settings)),
        repr(AsyncLMStudioClient(api_key=TOKEN)),
        str(LMStudioClient(api_key=TOKEN)),
    ]
    for text in texts:
        assert TOKEN not in text
    assert settings.headers()["Authorization"] == f"Bearer {TOKEN}"


def test_token_from_the_environment_is_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LM_API_TOKEN", TOKEN)
    settings = LMStudioSettings()
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)
    assert TOKEN not in settings.model_dump_json()


ECHO = {"error": {"message": f"Invalid token Bearer {TOKEN}", "code": "invalid_api_key"}}


def _failure(kind: str, path: Path) -> Any:
    ok = sse("fine") if path.stream else reply(200, chat_completion("fine"))
    return {
        "success": ok,
        "401": reply(401, ECHO),
        "500-echo": reply(500, {"error": f"crashed while handling {TOKEN}"}),
        "200-error-echo": reply(200, {"error": f"Unexpected endpoint (token {TOKEN})"}),
        "stream-error-echo": sse("x", {"error": f"engine died {TOKEN}"}, finish=False),
        "timeout": stall(),
    }[kind]


@pytest.mark.parametrize("kind", ["success", "401", "500-echo"])
def test_token_never_in_logs_or_errors(
    path: Path, kind: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    _check_no_leak(path, kind, debug_logs)


@pytest.mark.parametrize("kind", ["200-error-echo", "timeout"])
def test_token_never_in_logs_or_errors_of_core(
    core_pair: Path, kind: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    _check_no_leak(core_pair, kind, debug_logs)


def test_token_never_in_in_stream_errors(
    stream_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    _check_no_leak(stream_path, "stream-error-echo", debug_logs)


def _check_no_leak(path: Path, kind: str, debug_logs: pytest.LogCaptureFixture) -> None:
    with fault_server(_failure(kind, path)) as server:
        out = drive(path, server.base_url, max_retries=1, timeout=0.2, api_key=TOKEN)
    assert server.requests, "the request must have reached the server"
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    if kind == "success":
        assert out.error is None, out.error
    else:
        assert isinstance(out.error, LMStudioError), out.error
        assert TOKEN not in everything_about(out.error)
    assert TOKEN not in debug_logs.text
    assert any(r.name.startswith(("httpx", "httpcore")) for r in debug_logs.records)


def test_token_not_in_connection_refused_error(
    path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    out = drive(path, closed_port_url(), max_retries=1, timeout=1, api_key=TOKEN)
    assert isinstance(out.error, LMStudioError)
    assert TOKEN not in everything_about(out.error)
    assert TOKEN not in debug_logs.text


def test_echoed_token_is_redacted_from_error_body(core_pair: Path) -> None:
    with fault_server(reply(401, ECHO)) as server:
        out = drive(core_pair, server.base_url, max_retries=0, timeout=2, api_key=TOKEN)
    assert isinstance(out.error, LMStudioError)
    assert "Invalid token Bearer ***" in json.dumps(out.error.body)
    assert "***" in str(out.error)


def test_langchain_tracing_metadata_and_dumps_hide_the_token() -> None:
    from langchain_core.callbacks import BaseCallbackHandler
    from langchain_core.load import dumpd, dumps

    from langchain_lmstudio import ChatLMStudio

    seen: list[str] = []

    class Recorder(BaseCallbackHandler):
        def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
            seen.append(json.dumps(serialized, default=repr))
            seen.append(json.dumps(kwargs, default=repr))

        def on_llm_end(self, response: Any, **kwargs: Any) -> None:
            seen.append(repr(response))

    with fault_server(reply(200, chat_completion("fine"))) as server:
        model = ChatLMStudio(model="m", base_url=server.base_url, api_key=TOKEN, max_retries=0)
        assert model.invoke("hi", config={"callbacks": [Recorder()]}).content == "fine"
        sent = server.requests[0].headers["authorization"]
    assert sent == f"Bearer {TOKEN}"
    texts = [
        repr(model),
        str(model),
        json.dumps(dumpd(model)),
        dumps(model),
        repr(model.model_dump()),
        model.model_dump_json(),
        repr(model._get_ls_params()),
        repr(model._identifying_params),
        *seen,
    ]
    assert len(seen) >= 3
    for text in texts:
        assert TOKEN not in text


def test_llama_index_dumps_hide_the_token() -> None:
    from llama_index.core.llms import ChatMessage

    from llama_index_lmstudio import LMStudio

    with fault_server(reply(200, chat_completion("fine"))) as server:
        llm = LMStudio(
            model="m", base_url=server.base_url, api_key=TOKEN, max_retries=0, context_window=512
        )
        response = llm.chat([ChatMessage(role="user", content="hi")])
        sent = server.requests[0].headers["authorization"]
    assert sent == f"Bearer {TOKEN}"
    texts = [
        repr(llm),
        str(llm),
        repr(llm.model_dump()),
        llm.model_dump_json(),
        repr(llm.to_dict()),
        llm.to_json(),
        repr(llm.metadata),
        repr(response),
    ]
    for text in texts:
        assert TOKEN not in text
