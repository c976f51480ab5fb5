"""`EnsuresModel`: ``ensure_model`` / ``aensure_model`` on every adapter object, written once.

`lifecycle.OwnsCoreClients` inherits it, so `ChatLMStudio`, `LMStudioEmbeddings`, `LMStudio`
and `LMStudioEmbedding` all have the two methods, defaulting to the object's own model and
taking the same load options (`model_setup.LOAD_OPTIONS`) as the core clients. An object
created without a model ensures the model its calls would use (the core's ``default_model``),
and a model of the wrong kind (an embedding model for a chat class, or the reverse) raises the
chat path's wrong-kind error before anything is downloaded or loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from lmstudio_core.async_client import AsyncLMStudioClient
    from lmstudio_core.client import LMStudioClient
    from lmstudio_core.model_results import ReadyModel
    from lmstudio_core.progress import ProgressOption

__all__ = ["EnsuresModel"]


class EnsuresModel:
    """Mixin: make the object's model ready (downloaded, loaded) before the first call."""

    _ensures_embeddings: ClassVar[bool] = False
    """True on embedding classes: their model must be an embedding model (else a chat model)."""

    if TYPE_CHECKING:  # given by `OwnsCoreClients`

        @property
        def client(self) -> LMStudioClient:
            """The core sync client."""

        @property
        def async_client(self) -> AsyncLMStudioClient:
            """The core async client."""

    def ensure_model(
        self,
        model: str | None = None,
        *,
        download: bool = True,
        load: bool = True,
        context_length: int | None = None,
        ttl: int | None = None,
        progress: ProgressOption = True,
        poll_interval: float = 1.0,
        **load_config: Any,
    ) -> ReadyModel:
        """Download and load this object's model (or ``model``) as needed, nothing more.

        Already loaded with a compatible configuration: one catalog request. Downloaded but not
        loaded: a load. Not downloaded: a download (with progress), then a load.

        Args:
            model: the model key; default: this object's ``model`` (or ``model_name``), and
                when the object has none, the model its calls use: the one loaded chat model
                (the one loaded embedding model for an embedding class), as the core's
                ``default_model()`` / ``default_model(embeddings=True)`` picks it.
            download: download the model when it is missing (else `ModelNotFoundError`).
            load: load it when it is not loaded with a compatible configuration.
            context_length: context length to load with (an instance loaded with at least
                this much is reused).
            ttl: idle seconds before LM Studio unloads it.
            progress: ``True`` (a bar in a terminal, lines elsewhere), a callback taking
                `ProgressUpdate`, or ``False``.
            poll_interval: seconds between two download status requests.
            **load_config: other load options: ``flash_attention``, ``eval_batch_size``,
                ``num_experts``, ``offload_kv_cache_to_gpu``.

        Returns:
            A `ReadyModel`: ``model`` is the instance id to use, ``facts`` its facts.

        Raises:
            ModelNotFoundError: the model is of the wrong kind (an embedding model for a chat
                class, or the reverse: the error a call would raise), before any download or
                load; the model is missing and ``download=False``; with no model
                given or set, none (or several) of the needed kind is loaded.
        """
        kind = self._ensures_embeddings
        chosen = self._own_model(model) or self.client.default_model(embeddings=kind)
        return self.client.ensure_model(
            chosen,
            embeddings=kind,
            download=download,
            load=load,
            context_length=context_length,
            ttl=ttl,
            progress=progress,
            poll_interval=poll_interval,
            **load_config,
        )

    async def aensure_model(
        self,
        model: str | None = None,
        *,
        download: bool = True,
        load: bool = True,
        context_length: int | None = None,
        ttl: int | None = None,
        progress: ProgressOption = True,
        poll_interval: float = 1.0,
        **load_config: Any,
    ) -> ReadyModel:
        """Async `ensure_model` (polling and waiting never block the event loop)."""
        kind = self._ensures_embeddings
        chosen = self._own_model(model) or await self.async_client.default_model(embeddings=kind)
        return await self.async_client.ensure_model(
            chosen,
            embeddings=kind,
            download=download,
            load=load,
            context_length=context_length,
            ttl=ttl,
            progress=progress,
            poll_interval=poll_interval,
            **load_config,
        )

    def _own_model(self, model: str | None) -> str | None:
        """``model``, else the object's ``model`` / ``model_name`` field, else ``None``."""
        chosen = model or getattr(self, "model", None) or getattr(self, "model_name", None)
        return chosen if isinstance(chosen, str) and chosen else None
