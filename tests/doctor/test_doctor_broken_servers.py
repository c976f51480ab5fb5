"""Doctor against what is not a working server: a closed port, a web page, a JSON 404."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from lmstudio_core import InvalidRequestError
from lmstudio_core.doctor import DoctorOptions, render_text, run_doctor
from lmstudio_core.doctor.cli import main
from tests.doctor.support import SERVER_CHECKS, closed_port, html_server, verdicts


def test_closed_port_says_nothing_listens_and_how_to_start_it() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    report = run_doctor(DoctorOptions(base_url=url, timeout=5))
    server = report.check("server")
    assert server.verdict == "fail"
    assert server.detail == f"nothing listens at {url}"
    assert server.fix == "start LM Studio's server (`lms server start`) or fix --base-url"
    assert all(verdicts(report)[name] == "skip" for name in SERVER_CHECKS)
    assert report.check("chat").detail == "the server is not reachable"
    assert report.check("versions").verdict == "ok"
    assert report.exit_status == 1
    assert f"[FAIL] server: nothing listens at {url} -> start LM Studio" in render_text(report)


def test_html_web_server_is_not_an_openai_compatible_server() -> None:
    with html_server() as root:
        report = run_doctor(DoctorOptions(base_url=root, timeout=5))
    server = report.check("server")
    assert server.verdict == "fail"
    assert server.detail == (
        f"{root} is not an OpenAI-compatible server (it answered a web page, HTTP 200)"
    )
    assert "ending in /v1" in server.fix
    assert all(verdicts(report)[name] == "skip" for name in SERVER_CHECKS)
    assert report.exit_status == 1


class _JsonNotFound(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"detail": "Not Found"}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_a_json_api_without_v1_models_is_not_openai_compatible() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _JsonNotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        report = run_doctor(DoctorOptions(base_url=url, timeout=5))
    finally:
        server.shutdown()
        server.server_close()
    check = report.check("server")
    assert check.verdict == "fail"
    assert "GET /v1/models answered HTTP 404 without a model list" in check.detail
    assert report.exit_status == 1


def test_json_output_of_a_closed_port_parses(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    status = main(["--base-url", url, "--json", "--timeout", "5"])
    document = json.loads(capsys.readouterr().out)
    assert status == 1
    assert document["ok"] is False
    assert document["exit_status"] == 1
    assert document["base_url"] == url
    first = document["checks"][0]
    assert (first["name"], first["verdict"]) == ("server", "fail")
    assert first["data"] == {"reachable": False}


def test_a_bad_base_url_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--base-url", "ftp://example"]) == 2
    assert "is not an http(s) URL" in capsys.readouterr().err
    with pytest.raises(InvalidRequestError):
        run_doctor(DoctorOptions(base_url="http://localhost:99999"))
