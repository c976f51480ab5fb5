"""Client lifecycle for long-lived objects: one sync client, async connections per event loop.

Real programs use one LLM object for a long time and run many event loops over its life:
``asyncio.run()`` per request or notebook cell, pytest-asyncio's loop per test, LlamaIndex's
sync wrappers (which run coroutines in a fresh loop, in a thread when a loop is already
running), threads that each run a loop. An `httpx.AsyncClient` is bound to the loop it first
ran in, so:

- `LoopLocalAsyncHTTP` (``loop_local_http.py``) gives each running loop its own
  `httpx.AsyncClient`, closed inside that loop when the loop shuts down.
- `CoreClients` owns the core clients behind one adapter object: the sync `LMStudioClient`
  (httpx's sync pool is thread-safe, so one serves every thread) and one
  `AsyncLMStudioClient` (whose HTTP pool is a `LoopLocalAsyncHTTP`), both created on first use
  from settings fixed at that moment. Copies (``copy.copy``, ``copy.deepcopy``, pickling) start
  with no clients, so a copy with another ``base_url`` talks to its own server and closing one
  never closes another's pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from lmstudio_core.model_readiness import EnsuresModel

if TYPE_CHECKING:  # httpx and the client module load when a client is first created
    import httpx

    from lmstudio_core.async_client import AsyncLMStudioClient
    from lmstudio_core.client import LMStudioClient
    from lmstudio_core.settings import LMStudioSettings

__all__ = ["CONNECTION_FIELDS", "CoreClients", "OwnsCoreClients"]

CONNECTION_FIELDS = (
    "base_url",
    "api_key",
    "timeout",
    "connect_timeout",
    "max_retries",
    "default_headers",
    "verify",
)
"""The connection options every adapter declares, with the same meaning and default as
`LMStudioSettings` (docs/configuration.md)."""


class CoreClients:
    """The core clients behind one long-lived object, created on first use and reused.

    Thread-safe. Settings are fixed when the first client is built; a copy of this object
    (``copy``, ``deepcopy``, pickle) has no clients and builds its own from its owner's
    settings. Its owner's copies never share it (`OwnsCoreClients`).

    Args:
        settings: builds the `LMStudioSettings` (called once, on first use).
        http_client: an `httpx.Client` of the user's for sync calls (never closed here).
        async_http_client: an `httpx.AsyncClient` of the user's for async calls (never closed
            here, and used from whatever loop calls; it is the user's to bind to one loop).
        parse_think_tags: passed to both core clients.
    """

    def __init__(
        self,
        settings: Callable[[], LMStudioSettings],
        *,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        parse_think_tags: bool = True,
    ) -> None:
        self._make_settings = settings
        self._http_client = http_client
        self._async_http_client = async_http_client
        self._parse_think_tags = parse_think_tags
        self._settings: LMStudioSettings | None = None
        self._sync: LMStudioClient | None = None
        self._async: AsyncLMStudioClient | None = None
        self._lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, Any]) -> None:
        """An owner's deep copy builds its own clients (see `OwnsCoreClients`)."""
        return

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles carry no clients (connections cannot be pickled); the owner rebuilds them."""
        return (_no_clients, ())

    @property
    def settings(self) -> LMStudioSettings:
        """The settings the clients use (built on first access)."""
        if self._settings is None:
            with self._lock:
                if self._settings is None:
                    self._settings = self._make_settings()
        return self._settings

    @property
    def sync(self) -> LMStudioClient:
        """The sync client, shared by every thread."""
        client = self._sync
        return client if client is not None else self._build(asynchronous=False)

    @property
    def async_(self) -> AsyncLMStudioClient:
        """The async client; its HTTP connections belong to the loop that uses them."""
        client = self._async
        return client if client is not None else self._build(asynchronous=True)

    def _build(self, *, asynchronous: bool) -> Any:
        """Build the sync or the async client once (first use, under the lock)."""
        settings = self.settings
        with self._lock:
            if asynchronous:
                if self._async is None:
                    from lmstudio_core.async_client import AsyncLMStudioClient

                    self._async = AsyncLMStudioClient(
                        settings,
                        http_client=self._async_http_client,
                        parse_think_tags=self._parse_think_tags,
                    )
                return self._async
            if self._sync is None:
                from lmstudio_core.client import LMStudioClient

                self._sync = LMStudioClient(
                    settings, http_client=self._http_client, parse_think_tags=self._parse_think_tags
                )
            return self._sync

    def close(self) -> None:
        """Close the sync client's connections (a user's httpx client stays open)."""
        with self._lock:
            client, self._sync = self._sync, None
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close the async connections of the running loop (a user's httpx client stays open)."""
        if self._async is not None:
            await self._async.aclose()


def _no_clients() -> None:
    """What an unpickled owner holds until it next needs a client."""
    return


_OWNER_LOCK = threading.Lock()


def _aliases(info: Any) -> list[str]:
    """A pydantic field's own name is added by the caller; these are its validation aliases."""
    alias = info.validation_alias
    choices = getattr(alias, "choices", None)
    return [c for c in (choices if choices is not None else [alias]) if isinstance(c, str)]


