"""``python -m lmstudio_core <command>``: the command-line tools of the core.

Commands: ``doctor`` (check a server and say what is wrong; see `lmstudio_core.doctor`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = """\
usage: python -m lmstudio_core <command> [options]

commands:
  doctor    check an LM Studio (or llama.cpp) server and say what is wrong
            (python -m lmstudio_core doctor --help)
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to a command; return its exit status (2 for an unknown one)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE, end="", file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "doctor":
        from lmstudio_core.doctor.cli import main as doctor

        return doctor(rest, prog="python -m lmstudio_core doctor")
    print(f"unknown command {command!r}\n{USAGE}", end="", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
