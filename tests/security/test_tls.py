"""TLS: verification is on by default for https and only turned off explicitly."""

from __future__ import annotations

import ssl
from pathlib import Path as FsPath

import pytest

from lmstudio_core import LMStudioConnectionError, LMStudioSettings
from tests.faults.fault_server import chat_completion, fault_server, reply, sse
from tests.faults.paths import Path, drive

Cert = tuple[FsPath, ssl.SSLContext]


def _ok(path: Path) -> object:
    return sse("secure") if path.stream else reply(200, chat_completion("secure"))


def test_verification_is_on_by_default() -> None:
    assert LMStudioSettings(base_url="https://lmstudio.example:1234").verify is True


def test_self_signed_certificate_is_rejected_by_default(path: Path, self_signed: Cert) -> None:
    with fault_server(_ok(path), tls=self_signed[1]) as server:  # type: ignore[arg-type]
        out = drive(path, server.base_url, max_retries=0, timeout=2)
    assert isinstance(out.error, LMStudioConnectionError), out.error
    message = str(out.error)
    assert "certificate" in message.lower()
    assert "verify=" in message
    assert server.requests == []
    assert server.tls_failures >= 1


@pytest.mark.parametrize("verify", ["off", "ca-file"])
def test_explicit_verify_setting_connects(core_pair: Path, self_signed: Cert, verify: str) -> None:
    setting: bool | str = False if verify == "off" else str(self_signed[0])
    with fault_server(_ok(core_pair), tls=self_signed[1]) as server:  # type: ignore[arg-type]
        out = drive(core_pair, server.base_url, max_retries=0, timeout=2, verify=setting)
    assert out.error is None, out.error
    assert out.text == "secure"
    assert server.count("/chat/completions") == 1


def test_adapters_connect_only_with_explicit_verify(adapter_path: Path, self_signed: Cert) -> None:
    ok = _ok(adapter_path)
    with fault_server(ok, tls=self_signed[1]) as server:  # type: ignore[arg-type]
        refused = drive(adapter_path, server.base_url, max_retries=0, timeout=2)
        out = drive(adapter_path, server.base_url, max_retries=0, timeout=2, verify=False)
    assert isinstance(refused.error, LMStudioConnectionError), refused.error
    assert out.error is None, out.error
    assert out.text == "secure"
    assert server.count("/chat/completions") == 1
