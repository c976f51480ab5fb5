"""Importing the LlamaIndex adapter does not import httpx (it loads with the first client)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def test_importing_the_adapter_does_not_load_httpx() -> None:
    # httpx's own import pulls in its CLI extras (click, rich, pygments) when they are
    # installed: tens of milliseconds a program that never calls the model should not pay.
    code = (
        "import sys\n"
        "from llama_index.core.llms.function_calling import FunctionCallingLLM\n"
        "before = 'httpx' in sys.modules\n"
        "from llama_index_lmstudio import LMStudio, LMStudioEmbedding\n"
        "print(before, 'httpx' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    before, after = out.stdout.split()
    if before == "True":  # e.g. llama-index-core 0.14.5 imports httpx itself
        pytest.skip("this llama-index-core release imports httpx itself")
    assert after == "False"


def test_the_client_still_loads_httpx_when_first_used() -> None:
    code = (
        "import sys\n"
        "from llama_index_lmstudio import LMStudio\n"
        "llm = LMStudio(model='m', base_url='http://127.0.0.1:9')\n"
        "llm.client.http\n"
        "print('httpx' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert out.stdout.split() == ["True"]
