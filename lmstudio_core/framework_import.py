"""The adapters' first import: their framework, or an ImportError naming the extra to install.

Only a framework that is really not installed gets the "not installed" message. Any other
import failure (a user's ``copy.py`` shadowing the standard library, a broken dependency of
the framework) is re-raised unchanged, so its traceback points at the real cause.
"""

from __future__ import annotations

import importlib

__all__ = ["import_framework"]


def import_framework(module: str, *, adapter: str, distribution: str, extra: str) -> None:
    """Import ``module`` (the adapter's framework); say which extra to install if it is missing.

    Args:
        module: the framework's module, e.g. ``"langchain_core"`` or ``"llama_index.core"``.
        adapter: the adapter package being imported, named in the message.
        distribution: the framework's distribution name on PyPI, named in the message.
        extra: this project's extra that installs it.

    Raises:
        ImportError: ``module`` (or a package it lives in) is not installed; the message says
            ``pip install "lmstudio-integrations[extra]"``. Any other import error of the
            framework propagates as it was raised.
    """
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if not _is_module_or_parent(exc.name, module):
            raise
        raise ImportError(
            f"{adapter} needs {distribution}, which is not installed: "
            f'pip install "lmstudio-integrations[{extra}]"'
        ) from exc


def _is_module_or_parent(missing: str | None, module: str) -> bool:
    """Whether the missing module is ``module`` itself or a package it lives in."""
    return missing is not None and (missing == module or module.startswith(f"{missing}."))
