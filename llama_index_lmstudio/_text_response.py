"""The `ChatResponse` of a plain-text stream chunk, built without re-validating its own values.

A LlamaIndex stream yields, for every chunk, a `ChatResponse` holding a `ChatMessage` holding a
`TextBlock` with the text so far. Pydantic validation of those three objects re-checks values
this adapter has just made (a ``str``, a fresh list of one `TextBlock`, fresh dicts) and cost
more than all the rest of the adapter's work per chunk. So they are built as copies of
validated templates with those fields replaced, which is what ``model_copy(update=...)`` does,
without its per-call overhead (each mutable field is always replaced: no copy shares one).

At import the copies are checked against the validated constructors (equal, the same fields
set, no extra or private state); should a LlamaIndex release make them differ, the validated
constructors are used instead. `tests/llama_index/test_stream_equivalence.py` holds the whole
streams to what they were before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole, TextBlock
from pydantic import BaseModel

__all__ = ["text_response"]

_ASSISTANT = MessageRole.ASSISTANT
_new = object.__new__


def _slot_setter(name: str) -> Callable[[Any, Any], None]:
    """The setter of one of pydantic's `BaseModel` slots (the four ``model_construct`` sets).

    Calling the slot's own setter skips `object.__setattr__`'s attribute lookup: a third less
    time per copy. A pydantic without the slot gets a setter that fails, so `copies_match` is
    False and the validated constructors are used.
    """
    setter: Callable[[Any, Any], None] | None = getattr(vars(BaseModel).get(name), "__set__", None)
    if setter is not None:
        return setter

    def missing(obj: Any, value: Any) -> None:
        raise AttributeError(f"pydantic's BaseModel has no {name} slot")

    return missing


_set_dict = _slot_setter("__dict__")
_set_fields_set = _slot_setter("__pydantic_fields_set__")
_set_extra = _slot_setter("__pydantic_extra__")
_set_private = _slot_setter("__pydantic_private__")


def validated_text_response(
    text: str, delta: str, raw: dict[str, Any], extra: dict[str, Any]
) -> ChatResponse:
    """The reference: the response built through the models' validating constructors."""
    message = ChatMessage(role=_ASSISTANT, blocks=[TextBlock(text=text)], additional_kwargs={})
    return ChatResponse(message=message, delta=delta, raw=raw, additional_kwargs=extra)


_BLOCK = TextBlock(text="")
_MESSAGE = ChatMessage(role=_ASSISTANT, blocks=[], additional_kwargs={})
_RESPONSE = ChatResponse(message=_MESSAGE, delta="", raw={}, additional_kwargs={})
_BLOCK_STATE = dict(_BLOCK.__dict__)
_MESSAGE_STATE = dict(_MESSAGE.__dict__)
_RESPONSE_STATE = dict(_RESPONSE.__dict__)
_BLOCK_SET = frozenset(_BLOCK.__pydantic_fields_set__)
_MESSAGE_SET = frozenset(_MESSAGE.__pydantic_fields_set__)
_RESPONSE_SET = frozenset(_RESPONSE.__pydantic_fields_set__)


def copied_text_response(
    text: str, delta: str, raw: dict[str, Any], extra: dict[str, Any]
) -> ChatResponse:
    """The same response as `validated_text_response`, copied from the validated templates."""
    # Three copies written out (no helper call): this runs for every chunk of every stream.
    block = _new(TextBlock)
    _set_dict(block, {**_BLOCK_STATE, "text": text})
    _set_fields_set(block, set(_BLOCK_SET))
    _set_extra(block, None)
    _set_private(block, None)
    message = _new(ChatMessage)
    _set_dict(message, {**_MESSAGE_STATE, "additional_kwargs": {}, "blocks": [block]})
    _set_fields_set(message, set(_MESSAGE_SET))
    _set_extra(message, None)
    _set_private(message, None)
    response = _new(ChatResponse)
    _set_dict(
        response,
        {
            **_RESPONSE_STATE,
            "message": message,
            "delta": delta,
            "raw": raw,
            "additional_kwargs": extra,
        },
    )
    _set_fields_set(response, set(_RESPONSE_SET))
    _set_extra(response, None)
    _set_private(response, None)
    return response


def _same(copied: BaseModel, validated: BaseModel) -> bool:
    return (
        type(copied) is type(validated)
        and copied == validated
        and list(copied.__dict__) == list(validated.__dict__)
        and copied.__pydantic_fields_set__ == validated.__pydantic_fields_set__
        and validated.__pydantic_extra__ is None
        and validated.__pydantic_private__ is None
    )


def copies_match() -> bool:
    """Whether `copied_text_response` builds exactly what the validating constructors build."""
    sample = ("Hello", "lo", {"id": "x"}, {"thinking_delta": None})
    try:
        copied, validated = copied_text_response(*sample), validated_text_response(*sample)
        return (
            _same(copied, validated)
            and _same(copied.message, validated.message)
            and len(copied.message.blocks) == len(validated.message.blocks) == 1
            and _same(copied.message.blocks[0], validated.message.blocks[0])
            and copied.model_dump() == validated.model_dump()
            and repr(copied) == repr(validated)
        )
    except Exception:  # a LlamaIndex whose models no longer copy like this
        return False


text_response = copied_text_response if copies_match() else validated_text_response
"""``(text so far, delta, raw, additional_kwargs) -> ChatResponse`` for a plain-text chunk."""
