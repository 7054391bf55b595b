"""The ``microfab`` command line: the second way in next to HTTP, a thin shell over the service functions.

Each command group lives in its own module with a ``register(subparsers)``
function; ``COMMANDS`` lists them. Heavy imports happen inside the commands so
``microfab --help`` stays instant.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from api.cli import batch, calibrate, catalog, keys, parts, serve, worker
from geometry.errors import InputError, MicrofabError

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
    parser.add_argument("--version", action="version", version=f"microfab {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("microfab")
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
