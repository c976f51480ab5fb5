"""Pydantic field types for user-supplied httpx clients that do not import httpx until used.

Adapters declare ``http_client: SyncHTTPClient | None``. For type checkers these are exactly
``httpx.Client`` and ``httpx.AsyncClient``; at run time the isinstance check imports httpx only
when a value is validated, so importing an adapter does not pay for httpx (and its CLI extras).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic_core import PydanticCustomError, core_schema

__all__ = ["AsyncHTTPClient", "SyncHTTPClient"]


class _LazyInstanceOf:
    """Validates ``isinstance(value, httpx.<name>)``, importing httpx on first validation."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        """A plain validator with the same error as pydantic's ``is_instance_of`` check."""
        return core_schema.no_info_plain_validator_function(self._check)

    def _check(self, value: Any) -> Any:
        import httpx

        if isinstance(value, getattr(httpx, self.name)):
            return value
        raise PydanticCustomError(
            "is_instance_of", "Input should be an instance of {class}", {"class": self.name}
        )


if TYPE_CHECKING:
    import httpx

    SyncHTTPClient = httpx.Client
    AsyncHTTPClient = httpx.AsyncClient
else:
    SyncHTTPClient = Annotated[Any, _LazyInstanceOf("Client")]
    """An `httpx.Client` (checked when validated)."""
    AsyncHTTPClient = Annotated[Any, _LazyInstanceOf("AsyncClient")]
    """An `httpx.AsyncClient` (checked when validated)."""
