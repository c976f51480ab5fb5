"""Downloading a model through LM Studio (0.4+), as flows shared by the sync and async clients.

``POST /api/v1/models/download`` starts a job in LM Studio and answers at once; the flow then
polls ``GET /api/v1/models/download/status/{job_id}`` (waiting with `Sleep` steps, so the async
client never blocks its loop), reports each answer to a `ProgressReporter`, and returns a
`DownloadResult` when the model is on disk. The job runs in LM Studio, not here: when the
watching stops (a lost connection, Ctrl-C, a cancelled task) the download goes on, and the
error says how to watch it again (``watch_download(job_id)``).

What happens on Ctrl-C is decided by `DownloadWatch`, which the runners consult: it is the only
part that sits outside the flow, because a `KeyboardInterrupt` or a cancellation arrives in the
runner, not in the flow.
"""

from __future__ import annotations

import logging
from typing import Any

from lmstudio_core.download_errors import (
    DownloadError,
    DownloadFailedError,
    DownloadInterrupted,
    DownloadNotSupportedError,
    DownloadWatchLostError,
    resume_hint,
)
from lmstudio_core.error_answers import error_message_of, missing_endpoint
from lmstudio_core.errors import (
    BadRequestError,
    CircuitOpenError,
    InvalidRequestError,
    InvalidResponseError,
    LMStudioConnectionError,
    ModelNotFoundError,
)
from lmstudio_core.model_results import DownloadResult, ProgressUpdate
from lmstudio_core.progress import ProgressReporter
from lmstudio_core.request_loop import RequestLoop
from lmstudio_core.steps import Flow, Sleep

__all__ = ["DOWNLOAD_PATH", "STATUS_PATH", "DownloadWatch", "download_flow", "watch_flow"]

log = logging.getLogger("lmstudio_core")

DOWNLOAD_PATH = "/api/v1/models/download"
"""Starts a download job (LM Studio 0.4+)."""
STATUS_PATH = "/api/v1/models/download/status/"
"""Followed by the job id: the job's state and numbers."""


class DownloadWatch:
    """The watching of one download: its model, display, poll interval and running job.

    Args:
        model: the model asked for (catalog id or Hugging Face URL), or a job's label.
        reporter: where progress goes (`progress.progress_reporter`).
        poll_interval: seconds between two status requests.
    """

    def __init__(self, model: str, reporter: ProgressReporter, poll_interval: float) -> None:
        if not poll_interval > 0:
            raise InvalidRequestError(f"poll_interval must be positive; got {poll_interval!r}.")
        self.model = model
        self.reporter = reporter
        self.poll_interval = poll_interval
        self.job_id: str | None = None
        """The job being watched; ``None`` before it started and once it ended."""

    def stopped(self) -> DownloadInterrupted | None:
        """The watching was stopped from outside (Ctrl-C, cancellation): tell the user.

        Returns the `DownloadInterrupted` to raise on Ctrl-C while a job runs, ``None`` when no
        job was running (the plain interruption then goes on).
        """
        job_id, self.job_id = self.job_id, None
        if job_id is None:
            self.reporter.close()
            return None
        error = DownloadInterrupted(self.model, job_id)
        self.reporter.update(ProgressUpdate("interrupted", self.model, job_id=job_id))
        self.reporter.close()
        log.info("%s", error.message)
        return error

    def close(self) -> None:
        """Release the display."""
        self.reporter.close()


def download_flow(
    protocol: RequestLoop, watch: DownloadWatch, quantization: str | None = None
) -> Flow[DownloadResult]:
    """Start downloading ``watch.model`` and follow the job until the model is on disk."""
    body: dict[str, Any] = {"model": watch.model}
    if quantization is not None:
        body["quantization"] = quantization
    try:
        data = yield from protocol.json_request(
            "POST", protocol.root_url + DOWNLOAD_PATH, body=body, list_models_on_missing=False
        )
    except BadRequestError as exc:
        raise _start_error(exc, watch.model, protocol.root_url) from exc
    return (yield from _follow(protocol, watch, data, None))


