"""``--model`` that the server does not have: the advice depends on what kind of server it is."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from lmstudio_core.doctor import DoctorOptions, run_doctor
from lmstudio_core.testing import FakeLMStudio, FakeModel
from lmstudio_core.testing.catalog import openai_models
from tests.support.llama_server import RunningServer

WANTED = "qwen2.5-7b-instruct"


@pytest.mark.integration
def test_llama_server_is_told_to_start_with_the_model_not_lms_get(
    llama_server: RunningServer,
) -> None:
    report = run_doctor(DoctorOptions(base_url=llama_server.base_url, api_key="", model=WANTED))
    check = report.check("models")
    assert check.verdict == "fail"
    assert check.detail.startswith(f"--model {WANTED} is not among the server's models")
    assert check.fix == (
        f"this llama-server serves {llama_server.model}; start llama-server with the model you "
        f"want (-m FILE.gguf) or pass --model {llama_server.model}"
    )
    assert "lms get" not in check.fix


def test_lm_studio_is_told_to_download_it() -> None:
    with FakeLMStudio(models=[FakeModel("idle-llm", loaded=False)]) as fake:
        report = run_doctor(DoctorOptions(base_url=fake.base_url, api_key="", model=WANTED))
    assert report.check("server").data["kind"] == "lmstudio"
    assert report.check("models").fix == (
        f"download it (`lms get {WANTED}`) or pass one of: idle-llm"
    )


def test_another_server_is_told_to_pass_a_served_id(httpserver: HTTPServer) -> None:
    served = openai_models([FakeModel("gpt-oss-20b"), FakeModel("other-chat")])
    httpserver.expect_request("/v1/models").respond_with_json(served)
    options = DoctorOptions(base_url=httpserver.url_for("/v1"), api_key="", model=WANTED)
    report = run_doctor(options)
    assert report.check("server").data["kind"] == "openai-compatible"
    check = report.check("models")
    assert check.verdict == "fail"
    assert check.fix == "pass one of the served ids: gpt-oss-20b, other-chat"
