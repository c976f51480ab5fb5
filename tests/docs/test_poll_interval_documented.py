"""``poll_interval`` is documented where downloads are, with the default the code really has."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from lmstudio_core import AsyncLMStudioClient, LMStudioClient
from lmstudio_core.model_readiness import EnsuresModel

DOC = Path(__file__).resolve().parents[2] / "docs" / "model-management.md"


def test_poll_interval_and_its_default_are_documented() -> None:
    found = re.search(r"`poll_interval` \(seconds, default `([0-9.]+)`", DOC.read_text())
    assert found, "docs/model-management.md does not describe poll_interval and its default"
    documented = float(found.group(1))
    methods = [
        getattr(cls, name)
        for cls in (LMStudioClient, AsyncLMStudioClient)
        for name in ("download_model", "watch_download", "ensure_model")
    ]
    methods += [EnsuresModel.ensure_model, EnsuresModel.aensure_model]
    for method in methods:
        default = inspect.signature(method).parameters["poll_interval"].default
        assert default == documented, method.__qualname__
