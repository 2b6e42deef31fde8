"""``cts watchlist import``: a watch list as a rules file, if the country has switched its format on.

``cts watchlist import --country JM --source ofac_legacy PATH --out FILE.yaml [--countries DIR]`` reads ``PATH``
(a CTS CSV file, an OFAC legacy folder, a UN consolidated ``.xml`` or OpenSanctions FtM ``.jsonl``, as ``--source``
says), converts its entries to watch-list rule documents and writes ``{watchlist: [...]}`` to ``FILE`` (YAML, or
JSON when it ends in ``.json``), a file ``cts score --rules DIR`` reads. The source must be in the country's
``watchlist_sources`` (``DIR/<ISO2>.yaml``, default ``infra/countries``). Prints the summary as one JSON line.

Exit status: 0 imported, 2 usage error (disabled or unknown source, unreadable list or country file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

import yaml
from pydantic import ValidationError

from cts.config.country import CountryConfig
from cts.domain.errors import ValidationFailed
from cts.domain.risk.rules import WatchlistEntry
from cts.domain.screening.to_rules import WatchlistSource
from cts.services.watchlists import import_watchlist

DONE, USAGE = 0, 2


class RulesFile:
    """A sink collecting entries (the last one of an id wins), then written as one ``{watchlist: [...]}`` file."""

    def __init__(self) -> None:
        self.entries: dict[str, WatchlistEntry] = {}

    def put_watchlist_entry(self, entry: WatchlistEntry) -> None:
        self.entries[entry.id] = entry

    def write(self, path: Path) -> None:
        documents = [e.model_dump(mode="json", exclude_none=True) for e in self.entries.values()]
        if path.suffix == ".json":
            text = json.dumps({"watchlist": documents}, ensure_ascii=False, indent=1) + "\n"
        else:
            dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
            text = yaml.dump({"watchlist": documents}, Dumper=dumper, allow_unicode=True, sort_keys=False)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)


def default_countries_dir() -> Path:
    from cts.adapters.local.paths import repo_root

    return repo_root() / "infra" / "countries"


def register(subparsers: Any) -> None:
    watchlist = subparsers.add_parser("watchlist", help="watch lists: import a list as a rules file")
    commands = watchlist.add_subparsers(dest="watchlist_command", required=True, metavar="COMMAND")
    imp = commands.add_parser(
        "import", help="convert a watch list to watch-list rule documents, if the country accepts its source"
    )
    imp.add_argument("path", type=Path, metavar="PATH", help="the list: a file, or the OFAC legacy folder")
    imp.add_argument("--country", required=True, help="ISO2 code: DIR/<ISO2>.yaml says which sources it accepts")
    imp.add_argument("--source", required=True, choices=[s.value for s in WatchlistSource], help="format of PATH")
    imp.add_argument("--out", type=Path, required=True, help="rules file to write (.yaml, or .json)")
    imp.add_argument("--countries", type=Path, metavar="DIR", help="country configurations (default infra/countries)")
    imp.set_defaults(func=run_import)


def _country(args: argparse.Namespace) -> CountryConfig:
    try:
        directory = args.countries or default_countries_dir()
    except RuntimeError as exc:  # no repository checkout to find infra/countries in
        raise ValidationFailed(f"{exc}, or pass --countries DIR") from exc
    path = directory / f"{args.country.upper()}.yaml"
    if not path.is_file():
        raise ValidationFailed(f"no country configuration {path}")
    try:
        return CountryConfig.load(path)
    except (OSError, ValueError, yaml.YAMLError) as exc:  # pydantic's ValidationError is a ValueError
        detail = str(exc) if not isinstance(exc, ValidationError) else str(exc).replace("\n", "; ")
        raise ValidationFailed(f"{path}: {detail}") from exc


def run_import(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    sink = RulesFile()
    try:
        config = _country(args)
        summary = import_watchlist(args.source, args.path, config, sink)
    except ValidationFailed as exc:
        print(f"cts watchlist import: {exc}", file=err)
        return USAGE
    try:
        sink.write(args.out)
    except OSError as exc:
        print(f"cts watchlist import: cannot write {args.out}: {exc.strerror or exc}", file=err)
        return USAGE
    out.write(json.dumps({**summary.as_dict(), "out": str(args.out)}, ensure_ascii=False) + "\n")
    return DONE
