"""A server or proxy that echoes the Authorization header never gets the token into an error.

Every error leaves the core through one redaction point (the client shells' flow runner and
stream iterator), so broken answers that are not classified error bodies (InvalidResponseError)
and errors raised in the middle of a stream are redacted too: message, args, body, partial,
repr, traceback, and nothing is logged with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from lmstudio_core import (
    BadRequestError,
    InvalidResponseError,
    LMStudioClient,
    LMStudioError,
    ServerError,
)
from lmstudio_core.errors import redact, redact_error
from lmstudio_core.results import ChatResult, ToolCall
from tests.faults.fault_server import Conn, Script, Seen, fault_server, reply, sse
from tests.faults.paths import Path, drive
from tests.security.conftest import TOKEN, everything_about


def _echoing(build: Callable[[str], Script]) -> Script:
    """A script whose answer quotes the request's own Authorization header."""

    def script(conn: Conn, seen: Seen) -> bool:
        return build(seen.headers.get("authorization", ""))(conn, seen)

    return script


def _not_json(auth: str) -> Script:
    return reply(200, f"<html>Proxy login page. You sent Authorization: {auth}</html>")


def _not_a_completion(auth: str) -> Script:
    return reply(200, {"object": "echo", "headers": {"authorization": auth}})


def _error_status(auth: str) -> Script:
    return reply(400, {"error": {"message": f"bad header Authorization: {auth}", "code": "x"}})


def _cut_token(auth: str) -> Script:
    # The messages quote the first 200 characters of an answer: this cuts the token in two.
    return reply(200, "x" * 164 + f"Authorization: {auth}")


BROKEN: dict[str, tuple[Callable[[str], Script], type[LMStudioError]]] = {
    "non-json-200": (_not_json, InvalidResponseError),
    "json-200-not-a-completion": (_not_a_completion, InvalidResponseError),
    "error-status": (_error_status, BadRequestError),
    "token-cut-by-the-length-limit": (_cut_token, InvalidResponseError),
}


def _assert_no_token(error: BaseException | None, logs: pytest.LogCaptureFixture) -> None:
    assert isinstance(error, LMStudioError), error
    text = everything_about(error)
    assert TOKEN not in text
    assert TOKEN[:12] not in text, "a token cut by a length limit must not leak its head"
    assert TOKEN not in logs.text
    assert any(r.name.startswith(("httpx", "httpcore")) for r in logs.records)


@pytest.mark.parametrize("kind", list(BROKEN))
def test_echoed_token_is_redacted_from_broken_answers(
    path: Path, kind: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    build, expected = BROKEN[kind]
    with fault_server(_echoing(build)) as server:
        out = drive(path, server.base_url, max_retries=0, timeout=5, api_key=TOKEN)
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert isinstance(out.error, expected), out.error
    _assert_no_token(out.error, debug_logs)
    assert "***" in str(out.error), "the echoed header is quoted, redacted"


def _malformed_event(auth: str) -> Script:
    return sse(
        f"your header: {auth}; ", b"data: {not json, Authorization: " + auth.encode() + b"\n\n"
    )


def test_echoed_token_is_redacted_from_a_malformed_stream_event(
    stream_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    with fault_server(_echoing(_malformed_event)) as server:
        out = drive(stream_path, server.base_url, max_retries=0, timeout=5, api_key=TOKEN)
    assert isinstance(out.error, InvalidResponseError), out.error
    assert "malformed stream event" in str(out.error)
    assert "***" in str(out.error)
    _assert_no_token(out.error, debug_logs)
    assert out.partial is not None
    assert out.partial.content == "your header: Bearer ***; "


def test_echoed_token_is_redacted_from_an_error_event_mid_stream(
    stream_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    def events(auth: str) -> Script:
        return sse("partial ", {"error": {"message": f"engine died reading {auth}"}}, finish=False)

    with fault_server(_echoing(events)) as server:
        out = drive(stream_path, server.base_url, max_retries=0, timeout=5, api_key=TOKEN)
    assert isinstance(out.error, ServerError), out.error
    _assert_no_token(out.error, debug_logs)
    assert "Bearer ***" in json.dumps(out.error.body)


def test_redact_error_covers_message_args_body_partial_and_causes() -> None:
    cause = BadRequestError(f"inner {TOKEN}", status_code=400, body={"error": TOKEN})
    error = InvalidResponseError(f"outer {TOKEN}", body=[f"x {TOKEN}", {"k": (TOKEN,)}])
    error.__cause__ = cause
    error.partial = ChatResult(
        content=f"c {TOKEN}",
        reasoning=f"r {TOKEN}",
        tool_calls=[ToolCall(id="1", name="f", arguments=json.dumps({"auth": TOKEN}))],
        raw={"echo": TOKEN},
    )
    assert redact_error(error, (TOKEN,)) is error
    assert TOKEN not in everything_about(error)
    assert str(error) == "outer ***"
    assert error.args == ("outer ***",)
    assert error.body == ["x ***", {"k": ("***",)}]
    assert error.partial.content == "c ***"
    assert error.partial.reasoning == "r ***"
    assert json.loads(error.partial.tool_calls[0].arguments) == {"auth": "***"}
    assert error.partial.raw == {"echo": "***"}
    assert str(cause) == "inner ***"
    assert cause.body == {"error": "***"}


def test_redact_error_without_secrets_changes_nothing() -> None:
    error = InvalidResponseError("nothing secret", body={"a": 1})
    assert redact_error(error, ()) is error
    assert error.body == {"a": 1}
    assert redact("plain text", ("",)) == "plain text"


def test_redaction_happens_once_at_the_boundary() -> None:
    """The flows no longer redact: the flows return raw errors, the shells redact them."""
    import inspect

    from lmstudio_core import (
        async_client,
        client,
        client_base,
        protocol,
        request_loop,
        steps,
        stream_reader,
        transport_errors,
    )

    for flows in (protocol, request_loop, steps, stream_reader, transport_errors):
        assert "redact(" not in inspect.getsource(flows)
        assert "redact_error(" not in inspect.getsource(flows)
    assert inspect.getsource(client_base).count("redact_error(") == 1
    for shell in (client, async_client):
        assert "redact_error(" not in inspect.getsource(shell)


def test_sync_client_error_from_broken_answer_keeps_its_traceback() -> None:
    with fault_server(_echoing(_not_json)) as server:
        client = LMStudioClient(base_url=server.base_url, api_key=TOKEN, max_retries=0)
        with pytest.raises(InvalidResponseError) as excinfo:
            client.chat([{"role": "user", "content": "hi"}], model="m")
        client.close()
    frames = [frame.name for frame in excinfo.traceback]
    assert "json_request" in frames, "re-raised in place: the traceback still shows the cause"
    assert TOKEN not in everything_about(excinfo.value)
