"""What `LMStudio.metadata` needs from the server: model, context window, tool support.

Asked once through the core client's cached `model_facts`; fields the user set win and are not
asked for.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from llama_index.core.constants import DEFAULT_CONTEXT_WINDOW

from lmstudio_core.errors import LMStudioConnectionError, LMStudioError, LMStudioTimeoutError
from lmstudio_core.results import ModelFacts

if TYPE_CHECKING:  # the client module imports httpx: importing the adapter must not
    from lmstudio_core import LMStudioClient

__all__ = ["Facts", "server_facts"]

log = logging.getLogger("llama_index_lmstudio")

Facts = tuple[str, int, bool]
"""``(model, context window, calls tools)``."""


def server_facts(
    client: LMStudioClient,
    model: str | None,
    context: int | None,
    tools: bool | None,
    cached: tuple[ModelFacts | None, Facts] | None,
) -> tuple[Facts, tuple[ModelFacts | None, Facts] | None]:
    """The facts, and what to cache: ``(the core's answer or None, the facts built from it)``.

    Fields set by the user win and are not asked for. Without ``model`` a failure raises
    (there is nothing to name); with it, the catalog failing falls back to LlamaIndex's
    default context window (kept, unless the server was unreachable).
    """
    if model is not None and context is not None and tools is not None:
        return (model, context, tools), cached
    if cached is not None and cached[0] is None:
        return cached[1], cached
    facts: ModelFacts | None = None
    try:
        facts = client.model_facts(model)
    except LMStudioError as exc:
        if model is None:
            raise
        log.warning("Could not read model %r from the server catalog: %s", model, exc)
        if isinstance(exc, LMStudioConnectionError | LMStudioTimeoutError):
            return _with_defaults(model, context, tools), cached
    else:
        if cached is not None and cached[0] is facts:
            return cached[1], cached
        model = facts.model
        context = context if context is not None else facts.context_length
        tools = tools if tools is not None else facts.tools
    result = _with_defaults(model, context, tools)
    return result, (facts, result)


def _with_defaults(model: str, context: int | None, tools: bool | None) -> Facts:
    if context is None:
        log.warning(
            "LM Studio did not report a context length for %r; assuming %d tokens. "
            "Pass context_window= to set it.",
            model,
            DEFAULT_CONTEXT_WINDOW,
        )
        context = DEFAULT_CONTEXT_WINDOW
    return model, context, True if tools is None else tools
