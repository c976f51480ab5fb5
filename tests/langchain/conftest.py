"""Shared helpers for the LangChain adapter tests."""

from __future__ import annotations

import pytest

from tests.support.llama_server import RunningServer


class OnLlamaServer:
    """Mixin for standard-suite classes: ``self.server`` is the session's real llama.cpp server.

    langchain-tests reads its configuration from class properties, so the session fixture's
    server is attached to the class before any of its tests (and their ``model`` fixture) run.
    """

    server: RunningServer

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _attach_llama_server(cls, llama_server: RunningServer) -> None:
        cls.server = llama_server
