"""A model from nothing to ready: load with progress, and `ensure_flow` (download, load, facts).

The load configuration has the same names everywhere (the core clients' ``load_model`` and
``ensure_model``, the adapters' ``ensure_model``): `LOAD_OPTIONS`, LM Studio's names for
``POST /api/v1/models/load``. Another name is still sent (LM Studio may add options), with a
warning naming the closest known one, since LM Studio ignores unknown fields silently.

``ensure_model`` does only what is missing: one catalog request when the model is already
loaded with a compatible configuration; a load when it is downloaded but not loaded (or loaded
with another configuration); a download, then a load, when it is not on disk.
"""

from __future__ import annotations

import difflib
import warnings
from typing import Any

from lmstudio_core.catalog import facts_of, find_model
from lmstudio_core.error_answers import model_kind_error
from lmstudio_core.errors import ModelNotFoundError, closest_option
from lmstudio_core.load_errors import context_too_small_error
from lmstudio_core.model_download import DownloadWatch, download_flow
from lmstudio_core.model_results import DownloadResult, ProgressUpdate, ReadyModel
from lmstudio_core.progress import ProgressReporter
from lmstudio_core.protocol import LMStudioProtocol
from lmstudio_core.request_options import _caller_stacklevel
from lmstudio_core.results import LoadResult, ModelInfo
from lmstudio_core.steps import Flow

__all__ = ["LOAD_OPTIONS", "build_load_config", "ensure_flow", "load_flow", "loaded_instance"]

LOAD_OPTIONS: tuple[str, ...] = (
    "context_length",
    "ttl",
    "eval_batch_size",
    "flash_attention",
    "num_experts",
    "offload_kv_cache_to_gpu",
)
"""Load options LM Studio documents for ``POST /api/v1/models/load`` (``ttl`` is accepted but
undocumented there). ``echo_load_config`` is always sent, so the answer says what was used."""

_COMPARED = ("eval_batch_size", "flash_attention", "num_experts", "offload_kv_cache_to_gpu")
"""Options an already loaded instance must have as asked (when LM Studio reports them)."""


def build_load_config(
    owner: str, context_length: int | None, ttl: int | None, extra: dict[str, Any]
) -> dict[str, Any]:
    """The load options to send (``None`` left out); warns for a name LM Studio does not know."""
    for name in extra:
        if name not in LOAD_OPTIONS and name != "echo_load_config":
            suggestion = closest_option(name, LOAD_OPTIONS)
            hint = f"; did you mean {suggestion!r}?" if suggestion else "."
            warnings.warn(
                f"{owner}: {name!r} is not a load option LM Studio documents "
                f"({', '.join(LOAD_OPTIONS)}). It is sent anyway; LM Studio ignores names it "
                f"does not know{hint}",
                UserWarning,
                stacklevel=_caller_stacklevel(),
            )
    config = {"context_length": context_length, "ttl": ttl, **extra}
    return {name: value for name, value in config.items() if value is not None}


def load_flow(
    protocol: LMStudioProtocol, model: str, reporter: ProgressReporter, config: dict[str, Any]
) -> Flow[LoadResult]:
    """``POST /api/v1/models/load`` with the load step reported.

    ``loading``, then ``loaded`` or ``failed``: a shown "Loading" line is always followed by how
    it ended.
    """
    reporter.update(ProgressUpdate("loading", model, step="load"))
    try:
        result = yield from protocol.load_model(model, **config)
    except Exception:
        reporter.update(ProgressUpdate("failed", model, step="load"))
        reporter.close()
        raise
    except BaseException:
        reporter.close()
        raise
    reporter.update(
        ProgressUpdate("loaded", model, step="load", load_time_seconds=result.load_time_seconds)
    )
    reporter.close()
    return result


def loaded_instance(info: ModelInfo, config: dict[str, Any]) -> str | None:
    """The id of a loaded instance of ``info`` that serves ``config``, or ``None``.

    Compatible means: a context length at least the one asked for, and the other options of
    `_COMPARED` equal where LM Studio reports them. ``ttl`` cannot be read back, so it is not
    compared. Catalogs that do not report load state (llama.cpp) count as loaded.
    """
    if not info.is_loaded:
        return None
    wanted_context = config.get("context_length")
    instances = info.raw.get("loaded_instances") if info.source == "/api/v1/models" else None
    if isinstance(instances, list) and instances:
        for instance in instances:
            settings = instance.get("config") if isinstance(instance, dict) else None
            settings = settings if isinstance(settings, dict) else {}
            context = settings.get("context_length")
            if wanted_context is not None and isinstance(context, int) and context < wanted_context:
                continue
            if all(settings.get(k, config[k]) == config[k] for k in _COMPARED if k in config):
                return str(instance.get("id") or info.id)
        return None
    context = info.loaded_context_length
    if wanted_context is not None and context is not None and context < wanted_context:
        return None
    return info.instance_ids[0] if info.instance_ids else info.id


