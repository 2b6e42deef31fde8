"""``cts reference build``: regenerate the shipped reference package data from a source folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cts.reference.build import build_reference_data

PACKAGE_DATA = Path(__file__).resolve().parent.parent / "reference" / "data"


def register(subparsers: Any) -> None:
    """Add ``reference build`` to the ``cts`` sub-commands (``subparsers`` from ``add_subparsers()``)."""
    reference = subparsers.add_parser("reference", help="reference code lists (HS, countries, UN/LOCODE)")
    commands = reference.add_subparsers(dest="reference_command", required=True)
    build = commands.add_parser(
        "build",
        help="rebuild the package data from a folder laid out like ../shared/reference",
    )
    build.add_argument("--source", type=Path, required=True, help="folder with hs/, countries/, unlocode/")
    build.add_argument("--dest", type=Path, default=PACKAGE_DATA, help="output folder (default: package data)")
    build.add_argument("--built-on", default=None, help="build date for SOURCES.json (default: today)")
    build.set_defaults(func=run_build)


def run_build(args: argparse.Namespace) -> int:
    source: Path = args.source
    if not source.is_dir():
        print(f"no such folder: {source}", file=sys.stderr)
        return 2
    counts = build_reference_data(source, args.dest, built_on=args.built_on)
    print(json.dumps({"dest": str(args.dest), "rows": counts}, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m cts.cli.reference reference build --source ...``)."""
    parser = argparse.ArgumentParser(prog="cts")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
