"""``cts parse FILE``: check a carrier file before sending it, exactly as the system will read it.

Prints one canonical consignment per line (JSON lines) on stdout; warnings and errors on stderr with
their line or segment. Exit status: 0 accepted (possibly with warnings), 1 rejected, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from cts.domain.model import DataQualityIssue, SourceFormat
from cts.domain.parsers import ParseContext, UnknownFormat, parse
from cts.domain.quality import with_quality
from cts.domain.reference import default_reference

ACCEPTED, REJECTED, USAGE = 0, 1, 2


def register(subparsers: Any) -> None:
    command = subparsers.add_parser("parse", help="parse a carrier file: consignments as JSON lines, issues on stderr")
    command.add_argument("file", type=Path)
    command.add_argument("--format", choices=[f.value for f in SourceFormat], help="skip format detection")
    command.add_argument("--carrier", default="LOCAL", help="carrier id the file is attributed to")
    command.set_defaults(func=run)


def describe(issue: DataQualityIssue, document: str | None = None) -> str:
    where = f"line {issue.line}" if issue.line else f"segment {issue.segment}" if issue.segment else "file"
    parts = [f"{issue.severity.value.upper()} {where}", issue.code]
    if document:
        parts.append(f"[{document}]")
    if issue.field:
        parts.append(issue.field)
    text = " ".join(parts) + f": {issue.message}"
    return text + (f" (got {issue.value!r})" if issue.value is not None else "")


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        raw = args.file.read_bytes()
    except OSError as exc:
        print(f"cts parse: cannot read {args.file}: {exc.strerror}", file=err)
        return USAGE
    ctx = ParseContext(object_key=str(args.file), carrier_id=args.carrier, received_at=datetime.now(UTC))
    try:
        result = parse(raw, ctx, SourceFormat(args.format) if args.format else None)
    except UnknownFormat as exc:
        print(f"ERROR file UNKNOWN_FORMAT: {exc}", file=err)
        return REJECTED
    for issue in result.issues:
        print(describe(issue), file=err)
    reference = default_reference()
    accepted = 0
    for item in result.consignments:
        for issue in item.issues:
            print(describe(issue, item.document_number), file=err)
        if item.consignment is None:
            continue
        checked = with_quality(item.consignment, reference)
        for issue in checked.quality:
            print(describe(issue, item.document_number), file=err)
        out.write(json.dumps(checked.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n")
        accepted += 1
    fmt = result.source_format.value if result.source_format else "unknown"
    print(f"{fmt}: {accepted} of {len(result.consignments)} consignments accepted", file=err)
    return ACCEPTED if accepted else REJECTED
