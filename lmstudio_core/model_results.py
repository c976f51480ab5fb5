"""Typed results of model management: download progress, a finished download, a ready model.

`ProgressUpdate` is what a ``progress=`` callback receives, for a download (LM Studio's job
status) and for a load. `DownloadResult` is what ``download_model`` returns once the model is on
disk, and `ReadyModel` what ``ensure_model`` returns. The load answer is `LoadResult`
(`results.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lmstudio_core.results import LoadResult, ModelFacts, optional_int

__all__ = [
    "DownloadResult",
    "DownloadState",
    "ProgressState",
    "ProgressUpdate",
    "ReadyModel",
]

DownloadState = Literal["downloading", "paused", "completed", "failed", "already_downloaded"]
"""A download job's ``status`` as LM Studio reports it."""
ProgressState = Literal[
    "downloading",
    "paused",
    "completed",
    "failed",
    "already_downloaded",
    "loading",
    "loaded",
    "interrupted",
]
"""A download state, or ``loading``/``loaded`` for a load, or ``interrupted`` when the watching
stopped (Ctrl-C, cancellation) while the download goes on in LM Studio."""

_DOWNLOAD_STATES = ("downloading", "paused", "completed", "failed", "already_downloaded")


@dataclass(frozen=True)
class ProgressUpdate:
    """One progress report of a long step (a download or a load), for ``progress=`` callbacks.

    Sizes and speed are what LM Studio reported; ``None`` when it did not say.
    """

    state: ProgressState
    """``downloading``, ``paused``, ``completed``, ``failed``, ``already_downloaded``,
    ``loading``, ``loaded`` or ``interrupted``."""
    model: str
    """The model being downloaded or loaded, as it was asked for."""
    step: Literal["download", "load"] = "download"
    """Which long step this is about."""
    job_id: str | None = None
    """LM Studio's download job (``None`` for a load and for ``already_downloaded``)."""
    downloaded_bytes: int | None = None
    """Bytes on disk so far."""
    total_bytes: int | None = None
    """Size of the whole download."""
    bytes_per_second: float | None = None
    """Current download speed."""
    eta_seconds: float | None = None
    """Estimated seconds left: from the bytes left and the speed, else LM Studio's estimate."""
    load_time_seconds: float | None = None
    """For ``loaded``: how long the load took."""

    @property
    def fraction(self) -> float | None:
        """Share done, 0.0 to 1.0; ``None`` when the total is unknown."""
        if self.state in ("completed", "already_downloaded", "loaded"):
            return 1.0
        if not self.total_bytes or self.downloaded_bytes is None:
            return None
        return min(1.0, self.downloaded_bytes / self.total_bytes)

    @property
    def finished(self) -> bool:
        """True for a state after which nothing more happens in this step."""
        return self.state in ("completed", "already_downloaded", "failed", "loaded", "interrupted")

    @classmethod
    def from_job(cls, data: Any, model: str, job_id: str | None = None) -> ProgressUpdate:
        """Read a download answer (``POST .../download`` or ``GET .../status/{job_id}``)."""
        data = data if isinstance(data, dict) else {}
        status = data.get("status")
        state: DownloadState = status if status in _DOWNLOAD_STATES else "downloading"
        total = optional_int(data.get("total_size_bytes"))
        done = optional_int(data.get("downloaded_bytes"))
        speed = data.get("bytes_per_second")
        speed = float(speed) if isinstance(speed, int | float) and speed > 0 else None
        eta: float | None = None
        if state == "downloading":
            if speed and total is not None and done is not None:
                eta = max(0.0, (total - done) / speed)
            else:
                eta = _seconds_until(data.get("estimated_completion"))
        return cls(
            state=state,
            model=model,
            job_id=str(data.get("job_id") or job_id) if data.get("job_id") or job_id else None,
            downloaded_bytes=done if done is not None else (total if state == "completed" else 0),
            total_bytes=total,
            bytes_per_second=speed,
            eta_seconds=eta,
        )


def _seconds_until(timestamp: Any) -> float | None:
    """Seconds from now to an ISO-8601 time (``...Z`` accepted); ``None`` if unreadable."""
    if not isinstance(timestamp, str):
        return None
    try:
        when = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class DownloadResult(BaseModel):
    """A model that is on disk: what ``download_model`` and ``watch_download`` return."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    model: str
    """The model as it was asked for (catalog id or Hugging Face URL)."""
    status: Literal["completed", "already_downloaded"]
    """``already_downloaded`` when nothing had to be fetched."""
    job_id: str | None = None
    """LM Studio's download job; ``None`` when the model was already downloaded."""
    total_bytes: int | None = None
    """Size of the download, when reported."""
    started_at: str | None = None
    """When the job started (LM Studio's timestamp)."""
    completed_at: str | None = None
    """When the job completed (LM Studio's timestamp)."""
    raw: dict[str, Any] = Field(default_factory=dict)
    """The last answer as the server sent it."""

    @classmethod
    def from_wire(cls, data: dict[str, Any], model: str, job_id: str | None) -> DownloadResult:
        """Read the last download answer (``completed`` or ``already_downloaded``)."""
        status: Literal["completed", "already_downloaded"] = (
            "already_downloaded" if data.get("status") == "already_downloaded" else "completed"
        )
        started, completed = data.get("started_at"), data.get("completed_at")
        return cls(
            model=model,
            status=status,
            job_id=str(data.get("job_id") or job_id) if data.get("job_id") or job_id else None,
            total_bytes=optional_int(data.get("total_size_bytes")),
            started_at=started if isinstance(started, str) else None,
            completed_at=completed if isinstance(completed, str) else None,
            raw=data,
        )


class ReadyModel(BaseModel):
    """What ``ensure_model`` returns: the model to use, its facts, and what had to be done."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    model: str
    """The id to pass as ``model=``: the loaded instance's id (the model key if not loaded)."""
    facts: ModelFacts
    """Type, context length and capabilities (``facts.context_length`` is the loaded one)."""
    download: DownloadResult | None = None
    """The download, when the model had to be downloaded."""
    load: LoadResult | None = None
    """The load, when the model had to be loaded."""

    @property
    def context_length(self) -> int | None:
        """The context length the model is loaded with (else its maximum), when known."""
        return self.facts.context_length

    @property
    def was_downloaded(self) -> bool:
        """True when this call downloaded the model."""
        return self.download is not None and self.download.status == "completed"

    @property
    def was_loaded(self) -> bool:
        """True when this call loaded the model."""
        return self.load is not None
