"""Pytest plugin with the ``fake_lmstudio`` fixture.

Enable it in your root ``conftest.py``::

    pytest_plugins = ["lmstudio_core.testing.pytest_plugin"]
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lmstudio_core.testing.fake import FakeLMStudio

__all__ = ["fake_lmstudio"]


@pytest.fixture
def fake_lmstudio() -> Iterator[FakeLMStudio]:
    """A started `FakeLMStudio` with the default models; stopped when the test ends."""
    with FakeLMStudio() as fake:
        yield fake
