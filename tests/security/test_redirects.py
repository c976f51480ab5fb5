"""Redirects are never followed: the token cannot be carried to another host."""

from __future__ import annotations

import pytest

from lmstudio_core import BadRequestError
from tests.faults.fault_server import chat_completion, fault_server, reply
from tests.faults.paths import Path, drive
from tests.security.conftest import TOKEN


@pytest.mark.parametrize("status", [307, 308])
def test_redirect_to_another_port_does_not_deliver_the_token(path: Path, status: int) -> None:
    with fault_server(reply(200, chat_completion("stolen"))) as elsewhere:
        moved = reply(status, b"", {"Location": elsewhere.base_url + "/chat/completions"})
        with fault_server(moved) as server:
            out = drive(path, server.base_url, max_retries=2, timeout=2, api_key=TOKEN)
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert server.count("/chat/completions") == 1
    assert elsewhere.requests == []
    assert elsewhere.connections == 0
    assert isinstance(out.error, BadRequestError), out.error
    assert "redirect" in str(out.error)
    assert elsewhere.base_url in str(out.error)
    assert out.text is None
