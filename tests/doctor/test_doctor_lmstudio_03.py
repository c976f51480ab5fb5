"""Doctor against an LM Studio 0.3 (``/api/v0`` but no ``/api/v1``): older API, no HTTP load."""

from __future__ import annotations

from pytest_httpserver import HTTPServer

from lmstudio_core.doctor import DoctorOptions, run_doctor
from lmstudio_core.testing.catalog import FakeModel, api_v0_models, openai_models

MODELS = [FakeModel("qwen2.5-7b-instruct", loaded=False)]


def serve_lmstudio_03(httpserver: HTTPServer) -> str:
    """LM Studio 0.3's answers: its two catalogs, and 200 with an error for ``/api/v1``."""
    httpserver.expect_request("/v1/models").respond_with_json(openai_models(MODELS))
    httpserver.expect_request("/api/v0/models").respond_with_json(api_v0_models(MODELS))
    for path in ("/api/v1/models", "/props", "/health"):
        unexpected = {"error": f"Unexpected endpoint or method. (GET {path})"}
        httpserver.expect_request(path).respond_with_json(unexpected)
    return httpserver.url_for("/v1")


def test_lm_studio_03_is_recognised_and_told_to_update(httpserver: HTTPServer) -> None:
    report = run_doctor(DoctorOptions(base_url=serve_lmstudio_03(httpserver), api_key=""))
    assert report.check("server").data["kind"] == "lmstudio"
    api = report.check("api")
    assert api.verdict == "warn"
    assert api.data["generations"] == ["/v1", "/api/v0"]
    assert api.data["load"] is api.data["download"] is False
    assert "LM Studio 0.3.6 to 0.3.x" in api.detail
    assert api.fix.startswith("update LM Studio to 0.4 or later")
    assert report.check("models").notes == (
        "qwen2.5-7b-instruct: llm, not loaded, max context 32768, tool use",
    )
    assert report.exit_status == 0


def test_fix_on_lm_studio_03_says_it_cannot_load_over_http(httpserver: HTTPServer) -> None:
    options = DoctorOptions(base_url=serve_lmstudio_03(httpserver), api_key="", fix=True, yes=True)
    report = run_doctor(options)
    fix = report.check("fix")
    assert fix.verdict == "fail"
    assert fix.detail == "cannot load qwen2.5-7b-instruct: LM Studio does not load models over HTTP"
    assert "lms load" in fix.fix
    assert not any(request.path.startswith("/api/v1/models/load") for request, _ in httpserver.log)
