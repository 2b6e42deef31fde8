"""``cts local run``: the whole system on this machine (what ``make run`` calls)."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import threading
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    local = subparsers.add_parser("local", help="run the system locally (moto server, handlers, API, web app)")
    commands = local.add_subparsers(dest="local_command", required=True)
    run = commands.add_parser("run", help="start the local stack in the foreground; Ctrl-C stops it")
    run.add_argument("--port", type=int, default=int(os.environ.get("CTS_PORT", "8000")), help="API and web app")
    run.add_argument("--aws-port", type=int, default=int(os.environ.get("CTS_AWS_PORT", "4566")), help="moto server")
    run.add_argument("--country", default=os.environ.get("CTS_COUNTRY", "JM"), help="infra/countries/<ISO2>.yaml")
    run.add_argument("--data-dir", type=Path, default=Path(".local"), help="stack.json and the search index")
    run.add_argument("--no-demo", action="store_true", help="start empty: no demo users, rules or manifests")
    run.add_argument(
        "--fresh", action="store_true", help="forget the records and files kept from the last run (data-dir/aws-state)"
    )
    run.set_defaults(func=run_stack)


def run_stack(args: argparse.Namespace) -> int:
    from cts.adapters.local.paths import repo_root
    from cts.adapters.local.stack import LocalStack
    from cts.config.country import CountryConfig

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("werkzeug", "botocore", "pynamodb"):  # one line per emulated AWS call drowns the handlers' logs
        logging.getLogger(noisy).setLevel(logging.WARNING)
    country = CountryConfig.load(repo_root() / "infra" / "countries" / f"{args.country}.yaml")
    index = args.data_dir / "search.sqlite3"
    state = args.data_dir / "aws-state"
    if args.fresh or not (state / "tables").is_dir():
        # Starting from nothing: the search index must start empty too, to match the records.
        shutil.rmtree(state, ignore_errors=True)
        for stale in (index, index.with_name(index.name + "-wal"), index.with_name(index.name + "-shm")):
            stale.unlink(missing_ok=True)
    stack = LocalStack(
        country=country,
        port=args.port,
        aws_port=args.aws_port,
        data_dir=args.data_dir,
        demo=not args.no_demo,
        keep_state=True,
    ).start()
    print_banner(stack)
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    print("\nstopping the local stack ...", flush=True)
    stack.stop()
    return 0


def print_banner(stack: Any) -> None:
    facts = stack.facts()
    lines = [
        "",
        f"Cargo Targeting System, local stack for {facts['country']}",
        f"  web app and API : {facts['web_url']}   (GET /health)",
        f"  local AWS (moto): {facts['aws_endpoint']}",
        f"  connection facts: {stack.data_dir / 'stack.json'}",
        f"  records and files: {'restored from' if stack.restored else 'kept in'} {stack.state_dir} "
        "(saved on Ctrl-C; --fresh starts over)",
        "  demo users (passwords change every run):",
        *[f"    {u['username']:<22} {u['password']:<22} {u['role']}" for u in facts["users"]],
        "  drop files into the inbox: aws --endpoint-url "
        f"{facts['aws_endpoint']} s3 cp FILE s3://{facts['inbox_bucket']}/inbox/{facts['demo_carrier']}/",
        "Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), flush=True)
