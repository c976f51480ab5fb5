"""Doctor against `FakeLMStudio`: LM Studio recognised, tokens, models, --model, --fix, --json."""

from __future__ import annotations

import json

import pytest

from lmstudio_core.doctor import DoctorOptions, render_json, render_text, run_doctor
from lmstudio_core.doctor.cli import main
from lmstudio_core.testing import FakeLMStudio, FakeModel
from tests.doctor.support import verdicts

TOKEN = "sk-lm-doctor42:topsecretvalue"
CALL_CHECKS = ("chat", "stream", "tools", "json", "embeddings")


def script_good_answers(fake: FakeLMStudio) -> None:
    """What a working model answers to the chat, stream, tool and JSON checks, in order."""
    fake.reply_text("Hello")
    fake.reply_text("Hello there")
    fake.reply_tool_call("get_weather", {"city": "Oslo"})
    fake.reply_json({"answer": True})


@pytest.fixture(autouse=True)
def _no_token_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LM_API_TOKEN", "LMSTUDIO_API_TOKEN", "LM_STUDIO_API_KEY", "LMSTUDIO_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_a_healthy_lm_studio_passes_every_check() -> None:
    with FakeLMStudio() as fake:
        script_good_answers(fake)
        report = run_doctor(DoctorOptions(base_url=fake.base_url))
        root = fake.root_url
    assert set(verdicts(report).values()) == {"ok"}, render_text(report)
    assert report.exit_status == 0
    server = report.check("server")
    assert server.detail == f"LM Studio answers at {root}"
    assert server.data["kind"] == "lmstudio"
    api = report.check("api").data
    assert api["generations"] == ["/v1", "/api/v0", "/api/v1"]
    assert api["download"] is api["load"] is True
    assert report.check("tools").data["tool"] == "get_weather"
    assert report.check("json").data["content"] == '{"answer": true}'
    assert report.check("embeddings").detail == "fake-embed returned a vector of 8 numbers"
    sent = [r.json for r in fake.chat_requests]
    assert sent[0]["max_tokens"] == 1
    assert sent[1]["stream"] is True
    assert sent[2]["tool_choice"] == "required"
    assert sent[3]["response_format"]["type"] == "json_schema"
    assert not any(r.path.startswith("/api/v1/models/load") for r in fake.requests)


def test_models_are_listed_with_type_context_and_capabilities() -> None:
    models = [
        FakeModel("qwen-vision", type="vlm", capabilities=("tool_use", "vision")),
        FakeModel("plain-llm", capabilities=(), context_length=8192),
        FakeModel("text-embedding-nomic", type="embeddings", context_length=2048, capabilities=()),
        FakeModel("idle-llm", loaded=False),
    ]
    with FakeLMStudio(models=models) as fake:
        report = run_doctor(DoctorOptions(base_url=fake.base_url))
    check = report.check("models")
    assert check.verdict == "ok"
    assert check.detail == "3 loaded, 4 known (from /api/v1/models)"
    assert check.notes == (
        "qwen-vision: vlm, loaded, context 4096 (max 32768), tool use, vision",
        "plain-llm: llm, loaded, context 8192 (max 32768), no tool use, no vision",
        "text-embedding-nomic: embeddings, loaded, context 2048 (max 32768)",
        "idle-llm: llm, not loaded, max context 32768, tool use",
    )
    by_id = {m["id"]: m for m in check.data["models"]}
    assert by_id["idle-llm"]["loaded"] is False
    assert by_id["qwen-vision"]["capabilities"] == ["tool use", "vision"]
    assert report.check("chat").data["model"] == "qwen-vision"


