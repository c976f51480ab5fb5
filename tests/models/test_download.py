"""download_model and watch_download against FakeLMStudio, sync and async: every job state."""

from __future__ import annotations

import pytest

from lmstudio_core import (
    DownloadError,
    DownloadFailedError,
    DownloadNotSupportedError,
    DownloadResult,
    ModelNotFoundError,
    ProgressUpdate,
)
from lmstudio_core.testing import FakeLMStudio
from tests.models.conftest import GB, QWEN, Call, make_call, paths

FAST = 0.01  # poll interval of the tests (the fake advances one step per poll, not per second)


def test_download_polls_until_completed(call: Call, fake: FakeLMStudio) -> None:
    fake.add_downloadable(QWEN, size=3 * GB, steps=3)
    result = call("download_model", QWEN, progress=False, poll_interval=FAST)
    assert isinstance(result, DownloadResult)
    assert result.status == "completed"
    assert result.model == QWEN
    assert result.job_id is not None
    assert result.job_id.startswith("job_")
    assert result.total_bytes == 3 * GB
    assert result.started_at
    assert result.completed_at
    status = f"GET /api/v1/models/download/status/{result.job_id}"
    assert paths(fake) == ["POST /api/v1/models/download", status, status, status]
    assert fake.requests[0].json == {"model": QWEN}
    assert fake.model(QWEN).loaded is False  # on disk now, not loaded


def test_progress_callback_values(call: Call, fake: FakeLMStudio) -> None:
    fake.add_downloadable(QWEN, size=4 * GB, steps=4)
    updates: list[ProgressUpdate] = []
    result = call("download_model", QWEN, progress=updates.append, poll_interval=FAST)
    assert [u.state for u in updates] == ["downloading"] * 4 + ["completed"]
    assert [u.downloaded_bytes for u in updates] == [0, GB, 2 * GB, 3 * GB, 4 * GB]
    assert [u.fraction for u in updates] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert {u.total_bytes for u in updates} == {4 * GB}
    assert {u.job_id for u in updates} == {result.job_id}
    assert {u.model for u in updates} == {QWEN}
    assert {u.step for u in updates} == {"download"}
    polled = updates[1:4]  # the status answers carry speed; the time left follows from it
    assert [u.bytes_per_second for u in polled] == [float(GB)] * 3
    assert [u.eta_seconds for u in polled] == [3.0, 2.0, 1.0]
    assert updates[-1].finished
    assert not updates[0].finished


def test_already_downloaded_returns_at_once(call: Call, fake: FakeLMStudio) -> None:
    updates: list[ProgressUpdate] = []
    result = call("download_model", "idle-llm", progress=updates.append, poll_interval=FAST)
    assert result.status == "already_downloaded"
    assert result.job_id is None
    assert paths(fake) == ["POST /api/v1/models/download"]
    assert [u.state for u in updates] == ["already_downloaded"]


def test_paused_job_is_reported_and_followed(call: Call, fake: FakeLMStudio) -> None:
    fake.add_downloadable(QWEN, size=GB, steps=2, paused_polls=2)
    updates: list[ProgressUpdate] = []
    result = call("download_model", QWEN, progress=updates.append, poll_interval=FAST)
    assert result.status == "completed"
    states = [u.state for u in updates]
    assert states == ["downloading", "paused", "paused", "downloading", "completed"]


def test_failed_job_raises_with_the_job_id(call: Call, fake: FakeLMStudio) -> None:
    fake.add_downloadable(QWEN, size=GB, steps=2, fail=True)
    updates: list[ProgressUpdate] = []
    with pytest.raises(DownloadFailedError) as caught:
        call("download_model", QWEN, progress=updates.append, poll_interval=FAST)
    error = caught.value
    assert error.model == QWEN
    assert error.job_id is not None
    assert error.job_id in error.message
    assert "failed" in error.message
    assert "disk space" in error.message
    assert updates[-1].state == "failed"
    assert all(m.id != QWEN for m in fake.models)  # nothing appeared in the catalog


def test_unknown_model_says_what_to_use(call: Call, fake: FakeLMStudio) -> None:
    with pytest.raises(ModelNotFoundError) as caught:
        call("download_model", "nobody/no-such-model", progress=False)
    message = caught.value.message
    assert "does not know a model 'nobody/no-such-model' to download" in message
    assert "catalog id" in message
    assert "Hugging Face" in message
    assert caught.value.model == "nobody/no-such-model"
    assert paths(fake) == ["POST /api/v1/models/download"]


def test_quantization_is_sent(call: Call, fake: FakeLMStudio) -> None:
    url = "https://huggingface.co/Qwen/Qwen3-4B-GGUF"
    fake.add_downloadable(url, size=GB, steps=1)
    call("download_model", url, quantization="Q4_K_M", progress=False, poll_interval=FAST)
    assert fake.requests[0].json == {"model": url, "quantization": "Q4_K_M"}


def test_lm_studio_0_3_has_no_download_endpoint() -> None:
    with FakeLMStudio(api_v1=False) as old:
        for mode in ("sync", "async"):
            with pytest.raises(DownloadNotSupportedError) as caught:
                make_call(old, mode)("download_model", QWEN, progress=False)
            message = caught.value.message
            assert "LM Studio 0.4 or newer" in message
            assert f"lms get {QWEN}" in message
            assert caught.value.status_code == 200  # LM Studio's "unexpected endpoint" answer


def test_watch_download_of_an_unknown_job(call: Call, fake: FakeLMStudio) -> None:
    with pytest.raises(DownloadError) as caught:
        call("watch_download", "job_missing", progress=False)
    assert "does not know the download job 'job_missing'" in caught.value.message
    assert caught.value.job_id == "job_missing"


def test_poll_interval_must_be_positive(call: Call, fake: FakeLMStudio) -> None:
    with pytest.raises(ValueError, match="poll_interval must be positive"):
        call("download_model", QWEN, progress=False, poll_interval=0)
    assert fake.requests == []


def test_lenient_fake_downloads_any_name() -> None:
    with FakeLMStudio() as lenient:
        result = make_call(lenient, "sync")("download_model", QWEN, progress=False)
        assert result.status == "completed"
        assert lenient.model(QWEN).loaded is False
