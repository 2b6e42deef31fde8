"""``cts score MANIFEST --rules DIR``: score a carrier file against rule documents, one assessment per line.

``DIR`` holds JSON or YAML files (``*.json``, ``*.yaml``, ``*.yml``). A file holds one document, a list of
documents, or a mapping with ``profiles``, ``watchlist``, ``allow_list`` and ``random_selection`` lists. A document
with ``indicators`` is a profile, one with ``suppresses`` an allow-list entry, one with ``kind`` a watch-list entry,
one with ``rate`` a random selection rate.
The ruleset version is a digest of the documents, so the same rules always give the same version.

Exit status: 0 scored, 1 nothing could be scored, 2 unreadable file or invalid rules.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

import yaml
from pydantic import ValidationError

from cts.domain.parsers import ParseContext, UnknownFormat, parse
from cts.domain.quality import with_quality
from cts.domain.reference import default_reference
from cts.domain.risk.engine import compile_ruleset
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import AllowEntry, Profile, RandomSelection, Ruleset, WatchlistEntry

SCORED, NOTHING, USAGE = 0, 1, 2
RULE_SUFFIXES = (".json", ".yaml", ".yml")


class RulesError(ValueError):
    """A rules file that cannot be read or does not validate; the message names the file and document."""


def register(subparsers: Any) -> None:
    command = subparsers.add_parser("score", help="score a carrier file against rule documents: JSON lines")
    command.add_argument("manifest", type=Path)
    command.add_argument("--rules", type=Path, required=True, help="directory of profile / watch-list documents")
    command.add_argument("--carrier", default="LOCAL", help="carrier id the file is attributed to")
    command.add_argument("--date", type=date.fromisoformat, help="judge validity on this day (default: today)")
    command.add_argument("--alert", type=int, default=Thresholds().alert, help="score at which an alert is raised")
    command.add_argument("--red", type=int, default=Thresholds().red, help="score at which an alert is red")
    command.set_defaults(func=run)


def _documents(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    loaded = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if loaded is None:
        return []
    sections = {"profiles", "watchlist", "allow_list", "random_selection"}
    if isinstance(loaded, dict) and set(loaded) & sections:
        unknown = set(loaded) - sections
        if unknown:
            raise RulesError(f"{path}: unknown top-level keys {sorted(unknown)}")
        return (
            [("profile", d) for d in loaded.get("profiles", [])]
            + [("watchlist", d) for d in loaded.get("watchlist", [])]
            + [("allow", d) for d in loaded.get("allow_list", [])]
            + [("random", d) for d in loaded.get("random_selection", [])]
        )
    return [(None, d) for d in (loaded if isinstance(loaded, list) else [loaded])]


def load_rules(directory: Path) -> Ruleset:
    """Read every rule document under ``directory`` (sorted by file name) into one versioned ruleset."""
    if not directory.is_dir():
        raise RulesError(f"{directory}: not a directory")
    profiles: list[Profile] = []
    entries: list[WatchlistEntry] = []
    selections: list[RandomSelection] = []
    allowed: list[AllowEntry] = []
    for path in sorted(p for p in directory.rglob("*") if p.suffix in RULE_SUFFIXES and p.is_file()):
        try:
            documents = _documents(path)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            raise RulesError(f"{path}: cannot read: {exc}") from exc
        for n, (declared, doc) in enumerate(documents, start=1):
            if not isinstance(doc, dict):
                raise RulesError(f"{path} document {n}: expected a mapping, got {type(doc).__name__}")
            kind = declared or ("profile" if "indicators" in doc else "allow" if "suppresses" in doc else None)
            kind = kind or ("watchlist" if "kind" in doc else None)
            kind = kind or ("random" if "rate" in doc else None)
            try:
                if kind == "profile":
                    profiles.append(Profile.model_validate(doc))
                elif kind == "watchlist":
                    entries.append(WatchlistEntry.model_validate(doc))
                elif kind == "allow":
                    allowed.append(AllowEntry.model_validate(doc))
                elif kind == "random":
                    selections.append(RandomSelection.model_validate(doc))
                else:
                    raise RulesError(
                        f"{path} document {n}: not a profile (indicators), allow-list entry (suppresses), "
                        "watch-list entry (kind) or random selection (rate)"
                    )
            except ValidationError as exc:
                raise RulesError(f"{path} document {n}: {exc}") from exc
    digest = hashlib.sha256()
    for model in (*profiles, *entries, *allowed, *selections):
        digest.update(model.model_dump_json().encode())
    return Ruleset(
        version=digest.hexdigest()[:12],
        profiles=tuple(profiles),
        watchlist=tuple(entries),
        allow_list=tuple(allowed),
        random_selection=tuple(selections),
    )


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        ruleset = load_rules(args.rules)
        thresholds = Thresholds(alert=args.alert, red=args.red)
    except RulesError as exc:
        print(f"cts score: {exc}", file=err)
        return USAGE
    except ValidationError as exc:
        print(f"cts score: bad thresholds: {exc}", file=err)
        return USAGE
    try:
        raw = args.manifest.read_bytes()
    except OSError as exc:
        print(f"cts score: cannot read {args.manifest}: {exc.strerror}", file=err)
        return USAGE
    now = datetime.now(UTC)
    ctx = ParseContext(object_key=str(args.manifest), carrier_id=args.carrier, received_at=now)
    try:
        result = parse(raw, ctx)
    except UnknownFormat as exc:
        print(f"cts score: {args.manifest}: {exc}", file=err)
        return NOTHING
    compiled = compile_ruleset(ruleset)
    today = args.date or now.date()
    reference = default_reference()
    scored = 0
    for item in result.consignments:
        if item.consignment is None:
            print(f"cts score: {item.document_number or 'consignment'} rejected by the parser", file=err)
            continue
        checked = with_quality(item.consignment, reference)
        assessment = compiled.assess(checked.key, 1, checked, thresholds, today)
        out.write(json.dumps(assessment.model_dump(mode="json"), ensure_ascii=False) + "\n")
        scored += 1
    print(
        f"scored {scored} of {len(result.consignments)} consignments with {len(ruleset.profiles)} profiles, "
        f"{len(ruleset.watchlist)} watch-list entries (ruleset {ruleset.version})",
        file=err,
    )
    return SCORED if scored else NOTHING
