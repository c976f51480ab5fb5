"""The checks that call the loaded models: 1-token chat, streamed chat, tool call, JSON, embedding.

Each runs one small request (a few tokens) through the library's own client, bounded by the
check timeout, against the model `pick_models` chose; with no suitable model loaded it is
skipped with the reason and what to load. Nothing here loads or downloads anything.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from lmstudio_core.catalog import find_model
from lmstudio_core.chat_request import json_schema_format
from lmstudio_core.doctor.context import Context
from lmstudio_core.doctor.result import CheckResult
from lmstudio_core.errors import LMStudioError

__all__ = ["CALL_CHECKS", "Picked", "pick_models", "run_calls"]

PROMPT = [{"role": "user", "content": "Say hello in one word."}]
TOOL_PROMPT = [{"role": "user", "content": "What is the weather in Oslo? Use the tool."}]
JSON_PROMPT = [{"role": "user", "content": "Is Paris in France? Answer in JSON."}]
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
ANSWER_SCHEMA: dict[str, Any] = {
    "title": "doctor_answer",
    "type": "object",
    "properties": {"answer": {"type": "boolean"}},
    "required": ["answer"],
    "additionalProperties": False,
}
LONG_ANSWER_TOKENS = 128
"""``max_tokens`` of the tool and JSON checks (a tool call or a small object fits)."""
ERROR_FIX = "the message says what to do; docs/troubleshooting.md has the longer version"


@dataclass(frozen=True)
class Picked:
    """The model a kind of check runs against, or why there is none."""

    model: str | None
    """The model id; ``None`` when the checks are skipped."""
    reason: str = ""
    """Why there is no model."""
    fix: str = ""
    """What to load."""
    tentative: bool = False
    """The catalog does not say the model can do this (a plain ``/v1/models`` entry)."""


def _pick_chat(ctx: Context) -> Picked:
    wanted = ctx.options.model
    if wanted is not None:
        info = find_model(ctx.models, wanted)
        if info is None or not info.is_loaded:
            return Picked(None, f"--model {wanted} is not loaded")
        if info.is_embedding:
            return Picked(None, f"--model {wanted} is an embedding model")
        return Picked(wanted)
    chats = [m for m in ctx.models if m.is_loaded and not m.is_embedding]
    if chats:
        return Picked(chats[0].id)
    idle = [m.id for m in ctx.models if m.type in ("llm", "vlm")]
    fix = (
        f"load one: `lms load {idle[0]}`, or run doctor --fix"
        if idle
        else ("download one (`lms get <model>`), then load it (`lms load <model>`)")
    )
    return Picked(None, "no chat model (LLM) is loaded", fix)


def _pick_embedding(ctx: Context) -> Picked:
    wanted = find_model(ctx.models, ctx.options.model) if ctx.options.model else None
    if wanted is not None and wanted.is_embedding and wanted.is_loaded:
        return Picked(wanted.id)
    embedders = [m for m in ctx.models if m.is_loaded and m.is_embedding]
    if embedders:
        return Picked(embedders[0].id)
    untyped = [m for m in ctx.models if m.is_loaded and m.type == "unknown"]
    if untyped and ctx.kind != "lmstudio":  # /v1/models does not say which model embeds
        return Picked(untyped[0].id, tentative=True)
    idle = [m.id for m in ctx.models if m.is_embedding]
    fix = (
        f"load one: `lms load {idle[0]}`"
        if idle
        else ("download one (`lms get nomic-ai/nomic-embed-text-v1.5`), then load it (`lms load`)")
    )
    return Picked(None, "no embedding model is loaded", fix)


def pick_models(ctx: Context) -> tuple[Picked, Picked]:
    """The chat model and the embedding model the call checks use (``--model`` first)."""
    return _pick_chat(ctx), _pick_embedding(ctx)


def _failed(name: str, what: str, model: str, exc: LMStudioError) -> CheckResult:
    detail = f"{what} with {model} failed: {type(exc).__name__}: {exc}"
    return CheckResult(name, "fail", detail, ERROR_FIX, {"model": model})


def check_chat(ctx: Context, model: str) -> CheckResult:
    """A non-streamed chat of one token."""
    started = time.perf_counter()
    try:
        result = ctx.client.chat(PROMPT, model=model, max_tokens=1, temperature=0)
    except LMStudioError as exc:
        return _failed("chat", "a 1-token chat", model, exc)
    seconds = time.perf_counter() - started
    data = {"model": model, "finish_reason": result.finish_reason, "seconds": round(seconds, 3)}
    detail = f"{model} answered in {seconds:.2f} s (finish_reason {result.finish_reason})"
    return CheckResult("chat", "ok", detail, data=data)


def check_stream(ctx: Context, model: str) -> CheckResult:
    """A streamed chat of a few tokens: chunks arrive and the stream ends properly."""
    try:
        with ctx.client.chat_stream(PROMPT, model=model, max_tokens=8, temperature=0) as stream:
            chunks = sum(1 for _ in stream)
            result = stream.result()
    except LMStudioError as exc:
        return _failed("stream", "a streamed chat", model, exc)
    data = {"model": model, "chunks": chunks, "finish_reason": result.finish_reason}
    if chunks == 0 or result.finish_reason is None:
        detail = f"{model} streamed {chunks} chunks and no finish_reason"
        fix = "the stream ended early: check the server log (`lms log stream`)"
        return CheckResult("stream", "fail", detail, fix, data)
    detail = f"{model} streamed {chunks} chunks (finish_reason {result.finish_reason})"
    return CheckResult("stream", "ok", detail, data=data)


def check_tools(ctx: Context, model: str) -> CheckResult:
    """A chat that must call a tool (``tool_choice="required"``) with valid arguments."""
    try:
        result = ctx.client.chat(
            TOOL_PROMPT,
            model=model,
            tools=[WEATHER_TOOL],
            tool_choice="required",
            max_tokens=LONG_ANSWER_TOKENS,
            temperature=0,
        )
    except LMStudioError as exc:
        return _failed("tools", "a tool call", model, exc)
    data: dict[str, Any] = {"model": model, "finish_reason": result.finish_reason}
    if not result.tool_calls:
        detail = f"{model} answered without calling the tool (finish_reason {result.finish_reason})"
        fix = "use a model trained for tool use (the models line says `tool use`)"
        return CheckResult("tools", "warn", detail, fix, data)
    call = result.tool_calls[0]
    arguments, problem = call.parsed_arguments()
    data.update(tool=call.name, arguments=call.arguments)
    if arguments is None or call.name != "get_weather":
        detail = f"{model} called {call.name} with arguments it could not shape: {problem}"
        return CheckResult("tools", "warn", detail, "use a model trained for tool use", data)
    return CheckResult("tools", "ok", f"{model} called {call.name}({call.arguments})", data=data)


def check_json(ctx: Context, model: str) -> CheckResult:
    """A chat answered in JSON valid against a small schema (``response_format``)."""
    try:
        result = ctx.client.chat(
            JSON_PROMPT,
            model=model,
            response_format=json_schema_format(ANSWER_SCHEMA),
            max_tokens=LONG_ANSWER_TOKENS,
            temperature=0,
        )
    except LMStudioError as exc:
        return _failed("json", "a JSON-schema answer", model, exc)
    data = {"model": model, "content": result.content, "finish_reason": result.finish_reason}
    try:
        answer = json.loads(result.content)
    except ValueError:
        answer = None
    if isinstance(answer, dict) and isinstance(answer.get("answer"), bool) and len(answer) == 1:
        return CheckResult("json", "ok", f"{model} answered {result.content.strip()}", data=data)
    if result.finish_reason == "length":
        detail = f"{model} was cut off at {LONG_ANSWER_TOKENS} tokens before the JSON was complete"
        fix = "a reasoning model may think first: this is not an error of the server"
        return CheckResult("json", "warn", detail, fix, data)
    detail = (
        f"{model} answered {result.content[:80]!r}, which does not match the schema: the "
        "server did not enforce response_format (json_schema)"
    )
    return CheckResult("json", "fail", detail, _json_schema_fix(ctx), data)


def _json_schema_fix(ctx: Context) -> str:
    """What to do about an unenforced JSON schema, for the kind of server doctor identified."""
    if ctx.kind == "lmstudio":
        return (
            "LM Studio enforces json_schema with the model's runtime: load a model whose "
            "runtime supports structured output (GGUF on llama.cpp, or MLX) and keep the "
            "runtimes up to date (Settings > Runtime)"
        )
    if ctx.kind == "llama.cpp":
        return "update llama.cpp: recent llama-server builds enforce json_schema as a grammar"
    return (
        "this server does not enforce json_schema: validate answers yourself "
        "(with_structured_output does), or use LM Studio"
    )


def check_embeddings(ctx: Context, picked: Picked) -> CheckResult:
    """One text embedded; a tentative model (not known to embed) only warns when it cannot."""
    model = picked.model or ""
    try:
        result = ctx.client.embed(["doctor"], model)
    except LMStudioError as exc:
        if not picked.tentative:
            return _failed("embeddings", "an embedding", model, exc)
        if exc.status_code == 501 or "not support" in exc.message.lower():
            reason = f"the server does not serve embeddings with {model}"
            fix = "start llama-server with --embeddings (or use LM Studio)"
            return CheckResult("embeddings", "skip", reason, fix, {"model": model})
        detail = f"{model} (not known to be an embedding model) could not embed: {exc}"
        return CheckResult(
            "embeddings", "warn", detail, "load an embedding model", {"model": model}
        )
    size = len(result.vectors[0]) if result.vectors else 0
    data = {"model": model, "dimensions": size}
    if size == 0:
        return CheckResult("embeddings", "fail", f"{model} returned an empty vector", "", data)
    return CheckResult(
        "embeddings", "ok", f"{model} returned a vector of {size} numbers", data=data
    )


ChatCheck = Callable[[Context, str], CheckResult]
CALL_CHECKS: tuple[tuple[str, ChatCheck], ...] = (
    ("chat", check_chat),
    ("stream", check_stream),
    ("tools", check_tools),
    ("json", check_json),
)
"""The chat checks, in order, by name (the embedding check follows them)."""


def run_calls(ctx: Context) -> Iterator[CheckResult]:
    """Every call check, each skipped with the reason when it cannot run."""
    chat, embedding = pick_models(ctx)
    for name, check in CALL_CHECKS:
        if ctx.blocked:
            yield CheckResult(name, "skip", ctx.blocked)
        elif chat.model is None:
            yield CheckResult(name, "skip", chat.reason, chat.fix)
        else:
            yield check(ctx, chat.model)
    if ctx.blocked:
        yield CheckResult("embeddings", "skip", ctx.blocked)
    elif embedding.model is None:
        yield CheckResult("embeddings", "skip", embedding.reason, embedding.fix)
    else:
        yield check_embeddings(ctx, embedding)
