"""``python -m lmstudio_core doctor`` in a subprocess: exit statuses, text and JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from lmstudio_core.testing import FakeLMStudio
from tests.doctor.support import closed_port
from tests.doctor.test_doctor_fake_lmstudio import TOKEN, script_good_answers

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m lmstudio_core ARGS`` from the checkout, without the caller's tokens."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LM_API_TOKEN", "LMSTUDIO_API_TOKEN", "LM_STUDIO_API_KEY", "LMSTUDIO_BASE_URL")
    }
    return subprocess.run(
        [sys.executable, "-m", "lmstudio_core", *args],
        cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_healthy_server_exits_0_with_one_line_per_check() -> None:
    with FakeLMStudio(api_key=TOKEN) as fake:
        script_good_answers(fake)
        url = fake.base_url
        done = run_cli("doctor", "--base-url", url, LM_API_TOKEN=TOKEN)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"lmstudio doctor: checking {url}"
    verdict_lines = [line for line in lines if line.startswith("[")]
    assert [line.split("]")[0] + "]" for line in verdict_lines] == ["[ ok ]"] * 10
    assert (
        "[ ok ] authentication: API token required; the one from LM_API_TOKEN is accepted" in lines
    )
    assert lines[-1] == "No check failed; exit status 0."
    assert TOKEN not in done.stdout + done.stderr
    assert "sk-lm-doctor" not in done.stdout + done.stderr


def test_closed_port_exits_1_and_json_parses() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    text = run_cli("doctor", "--base-url", url, "--timeout", "5")
    assert text.returncode == 1
    assert f"[FAIL] server: nothing listens at {url}" in text.stdout
    assert text.stdout.splitlines()[-1].startswith("1 check failed: server (8 skipped)")
    machine = run_cli("doctor", "--base-url", url, "--json")
    assert machine.returncode == 1
    document = json.loads(machine.stdout)
    assert document["exit_status"] == 1
    assert [c["verdict"] for c in document["checks"]][:2] == ["fail", "skip"]


def test_fix_without_a_terminal_needs_yes() -> None:
    with FakeLMStudio(models=["loaded-llm"]) as fake:
        fake.model("loaded-llm").loaded = False
        done = run_cli("doctor", "--base-url", fake.base_url, "--fix", "--json")
        assert fake.model("loaded-llm").load_requests == []
    assert done.returncode == 1
    fix = next(c for c in json.loads(done.stdout)["checks"] if c["name"] == "fix")
    assert fix["verdict"] == "fail"
    assert fix["fix"] == "add --yes to load it without asking"


def test_usage_errors_exit_2() -> None:
    assert run_cli().returncode == 2
    assert run_cli("nonsense").returncode == 2
    assert run_cli("doctor", "--timeout", "0").returncode == 2
    helped = run_cli("doctor", "--help")
    assert helped.returncode == 0
    assert "--fix" in helped.stdout
    assert "exit status: 0 when no check failed" in helped.stdout


def test_a_reader_that_stops_early_gets_no_broken_pipe_traceback() -> None:
    """``lmstudio-doctor --json | head``: the reader closes the pipe before doctor writes."""
    url = f"http://127.0.0.1:{closed_port()}/v1"
    env = {k: v for k, v in os.environ.items() if k != "LMSTUDIO_BASE_URL"}
    process = subprocess.Popen(
        [sys.executable, "-m", "lmstudio_core", "doctor", "--json", "--base-url", url],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # before the interpreter has even started doctor
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 1
    assert "BrokenPipeError" not in stderr
    assert "Traceback" not in stderr
