"""The ``microfab`` command line: the second way in next to HTTP, a thin shell over the service functions.

Each command group lives in its own module with a ``register(subparsers)``
function; ``COMMANDS`` lists them. Heavy imports happen inside the commands so
``microfab --help`` stays instant. The one-shot commands
(``parts.ONE_SHOT_COMMANDS``) run without the cyclic garbage collector and, run
as the ``microfab`` program, exit without the interpreter's teardown
(``api.cli.process``); called in-process (``main([...])``) they return.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from api.cli import batch, calibrate, catalog, keys, parts, serve, worker
from api.cli.process import exit_now, without_cyclic_gc

#: the command groups, in the order ``microfab --help`` lists them
COMMANDS = (parts, catalog, batch, serve, worker, keys, calibrate)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="microfab",
        description="Instant, explainable quotes for CAD parts from local workshops.",
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The ``microfab`` command (``argv`` None: ``sys.argv``, as the console script calls it)."""
    console = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    # a one-shot command (quote, features) runs without the cyclic GC from its first heavy import on
    one_shot = bool(argv) and argv[0] in parts.ONE_SHOT_COMMANDS
    code = (without_cyclic_gc(_run) if one_shot else _run)(argv)
    if console and one_shot:
        exit_now(code)  # its answer is written: skip the interpreter's teardown
    return code


def _run(argv: list[str]) -> int:
    """Parse and run a command; errors become one line on stderr and an exit status."""
    from geometry.errors import InputError, MicrofabError  # here: ``import api.cli`` stays light

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputError as err:
        print(f"microfab: error: {err.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MicrofabError as err:
        print(f"microfab: error: {err.message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("microfab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as err:  # last resort: one line, no traceback, unless asked for
        if os.environ.get("MICROFAB_DEBUG"):
            raise
        print(f"microfab: internal error: {type(err).__name__}: {err} (set MICROFAB_DEBUG=1 for details)",
              file=sys.stderr)
        return EXIT_ERROR


class _VersionAction(argparse.Action):
    """``--version``: the installed version, looked up only when asked (importlib.metadata costs ~20 ms)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        print(f"microfab {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("microfab")
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
