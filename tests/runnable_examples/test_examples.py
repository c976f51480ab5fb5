"""Every example and the demo run against the real llama.cpp server, so they never rot."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from examples import (
    langchain_chain,
    llama_index_agent,
    llama_index_rag,
    model_management,
    structured_output,
)
from examples._connect import Target
from tests.support.llama_server import RunningServer

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def target(llama_server: RunningServer) -> Target:
    return Target(llama_server.base_url, llama_server.model, llama_server.model, bundled=False)


def test_langchain_chain(target: Target) -> None:
    answers = langchain_chain.main(target)
    assert len(answers) == 2
    assert all(isinstance(a, str) and a for a in answers)


@pytest.mark.filterwarnings("error::DeprecationWarning")  # e.g. LangGraph's create_react_agent
def test_langchain_agent(target: Target) -> None:
    pytest.importorskip(
        "langchain.agents",
        reason="examples/langchain_agent.py needs the langchain package (create_agent), "
        "which the lowest-versions compat run does not install",
    )
    from examples import langchain_agent

    messages = langchain_agent.main(target)
    kinds = [m.type for m in messages]
    assert kinds[0] == "human"
    assert "tool" in kinds, kinds
    assert kinds[-1] == "ai"
    assert not getattr(messages[-1], "tool_calls", None)


def test_structured_output(target: Target) -> None:
    results = structured_output.main(target)
    assert isinstance(results["json_schema"], structured_output.Movie)
    assert isinstance(results["function_calling"], structured_output.Movie)
    raw = results["include_raw"]
    assert set(raw) == {"raw", "parsed", "parsing_error"}


def test_llama_index_rag(target: Target) -> None:
    response = llama_index_rag.main(target)
    assert response.source_nodes
    assert {n.node.ref_doc_id for n in response.source_nodes} <= {"server", "ttl", "embed"}


def test_llama_index_agent(target: Target) -> None:
    answer, calls = llama_index_agent.main(target)
    assert calls
    assert calls[0].tool_name == "multiply"
    assert isinstance(answer, str)


def test_model_management_lists_and_explains_missing_load(
    target: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    models = model_management.main(target)
    assert [m.id for m in models] == [target.chat_model]
    out = capsys.readouterr().out
    assert "download not available here: needs LM Studio 0.4+" in out
    assert f"ready: {target.chat_model} ctx=2048 loaded now: False" in out  # served as it is
    assert "load/unload not available here (404): needs LM Studio 0.4+" in out


def _run_demo(base_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LMSTUDIO_BASE_URL": base_url}
    return subprocess.run(
        [sys.executable, "-m", "examples.demo"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_demo_against_a_running_server(llama_server: RunningServer) -> None:
    result = _run_demo(llama_server.base_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Done: 5 of 5 steps succeeded." in result.stdout
    assert "sources:" in result.stdout
    assert f"lmstudio doctor: checking {llama_server.base_url}" in result.stdout
    assert "[ ok ] server: llama.cpp (llama-server) answers at" in result.stdout


def test_demo_starts_the_bundled_server_when_nothing_answers() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    result = _run_demo(f"http://127.0.0.1:{closed_port}/v1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Starting the bundled llama.cpp server" in result.stdout
    assert "\r" not in result.stdout  # output to a pipe gets no spinner frames
    assert "Done: 5 of 5 steps succeeded." in result.stdout
    assert "[ ok ] tool call: " in result.stdout  # doctor ran against the bundled server
