"""ensure_model does only what is missing: the recorded requests prove it (sync and async)."""

from __future__ import annotations

import pytest

from lmstudio_core import DownloadNotSupportedError, ModelNotFoundError, ReadyModel
from lmstudio_core.testing import FakeLMStudio
from tests.models.conftest import GB, QWEN, Call, make_call, paths

FAST = 0.01
LOAD = "POST /api/v1/models/load"
CATALOG = "GET /api/v1/models"


def test_loaded_and_compatible_needs_only_the_catalog(call: Call, fake: FakeLMStudio) -> None:
    ready = call("ensure_model", "fake-llm", context_length=2048, progress=False)
    assert isinstance(ready, ReadyModel)
    assert ready.model == "fake-llm"
    assert ready.context_length == 4096  # the loaded instance has more than asked: reused
    assert ready.facts.type == "llm"
    assert ready.facts.tools is True
    assert not ready.was_loaded
    assert not ready.was_downloaded
    assert paths(fake) == [CATALOG]


def test_loaded_with_a_smaller_context_is_loaded_again(call: Call, fake: FakeLMStudio) -> None:
    ready = call("ensure_model", "fake-llm", context_length=16384, ttl=600, progress=False)
    assert paths(fake) == [CATALOG, LOAD]
    assert fake.requests[-1].json == {
        "model": "fake-llm",
        "echo_load_config": True,
        "context_length": 16384,
        "ttl": 600,
    }
    assert ready.was_loaded
    assert ready.context_length == 16384
    assert ready.load is not None
    assert ready.load.load_time_seconds == fake.load_time_seconds


def test_other_engine_options_are_compared(call: Call, fake: FakeLMStudio) -> None:
    call("ensure_model", "fake-llm", flash_attention=True, progress=False)
    assert paths(fake) == [CATALOG]  # the fake's instances run with flash attention
    fake.clear()
    call("ensure_model", "fake-llm", flash_attention=False, eval_batch_size=256, progress=False)
    assert paths(fake) == [CATALOG, LOAD]
    assert fake.requests[-1].json["flash_attention"] is False
    assert fake.model("fake-llm").load_config["eval_batch_size"] == 256
    fake.clear()
    call("ensure_model", "fake-llm", flash_attention=False, progress=False)
    assert paths(fake) == [CATALOG]  # now loaded that way


def test_downloaded_but_not_loaded_is_loaded(call: Call, fake: FakeLMStudio) -> None:
    ready = call("ensure_model", "idle-llm", context_length=8192, progress=False)
    assert paths(fake) == [CATALOG, LOAD]
    assert ready.model == "idle-llm"
    assert ready.context_length == 8192
    assert fake.model("idle-llm").loaded


def test_missing_is_downloaded_then_loaded(call: Call, fake: FakeLMStudio) -> None:
    fake.add_downloadable(QWEN, size=2 * GB, steps=2)
    ready = call("ensure_model", QWEN, context_length=8192, progress=False, poll_interval=FAST)
    job = fake.downloads[QWEN].job_id
    status = f"GET /api/v1/models/download/status/{job}"
    assert paths(fake) == [
        CATALOG,
        "POST /api/v1/models/download",
        status,
        status,
        CATALOG,
        LOAD,
    ]
    assert ready.was_downloaded
    assert ready.was_loaded
    assert ready.download is not None
    assert ready.download.job_id == job
    assert ready.model == QWEN
    assert ready.context_length == 8192
    fake.clear()
    again = call("ensure_model", QWEN, context_length=8192, progress=False)
    assert paths(fake) == [CATALOG]
    assert not again.was_loaded


def test_download_false_refuses_to_download(call: Call, fake: FakeLMStudio) -> None:
    fake.add_downloadable(QWEN, size=GB)
    with pytest.raises(ModelNotFoundError) as caught:
        call("ensure_model", QWEN, download=False, progress=False)
    assert "is not downloaded" in caught.value.message
    assert f"download_model({QWEN!r})" in caught.value.message
    assert paths(fake) == [CATALOG]


def test_load_false_only_downloads(call: Call, fake: FakeLMStudio) -> None:
    fake.add_downloadable(QWEN, size=GB, steps=1)
    ready = call("ensure_model", QWEN, load=False, progress=False, poll_interval=FAST)
    assert ready.was_downloaded
    assert not ready.was_loaded
    assert LOAD not in paths(fake)
    assert fake.model(QWEN).loaded is False


def test_an_instance_id_is_found(call: Call, fake: FakeLMStudio) -> None:
    ready = call("ensure_model", "fake-llm@q4_k_m", progress=False)
    assert ready.model == "fake-llm"
    assert paths(fake) == [CATALOG]


def test_unknown_load_option_warns_and_is_sent(call: Call, fake: FakeLMStudio) -> None:
    with pytest.warns(UserWarning, match="did you mean 'flash_attention'"):
        call("ensure_model", "idle-llm", flash_attenton=True, progress=False)
    assert fake.requests[-1].json["flash_attenton"] is True


def test_lm_studio_0_3_ensures_a_loaded_model_and_cannot_download() -> None:
    with FakeLMStudio(api_v1=False) as old:
        ready = make_call(old, "sync")("ensure_model", "fake-llm", progress=False)
        assert ready.model == "fake-llm"
        assert ready.facts.source == "/api/v0/models"
        assert not ready.was_loaded
        with pytest.raises(DownloadNotSupportedError):
            make_call(old, "async")("ensure_model", "not-here", progress=False)


def test_load_model_takes_the_same_option_names(call: Call, fake: FakeLMStudio) -> None:
    loaded = call(
        "load_model",
        "idle-llm",
        context_length=8192,
        ttl=300,
        flash_attention=False,
        offload_kv_cache_to_gpu=False,
        progress=False,
    )
    assert loaded.context_length == 8192
    assert loaded.raw["load_config"] == {
        "context_length": 8192,
        "eval_batch_size": 512,
        "flash_attention": False,
        "offload_kv_cache_to_gpu": False,
    }
    assert fake.model("idle-llm").ttl == 300
