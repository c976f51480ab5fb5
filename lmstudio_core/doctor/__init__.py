"""``doctor``: check an LM Studio (or llama.cpp) server and say what is wrong, and what to do.

Run it as ``python -m lmstudio_core doctor`` (or ``lmstudio-doctor``), or in-process::

    from lmstudio_core.doctor import DoctorOptions, render_text, run_doctor

    report = run_doctor(DoctorOptions(base_url="http://localhost:1234/v1"))
    print(render_text(report))

Modules: `result` (`CheckResult`, `DoctorReport`), `context` (options and what the checks
found), `probe` (raw HTTP probes, the server's kind), `checks` (server, auth, API, models),
`fix` (``--fix``), `calls` (chat, stream, tool call, JSON, embedding), `versions`, `run`
(`run_doctor`), `report` (text and JSON), `cli` (the command line).
"""

from lmstudio_core.doctor.context import DoctorOptions
from lmstudio_core.doctor.report import format_check, header, render_json, render_text, summary
from lmstudio_core.doctor.result import CheckResult, DoctorReport, Verdict
from lmstudio_core.doctor.run import run_doctor

__all__ = [
    "CheckResult",
    "DoctorOptions",
    "DoctorReport",
    "Verdict",
    "format_check",
    "header",
    "render_json",
    "render_text",
    "run_doctor",
    "summary",
]
