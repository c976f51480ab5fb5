"""Doctor against the bundled real llama.cpp server (tiny model: real tools, JSON, embeddings)."""

from __future__ import annotations

import pytest

from lmstudio_core.doctor import DoctorOptions, render_text, run_doctor
from tests.conftest import AUTH_API_KEY
from tests.doctor.support import verdicts
from tests.support.llama_server import RunningServer

pytestmark = pytest.mark.integration


def test_llama_cpp_is_identified_and_every_call_works(llama_server: RunningServer) -> None:
    report = run_doctor(DoctorOptions(base_url=llama_server.base_url, api_key=""))
    text = render_text(report)
    assert verdicts(report) == {
        "server": "ok",
        "auth": "ok",
        "api": "ok",
        "models": "ok",
        "chat": "ok",
        "stream": "ok",
        "tools": "ok",
        "json": "ok",
        "embeddings": "ok",
        "versions": "ok",
    }, text
    assert report.exit_status == 0
    assert report.check("server").data["kind"] == "llama.cpp"
    assert report.check("server").detail.startswith("llama.cpp (llama-server) answers at ")
    api = report.check("api")
    assert api.data["generations"] == ["/v1"]
    assert api.data["download"] is api.data["load"] is False
    assert "download/load not available" in api.detail
    assert report.check("models").notes == (
        f"{llama_server.model}: type not reported, loaded (the server serves it), "
        f"context {llama_server.ctx} (max {llama_server.ctx}), capabilities not reported",
    )
    assert report.check("tools").data["tool"] == "get_weather"
    assert report.check("embeddings").data["dimensions"] > 0
    assert report.check("json").data["finish_reason"] == "stop"


def test_llama_cpp_token_needed_and_accepted(llama_server_auth: RunningServer) -> None:
    missing = run_doctor(DoctorOptions(base_url=llama_server_auth.base_url, api_key=""))
    assert missing.check("server").data["kind"] == "llama.cpp"
    assert missing.check("auth").verdict == "fail"
    assert missing.exit_status == 1
    given = run_doctor(
        DoctorOptions(
            base_url=llama_server_auth.base_url, api_key=AUTH_API_KEY, token_source="--api-key"
        )
    )
    assert given.check("auth").detail == "API token required; the one from --api-key is accepted"
    assert given.check("chat").verdict == "ok"
    assert AUTH_API_KEY not in render_text(given)


def test_fix_cannot_load_on_llama_cpp(llama_server: RunningServer) -> None:
    options = DoctorOptions(
        base_url=llama_server.base_url, api_key="", model="other-model", fix=True, yes=True
    )
    report = run_doctor(options)
    fix = report.check("fix")
    assert fix.verdict == "fail"
    assert fix.detail == (
        "cannot load other-model: llama.cpp (llama-server) does not load models over HTTP"
    )
    assert fix.fix == "restart llama-server with the model file: llama-server -m MODEL.gguf"
    assert report.exit_status == 1