@pytest.mark.parametrize(
    ("given", "verdict", "detail"),
    [
        (None, "fail", "the server requires an API token; none was given"),
        ("sk-lm-wrong000:nottheone", "fail", "the server rejected the API token from --api-key"),
        (TOKEN, "ok", "API token required; the one from --api-key is accepted"),
    ],
)
def test_authentication_needed_given_accepted(
    given: str | None, verdict: str, detail: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeLMStudio(api_key=TOKEN) as fake:
        args = ["--base-url", fake.base_url] + (["--api-key", given] if given else [])
        script_good_answers(fake)
        status = main(args)
        script_good_answers(fake)
        status_json = main([*args, "--json"])
    out = capsys.readouterr()
    report = json.loads(out.out[out.out.index("\n{") + 1 :])
    auth = next(c for c in report["checks"] if c["name"] == "auth")
    assert (auth["verdict"], auth["detail"]) == (verdict, detail)
    assert auth["data"]["required"] is True
    assert auth["data"]["given"] is (given is not None)
    assert report["checks"][0]["data"]["kind"] == "lmstudio"
    assert status == status_json == report["exit_status"] == (1 if verdict == "fail" else 0)
    for secret in filter(None, (given, TOKEN)):
        assert secret not in out.out + out.err
        assert secret[:10] not in out.out + out.err  # not even partly
    if verdict == "fail":
        assert all(c["verdict"] == "skip" for c in report["checks"][2:-1])


def test_a_token_the_server_does_not_need_is_reported_as_not_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LM_API_TOKEN", TOKEN)
    with FakeLMStudio() as fake:
        options = DoctorOptions(base_url=fake.base_url, token_source="LM_API_TOKEN")
        report = run_doctor(options)
    auth = report.check("auth")
    assert auth.verdict == "ok"
    assert (
        auth.detail == "no API token required (the one from LM_API_TOKEN is sent, and not checked)"
    )
    assert TOKEN not in render_json(report) + render_text(report)


def test_nothing_loaded_warns_skips_the_calls_and_exits_0() -> None:
    with FakeLMStudio(models=[FakeModel("idle-llm", loaded=False)]) as fake:
        report = run_doctor(DoctorOptions(base_url=fake.base_url))
        assert fake.chat_requests == []
    models = report.check("models")
    assert models.verdict == "warn"
    assert "lms load <model>" in models.fix
    for name in CALL_CHECKS:
        assert report.check(name).verdict == "skip"
    assert report.check("chat").detail == "no chat model (LLM) is loaded"
    assert report.check("embeddings").detail == "no embedding model is loaded"
    assert report.exit_status == 0


@pytest.mark.parametrize(
    ("model", "detail"),
    [
        ("missing-model", "--model missing-model is not among the server's models"),
        ("idle-llm", "--model idle-llm is not loaded"),
    ],
)
def test_a_model_asked_for_that_is_not_loaded_fails(model: str, detail: str) -> None:
    with FakeLMStudio(models=[FakeModel("idle-llm", loaded=False)]) as fake:
        report = run_doctor(DoctorOptions(base_url=fake.base_url, model=model))
    check = report.check("models")
    assert check.verdict == "fail"
    assert check.detail.startswith(detail)
    assert report.check("chat").verdict == "skip"
    assert report.exit_status == 1


def test_fix_loads_the_model_with_a_ttl_after_asking_yes() -> None:
    questions: list[str] = []

    def ask(question: str) -> bool:
        questions.append(question)
        return True

    with FakeLMStudio(models=[FakeModel("idle-llm", loaded=False)]) as fake:
        script_good_answers(fake)
        options = DoctorOptions(base_url=fake.base_url, model="idle-llm", fix=True, ttl=600)
        report = run_doctor(options, ask=ask)
        assert fake.model("idle-llm").load_requests[0]["ttl"] == 600
    assert questions == ["Load idle-llm now, unloading after 600 s idle? [y/N] "]
    assert [c.name for c in report.checks][:5] == ["server", "auth", "api", "fix", "models"]
    assert report.check("fix").verdict == "ok"
    assert report.check("fix").data == {"loaded": "idle-llm", "instance_id": "idle-llm", "ttl": 600}
    assert report.check("models").verdict == "ok"
    assert report.check("chat").verdict == "ok"
    assert report.exit_status == 0


def test_fix_declined_or_without_a_terminal_loads_nothing() -> None:
    with FakeLMStudio(models=[FakeModel("idle-llm", loaded=False)]) as fake:
        declined = run_doctor(DoctorOptions(base_url=fake.base_url, fix=True), ask=lambda q: False)
        no_tty = run_doctor(DoctorOptions(base_url=fake.base_url, fix=True), ask=None)
        assert fake.model("idle-llm").load_requests == []
    assert declined.check("fix").verdict == "skip"
    assert declined.check("fix").detail == "not loading idle-llm: you said no"
    assert declined.exit_status == 0
    assert no_tty.check("fix").verdict == "fail"
    assert no_tty.check("fix").fix == "add --yes to load it without asking"


def test_fix_with_yes_loads_the_first_chat_model_when_none_is_loaded() -> None:
    models = [FakeModel("text-embedding-x", type="embeddings", loaded=False), "idle-llm"]
    with FakeLMStudio(models=[models[0], FakeModel("idle-llm", loaded=False)]) as fake:
        report = run_doctor(DoctorOptions(base_url=fake.base_url, fix=True, yes=True))
        assert len(fake.model("idle-llm").load_requests) == 1
        assert fake.model("text-embedding-x").load_requests == []
    assert report.check("fix").detail.startswith("loaded idle-llm in ")
    assert report.check("chat").verdict == "ok"


def test_fix_yes_on_an_unscripted_fake_passes_the_calls_as_lm_studio_would() -> None:
    with FakeLMStudio(models=[FakeModel("idle-llm", loaded=False), "fake-embed"]) as fake:
        report = run_doctor(DoctorOptions(base_url=fake.base_url, fix=True, yes=True))
    assert report.check("tools").verdict == "ok", render_text(report)
    assert report.check("tools").data["arguments"] == '{"city": ""}'
    assert report.check("json").verdict == "ok", render_text(report)
    assert report.check("json").data["content"] == '{"answer": false}'
    assert report.exit_status == 0


def test_an_unenforced_schema_on_lm_studio_advises_a_structured_output_runtime() -> None:
    with FakeLMStudio() as fake:
        fake.reply_text("Hello").reply_text("Hello there")
        fake.reply_tool_call("get_weather", {"city": "Oslo"}).reply_text("ok")
        report = run_doctor(DoctorOptions(base_url=fake.base_url))
    json_check = report.check("json")
    assert json_check.verdict == "fail"
    assert "answered 'ok', which does not match the schema" in json_check.detail
    assert "supports structured output" in json_check.fix
    assert "update LM Studio" not in json_check.fix
