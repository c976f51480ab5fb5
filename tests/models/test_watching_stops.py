"""When the watching stops and the download goes on: Ctrl-C, cancellation, a lost connection."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import pytest

from lmstudio_core import (
    AsyncLMStudioClient,
    DownloadInterrupted,
    DownloadWatchLostError,
    LMStudioClient,
    LMStudioConnectionError,
    ProgressUpdate,
)
from lmstudio_core.testing import FakeLMStudio
from tests.models.conftest import GB, QWEN, Call, client_options

FAST = 0.01


def test_ctrl_c_stops_watching_and_the_job_goes_on(call: Call, fake: FakeLMStudio) -> None:
    fake.add_downloadable(QWEN, size=4 * GB, steps=4)
    updates: list[ProgressUpdate] = []

    def press_ctrl_c_on_second_update(update: ProgressUpdate) -> None:
        updates.append(update)
        if len(updates) == 2:
            raise KeyboardInterrupt

    with pytest.raises(DownloadInterrupted) as caught:
        call("download_model", QWEN, progress=press_ctrl_c_on_second_update, poll_interval=FAST)
    stopped = caught.value
    assert isinstance(stopped, KeyboardInterrupt)  # the program still stops, as asked
    job_id = fake.downloads[QWEN].job_id
    assert stopped.job_id == job_id
    assert stopped.model == QWEN
    assert "continues in LM Studio" in str(stopped)
    assert f"client.watch_download({job_id!r})" in str(stopped)
    assert updates[-1].state == "interrupted"
    assert updates[-1].job_id == job_id
    # The job was not cancelled: watching it again follows it to the end.
    polls_before = fake.downloads[QWEN].polls
    result = call("watch_download", job_id, model=QWEN, progress=False, poll_interval=FAST)
    assert result.status == "completed"
    assert result.job_id == job_id
    assert fake.downloads[QWEN].polls > polls_before
    assert not any(r.method == "DELETE" for r in fake.requests)


def test_ctrl_c_before_a_job_exists_is_a_plain_interrupt(fake: FakeLMStudio) -> None:
    def interrupt(update: ProgressUpdate) -> None:
        raise KeyboardInterrupt

    with LMStudioClient(**client_options(fake)) as client:
        with pytest.raises(KeyboardInterrupt) as caught:
            client.download_model("idle-llm", progress=interrupt)  # already downloaded
    assert not isinstance(caught.value, DownloadInterrupted)


async def test_cancelling_the_task_stops_watching(
    fake: FakeLMStudio, caplog: pytest.LogCaptureFixture
) -> None:
    fake.add_downloadable(QWEN, size=GB, steps=1000)
    updates: list[ProgressUpdate] = []
    polled_twice = asyncio.Event()

    def record(update: ProgressUpdate) -> None:
        updates.append(update)
        if len(updates) == 3:
            polled_twice.set()

    client = AsyncLMStudioClient(**client_options(fake))
    task = asyncio.create_task(client.download_model(QWEN, progress=record, poll_interval=FAST))
    await polled_twice.wait()
    with caplog.at_level(logging.INFO, logger="lmstudio_core"):
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    job_id = fake.downloads[QWEN].job_id
    assert updates[-1].state == "interrupted"
    assert updates[-1].job_id == job_id
    assert f"watch_download({job_id!r})" in caplog.text
    await client.aclose()


async def test_async_polling_does_not_block_the_loop(fake: FakeLMStudio) -> None:
    fake.add_downloadable(QWEN, size=GB, steps=5)
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    async with AsyncLMStudioClient(**client_options(fake)) as client:
        ticking = asyncio.create_task(ticker())
        await client.download_model(QWEN, progress=False, poll_interval=0.05)
        done.set()
        await ticking
    assert ticks >= 5  # the loop ran other work while the download was being watched


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_lost_connection_says_the_job_goes_on_and_how_to_resume(mode: str) -> None:
    port = _free_port()  # fixed, so LM Studio can come back at the same address
    options = {
        "base_url": f"http://127.0.0.1:{port}/v1",
        "max_retries": 0,
        "circuit_breaker_threshold": 0,
        "verify": False,
    }
    fake = FakeLMStudio(port=port).start()
    fake.add_downloadable(QWEN, size=3 * GB, steps=3)

    states: list[str] = []

    def server_goes_away(update: ProgressUpdate) -> None:
        states.append(update.state)
        if update.state == "downloading":
            fake.stop()

    def watch(method: str, *args: Any, **kwargs: Any) -> Any:
        if mode == "sync":
            with LMStudioClient(**options) as client:
                return getattr(client, method)(*args, **kwargs)

        async def run() -> Any:
            async with AsyncLMStudioClient(**options) as client:
                return await getattr(client, method)(*args, **kwargs)

        return asyncio.run(run())

    try:
        with pytest.raises(DownloadWatchLostError) as caught:
            watch("download_model", QWEN, progress=server_goes_away, poll_interval=FAST)
        error = caught.value
        assert isinstance(error, LMStudioConnectionError)
        job_id = fake.downloads[QWEN].job_id
        assert error.job_id == job_id
        assert "continues in LM Studio" in error.message
        assert f"watch_download({job_id!r})" in error.message
        assert states == ["downloading", "interrupted"]  # the display says how it ended
        fake.start()  # LM Studio is back (same port): the job is still there
        result = watch("watch_download", job_id, progress=False, poll_interval=FAST)
        assert result.status == "completed"
    finally:
        fake.stop()
