"""`DoctorOptions` (what the user asked for) and `Context` (what the checks found so far)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lmstudio_core.client import LMStudioClient
from lmstudio_core.doctor.probe import Probe, ServerKind
from lmstudio_core.results import ModelInfo

__all__ = ["DEFAULT_TIMEOUT", "DEFAULT_TTL", "LOAD_TIMEOUT", "Context", "DoctorOptions"]

DEFAULT_TIMEOUT = 20.0
"""Seconds each check may take by default (a probe, a short chat)."""
DEFAULT_TTL = 3600
"""Idle seconds after which a model loaded by ``--fix`` unloads itself."""
LOAD_TIMEOUT = 300.0
"""Seconds a ``--fix`` load may take at least (large models take minutes)."""


@dataclass(frozen=True)
class DoctorOptions:
    """What the user asked doctor to check, and whether it may change anything."""

    base_url: str | None = None
    """The server to check; ``None``: ``LMSTUDIO_BASE_URL`` or ``http://localhost:1234/v1``."""
    api_key: str | None = None
    """The API token; ``None``: from ``LM_API_TOKEN`` (and its aliases), as the clients do."""
    token_source: str = ""
    """Where the token came from (``--api-key``, ``LM_API_TOKEN`` ...), for messages."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds each check may take (connecting: at most 5 s of it)."""
    model: str | None = None
    """The model the user needs; when set, its absence fails instead of skipping."""
    fix: bool = False
    """Load a model (with ``ttl``) when none is loaded or ``model`` is not, after asking."""
    yes: bool = False
    """With ``fix``: load without asking (needed without a terminal)."""
    ttl: int = DEFAULT_TTL
    """Idle TTL in seconds of a model ``fix`` loads."""


@dataclass
class Context:
    """What the checks learn as they run, in order; later checks read what earlier ones found."""

    options: DoctorOptions
    """What the user asked for."""
    client: LMStudioClient
    """The client every request goes through (no retries, short timeouts)."""
    probe: Probe
    """The raw answers of the server's endpoints."""
    blocked: str = ""
    """Why the remaining server checks cannot run (unreachable, authentication failed)."""
    kind: ServerKind | None = None
    """What answers, once the server check has found out."""
    load_available: bool = False
    """Whether the server loads models over HTTP (LM Studio 0.4+)."""
    models: list[ModelInfo] = field(default_factory=list)
    """The catalog, once read."""
    catalog_path: str = ""
    """Which catalog endpoint answered."""