class OwnsCoreClients(EnsuresModel):
    """Mixin for a pydantic model that owns `CoreClients` in its private ``_clients``.

    The model declares the `CONNECTION_FIELDS`, ``client_kwargs``, ``http_client``, its async
    http client field (named by ``_async_http_field``) and
    ``_clients: CoreClients | None = PrivateAttr(default=None)``; this mixin gives it
    ``client``, ``async_client``, ``close`` and ``aclose``, and (from `EnsuresModel`)
    ``ensure_model`` / ``aensure_model``. Clients are built on first use; a
    copy made by ``model_copy``, ``copy.copy``, ``copy.deepcopy`` or pickling starts without
    them, so it talks to its own ``base_url`` and closing it never closes the original's.
    """

    _clients: CoreClients | None
    _async_http_field: ClassVar[str] = "async_http_client"
    """The owner's field holding the user's `httpx.AsyncClient` (framework naming differs)."""

    def __init__(self, /, **data: Any) -> None:
        from pydantic import ValidationError

        from lmstudio_core.errors import invalid_options_error
        from lmstudio_core.settings import reject_unknown_client_kwargs

        # Here, not in a validator, so the UnknownOptionError is not wrapped by pydantic.
        reject_unknown_client_kwargs(type(self).__name__, data.get("client_kwargs"))
        try:
            super().__init__(**data)
        except ValidationError as exc:  # one error type for every constructor: see errors.md
            raise invalid_options_error(type(self).__name__, exc) from None

    @property
    def client(self) -> LMStudioClient:
        """The core sync client (created on first use, then reused by every thread)."""
        return self._core_clients().sync

    @property
    def async_client(self) -> AsyncLMStudioClient:
        """The core async client (its connections belong to the event loop using them)."""
        return self._core_clients().async_

    def close(self) -> None:
        """Close the sync connections this object opened (a passed ``http_client`` stays)."""
        if self._clients is not None:
            self._clients.close()

    async def aclose(self) -> None:
        """Close the running event loop's connections this object opened."""
        if self._clients is not None:
            await self._clients.aclose()

    def _connection_settings(self) -> LMStudioSettings:
        """`LMStudioSettings` from the owner's `CONNECTION_FIELDS` and its ``client_kwargs``."""
        from lmstudio_core.settings import LMStudioSettings

        values: dict[str, Any] = {name: getattr(self, name) for name in CONNECTION_FIELDS}
        explicit = self.model_fields_set  # type: ignore[attr-defined]
        for name, value in (getattr(self, "client_kwargs", None) or {}).items():
            if name not in explicit:  # a field set by name wins over the same in client_kwargs
                values[name] = value
        values["default_headers"] = values["default_headers"] or {}
        return LMStudioSettings(**values)

    def _build_core_clients(self) -> CoreClients:
        return CoreClients(
            self._connection_settings,
            http_client=getattr(self, "http_client", None),
            async_http_client=getattr(self, self._async_http_field, None),
            parse_think_tags=getattr(self, "parse_think_tags", True),  # the chat models' field
        )

    def _core_clients(self) -> CoreClients:
        clients = self._clients
        if clients is None:
            with _OWNER_LOCK:
                clients = self._clients
                if clients is None:
                    clients = self._clients = self._build_core_clients()
        return clients

    def __copy__(self) -> Any:
        copied = super().__copy__()  # type: ignore[misc]
        copied._forget_copied_state()
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Any:
        copied = super().__deepcopy__(memo)  # type: ignore[misc]
        copied._forget_copied_state()
        return copied

    def _forget_copied_state(self) -> None:
        """Drop what a copy must not inherit: the clients and values cached from the fields.

        A pydantic model's ``__dict__`` holds its fields and whatever a ``cached_property``
        stored there, such as langchain-core's ``_serialized`` (built from the fields on the
        first call). A copy with another ``base_url`` would keep the old value, and
        ``model_copy`` validation would take the unknown key for a request option (sent in every
        request). The copy recomputes such values on first use.
        """
        fields = type(self).model_fields  # type: ignore[attr-defined]
        for key in [key for key in self.__dict__ if key not in fields]:
            del self.__dict__[key]
        self._clients = None
        self._after_copy()

    def _after_copy(self) -> None:
        """Rebind what a copy must not share with its original (a subclass's server facts)."""

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Any:
        """A copy with its own clients; ``update`` values for fields are validated.

        pydantic's ``model_copy`` sets ``update`` unchecked: ``base_url="host:1234"`` would stay
        un-normalised, ``timeout=0`` would fail only at the first request, and an alias such as
        ``api_base`` would set nothing. Here each field is validated as on construction (a
        `InvalidRequestError` names it, as on construction) and an alias sets its field.
        """
        from pydantic import ValidationError

        from lmstudio_core.errors import invalid_options_error

        fields = type(self).model_fields  # type: ignore[attr-defined]
        names = {alias: name for name, info in fields.items() for alias in _aliases(info)}
        names.update({name: name for name in fields})
        update = dict(update or {})
        checked = {names.get(key, key): update.pop(key) for key in list(update) if key in names}
        copied = super().model_copy(update=update, deep=deep)  # type: ignore[misc]
        validator = type(self).__pydantic_validator__  # type: ignore[attr-defined]
        try:
            for name, value in checked.items():
                validator.validate_assignment(copied, name, value)
        except ValidationError as exc:  # the constructors' error type: see errors.md
            raise invalid_options_error(type(self).__name__, exc) from None
        return copied