def _find(models: list[ModelInfo], model: str) -> ModelInfo | None:
    """The catalog entry for ``model``: exact, else its key without an ``@quantization``."""
    found = find_model(models, model)
    if found is None:
        key = model.split("@", 1)[0].lower()
        found = next((m for m in models if m.id.lower() == key), None)
    return found


def _closest_model(model: str, models: list[ModelInfo]) -> str | None:
    """The id in ``models`` that ``model`` most likely misspells (difflib), or ``None``."""
    by_lower = {m.id.lower(): m.id for m in models}
    matches = difflib.get_close_matches(model.lower(), list(by_lower), n=1)
    return by_lower[matches[0]] if matches else None


def _ordered_ids(models: list[ModelInfo], first: str | None) -> list[str]:
    """The model ids, ``first`` (the closest to what was asked) first."""
    ids = [m.id for m in models]
    return ids if first is None else [first, *(i for i in ids if i != first)]


def _not_on_server(
    model: str, models: list[ModelInfo], close: str | None, *, download_failed: bool = False
) -> ModelNotFoundError:
    """``model`` is not on the server: name the closest model first, else say how to get it."""
    ids = _ordered_ids(models, close)
    listed = ", ".join(ids) if ids else "no models"
    if close is not None:
        where = (
            "neither on the server nor in LM Studio's catalog"
            if download_failed
            else ("not on the server")
        )
        message = (
            f"{model!r} is {where}; did you mean {close!r}? The server has: {listed}. "
            f"Pass model={close!r}."
        )
    else:
        message = (
            f"{model!r} is not downloaded (the server has: {listed}). Pass download=True, call "
            f"download_model({model!r}), or run `lms get {model}`."
        )
    return ModelNotFoundError(message, model=model, available_models=ids)


def _check_kind(
    protocol: LMStudioProtocol, info: ModelInfo, models: list[ModelInfo], embeddings: bool | None
) -> None:
    """Raise the wrong-kind error when ``info`` is not of the kind the caller needs."""
    if embeddings is None or info.type == "unknown" or info.is_embedding == embeddings:
        return
    raise model_kind_error(
        info.id,
        info.type,
        embeddings=embeddings,
        base_url=protocol.settings.base_url,
        model_types={m.id: m.type for m in models},
    )


def _served_as_is(info: ModelInfo, config: dict[str, Any]) -> bool:
    """True when a server without the native API (no HTTP load) already serves ``info``.

    Such a model is used as it is; one served with less context than asked raises
    `LoadNotSupportedError` (a load could only fail), before any "Loading" line.
    """
    if info.source == "/api/v1/models" or not info.is_loaded:
        return False
    wanted, served = config.get("context_length"), info.loaded_context_length
    if isinstance(wanted, int) and served is not None and served < wanted:
        old_lm_studio = info.source == "/api/v0/models"
        raise context_too_small_error(info.id, served, wanted, old_lm_studio=old_lm_studio)
    return True


def ensure_flow(
    protocol: LMStudioProtocol,
    watch: DownloadWatch,
    config: dict[str, Any],
    *,
    download: bool = True,
    load: bool = True,
    embeddings: bool | None = None,
) -> Flow[ReadyModel]:
    """Download and load ``watch.model`` as needed; return the instance to use and its facts.

    ``embeddings``: ``True`` / ``False`` when the caller needs an embedding / a chat model; a
    model of the other kind raises the chat path's wrong-kind `ModelNotFoundError` before any
    download or load.
    """
    model = watch.model
    models = yield from protocol.list_models()
    info = _find(models, model)
    if info is not None:
        _check_kind(protocol, info, models, embeddings)
    fetched: DownloadResult | None = None
    if info is None:
        close = _closest_model(model, models)
        if not download:
            raise _not_on_server(model, models, close)
        try:
            fetched = yield from download_flow(protocol, watch)
        except ModelNotFoundError as exc:
            if close is None:
                raise
            raise _not_on_server(model, models, close, download_failed=True) from exc
        models = yield from protocol.list_models()
        info = _find(models, model)
        if info is None:
            raise ModelNotFoundError(
                f"{model!r} was downloaded, but LM Studio lists it under another key "
                f"(models: {', '.join(_ordered_ids(models, _closest_model(model, models)))}). "
                "Pass that key to ensure_model or load_model.",
                model=model,
                available_models=[m.id for m in models],
            )
        _check_kind(protocol, info, models, embeddings)
    instance, loaded, context = info.id, None, info.context_length
    if load and _served_as_is(info, config):
        instance = info.instance_ids[0] if info.instance_ids else info.id
    elif load:
        ready = loaded_instance(info, config)
        if ready is not None:
            instance = ready
        else:
            loaded = yield from load_flow(protocol, info.id, watch.reporter, config)
            instance = loaded.instance_id
            context = loaded.context_length or config.get("context_length") or context
    facts = facts_of(instance, info, context)
    return ReadyModel(model=instance, facts=facts, download=fetched, load=loaded)
