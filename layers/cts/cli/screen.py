"""``cts screen`` and ``cts match-pairs``: party-name screening against watch lists, from the command line.

``cts screen --watchlist PATH [--watchlist PATH ...] (NAME ... | --names FILE)`` prints one JSON line per name:
``{"query", "matches": [{"entry_id", "name", "score", "explanation"}]}``, matches at or above the threshold, best
first. PATH is an OFAC legacy CSV folder (holding ``sdn.csv``), a UN consolidated list ``.xml``, OpenSanctions
FollowTheMoney ``.json``/``.jsonl`` lines, or a CTS watch-list CSV file.

``cts match-pairs FILE.csv [--watchlist PATH ...]`` scores each row of a CSV with columns ``left``, ``right`` and
optionally ``kind``; token weights come from the watch lists when given, else every token weighs the same.

Exit status: 0 done, 2 usage error (unreadable file, bad CSV).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from cts.domain.screening.importers import WatchlistError, load_watchlist
from cts.domain.screening.index import ScreeningIndex
from cts.domain.screening.matcher import DEFAULT_CONFIG, Screener, ScreeningConfig, score_pair
from cts.domain.screening.model import EntryKind, Match, Part, ScreeningEntry

DONE, USAGE = 0, 2
KINDS = [k.value for k in EntryKind]
LIST_HELP = "OFAC legacy folder, UN .xml, OpenSanctions .jsonl or CTS CSV (repeatable)"


def register(subparsers: Any) -> None:
    screen = subparsers.add_parser("screen", help="screen party names against watch lists: JSON lines of matches")
    screen.add_argument("names", nargs="*", metavar="NAME", help="names to screen")
    screen.add_argument("--names", dest="names_file", type=Path, help="file of names, one per line")
    screen.add_argument(
        "--watchlist",
        action="append",
        type=Path,
        required=True,
        help=LIST_HELP,
    )
    screen.add_argument("--kind", choices=KINDS, help="kind of party the names are")
    screen.add_argument("--threshold", type=float, default=DEFAULT_CONFIG.threshold, help="alert threshold 0..1")
    screen.set_defaults(func=run_screen)
    pairs = subparsers.add_parser("match-pairs", help="score name pairs of a CSV (left,right[,kind]): JSON lines")
    pairs.add_argument("file", type=Path)
    pairs.add_argument("--watchlist", action="append", type=Path, default=[], help="weigh tokens by these lists")
    pairs.set_defaults(func=run_match_pairs)


def _load(paths: list[Path], err: TextIO, command: str) -> list[ScreeningEntry] | None:
    entries: list[ScreeningEntry] = []
    for path in paths:
        try:
            entries.extend(load_watchlist(path))
        except (OSError, WatchlistError, UnicodeDecodeError) as exc:
            print(f"cts {command}: cannot read watch list {path}: {exc}", file=err)
            return None
    return entries


def _explain(parts: tuple[Part, ...]) -> list[dict[str, object]]:
    return [p.as_dict() for p in parts]


def _match(match: Match) -> dict[str, object]:
    return {
        "entry_id": match.entry_id,
        "name": match.name_matched,
        "score": round(match.score, 6),
        "explanation": _explain(match.explanation),
    }


def run_screen(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    names: list[str] = list(args.names)
    if args.names_file is not None:
        try:
            text = args.names_file.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"cts screen: cannot read {args.names_file}: {exc}", file=err)
            return USAGE
        names.extend(line.strip() for line in text.splitlines() if line.strip())
    if not names:
        print("cts screen: give names or --names FILE", file=err)
        return USAGE
    entries = _load(args.watchlist, err, "screen")
    if entries is None:
        return USAGE
    config = ScreeningConfig(threshold=args.threshold, keep_below_threshold=None)
    screener = Screener(ScreeningIndex(entries), config)
    kind = EntryKind(args.kind) if args.kind else None
    for name in names:
        matches = screener.screen(name, kind, args.threshold)
        out.write(json.dumps({"query": name, "matches": [_match(m) for m in matches]}, ensure_ascii=False) + "\n")
    print(f"screened {len(names)} name(s) against {len(entries)} listed entries", file=err)
    return DONE


def run_match_pairs(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        text = args.file.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cts match-pairs: cannot read {args.file}: {exc}", file=err)
        return USAGE
    reader = csv.DictReader(io.StringIO(text))
    if not {"left", "right"} <= set(reader.fieldnames or ()):
        print(f"cts match-pairs: {args.file} needs columns left,right (and optionally kind)", file=err)
        return USAGE
    screener = None
    if args.watchlist:
        entries = _load(args.watchlist, err, "match-pairs")
        if entries is None:
            return USAGE
        screener = Screener(ScreeningIndex(entries))
    for line, row in enumerate(reader, start=2):
        left, right = (row.get("left") or "").strip(), (row.get("right") or "").strip()
        raw_kind = (row.get("kind") or "").strip().lower()
        if raw_kind and raw_kind not in KINDS:
            print(f"cts match-pairs: line {line}: unknown kind {raw_kind!r}", file=err)
            return USAGE
        kind = EntryKind(raw_kind) if raw_kind else None
        score, parts = screener.score_pair(left, right, kind) if screener else score_pair(left, right, kind)
        record = {"left": left, "right": right, "kind": raw_kind or None, "score": round(score, 6)}
        out.write(json.dumps({**record, "explanation": _explain(parts)}, ensure_ascii=False) + "\n")
    return DONE
