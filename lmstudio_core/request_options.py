"""Request option names, and the warnings unknown ones get (a likely typo).

Every adapter and the core client accept any keyword and send it at the top level of the
request. A name that is neither a typed `ChatRequest` field nor a known LM Studio / llama.cpp
option (`KNOWN_EXTRA_OPTIONS`) is still sent, with a warning naming the closest known option.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Collection, Iterable
from typing import Any

from lmstudio_core.chat_request import ChatRequest
from lmstudio_core.errors import closest_option

__all__ = [
    "KNOWN_EXTRA_OPTIONS",
    "KNOWN_REQUEST_OPTIONS",
    "collect_unknown_options",
    "warn_unknown_options",
]


KNOWN_EXTRA_OPTIONS: frozenset[str] = frozenset(
    {
        # OpenAI fields LM Studio accepts (or ignores harmlessly)
        "max_completion_tokens",
        "n",
        "logprobs",
        "top_logprobs",
        "user",
        # LM Studio extras not typed by ChatRequest (docs/options-passthrough.md)
        "reasoning_effort",
        "preset",
        # llama.cpp server sampling and request options (LM Studio's engine)
        "cache_prompt",
        "chat_template_kwargs",
        "dry_allowed_length",
        "dry_base",
        "dry_multiplier",
        "dry_penalty_last_n",
        "dry_sequence_breakers",
        "dynatemp_exponent",
        "dynatemp_range",
        "grammar",
        "id_slot",
        "ignore_eos",
        "json_schema",
        "lora",
        "min_keep",
        "mirostat",
        "mirostat_eta",
        "mirostat_tau",
        "n_indent",
        "n_keep",
        "n_predict",
        "n_probs",
        "penalize_nl",
        "penalty_last_n",
        "post_sampling_probs",
        "reasoning_format",
        "repeat_last_n",
        "response_fields",
        "return_tokens",
        "samplers",
        "t_max_predict_ms",
        "tfs_z",
        "timings_per_token",
        "top_n_sigma",
        "typical_p",
        "xtc_probability",
        "xtc_threshold",
    }
)
"""Request options LM Studio or its llama.cpp engine understand that `ChatRequest` does not type.

They go to the top level of the body like any extra; the adapters pass them on without the
warning an unknown keyword gets (a likely typo). The single list both adapters use.
"""

KNOWN_REQUEST_OPTIONS: frozenset[str] = (
    frozenset(ChatRequest.model_fields) - {"messages", "extra"}
) | KNOWN_EXTRA_OPTIONS
"""Every request option name: the typed `ChatRequest` fields and `KNOWN_EXTRA_OPTIONS`."""


def warn_unknown_options(
    owner: str, names: Iterable[str], *, fields: Collection[str], destination: str
) -> None:
    """Warn (`UserWarning`) for each name that is neither a field nor a known request option.

    LangChain's convention for an unknown constructor keyword that is still sent to the server
    (``ChatOpenAI`` does the same): LM Studio ignores unknown fields, so a typo would otherwise
    fail silently. The message names the closest field or option when one is close.

    Args:
        owner: the class that received the keywords.
        names: the keywords that are not its fields.
        fields: its field names (and aliases), candidates for the suggestion.
        destination: where the keywords went (``model_kwargs``, ``additional_kwargs``).
    """
    for name in names:
        if name in KNOWN_REQUEST_OPTIONS:
            continue
        suggestion = closest_option(name, [*fields, *sorted(KNOWN_REQUEST_OPTIONS)])
        hint = f"; did you mean {suggestion!r}?" if suggestion else "."
        warnings.warn(
            f"{owner}: WARNING! {name} is not default parameter. {name} was transferred to "
            f"{destination} and is sent at the top level of every request. Please confirm that "
            f"{name} is what you intended{hint}",
            UserWarning,
            stacklevel=_caller_stacklevel(),
        )


def collect_unknown_options(
    owner: str, values: Any, *, fields: Collection[str], destination: str
) -> Any:
    """Move constructor keywords that are not ``fields`` into ``values[destination]``.

    For an adapter's ``mode="before"`` validator: the keywords are still sent at the top level
    of every request, and `warn_unknown_options` warns about those that are not known options.

    Raises:
        ValueError: a keyword is given both as an argument and inside ``destination``.
    """
    if not isinstance(values, dict):
        return values
    unknown = {key: value for key, value in values.items() if key not in fields}
    if not unknown:
        return values
    warn_unknown_options(owner, unknown, fields=fields, destination=destination)
    existing = dict(values.get(destination) or {})
    clashes = sorted(key for key in unknown if key in existing)
    if clashes:
        raise ValueError(f"{clashes} given both as arguments and in {destination}.")
    kept = {key: value for key, value in values.items() if key in fields}
    return {**kept, destination: {**existing, **unknown}}


_LIBRARY_MODULES = (
    "lmstudio_core",
    "langchain_lmstudio",
    "llama_index_lmstudio",
    "pydantic",
    "langchain_core",
    "llama_index",
)


def _caller_stacklevel() -> int:
    """The ``stacklevel`` of the first frame outside this library and the frameworks it runs in.

    The warning then points at the user's line, however deep the framework's construction is.
    """
    frame = sys._getframe(1)
    level = 1
    while frame.f_back is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if not module.startswith(_LIBRARY_MODULES):
            break
        frame = frame.f_back
        level += 1
    return level
