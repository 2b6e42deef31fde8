"""``cts rescore --local``: re-score every consignment not yet arrived on the running local stack.

What a rules change does (:meth:`cts.services.rescoring.RescoringService.rules_changed`): one start message on the
score queue naming the ruleset version now in force; the score function fans it out by arrival day. The connection
facts come from ``.local/stack.json`` (written by ``cts local run``). Prints the start message as one JSON line.
On AWS the API calls the same service after every write of a profile, watch-list entry or rate.

Exit status: 0 queued, 2 usage error (no running local stack).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

DONE, USAGE = 0, 2


def register(subparsers: Any) -> None:
    command = subparsers.add_parser("rescore", help="re-score the consignments not yet arrived (after a rules change)")
    command.add_argument("--local", action="store_true", required=True, help="on the local stack (cts local run)")
    command.add_argument(
        "--facts", type=Path, default=Path(".local/stack.json"), help="connection facts (default .local/stack.json)"
    )
    command.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        facts = json.loads(args.facts.read_text(encoding="utf-8"))
        environment: dict[str, str] = facts["environment"]
        endpoint, region = facts["aws_endpoint"], facts["region"]
    except (OSError, ValueError, KeyError) as exc:
        print(f"cts rescore: no local stack facts in {args.facts} ({exc}); start one with `cts local run`", file=err)
        return USAGE
    # Local AWS only: the moto endpoint and dummy credentials, never a real account.
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
        }
    )
    from cts.adapters.aws import reset_clients
    from cts.adapters.dynamodb import DynamoConsignments, DynamoRules, bind_table
    from cts.adapters.sqs import SqsWorkQueue
    from cts.services.rescoring import RescoringService

    reset_clients()
    table = bind_table(environment["CTS_RECORDS_TABLE"], region)
    service = RescoringService(
        consignments=DynamoConsignments(table),
        rules=DynamoRules(table),
        score_queue=SqsWorkQueue(environment["CTS_SCORE_QUEUE_URL"], region),
    )
    start = service.rules_changed(datetime.now(UTC))
    print(start.model_dump_json(), file=out)
    return DONE
