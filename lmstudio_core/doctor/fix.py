"""``--fix``: load the model the calls need, with a TTL, after asking (or with ``--yes``).

The only thing doctor ever changes, and only when asked: it loads (never downloads) one model
through the client's `load_model`, with an idle TTL so the model unloads itself later.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from lmstudio_core.catalog import find_model
from lmstudio_core.client import LMStudioClient
from lmstudio_core.doctor.checks import read_models
from lmstudio_core.doctor.context import LOAD_TIMEOUT, Context
from lmstudio_core.doctor.probe import KIND_NAMES
from lmstudio_core.doctor.result import CheckResult
from lmstudio_core.errors import LMStudioError

__all__ = ["Ask", "fix_models"]

NO_LOAD_FIX = {
    "lmstudio": "update LM Studio to 0.4 or later, or load it in the app or with `lms load`",
    "llama.cpp": "restart llama-server with the model file: llama-server -m MODEL.gguf",
    "openai-compatible": "load it the way that server loads models",
}
"""What to do where the server cannot load a model over HTTP, by its kind."""

Ask = Callable[[str], bool]
"""Asks the user a yes/no question (the CLI asks on the terminal); True means yes."""


def _target(ctx: Context) -> str | CheckResult:
    """The model to load, or the result saying why nothing is loaded."""
    wanted = ctx.options.model
    if wanted is not None:
        info = find_model(ctx.models, wanted)
        if info is None:
            detail = f"cannot load --model {wanted}: the server does not have it"
            fix = f"download it first (`lms get {wanted}`); doctor never downloads"
            return CheckResult("fix", "fail", detail, fix)
        if info.is_loaded:
            return CheckResult("fix", "skip", f"nothing to fix: {wanted} is loaded")
        return wanted
    if any(m.is_loaded and not m.is_embedding for m in ctx.models):
        return CheckResult("fix", "skip", "nothing to fix: a chat model is loaded")
    candidates = [m for m in ctx.models if m.type in ("llm", "vlm") and not m.is_loaded]
    if not candidates:
        detail = "no chat model is downloaded, so there is nothing to load"
        fix = "download one in LM Studio's Discover tab or with `lms get <model>`"
        return CheckResult("fix", "fail", detail, fix)
    return candidates[0].id


def fix_models(ctx: Context, ask: Ask | None) -> CheckResult:
    """Load ``--model`` (or the first chat model downloaded) when it is not loaded."""
    if ctx.blocked:
        return CheckResult("fix", "skip", ctx.blocked)
    if not read_models(ctx):
        return CheckResult("fix", "skip", "the server lists no models")
    target = _target(ctx)
    if isinstance(target, CheckResult) and target.verdict != "fail":
        return target
    if not ctx.load_available:
        what = target if isinstance(target, str) else ctx.options.model or "a chat model"
        kind = KIND_NAMES[ctx.kind] if ctx.kind else "this server"
        detail = f"cannot load {what}: {kind} does not load models over HTTP"
        return CheckResult("fix", "fail", detail, NO_LOAD_FIX.get(ctx.kind or "", ""))
    if isinstance(target, CheckResult):
        return target
    ttl = ctx.options.ttl
    if not ctx.options.yes:
        if ask is None:
            detail = f"--fix would load {target}, but there is no terminal to ask"
            return CheckResult("fix", "fail", detail, "add --yes to load it without asking")
        if not ask(f"Load {target} now, unloading after {ttl} s idle? [y/N] "):
            return CheckResult("fix", "skip", f"not loading {target}: you said no")
    loader = LMStudioClient(ctx.client.settings, timeout=max(ctx.options.timeout, LOAD_TIMEOUT))
    started = time.perf_counter()
    try:
        with loader:
            loaded = loader.load_model(target, ttl=ttl)
    except LMStudioError as exc:
        detail = f"loading {target} failed: {type(exc).__name__}: {exc}"
        return CheckResult("fix", "fail", detail, "the message says what to do")
    seconds = time.perf_counter() - started
    ctx.probe.answers.clear()  # the catalog has changed
    data = {"loaded": target, "instance_id": loaded.instance_id, "ttl": ttl}
    detail = f"loaded {target} in {seconds:.1f} s (unloads after {ttl} s idle)"
    return CheckResult("fix", "ok", detail, data=data)
