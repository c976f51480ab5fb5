"""What a person sees: a bar in a terminal (a real pseudo-terminal), lines anywhere else."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from lmstudio_core import InvalidRequestError, ProgressUpdate
from lmstudio_core.progress import (
    BarReporter,
    CallbackReporter,
    LineReporter,
    ProgressReporter,
    format_size,
    progress_reporter,
)

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
{prelude}
from lmstudio_core import LMStudioClient
from lmstudio_core.testing import FakeLMStudio

with FakeLMStudio(models=["fake-llm"]) as fake:
    fake.add_downloadable("qwen/qwen3-4b-2507", size=3_000_000_000, steps={steps})
    with LMStudioClient(base_url=fake.base_url, verify=False) as client:
        client.download_model("qwen/qwen3-4b-2507", poll_interval=0.05)
        client.load_model("qwen/qwen3-4b-2507")
"""
NO_TQDM = "sys.modules['tqdm'] = None  # as if the [progress] extra were not installed"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMSTUDIO_", "LM_API"))}
    env["PYTHONPATH"] = str(ROOT)
    env.pop("COLUMNS", None)
    return env


def run_in_terminal(code: str, rows: int = 24, columns: int = 100) -> str:
    """Run ``code`` with a pseudo-terminal (100 columns) as stdin, stdout and stderr."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=ROOT,
        env=_env(),
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert process.wait(timeout=60) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")


def run_piped(code: str) -> tuple[str, str]:
    """Run ``code`` with stdout and stderr piped (as in CI or a log file)."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
        timeout=60,
        check=True,
    )
    return done.stdout, done.stderr


def test_terminal_shows_a_progress_bar() -> None:
    screen = run_in_terminal(SCRIPT.format(prelude="", steps=3))
    assert "Downloading qwen/qwen3-4b-2507" in screen
    assert "%|" in screen  # the bar
    assert "100%" in screen
    assert "3.00G/3.00G" in screen  # size done / total
    assert "B/s" in screen  # speed
    assert "\r" in screen  # redrawn in place
    assert "Loading qwen/qwen3-4b-2507" in screen
    assert "loaded in 0.01 s" in screen


def test_without_a_terminal_one_line_per_state_change() -> None:
    stdout, stderr = run_piped(SCRIPT.format(prelude="", steps=3))
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 4, stderr
    assert lines[0].startswith("Downloading qwen/qwen3-4b-2507: 3.0 GB (LM Studio job job_")
    assert lines[1] == "Downloaded qwen/qwen3-4b-2507 (3.0 GB)"
    assert lines[2:] == ["Loading qwen/qwen3-4b-2507", "Loaded qwen/qwen3-4b-2507 in 0.01 s"]
    assert "%|" not in stderr
    assert "\r" not in stderr


def test_zero_width_terminal_gets_lines_not_empty_bars() -> None:
    # `script -qc ... /dev/null` and `docker run -t` give a terminal whose size is 0x0
    screen = run_in_terminal(SCRIPT.format(prelude="", steps=3), rows=0, columns=0)
    lines = [line for line in screen.replace("\r\n", "\n").split("\n") if line]
    assert "%|" not in screen
    assert lines[0].startswith("Downloading qwen/qwen3-4b-2507: 3.0 GB (LM Studio job job_")
    assert lines[1:] == [
        "Downloaded qwen/qwen3-4b-2507 (3.0 GB)",
        "Loading qwen/qwen3-4b-2507",
        "Loaded qwen/qwen3-4b-2507 in 0.01 s",
    ]


def test_narrow_terminal_gets_lines() -> None:
    screen = run_in_terminal(SCRIPT.format(prelude="", steps=3), columns=12)
    assert "%|" not in screen
    assert "Loaded qwen/qwen3-4b-2507 in 0.01 s" in screen


def test_terminal_without_tqdm_falls_back_to_lines() -> None:
    screen = run_in_terminal(SCRIPT.format(prelude=NO_TQDM, steps=3))
    assert "%|" not in screen
    assert "Downloaded qwen/qwen3-4b-2507 (3.0 GB)" in screen
    assert "Loaded qwen/qwen3-4b-2507 in 0.01 s" in screen


def test_ctrl_c_in_a_real_process_says_the_download_continues() -> None:
    code = SCRIPT.format(prelude="", steps=100_000)
    with subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=_env(),
    ) as process:
        assert process.stderr is not None
        first = process.stderr.readline()  # the download has started: a job is being watched
        assert first.startswith("Downloading qwen/qwen3-4b-2507")
        process.send_signal(signal.SIGINT)
        rest = process.stderr.read()
        process.wait(timeout=30)
    assert process.returncode != 0
    assert "Stopped watching the download of qwen/qwen3-4b-2507" in rest
    assert "The download continues in LM Studio (job job_" in rest
    assert "client.watch_download('job_" in rest
    assert "DownloadInterrupted" in rest  # the traceback's last line says it again


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_reporter_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # the width of a terminal stream without a descriptor
    assert type(progress_reporter(False)) is ProgressReporter
    assert type(progress_reporter(None)) is ProgressReporter
    assert isinstance(progress_reporter(print), CallbackReporter)
    assert isinstance(progress_reporter(True, io.StringIO()), LineReporter)
    assert isinstance(progress_reporter(True, _Terminal()), BarReporter)
    monkeypatch.setenv("COLUMNS", "12")
    assert type(progress_reporter(True, _Terminal())) is LineReporter  # too narrow for a bar
    with pytest.raises(InvalidRequestError, match="progress= takes"):
        progress_reporter("yes")  # type: ignore[arg-type]


def test_line_reporter_writes_only_state_changes() -> None:
    out = io.StringIO()
    reporter = LineReporter(out)
    for done in (0, 10, 20):
        reporter.update(ProgressUpdate("downloading", "m", job_id="job_1", downloaded_bytes=done))
    reporter.update(ProgressUpdate("paused", "m", downloaded_bytes=50, total_bytes=100))
    reporter.update(ProgressUpdate("interrupted", "m", job_id="job_1"))
    assert out.getvalue().splitlines() == [
        "Downloading m: unknown size (LM Studio job job_1)",
        "Download of m paused at 50% in LM Studio; resume it in the app",
        "Stopped watching the download of m. The download continues in LM Studio (job job_1): "
        "watch it again with client.watch_download('job_1'), or in the app's Downloads panel.",
    ]


def test_format_size() -> None:
    assert format_size(512) == "512 B"
    assert format_size(2_500_000) == "2.5 MB"
    assert format_size(3_000_000_000) == "3.0 GB"
    assert format_size(12_000_000_000_000) == "12000.0 GB"
    assert format_size(None) == "unknown size"
