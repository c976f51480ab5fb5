"""`python -m tests.support.serve`: the bundled server for a user's own scripts (docs/testing.md).

Run as a user runs it, from the checkout: read the printed base_url, chat once with the core
client, press Ctrl-C (SIGINT), and check the process exited cleanly and the port is closed.
"""

from __future__ import annotations

import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from lmstudio_core import LMStudioClient

REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120.0


def _lines(stream: Iterator[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line)
    into.put(None)  # end of output: the process exited


def _read_until_ready(lines: queue.Queue[str | None]) -> tuple[str, str, list[str]]:
    """The printed base_url and model, and every line up to "Press Ctrl-C to stop it"."""
    seen: list[str] = []
    base_url = model = None
    while not seen or "Ctrl-C" not in seen[-1]:
        line = lines.get(timeout=STARTUP_SECONDS)
        if line is None:
            pytest.fail("the server exited before printing its base_url:\n" + "".join(seen))
        seen.append(line)
        if found := re.match(r"base_url: (\S+)", line):
            base_url = found.group(1)
        if found := re.match(r"model:\s+(\S+)", line):
            model = found.group(1)
    assert base_url is not None, seen
    assert model is not None, seen
    return base_url, model, seen


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_serve_prints_a_base_url_answers_a_chat_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.serve"],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
        base_url, model, seen = _read_until_ready(lines)
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", base_url), seen
        assert model == "tiny-chat"
        assert any(f"LMSTUDIO_BASE_URL={base_url}" in line for line in seen), seen
        with LMStudioClient(base_url=base_url, max_retries=0) as client:
            result = client.chat([{"role": "user", "content": "hi"}], model=model, max_tokens=8)
            assert result.usage is not None
            assert result.usage.completion_tokens > 0
        port = int(base_url.rsplit(":", 1)[1].split("/")[0])
        assert _port_open(port)

        process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert process.wait(timeout=30) == 0
        assert not _port_open(port)
        rest = []
        while (line := lines.get(timeout=10)) is not None:
            rest.append(line)
        assert "Stopped.\n" in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
