"""The fake server's model management: load, unload, and download jobs that progress over time.

`ModelRoutes` is mixed into `FakeLMStudio`. It serves the catalog and LM Studio 0.4's
``POST /api/v1/models/load`` (echoing the load configuration), ``POST /api/v1/models/unload``,
``POST /api/v1/models/download`` and ``GET /api/v1/models/download/status/{job_id}``.

A download job advances one step per status request, so a test controls time by polling:
``downloading`` with ``downloaded_bytes`` growing by ``size / steps`` per poll, and after
``steps`` polls ``completed`` (the model then appears in the catalog, not loaded) or
``failed``; ``paused_polls`` first answers that many polls ``paused``. A model already in the
catalog answers ``already_downloaded``; a model LM Studio does not know gets its error answer.
The catalog routes (``/v1/models``, ``/api/v0/models``, ``/api/v1/models``) are here too.
"""

from __future__ import annotations

import copy
import itertools
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from lmstudio_core.testing.catalog import (
    DEFAULT_LOAD_CONFIG,
    FakeModel,
    api_v0_model,
    api_v0_models,
    api_v1_models,
    openai_models,
)
from lmstudio_core.testing.replies import Answer

__all__ = ["FakeDownload", "ModelRoutes", "error_answer"]

_DOWNLOAD = "/api/v1/models/download"
_STATUS = "/api/v1/models/download/status/"
_ENGINE_OPTIONS = ("eval_batch_size", "flash_attention", "num_experts", "offload_kv_cache_to_gpu")


