"""What `doctor` finds: one `CheckResult` per check, gathered in a `DoctorReport`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["CheckResult", "DoctorReport", "Verdict"]

Verdict = Literal["ok", "warn", "fail", "skip"]
"""``ok``: works. ``warn``: works, but something is worth knowing (nothing loaded, a model that
would not call the tool). ``fail``: something the user needs does not work. ``skip``: not run,
with the reason (nothing suitable loaded, an earlier check failed)."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: a verdict, what was found and, when needed, what to do."""

    name: str
    """Short stable name (``server``, ``auth``, ``api``, ``models``, ``chat`` ...)."""
    verdict: Verdict
    """``ok``, ``warn``, ``fail`` or ``skip``."""
    detail: str
    """What was found, in one sentence (never contains the API token)."""
    fix: str = ""
    """What to do about it; empty when there is nothing to do."""
    data: dict[str, Any] = field(default_factory=dict)
    """Machine-readable facts for ``--json`` (models, versions, the server's kind ...)."""
    notes: tuple[str, ...] = ()
    """Extra lines printed under the check (one per model for ``models``)."""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        return asdict(self)


@dataclass(frozen=True)
class DoctorReport:
    """Every check in the order it ran, and the exit status they add up to.

    The exit status is 0 when no check failed (warnings and skips with a reason are not
    failures) and 1 otherwise.
    """

    base_url: str
    """The base URL that was checked."""
    checks: tuple[CheckResult, ...]
    """The results, in order."""

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return all(check.verdict != "fail" for check in self.checks)

    @property
    def exit_status(self) -> int:
        """0 when no check failed, else 1."""
        return 0 if self.ok else 1

    def check(self, name: str) -> CheckResult:
        """The result of the check called ``name`` (raises `KeyError`)."""
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """The JSON document ``--json`` prints."""
        return {
            "base_url": self.base_url,
            "ok": self.ok,
            "exit_status": self.exit_status,
            "checks": [check.as_dict() for check in self.checks],
        }
