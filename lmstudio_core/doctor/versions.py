"""The installed versions of this library and of what it works with (never imported)."""

from __future__ import annotations

from importlib import metadata

from lmstudio_core.doctor.result import CheckResult

__all__ = ["PACKAGES", "check_versions", "installed_version"]

PACKAGES = ("lmstudio-integrations", "httpx", "pydantic", "langchain-core", "llama-index-core")
"""Distributions reported, this library first. The frameworks are read from their metadata:
the core never imports a framework."""


def installed_version(distribution: str) -> str | None:
    """The installed version of ``distribution``, or ``None`` when it is not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def check_versions() -> CheckResult:
    """One line of versions; a framework that is not installed is said so, not a failure."""
    versions = {name: installed_version(name) for name in PACKAGES}
    if versions["lmstudio-integrations"] is None:
        from lmstudio_core import __version__

        versions["lmstudio-integrations"] = f"{__version__} (from source, not installed)"
    detail = ", ".join(f"{name} {version or 'not installed'}" for name, version in versions.items())
    return CheckResult("versions", "ok", detail, data={"versions": versions})
