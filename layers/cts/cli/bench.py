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
}


def register(subparsers: Any) -> None:
    command = subparsers.add_parser("bench", help="run benchmarks and print their figures as JSON lines")
    command.add_argument("name", choices=[*BENCHMARKS, "all"])
    command.add_argument("--count", type=int, help="the benchmark's main size (default: its own)")
    command.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    names = list(BENCHMARKS) if args.name == "all" else [args.name]
    for name in names:
        module = importlib.import_module(BENCHMARKS[name])
        figures = module.bench() if args.count is None else module.bench(args.count)
        print(json.dumps(figures), flush=True)
    return 0
