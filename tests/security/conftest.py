"""Fixtures for the security suite: a clean breaker registry and a self-signed certificate."""

from __future__ import annotations

import logging
import shutil
import ssl
import subprocess
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from lmstudio_core import LMStudioError, resilience
from tests.faults.conftest import adapter_path, core_pair, path, plain_path, stream_path

__all__ = ["adapter_path", "core_pair", "path", "plain_path", "stream_path"]

TOKEN = "sk-lm-SeCrEt42:tokenvalue0123456789"
"""The API token every security test uses (distinctive enough to grep for)."""

LOGGERS = ("lmstudio_core", "httpx", "httpcore", "langchain_lmstudio", "llama_index_lmstudio")


def everything_about(error: BaseException) -> str:
    """Every text an error exposes: message, repr, args, body, partial and the cause chain."""
    parts = [str(error), repr(error), repr(error.args)]
    parts += traceback.format_exception(type(error), error, error.__traceback__)
    if isinstance(error, LMStudioError):
        parts += [repr(error.body), repr(error.partial)]
    cause = error.__cause__ or error.__context__
    while cause is not None:
        parts += [str(cause), repr(cause)]
        if isinstance(cause, LMStudioError):
            parts += [repr(cause.body), repr(cause.partial)]
        cause = cause.__cause__ or cause.__context__
    return "\n".join(parts)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything the library and httpx log at DEBUG."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture(autouse=True)
def _fresh_breakers() -> Iterator[None]:
    resilience.reset_breakers()
    yield
    resilience.reset_breakers()


@pytest.fixture(scope="session")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    """``(certificate path, server SSLContext)`` for 127.0.0.1, made with the openssl CLI."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context
