"""``cts parse FILE``: parse a carrier file offline and print the consignments and issues as JSON."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cts.domain.model import SourceFormat
from cts.domain.parsers import ParseContext, UnknownFormat, parse
from cts.domain.quality import with_quality
from cts.domain.reference import default_reference


def register(subparsers: Any) -> None:
    command = subparsers.add_parser("parse", help="parse a carrier file and print what the system would store")
    command.add_argument("file", type=Path)
    command.add_argument("--format", choices=[f.value for f in SourceFormat], help="skip format detection")
    command.add_argument("--carrier", default="LOCAL", help="carrier id the file is attributed to")
    command.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    ctx = ParseContext(object_key=str(args.file), carrier_id=args.carrier, received_at=datetime.now(UTC))
    try:
        result = parse(args.file.read_bytes(), ctx, SourceFormat(args.format) if args.format else None)
    except UnknownFormat as exc:
        print(json.dumps({"error": "UNKNOWN_FORMAT", "message": str(exc)}))
        return 2
    ref = default_reference()
    out = {
        "format": result.source_format.value if result.source_format else None,
        "issues": [i.model_dump(mode="json", exclude_none=True) for i in result.issues],
        "consignments": [
            {
                "document_number": item.document_number,
                "consignment": with_quality(item.consignment, ref).model_dump(mode="json", exclude_none=True)
                if item.consignment
                else None,
                "issues": [i.model_dump(mode="json", exclude_none=True) for i in item.issues],
            }
            for item in result.consignments
        ],
    }
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0 if any(item.consignment for item in result.consignments) else 1
