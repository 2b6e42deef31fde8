"""``cts``: the command line of the Cargo Targeting System."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cts.cli import bench, local, parse, reference, rescore, score, screen, upload, watchlist


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cts", description="Cargo Targeting System")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (local, parse, upload, score, screen, watchlist, reference, rescore, bench):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
