"""LMStudioSettings: URL normalisation, environment variables, the URI form, secrecy."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from lmstudio_core import InvalidRequestError, LMStudioSettings, parse_uri
from lmstudio_core.settings import normalize_base_url
from tests.core.samples import (
    KEY,
)

ENV_VARS = (
    "LMSTUDIO_BASE_URL",
    "LM_STUDIO_BASE_URL",
    "LMSTUDIO_URL",
    "LM_API_TOKEN",
    "LMSTUDIO_API_TOKEN",
    "LM_STUDIO_API_KEY",
    "LMSTUDIO_TIMEOUT",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("localhost:1234", "http://localhost:1234/v1"),
        ("http://host:1234", "http://host:1234/v1"),
        ("http://host:1234/v1", "http://host:1234/v1"),
        ("http://host:1234/v1/", "http://host:1234/v1"),
        ("  http://host:1234/  ", "http://host:1234/v1"),
        ("https://lm.example:8443", "https://lm.example:8443/v1"),
        ("https://lm.example/proxy/v1", "https://lm.example/proxy/v1"),
        ("https://lm.example/proxy", "https://lm.example/proxy/v1"),
        ("127.0.0.1:5000", "http://127.0.0.1:5000/v1"),
        ("http://[::1]:1234", "http://[::1]:1234/v1"),
    ],
)
def test_normalize_base_url(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected
    assert LMStudioSettings(base_url=given).base_url == expected


@pytest.mark.parametrize("bad", ["", "   ", "ftp://host:21", "http://"])
def test_bad_base_url_is_invalid_request(bad: str) -> None:
    with pytest.raises(InvalidRequestError):
        normalize_base_url(bad)


def test_root_url_strips_v1() -> None:
    assert LMStudioSettings(base_url="localhost:1234").root_url == "http://localhost:1234"


def test_defaults_without_env() -> None:
    settings = LMStudioSettings()
    assert settings.base_url == "http://localhost:1234/v1"
    assert settings.api_key is None
    assert settings.timeout == 600.0
    assert settings.max_retries == 2
    assert settings.circuit_breaker_threshold == 0  # the breaker is opt-in
    assert "Authorization" not in settings.headers()


def test_base_url_env_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMSTUDIO_URL", "c:3")
    assert LMStudioSettings().base_url == "http://c:3/v1"
    monkeypatch.setenv("LM_STUDIO_BASE_URL", "b:2")
    assert LMStudioSettings().base_url == "http://b:2/v1"
    monkeypatch.setenv("LMSTUDIO_BASE_URL", "http://a:1/v1/")
    assert LMStudioSettings().base_url == "http://a:1/v1"
    assert LMStudioSettings(base_url="x:9").base_url == "http://x:9/v1"


def test_api_key_env_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LM_STUDIO_API_KEY", "third")
    assert LMStudioSettings().api_key == SecretStr("third")
    monkeypatch.setenv("LMSTUDIO_API_TOKEN", "second")
    assert LMStudioSettings().api_key == SecretStr("second")
    monkeypatch.setenv("LM_API_TOKEN", "first")
    settings = LMStudioSettings()
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "first"
    assert settings.headers()["Authorization"] == "Bearer first"


def test_empty_env_key_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LM_API_TOKEN", "")
    monkeypatch.setenv("LMSTUDIO_API_TOKEN", "second")
    assert LMStudioSettings().api_key == SecretStr("second")


@pytest.mark.parametrize("blank", ["", "   ", SecretStr(""), SecretStr("  ")])
def test_blank_api_key_means_none(blank: object) -> None:
    assert LMStudioSettings(api_key=blank).api_key is None


@pytest.mark.parametrize(
    ("value", "expected"), [("30", 30.0), ("2.5", 2.5), ("none", None), ("0", None), ("off", None)]
)
def test_timeout_env(monkeypatch: pytest.MonkeyPatch, value: str, expected: float | None) -> None:
    monkeypatch.setenv("LMSTUDIO_TIMEOUT", value)
    assert LMStudioSettings().timeout == expected


def test_timeout_env_not_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMSTUDIO_TIMEOUT", "soon")
    with pytest.raises(InvalidRequestError, match="LMSTUDIO_TIMEOUT"):
        LMStudioSettings()


def test_key_never_in_repr_str_or_json() -> None:
    settings = LMStudioSettings(api_key=KEY)
    for text in (repr(settings), str(settings), settings.model_dump_json(), repr(settings.api_key)):
        assert KEY not in text
        assert "secretsecret" not in text
    assert settings.secrets() == (KEY,)
    assert settings.headers()["Authorization"] == f"Bearer {KEY}"


def test_key_from_env_never_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LM_API_TOKEN", KEY)
    settings = LMStudioSettings()
    assert KEY not in repr(settings)
    assert KEY not in settings.model_dump_json()


def test_settings_are_frozen_and_validated() -> None:
    settings = LMStudioSettings()
    with pytest.raises(ValueError):
        settings.base_url = "x"  # type: ignore[misc]
    with pytest.raises(ValueError):
        LMStudioSettings(max_retries=-1)


def test_default_headers_are_merged() -> None:
    headers = LMStudioSettings(default_headers={"X-Trace": "1"}).headers()
    assert headers["X-Trace"] == "1"
    assert headers["Accept"] == "application/json"


def test_uri_full() -> None:
    parsed = parse_uri("lmstudio://qwen2.5-7b-instruct@gpu-box:5000?temperature=0.7&max_tokens=200")
    assert parsed.base_url == "http://gpu-box:5000/v1"
    assert parsed.model == "qwen2.5-7b-instruct"
    assert parsed.params == {"temperature": 0.7, "max_tokens": 200}
    assert isinstance(parsed.params["max_tokens"], int)


def test_uri_underscore_scheme_default_port_and_no_model() -> None:
    parsed = parse_uri("lm_studio://localhost")
    assert parsed.base_url == "http://localhost:1234/v1"
    assert parsed.model is None
    assert parsed.params == {}


def test_uri_values_and_publisher_model() -> None:
    parsed = parse_uri("lmstudio://qwen%2Fqwen3-4b@h:1?stream=true&stop=END&cache_prompt=false")
    assert parsed.model == "qwen/qwen3-4b"
    assert parsed.params == {"stream": True, "stop": "END", "cache_prompt": False}


def test_uri_https_scheme_and_empty_host() -> None:
    assert parse_uri("lmstudios://m@lm.example:443").base_url == "https://lm.example:443/v1"
    assert parse_uri("lmstudio://").base_url == "http://localhost:1234/v1"


@pytest.mark.parametrize("bad", ["http://localhost:1234", "lmstudio:/x", "qwen@localhost"])
def test_uri_wrong_scheme(bad: str) -> None:
    with pytest.raises(InvalidRequestError, match="LM Studio URI"):
        parse_uri(bad)