def error_answer(
    status: int,
    message: str,
    *,
    code: str | None = None,
    param: str | None = None,
    kind: str = "invalid_request_error",
) -> Answer:
    """LM Studio's object-form error answer."""
    return Answer(
        status=status,
        body={"error": {"message": message, "type": kind, "param": param, "code": code}},
    )


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _timestamp(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class FakeDownload:
    """A model the fake server can download, and the state of its job once started."""

    model: FakeModel
    """The model that appears in the catalog (not loaded) when the job completes."""
    size: int
    """``total_size_bytes``."""
    steps: int = 3
    """Status polls until the job ends; each adds ``size / steps`` bytes."""
    fail: bool = False
    """End with ``failed`` instead of ``completed``."""
    paused_polls: int = 0
    """Polls answered ``paused`` (no progress) before the first step."""
    job_id: str | None = None
    """Set when a download request started the job."""
    polls: int = 0
    """Status requests served so far."""
    started_at: str | None = None
    """When the job started."""

    @property
    def _done_steps(self) -> int:
        return max(0, self.polls - self.paused_polls)

    @property
    def state(self) -> str:
        """``downloading``, ``paused``, ``completed`` or ``failed`` after ``polls`` polls."""
        if 1 <= self.polls <= self.paused_polls:
            return "paused"
        if self._done_steps >= self.steps:
            return "failed" if self.fail else "completed"
        return "downloading"

    @property
    def downloaded_bytes(self) -> int:
        """Bytes on disk after ``polls`` polls."""
        done = min(self._done_steps, self.steps - 1 if self.fail else self.steps)
        return self.size * done // max(1, self.steps)

    def status_body(self) -> dict[str, Any]:
        """The job as ``GET .../status/{job_id}`` reports it."""
        state = self.state
        body: dict[str, Any] = {
            "job_id": self.job_id,
            "status": state,
            "total_size_bytes": self.size,
            "downloaded_bytes": self.downloaded_bytes,
            "started_at": self.started_at,
        }
        if state == "downloading":
            speed = self.size // max(1, self.steps)
            left = (self.size - self.downloaded_bytes) / max(1, speed)
            body["bytes_per_second"] = speed
            body["estimated_completion"] = _timestamp(_now() + timedelta(seconds=left))
        if state == "completed":
            body["completed_at"] = _timestamp(_now())
        return body


class ModelRoutes:
    """Load, unload and download routes of `FakeLMStudio` (a mixin; see the module)."""

    models: list[FakeModel]
    strict_models: bool
    _lock: threading.Lock

    def _init_model_routes(self, api_v1: bool) -> None:
        self.api_v1 = api_v1
        """Serve LM Studio 0.4's ``/api/v1/*``; ``False`` simulates LM Studio 0.3 (its
        unknown-endpoint answer), so downloads, loads and unloads are not available."""
        self.load_time_seconds = 0.01
        """``load_time_seconds`` reported by load requests."""
        self.downloads: dict[str, FakeDownload] = {}
        """Downloadable models by id (see `add_downloadable`), with their jobs' state."""
        self._job_ids = itertools.count(1)
        self._initial_models = copy.deepcopy(self.models)

    def reset_models(self) -> None:
        """Back to the catalog the server started with: no downloads, nothing (un)loaded since."""
        with self._lock:
            self.models[:] = copy.deepcopy(self._initial_models)
            self.downloads.clear()
        self.load_time_seconds = 0.01

    def add_downloadable(
        self,
        model: str | FakeModel,
        *,
        size: int = 2_000_000_000,
        steps: int = 3,
        fail: bool = False,
        paused_polls: int = 0,
    ) -> Any:
        """Make ``model`` downloadable: its job ends after ``steps`` status polls.

        Args:
            model: an id (or a `FakeModel`: what the catalog shows once downloaded).
            size: ``total_size_bytes``.
            steps: status polls until the job ends; each adds ``size / steps`` bytes.
            fail: end the job ``failed`` instead of ``completed``.
            paused_polls: polls answered ``paused`` before the first step.

        Returns the server, for chaining.
        """
        fake = FakeModel.of(model)
        fake.loaded = False
        with self._lock:
            self.downloads[fake.id] = FakeDownload(fake, size, steps, fail, paused_polls)
        return self

    def model(self, model_id: str) -> FakeModel:
        """The catalog entry with this id (raises `KeyError`)."""
        for model in self.models:
            if model.id == model_id:
                return model
        raise KeyError(model_id)

    def _model_route(self, method: str, route: str, data: Any) -> Answer | None:
        """The answer of a catalog or model-management route; ``None`` for other routes."""
        if method == "GET":
            if route == "/v1/models":
                return Answer(body=openai_models(self.models))
            if route == "/api/v0/models":
                return Answer(body=api_v0_models(self.models))
            if route.startswith("/api/v0/models/"):
                return self._v0_model(route[len("/api/v0/models/") :])
            if route == "/api/v1/models" and self.api_v1:
                return Answer(body=api_v1_models(self.models))
        if not (self.api_v1 and route.startswith("/api/v1/models/")):
            return None
        if method == "GET" and route.startswith(_STATUS):
            return self._download_status(route[len(_STATUS) :])
        handlers = {
            "/api/v1/models/load": self._load,
            "/api/v1/models/unload": self._unload,
            _DOWNLOAD: self._download,
        }
        handler = handlers.get(route)
        if method != "POST" or handler is None:
            return None
        if not isinstance(data, dict):
            return Answer(status=400, body={"error": "Request body must be a JSON object"})
        return handler(data)

    def _v0_model(self, model_id: str) -> Answer:
        for model in self.models:
            if model.id == model_id:
                return Answer(body=api_v0_model(model))
        return error_answer(
            404, f'Model "{model_id}" not found', code="model_not_found", param="model"
        )

    def _load(self, data: dict[str, Any]) -> Answer:
        name = data.get("model")
        model = next((m for m in self.models if m.id == name), None)
        if model is None:
            return error_answer(
                404,
                f'Model "{name}" not found.',
                code="model_not_found",
                param="model",
                kind="invalid_request",
            )
        model.load_requests.append(dict(data))
        model.loaded = True
        if isinstance(data.get("context_length"), int):
            model.context_length = data["context_length"]
        if isinstance(data.get("ttl"), int):
            model.ttl = data["ttl"]
        options = {k: data[k] for k in _ENGINE_OPTIONS if data.get(k) is not None}
        model.load_config = {**DEFAULT_LOAD_CONFIG, **options}
        body: dict[str, Any] = {
            "type": "embedding" if model.is_embedding else "llm",
            "instance_id": model.id,
            "load_time_seconds": self.load_time_seconds,
            "status": "loaded",
        }
        if data.get("echo_load_config"):
            config = {k: v for k, v in model.load_config.items() if k != "parallel"}
            body["load_config"] = {"context_length": model.context_length, **config}
        return Answer(body=body)

    def _unload(self, data: dict[str, Any]) -> Answer:
        instance_id = data.get("instance_id")
        for model in self.models:
            if model.id == instance_id and model.loaded:
                model.loaded = False
                model.ttl = None
                return Answer(body={"instance_id": model.id})
        return error_answer(
            404,
            f'No loaded model instance with identifier "{instance_id}".',
            code="model_not_found",
            param="instance_id",
            kind="invalid_request",
        )

    def _download(self, data: dict[str, Any]) -> Answer:
        name = data.get("model")
        if not isinstance(name, str) or not name:
            return error_answer(
                400, "'model' is required", code="missing_required_parameter", param="model"
            )
        if any(m.id == name for m in self.models):
            return Answer(body={"status": "already_downloaded"})
        with self._lock:
            job = self.downloads.get(name)
            if job is None and not self.strict_models:  # lenient: anything downloads, quickly
                model = FakeModel.of(name)
                model.loaded = False
                job = self.downloads[name] = FakeDownload(model, 1, 1)
            if job is None:
                return error_answer(
                    404,
                    f"Could not find model '{name}' to download. Use a model from the LM Studio "
                    "catalog or a Hugging Face URL.",
                    code="model_not_found",
                    param="model",
                    kind="invalid_request",
                )
            if job.job_id is None or job.state in ("completed", "failed"):
                job.job_id, job.polls = f"job_{next(self._job_ids):010x}", 0
                job.started_at = _timestamp(_now())
        return Answer(
            body={
                "job_id": job.job_id,
                "status": "downloading",
                "total_size_bytes": job.size,
                "started_at": job.started_at,
            }
        )

    def _download_status(self, job_id: str) -> Answer:
        with self._lock:
            job = next((j for j in self.downloads.values() if j.job_id == job_id), None)
            if job is None:
                return error_answer(
                    404, f"No download job with id '{job_id}'.", code="job_not_found"
                )
            job.polls += 1
            body = job.status_body()
            if body["status"] == "completed" and not any(m.id == job.model.id for m in self.models):
                self.models.append(job.model)
        return Answer(body=body)
