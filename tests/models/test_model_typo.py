"""A misspelt model key: ensure_model names the closest model on the server first.

Not the typo to download, nor an unrelated catalog example.
"""

from __future__ import annotations

import pytest

from lmstudio_core import ModelNotFoundError
from lmstudio_core.testing import FakeLMStudio, FakeModel
from tests.models.conftest import make_call

TYPO, REAL = "qwen2.5-7b-instruc", "qwen2.5-7b-instruct"


def _catalog() -> list[FakeModel]:
    return [
        FakeModel("aaa-other", loaded=False),
        FakeModel(REAL),
        FakeModel("text-embedding-nomic", type="embeddings", capabilities=()),
    ]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_without_downloads_the_closest_model_comes_first(mode: str) -> None:
    with FakeLMStudio(models=_catalog()) as fake:
        with pytest.raises(ModelNotFoundError) as caught:
            make_call(fake, mode)("ensure_model", TYPO, download=False, progress=False)
    error = caught.value
    assert f"did you mean {REAL!r}?" in error.message
    assert f"The server has: {REAL}, aaa-other, text-embedding-nomic." in error.message
    assert "[" not in error.message  # ids comma-separated, not a Python list
    assert "lms get" not in error.message
    assert "download_model" not in error.message
    assert error.available_models == [REAL, "aaa-other", "text-embedding-nomic"]


def test_with_downloads_the_failed_download_names_the_closest_model() -> None:
    with FakeLMStudio(models=_catalog()) as fake:
        with pytest.raises(ModelNotFoundError) as caught:
            make_call(fake, "sync")("ensure_model", TYPO, progress=False, poll_interval=0.01)
    message = caught.value.message
    assert message.startswith(f"{TYPO!r} is neither on the server nor in LM Studio's catalog")
    assert f"did you mean {REAL!r}?" in message
    assert "qwen/qwen3-4b-2507" not in message  # no unrelated example model
    assert isinstance(caught.value.__cause__, ModelNotFoundError)  # the download's own error


def test_nothing_close_still_says_how_to_download() -> None:
    with FakeLMStudio(models=_catalog()) as fake:
        with pytest.raises(ModelNotFoundError) as caught:
            make_call(fake, "sync")("ensure_model", "zz/mistral", download=False, progress=False)
    message = caught.value.message
    assert "did you mean" not in message
    assert "(the server has: aaa-other, qwen2.5-7b-instruct, text-embedding-nomic)" in message
    assert "`lms get zz/mistral`" in message
