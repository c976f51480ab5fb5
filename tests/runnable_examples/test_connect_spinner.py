"""The examples' "Starting llama.cpp server..." spinner (examples/_connect.py)."""

from __future__ import annotations

import io
import threading
import time

from examples._connect import _spinner


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_redirected_output_gets_two_plain_lines_and_no_frames() -> None:
    out = io.StringIO()  # not a terminal, like `make demo > log`
    threads = threading.active_count()
    with _spinner("Starting llama.cpp server...", out):
        assert threading.active_count() == threads  # no spinner thread
        assert out.getvalue() == "Starting llama.cpp server...\n"
    assert out.getvalue() == "Starting llama.cpp server...\nStarting llama.cpp server... done.\n"


def test_a_terminal_gets_spinner_frames() -> None:
    out = _Terminal()
    with _spinner("Starting", out):
        deadline = time.monotonic() + 10
        while "\rStarting " not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    text = out.getvalue()
    assert text.startswith("\rStarting ")
    assert text.endswith("\rStarting done.\n")
