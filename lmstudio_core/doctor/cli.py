"""``python -m lmstudio_core doctor`` and the ``lmstudio-doctor`` console script."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from lmstudio_core.doctor.context import DEFAULT_TIMEOUT, DEFAULT_TTL, DoctorOptions
from lmstudio_core.doctor.fix import Ask
from lmstudio_core.doctor.report import format_check, header, render_json, summary
from lmstudio_core.doctor.run import run_doctor
from lmstudio_core.errors import InvalidRequestError
from lmstudio_core.settings import API_KEY_ENV_VARS, base_url_from_env, normalize_base_url

__all__ = ["main", "parser"]

EPILOG = """\
exit status: 0 when no check failed (warnings and skips with a reason are not failures),
1 when one did, 2 for a usage error. With --model, a model that is missing or not loaded fails.

Nothing is downloaded or loaded unless --fix is given; --fix loads one model with a TTL after
asking (without a terminal it needs --yes). The API token is never printed.
"""


def parser(prog: str = "python -m lmstudio_core doctor") -> argparse.ArgumentParser:
    """The command line of doctor."""
    cli = argparse.ArgumentParser(
        prog=prog,
        description="Check an LM Studio (or llama.cpp) server and say what is wrong.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_argument(
        "--base-url",
        help="the server to check (default: LMSTUDIO_BASE_URL or http://localhost:1234/v1)",
    )
    cli.add_argument(
        "--api-key",
        "--token",
        dest="api_key",
        help=f"API token (default: {API_KEY_ENV_VARS[0]}; prefer the variable: other users "
        "of this machine can see command lines)",
    )
    cli.add_argument("--json", action="store_true", help="print one JSON document, for machines")
    cli.add_argument("--model", help="the model you need: its absence fails instead of skipping")
    cli.add_argument(
        "--fix", action="store_true", help="load a model when none (or not --model) is loaded"
    )
    cli.add_argument("--yes", "-y", action="store_true", help="with --fix: do not ask first")
    cli.add_argument(
        "--ttl",
        type=int,
        default=DEFAULT_TTL,
        help=f"idle seconds before a model --fix loads unloads itself (default {DEFAULT_TTL})",
    )
    cli.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds each check may take (default {DEFAULT_TIMEOUT:g})",
    )
    return cli


def _token_source(given: str | None) -> str:
    if given is not None:
        return "--api-key"
    return next((name for name in API_KEY_ENV_VARS if os.environ.get(name)), "")


def _terminal_ask() -> Ask | None:
    """Ask on the terminal (the question on stderr, so ``--json`` output stays clean)."""
    if not sys.stdin.isatty():
        return None

    def ask(question: str) -> bool:
        print(question, end="", file=sys.stderr, flush=True)
        return sys.stdin.readline().strip().lower() in ("y", "yes")

    return ask


def main(argv: Sequence[str] | None = None, *, prog: str = "lmstudio-doctor") -> int:
    """Run doctor with command-line arguments; return the exit status.

    A reader that stops early (``lmstudio-doctor --json | head``) ends the output quietly, as
    Python's documentation recommends (note on SIGPIPE in the `signal` module): stdout is
    pointed at devnull so the final flush does not fail again, and the status is 1.
    """
    try:
        status = _run(argv, prog)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return status


def _run(argv: Sequence[str] | None, prog: str) -> int:
    args = parser(prog).parse_args(argv)
    if args.timeout <= 0 or args.ttl <= 0:
        print("doctor: --timeout and --ttl must be greater than 0", file=sys.stderr)
        return 2
    options = DoctorOptions(
        base_url=args.base_url,
        api_key=args.api_key,
        token_source=_token_source(args.api_key),
        timeout=args.timeout,
        model=args.model,
        fix=args.fix,
        yes=args.yes,
        ttl=args.ttl,
    )
    try:
        url = normalize_base_url(args.base_url or base_url_from_env())
    except InvalidRequestError as exc:
        print(f"doctor: {exc}", file=sys.stderr)
        return 2
    if not args.json:
        print(header(url), flush=True)
    try:
        report = run_doctor(
            options,
            ask=_terminal_ask(),
            on_check=None if args.json else lambda check: print(format_check(check), flush=True),
        )
    except KeyboardInterrupt:
        print("\ndoctor: interrupted", file=sys.stderr)
        return 130
    print(render_json(report) if args.json else summary(report))
    return report.exit_status


if __name__ == "__main__":
    sys.exit(main())
