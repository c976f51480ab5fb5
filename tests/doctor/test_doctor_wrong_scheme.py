"""https to a plain-HTTP server: one connection, at most one connect timeout (not the check
timeout) when it stalls the TLS handshake, the same fix when it answers it in plain HTTP, then
every later check skipped with the reason."""

from __future__ import annotations

import pytest

import lmstudio_core.doctor.run as doctor_run
from lmstudio_core.doctor import DoctorOptions
from lmstudio_core.doctor import run_doctor as doctor
from lmstudio_core.testing import FakeLMStudio
from tests.doctor.support import SERVER_CHECKS, stalling_server, verdicts
from tests.support.llama_server import RunningServer

WRONG_SCHEME = "the server is not reachable over https (it speaks plain HTTP)"


@pytest.fixture
def short_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connecting may take 0.5 s (instead of 5 s) while each check may still take 20 s."""
    monkeypatch.setattr(doctor_run, "CONNECT_TIMEOUT", 0.5)


@pytest.mark.usefixtures("short_connect")
def test_a_stalled_handshake_waits_one_connect_timeout_on_one_connection() -> None:
    with stalling_server() as server:
        url = f"https://127.0.0.1:{server.port}/v1"
        report = doctor(DoctorOptions(base_url=url, timeout=20))
        connections = len(server.accepted)
    check = report.check("server")
    assert check.verdict == "fail"
    assert check.detail == (
        f"{url} accepted the connection but did not answer the TLS handshake within 0.5 s"
    )
    assert (
        check.fix
        == f"the server speaks plain HTTP, not HTTPS: use http://127.0.0.1:{server.port}/v1"
    )
    assert connections == 1
    assert all(verdicts(report)[name] == "skip" for name in SERVER_CHECKS)
    assert {report.check(name).detail for name in SERVER_CHECKS} == {WRONG_SCHEME}


@pytest.mark.integration
@pytest.mark.usefixtures("short_connect")
def test_https_to_llama_server_fails_within_the_connect_timeout(
    llama_server: RunningServer,
) -> None:
    url = llama_server.base_url.replace("http://", "https://")
    report = doctor(DoctorOptions(base_url=url, api_key="", timeout=20))
    check = report.check("server")
    assert check.verdict == "fail"
    # llama-server usually leaves the handshake unanswered, but may answer it in plain HTTP
    assert check.detail.startswith(f"{url} accepted the connection but ")
    assert "TLS handshake" in check.detail
    assert check.fix.endswith(f"use {llama_server.base_url}")
    assert report.check("chat").detail == WRONG_SCHEME
    assert report.exit_status == 1


def test_a_handshake_answered_in_plain_http_gets_the_same_fix() -> None:
    with FakeLMStudio() as fake:  # a plain-HTTP server that answers the ClientHello at once
        plain = fake.base_url
        url = plain.replace("http://", "https://")
        report = doctor(DoctorOptions(base_url=url, timeout=20))
    check = report.check("server")
    assert check.verdict == "fail"
    assert (
        check.detail
        == f"{url} accepted the connection but answered the TLS handshake in plain HTTP"
    )
    assert check.fix == f"the server speaks plain HTTP, not HTTPS: use {plain}"
    assert {report.check(name).detail for name in SERVER_CHECKS} == {WRONG_SCHEME}
