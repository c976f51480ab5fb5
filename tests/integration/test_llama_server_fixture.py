"""The llama.cpp server fixtures really start, serve and stop (plain httpx, no project code)."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import httpx
import pytest

from tests.support.llama_server import (
    RunningServer,
    llama_server,
    start_llama_server,
    stop_llama_server,
)

pytestmark = pytest.mark.integration

CHAT_BODY = {
    "model": "tiny-chat",
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Say hello to the world."},
    ],
    "temperature": 0,
    "max_tokens": 32,
}


def _client(server: RunningServer, *, api_key: str | None = None) -> httpx.Client:
    # A fresh client per test: the server closes the connection after each stream.
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return httpx.Client(base_url=server.root_url, headers=headers, timeout=30.0, trust_env=False)


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def test_health(llama_server: RunningServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", llama_server.root_url)
    assert llama_server.base_url == llama_server.root_url + "/v1"
    with _client(llama_server) as client:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_models_lists_tiny_chat_with_context_size(llama_server: RunningServer) -> None:
    assert llama_server.model == "tiny-chat"
    assert llama_server.ctx == 2048
    assert llama_server.parallel == 2
    with _client(llama_server) as client:
        response = client.get("/v1/models")
    assert response.status_code == 200
    models = {entry["id"]: entry for entry in response.json()["data"]}
    assert list(models) == ["tiny-chat"]
    assert models["tiny-chat"]["meta"]["n_ctx"] == llama_server.ctx


def test_chat_completion(llama_server: RunningServer) -> None:
    with _client(llama_server) as client:
        response = client.post("/v1/chat/completions", json=CHAT_BODY)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == "tiny-chat"
    choice = body["choices"][0]
    assert choice["message"]["role"] == "assistant"
    assert choice["message"]["content"].strip()
    assert choice["finish_reason"] in {"stop", "length"}
    assert body["usage"]["completion_tokens"] > 0


def test_streamed_chat_completion_ends_with_done(llama_server: RunningServer) -> None:
    with (
        _client(llama_server) as client,
        client.stream("POST", "/v1/chat/completions", json={**CHAT_BODY, "stream": True}) as r,
    ):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        data_lines = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert data_lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in data_lines[:-1]]
    assert chunks
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    text = "".join(chunk["choices"][0]["delta"].get("content") or "" for chunk in chunks)
    assert text.strip()
    assert chunks[-1]["choices"][0]["finish_reason"] in {"stop", "length"}


def test_embeddings(llama_server: RunningServer) -> None:
    with _client(llama_server) as client:
        response = client.post(
            "/v1/embeddings", json={"model": "tiny-chat", "input": ["hello", "world"]}
        )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert [item["index"] for item in data] == [0, 1]
    assert all(len(item["embedding"]) == 64 for item in data)


def test_auth_server_requires_the_key(
    llama_server_auth: RunningServer, llama_server: RunningServer
) -> None:
    key = llama_server_auth.api_key
    assert key is not None
    assert key.startswith("sk-lm-")
    assert llama_server_auth.pid != llama_server.pid
    assert llama_server_auth.root_url != llama_server.root_url

    with _client(llama_server_auth) as client:
        assert client.get("/health").status_code == 200  # /health stays open
        missing = client.get("/v1/models")
    assert missing.status_code == 401
    assert missing.json()["error"]["type"] == "authentication_error"

    with _client(llama_server_auth, api_key="sk-lm-wrong:key") as client:
        assert client.get("/v1/models").status_code == 401

    with _client(llama_server_auth, api_key=key) as client:
        models = client.get("/v1/models")
        chat = client.post("/v1/chat/completions", json=CHAT_BODY)
    assert models.status_code == 200
    assert models.json()["data"][0]["id"] == "tiny-chat"
    assert chat.status_code == 200, chat.text


def test_context_manager_stops_the_process(tiny_model_path: Path) -> None:
    with llama_server(tiny_model_path, ctx=512, embedding=False) as server:
        assert _pid_exists(server.pid)
        with _client(server) as client:
            assert client.get("/health").status_code == 200
            models = client.get("/v1/models").json()
        assert models["data"][0]["meta"]["n_ctx"] == 512
        started = time.monotonic()
    assert time.monotonic() - started < 10
    assert not _pid_exists(server.pid)
    stop_llama_server(server)  # idempotent
    with pytest.raises(httpx.TransportError), _client(server) as client:
        client.get("/health")


def test_start_failure_raises_with_log_tail_and_leaves_no_process(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"this is not a gguf file")
    with pytest.raises(RuntimeError, match=r"exited with code") as excinfo:
        start_llama_server(broken, startup_timeout=30)
    message = str(excinfo.value)
    assert "stderr tail" in message
    match = re.search(r"pid=(\d+)", message)
    assert match is not None
    assert not _pid_exists(int(match.group(1)))