def watch_flow(protocol: RequestLoop, watch: DownloadWatch, job_id: str) -> Flow[DownloadResult]:
    """Follow a download job that is already running (after a lost connection or Ctrl-C)."""
    data = yield from _status(protocol, watch, job_id)
    return (yield from _follow(protocol, watch, data, job_id))


def _follow(
    protocol: RequestLoop, watch: DownloadWatch, data: Any, job_id: str | None
) -> Flow[DownloadResult]:
    """Report each answer and poll until the job completes or fails."""
    while True:
        if not isinstance(data, dict):
            raise InvalidResponseError(f"The download endpoint answered {data!r}, not an object.")
        update = ProgressUpdate.from_job(data, watch.model, job_id)
        job_id = watch.job_id = update.job_id
        watch.reporter.update(update)
        if update.state in ("completed", "already_downloaded"):
            watch.job_id = None
            return DownloadResult.from_wire(data, watch.model, job_id)
        if update.state == "failed":
            watch.job_id = None
            raise DownloadFailedError(
                f"LM Studio reported the download of {watch.model!r} as failed (job {job_id}). "
                "Check free disk space and the network (the app's Downloads panel shows the "
                "reason), then call download_model again.",
                model=watch.model,
                job_id=job_id,
                body=data,
            )
        if job_id is None:
            raise InvalidResponseError(
                f"LM Studio answered the download of {watch.model!r} with status "
                f"{data.get('status')!r} and no job_id, so it cannot be followed.",
                body=data,
            )
        yield Sleep(watch.poll_interval)
        data = yield from _status(protocol, watch, job_id)


def _status(protocol: RequestLoop, watch: DownloadWatch, job_id: str) -> Flow[Any]:
    """One ``GET .../status/{job_id}``; a broken connection says the job goes on."""
    try:
        return (
            yield from protocol.json_request(
                "GET", protocol.root_url + STATUS_PATH + job_id, list_models_on_missing=False
            )
        )
    except (LMStudioConnectionError, CircuitOpenError) as exc:
        watch.reporter.update(ProgressUpdate("interrupted", watch.model, job_id=job_id))
        raise DownloadWatchLostError(
            f"Lost the connection to LM Studio while watching the download of {watch.model!r} "
            f"({exc.message}). {resume_hint(job_id)}",
            model=watch.model,
            job_id=job_id,
        ) from exc
    except BadRequestError as exc:
        watch.reporter.update(ProgressUpdate("failed", watch.model, job_id=job_id))
        raise DownloadError(
            f"LM Studio does not know the download job {job_id!r} ({exc.message}). It may "
            "belong to an LM Studio that was restarted since: check with list_models() whether "
            "the model is there, or start again with download_model().",
            model=watch.model,
            job_id=job_id,
            status_code=exc.status_code,
            body=exc.body,
        ) from exc


def _start_error(exc: BadRequestError, model: str, root_url: str) -> BadRequestError:
    """The error for a download that could not start: unknown model or no such endpoint."""
    said = (error_message_of(exc.body) or exc.message).strip().removesuffix(".")
    missing, old_lm_studio = missing_endpoint(exc.status_code, said)
    names_model = model.lower() in said.lower()
    if isinstance(exc, ModelNotFoundError) or (not old_lm_studio and names_model):
        return ModelNotFoundError(
            f"LM Studio does not know a model {model!r} to download ({said}). Use a catalog "
            "id such as 'qwen/qwen3-4b-2507' (browse https://lmstudio.ai/models) or the exact "
            "URL of a Hugging Face repository (with quantization='Q4_K_M'); `lms get` searches.",
            model=model,
            status_code=exc.status_code,
            body=exc.body,
        )
    if missing:
        return DownloadNotSupportedError(
            f"{root_url} has no model download endpoint (POST {DOWNLOAD_PATH}: {said}). "
            "Downloading over HTTP needs LM Studio 0.4 or newer: update LM Studio, or download "
            f"in the app or with `lms get {model}`. llama.cpp and other OpenAI-compatible "
            "servers cannot download models.",
            model=model,
            status_code=exc.status_code,
            body=exc.body,
        )
    return exc
