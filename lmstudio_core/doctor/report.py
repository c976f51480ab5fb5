"""Doctor's report as text (one line per check, for people) or one JSON document (machines)."""

from __future__ import annotations

import json

from lmstudio_core.doctor.result import CheckResult, DoctorReport

__all__ = ["format_check", "header", "render_json", "render_text", "summary"]

LABELS = {"ok": "[ ok ]", "warn": "[WARN]", "fail": "[FAIL]", "skip": "[skip]"}
"""The verdict at the start of each line."""
TITLES = {
    "server": "server",
    "auth": "authentication",
    "api": "server API",
    "fix": "fix",
    "models": "models",
    "chat": "1-token chat",
    "stream": "streamed chat",
    "tools": "tool call",
    "json": "JSON schema",
    "embeddings": "embedding",
    "versions": "versions",
}
"""How each check is named in the text report."""


def format_check(check: CheckResult) -> str:
    """``[FAIL] server: nothing listens at URL -> start ...``, then any notes, indented."""
    line = f"{LABELS[check.verdict]} {TITLES.get(check.name, check.name)}: {check.detail}"
    if check.fix:
        line += f" -> {check.fix}"
    return "\n".join([line, *(f"         - {note}" for note in check.notes)])


def header(base_url: str) -> str:
    """The first line of the text report."""
    return f"lmstudio doctor: checking {base_url}"


def summary(report: DoctorReport) -> str:
    """The last line: what failed, or that nothing did, and the exit status."""
    counts = {
        verdict: sum(1 for c in report.checks if c.verdict == verdict)
        for verdict in ("warn", "skip")
    }
    extras = [f"{n} {'warning' if v == 'warn' else 'skipped'}" for v, n in counts.items() if n]
    tail = f" ({', '.join(extras)})" if extras else ""
    if report.ok:
        return f"No check failed{tail}; exit status 0."
    failed = [c.name for c in report.checks if c.verdict == "fail"]
    checks = "check" if len(failed) == 1 else "checks"
    return f"{len(failed)} {checks} failed: {', '.join(failed)}{tail}; exit status 1."


def render_text(report: DoctorReport) -> str:
    """The whole text report: header, one line per check, summary."""
    lines = [header(report.base_url), *(format_check(c) for c in report.checks), summary(report)]
    return "\n".join(lines)


def render_json(report: DoctorReport) -> str:
    """One JSON document: ``base_url``, ``ok``, ``exit_status`` and every check's fields."""
    return json.dumps(report.as_dict(), indent=2)
