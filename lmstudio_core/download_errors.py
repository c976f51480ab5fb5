"""The errors of a model download, each saying what to do (part of `errors.py`'s hierarchy).

A download runs in LM Studio, not in this process: when the watching stops (a lost connection,
Ctrl-C), the job goes on, and the error says so and how to watch it again.
"""

from __future__ import annotations

from typing import Any

from lmstudio_core.errors import BadRequestError, LMStudioConnectionError, LMStudioError

__all__ = [
    "DownloadError",
    "DownloadFailedError",
    "DownloadInterrupted",
    "DownloadNotSupportedError",
    "DownloadWatchLostError",
    "resume_hint",
]


def resume_hint(job_id: str) -> str:
    """How to watch a running job again."""
    return (
        f"The download continues in LM Studio (job {job_id}): watch it again with "
        f"client.watch_download({job_id!r}), or in the app's Downloads panel."
    )


class DownloadError(LMStudioError):
    """A model download did not finish.

    Attributes:
        model: the model that was asked for.
        job_id: LM Studio's download job, when one was started.
    """

    def __init__(
        self,
        message: str,
        *,
        model: str | None = None,
        job_id: str | None = None,
        status_code: int | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message, status_code=status_code, body=body)
        self.model = model
        self.job_id = job_id


class DownloadFailedError(DownloadError):
    """LM Studio reported the download job as ``failed`` (network, disk space, a bad file)."""


class DownloadNotSupportedError(DownloadError, BadRequestError):
    """The server has no download endpoint: LM Studio older than 0.4, or not LM Studio."""


class DownloadWatchLostError(DownloadError, LMStudioConnectionError):
    """The connection broke while watching a download; the job goes on in LM Studio."""


class DownloadInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the watching of a download; the download continues in LM Studio.

    A `KeyboardInterrupt`, so the program stops as the user asked; its message says how to
    watch the job again.

    Attributes:
        model: the model being downloaded.
        job_id: LM Studio's download job.
    """

    def __init__(self, model: str, job_id: str) -> None:
        self.model = model
        self.job_id = job_id
        self.message = f"Stopped watching the download of {model!r}. {resume_hint(job_id)}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
