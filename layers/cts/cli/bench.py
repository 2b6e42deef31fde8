"""``cts bench``: benchmarks that print one JSON object each (``make bench`` runs them all)."""

from __future__ import annotations

import argparse
import importlib
import json
from typing import Any

# name -> module in cts.bench exposing ``bench(count) -> dict``
BENCHMARKS = {
    "core": "cts.bench.core",
    "parse_cuscar": "cts.bench.edifact",
    "parse_cargoimp": "cts.bench.cargoimp",
    "fuzz_parsers": "cts.bench.fuzz",
    "scoring": "cts.bench.scoring",
    "screening": "cts.bench.screening",
    "pipeline": "cts.bench.pipeline",
    "reports": "cts.bench.reports",
}


def register(subparsers: Any) -> None:
    command = subparsers.add_parser("bench", help="run benchmarks and print their figures as JSON lines")
    command.add_argument("name", choices=[*BENCHMARKS, "all"])
    command.add_argument(
        "--count", "--consignments", type=int, dest="count", help="the benchmark's main size (default: its own)"
    )
    command.add_argument("--cases", type=int, help="reports: closed cases over the year (default 10,000)")
    command.add_argument("--rounds", type=int, help="reports: timed dashboard rounds (default 50)")
    command.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    names = list(BENCHMARKS) if args.name == "all" else [args.name]
    for name in names:
        module = importlib.import_module(BENCHMARKS[name])
        sizes = {name: value for name in ("cases", "rounds") if (value := getattr(args, name, None)) is not None}
        if name != "reports":
            sizes = {}
        figures = module.bench(**sizes) if args.count is None else module.bench(args.count, **sizes)
        print(json.dumps(figures), flush=True)
    return 0
