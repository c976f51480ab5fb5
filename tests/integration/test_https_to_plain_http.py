"""An https base URL against the real llama-server, which speaks plain HTTP: the error says "use
http://", is not retried, and doctor says so too.

llama-server usually never answers the TLS ClientHello (a connect timeout in the handshake), but
it may also answer it in plain HTTP (an SSL "wrong version number" connect error), depending on
timing; both are `LMStudioConnectionError`s that say the same. The stalled case's exact wording
is tested against a server that never answers (tests/doctor/test_doctor_wrong_scheme.py).
"""

from __future__ import annotations

import logging

import httpx
import pytest

from lmstudio_core import (
    AsyncLMStudioClient,
    LMStudioClient,
    LMStudioConnectionError,
)
from lmstudio_core.doctor import DoctorOptions, run_doctor
from lmstudio_core.settings import LMStudioSettings
from lmstudio_core.transport_errors import transport_error
from tests.integration.core_support import QUESTION
from tests.support.llama_server import RunningServer

pytestmark = pytest.mark.integration


def _https(server: RunningServer) -> str:
    return server.base_url.replace("http://", "https://")


def test_https_to_llama_server_says_use_http_and_is_not_retried(
    llama_server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="lmstudio_core")
    with (
        LMStudioClient(
            base_url=_https(llama_server), api_key=None, connect_timeout=0.5, max_retries=2
        ) as client,
        pytest.raises(LMStudioConnectionError) as info,
    ):
        client.chat(QUESTION, max_tokens=4)
    message = str(info.value)
    assert "speaks plain HTTP, not HTTPS" in message
    assert f"use {llama_server.base_url}" in message
    assert "model may still be loading" not in message
    assert not [r for r in caplog.records if r.getMessage().startswith("retrying")]


async def test_https_to_llama_server_async(llama_server: RunningServer) -> None:
    async with AsyncLMStudioClient(
        base_url=_https(llama_server), api_key=None, connect_timeout=0.5, max_retries=0
    ) as client:
        with pytest.raises(LMStudioConnectionError, match="use http://"):
            await client.chat(QUESTION, max_tokens=4)


def test_doctor_https_to_llama_server_says_use_http(llama_server: RunningServer) -> None:
    report = run_doctor(DoctorOptions(base_url=_https(llama_server), api_key="", timeout=0.5))
    server = report.check("server")
    assert server.verdict == "fail"
    assert "accepted the connection but" in server.detail
    assert "TLS handshake" in server.detail
    assert server.fix.endswith(f"use {llama_server.base_url}")


def test_a_plain_connect_timeout_advises_host_port_firewall_not_timeout() -> None:
    settings = LMStudioSettings(base_url="http://127.0.0.1:1234/v1", connect_timeout=3)
    request = httpx.Request("GET", settings.base_url, extensions={"timeout": {"connect": 3.0}})
    message = str(transport_error(httpx.ConnectTimeout("timed out", request=request), settings))
    assert "did not accept a connection within 3.0 s (connect_timeout)" in message
    assert "firewall" in message
    assert "loading" not in message
    assert "LMSTUDIO_TIMEOUT" not in message
