"""A server that cannot load over HTTP says so (not "check base_url"); a load that fails after
its "Loading" line shows how it ended."""

from __future__ import annotations

import pytest

from lmstudio_core import BadRequestError, LoadNotSupportedError, ModelNotFoundError
from lmstudio_core.model_results import ProgressUpdate
from lmstudio_core.testing import FakeLMStudio
from tests.models.conftest import Call, make_call


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_lm_studio_0_3_cannot_load_or_unload_over_http(mode: str) -> None:
    with FakeLMStudio(api_v1=False) as old:
        call = make_call(old, mode)
        with pytest.raises(LoadNotSupportedError) as loading:
            call("load_model", "fake-llm", progress=False)
        with pytest.raises(LoadNotSupportedError) as unloading:
            call("unload_model", "fake-llm")
    load, unload = loading.value, unloading.value
    assert isinstance(load, BadRequestError)
    assert load.model == "fake-llm"
    assert "older than 0.4, which cannot load models over HTTP" in load.message
    assert "`lms load fake-llm`" in load.message
    assert "ends in /v1" not in load.message
    assert "cannot unload models over HTTP" in unload.message
    assert "`lms unload fake-llm`" in unload.message


def test_a_failed_load_is_reported_after_loading(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeLMStudio(api_v1=False) as old:
        call = make_call(old, "sync")
        with pytest.raises(LoadNotSupportedError):
            call("load_model", "fake-llm", progress=True)  # stderr is no terminal: lines
        updates: list[ProgressUpdate] = []
        with pytest.raises(LoadNotSupportedError):
            call("load_model", "fake-llm", progress=updates.append)
    assert capsys.readouterr().err.splitlines() == ["Loading fake-llm", "Loading fake-llm failed"]
    assert [(u.step, u.state) for u in updates] == [("load", "loading"), ("load", "failed")]
    assert updates[-1].finished


def test_an_unknown_model_names_the_models(call: Call, fake: FakeLMStudio) -> None:
    with pytest.raises(ModelNotFoundError) as caught:
        call("load_model", "nope/nope", progress=False)
    assert caught.value.model == "nope/nope"
    assert set(caught.value.available_models) >= {"fake-llm", "idle-llm"}
    assert "fake-llm" in caught.value.message
