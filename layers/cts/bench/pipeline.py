"""``cts bench pipeline``: the pipeline on the local stack, search at scale, and re-scoring after a rules change.

Three figures (issue 5), each measured on its own:

- ``upload_to_searchable_s``: a cts-json manifest of ``count`` consignments is put in the inbox bucket of a local
  stack (moto server in a child process on 127.0.0.1, resources from the catalogue, the real ingest, score and
  notify handlers on queue pollers) until every consignment's assessment is searchable in the embedded index.
- ``search_p95_ms``: an embedded index of ``search_docs`` synthetic documents is built on disk through
  ``index()`` in batches, then a fixed set of analyst queries (text, filters, facets, sort, paging) is timed.
- ``rescore_s``: ``rescore_count`` pre-arrival consignments are in the records, scored and searchable (the
  manifest's, plus the rest stored directly through the consignment repository and scored once in this process by
  :meth:`ScoringService.score_many`, as their arrival would have: assessments, first party sightings, search
  documents); a watch-list entry naming 1 consignee in 100 is added, ``RescoringService.rules_changed`` is called
  (what ``cts rescore --local`` does) and the clock runs until the score queue is drained. Then it is checked that
  every consignment of the watched consignee carries the new ruleset's assessment with the watch-list hit, and that
  the rules in force judge a random sample of the others exactly as their stored assessment says (a re-score
  writes only what changes, see :meth:`ScoringService.score_many`).
"""

from __future__ import annotations

import contextlib
import json
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cts.adapters.dynamodb import (
    DynamoAlerts,
    DynamoAssessments,
    DynamoConsignments,
    DynamoPartyHistory,
    DynamoRules,
    bind_table,
)
from cts.adapters.embedded_search import EmbeddedSearchIndex
from cts.adapters.local.demo import _consignment, seed_rules
from cts.adapters.local.harness import PipelineHarness
from cts.adapters.sqs import SqsWorkQueue
from cts.bench.search import search_figures
from cts.config.country import CountryConfig
from cts.domain.errors import CtsError
from cts.domain.parsers import ParseContext, parse
from cts.domain.quality import with_quality
from cts.domain.records import ConsignmentVersion, content_hash, version_status
from cts.domain.reference import default_reference
from cts.domain.risk.rules import WatchlistEntry
from cts.ports.clock import SystemClock
from cts.ports.records import ConsignmentRepository
from cts.ports.search import SearchQuery
from cts.services.rescoring import RescoringService
from cts.services.scoring import ScoringService

CARRIER = "BENCHLINE"
WATCHED = "Bench Watch Holdings Ltd"  # the consignee the new watch-list entry names (1 consignment in 100)
_SHIPPERS = ("Andes Produce", "Pacific Rim", "Nordic Timber", "Lagos Textile", "Shenzhen Bright", "Gulf Petro")
_CONSIGNEES = ("Island Fresh", "Kingston Hardware", "Montego Foods", "Caribbean Motors", "Ocho Rios Retail")
_GOODS = (
    ("Garden tools", "820190"),
    ("Frozen chicken parts", "020714"),
    ("Laptop computers", "847130"),
    ("Cotton T-shirts", "610910"),
    ("Ceramic floor tiles", "690721"),
    ("Canned tuna", "160414"),
    ("Used tyres", "401220"),
    ("Rice, long grain", "100630"),
)


def _country() -> CountryConfig:
    return CountryConfig(
        code="JM",
        name="Jamaica",
        region="us-east-1",
        account="000000000000",
        ports_of_interest=("JMKIN",),
        alert_sender="alerts@customs.example.jm",
        alert_recipients=("duty@customs.example.jm",),
    )


def make_manifest(count: int, now: datetime, prefix: str = "BENCH", seed: int = 5) -> bytes:
    """A cts-json/1 manifest of ``count`` consignments (the demo's shape) arriving 1 to 28 days from ``now``."""
    rng = random.Random(seed)
    entries = []
    for i in range(count):
        eta = now + timedelta(days=1 + rng.random() * 27)
        description, hs_code = _GOODS[i % len(_GOODS)]
        shipper = f"{rng.choice(_SHIPPERS)} {rng.randrange(300)} Exporters SA"
        consignee = WATCHED if i % 100 == 50 else f"{rng.choice(_CONSIGNEES)} {rng.randrange(2000)} Ltd"
        container = _container(i)
        entries.append(
            _consignment(
                f"{prefix}{i:08d}",
                eta,
                parties=[
                    {"role": "consignor", "name": shipper, "country": "EC", "city": "Guayaquil"},
                    {"role": "consignee", "name": consignee, "country": "JM", "city": "Kingston"},
                ],
                goods=[
                    {
                        "sequence": 1,
                        "description": description,
                        "hs_code": hs_code,
                        "package_count": 10 + i % 500,
                        "package_kind": "CT",
                        "gross_weight_kg": str(100 + i % 20_000),
                        "container_numbers": [container],
                    }
                ],
                equipment=[{"number": container, "size_type": "22G1", "full_empty": "full"}],
            )
        )
    return json.dumps({"format": "cts-json/1", "message_ref": f"{prefix}-{count}", "consignments": entries}).encode()


def _container(n: int) -> str:
    """A valid ISO 6346 container number (owner BNCU) for serial ``n``."""
    owner, serial = "BNCU", f"{n % 1_000_000:06d}"
    values = {c: v for c, v in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", [v for v in range(10, 39) if v % 11], strict=True)}
    digits = [values[c] for c in owner] + [int(d) for d in serial]
    check = sum(d * 2**i for i, d in enumerate(digits)) % 11 % 10
    return f"{owner}{serial}{check}"


def _wait(done: Callable[[], bool], timeout_s: float, every_s: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if done():
            return True
        time.sleep(every_s)
    return done()


# -- 1. upload to searchable --------------------------------------------------------------------------------------


def _upload_to_searchable(harness: PipelineHarness, count: int, timeout_s: float) -> dict[str, Any]:
    search = EmbeddedSearchIndex(harness.env["CTS_SEARCH_PATH"])
    body = make_manifest(count, datetime.now(UTC))
    first_searchable: float | None = None
    t0 = time.perf_counter()
    harness.upload(f"inbox/{CARRIER}/bench-manifest-{count}.json", body)

    def searchable() -> bool:
        nonlocal first_searchable
        found = search.count(SearchQuery())
        if found and first_searchable is None:
            first_searchable = time.perf_counter()
        return found >= count

    complete = _wait(searchable, timeout_s)
    elapsed = time.perf_counter() - t0
    ingest_s = (first_searchable or time.perf_counter()) - t0
    return {
        "upload_to_searchable_s": round(elapsed, 2),
        "upload_consignments": count,
        "upload_searchable": search.count(SearchQuery()),
        "upload_complete": complete,
        "upload_manifest_mb": round(len(body) / 1e6, 2),
        # the ingest function queues the versions for scoring after storing the whole file: the first searchable
        # consignment marks the end of ingestion (parse, check, store, queue) to within one scoring
        "ingest_s": round(ingest_s, 2),
        "score_and_index_s": round(elapsed - ingest_s, 2),
        "scored_per_s": round(count / max(elapsed - ingest_s, 1e-9)),
        "alerts_new": search.count(SearchQuery(alert_statuses=("new",))),
    }


# -- 3. re-scoring ------------------------------------------------------------------------------------------------


def _store_directly(harness: PipelineHarness, count: int, budget_s: float, prefix: str = "STORED") -> tuple[int, float]:
    """Store up to ``count`` more pre-arrival consignments through the repository (parsed and checked as ingest
    does, version 1, never scored), for at most ``budget_s`` seconds; returns how many and how long it took.

    Written as ingest writes a manifest (:meth:`DynamoConsignments.add_versions`, grouped transactions)."""
    if count <= 0:
        return 0, 0.0
    table = bind_table(harness.env["CTS_RECORDS_TABLE"], harness.country.region)
    consignments = DynamoConsignments(table)
    now = datetime.now(UTC)
    reference = default_reference()
    stored, t0 = 0, time.perf_counter()
    for start in range(0, count, 500):
        if time.perf_counter() - t0 > budget_s:
            break
        raw = make_manifest(min(500, count - start), now, prefix=f"{prefix}{start // 500:04d}X", seed=6 + start)
        ctx = ParseContext(object_key=f"inbox/{CARRIER}/stored-{start}.json", carrier_id=CARRIER, received_at=now)
        versions = []
        for item in parse(raw, ctx).consignments:
            if item.consignment is None:
                continue
            checked = with_quality(item.consignment, reference)
            versions.append(
                ConsignmentVersion(
                    key=checked.key,
                    version=1,
                    content_hash=content_hash(checked),
                    status=version_status(checked),
                    file_id="bench-stored",
                    carrier_id=CARRIER,
                    stored_at=now,
                    consignment=checked,
                )
            )
        not_stored = consignments.add_versions([(v, None) for v in versions])
        stored += len(versions) - len(not_stored)
    return stored, time.perf_counter() - t0


def _scoring_service(harness: PipelineHarness) -> ScoringService:
    """The score function's service, in this process, over the local stack's records and index."""
    env, region = harness.env, harness.country.region
    table = bind_table(env["CTS_RECORDS_TABLE"], region)
    return ScoringService(
        consignments=DynamoConsignments(table),
        assessments=DynamoAssessments(table),
        alerts=DynamoAlerts(table),
        rules=DynamoRules(table),
        search=EmbeddedSearchIndex(env["CTS_SEARCH_PATH"]),
        notify_queue=SqsWorkQueue(env["CTS_NOTIFY_QUEUE_URL"], region),
        thresholds=harness.country.thresholds,
        clock=SystemClock(),
        parties=DynamoPartyHistory(table),
        rules_max_age_s=0.0,
    )


def _score_directly(
    harness: PipelineHarness, prefix: str = "STORED", batch: int = 500, threads: int = 4
) -> tuple[int, float]:
    """Score once, in this process, every consignment stored directly (what their arrival would have done), in
    ``threads`` threads (each with its own service, as each score function instance has), so that this process and
    moto's keep both cores busy."""
    t0 = time.perf_counter()
    local = threading.local()

    def score(refs: list[tuple[str, int]]) -> None:
        if not hasattr(local, "service"):
            local.service = _scoring_service(harness)
        for attempt in range(6):
            try:  # concurrent batches race to record the same first sightings: tried again, as SQS redelivers
                outcome = local.service.score_many(refs)
            except CtsError:
                if attempt == 5:
                    raise
                time.sleep(0.2 * 2**attempt)
                continue
            if outcome.failed:
                raise RuntimeError(f"scoring the stored consignments failed: {outcome.failed[0][1]!r}")
            return

    consignments = DynamoConsignments(bind_table(harness.env["CTS_RECORDS_TABLE"], harness.country.region))
    refs = [ref for ref in _all_arriving(consignments, harness) if ref[0].split(":")[-1].startswith(prefix)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(score, [refs[start : start + batch] for start in range(0, len(refs), batch)]))
    return len(refs), time.perf_counter() - t0


def _rescore(harness: PipelineHarness, stored: int, timeout_s: float, sample: int = 200) -> dict[str, Any]:
    env, region = harness.env, harness.country.region
    table = bind_table(env["CTS_RECORDS_TABLE"], region)
    rules = DynamoRules(table)
    rules.put_watchlist_entry(
        WatchlistEntry(
            id="wl-bench-001",
            kind="party",
            value=WATCHED,
            reason="benchmark: intelligence that came in late",
            category="fraud",
            source="bench",
            weight=60,
        )
    )
    service = RescoringService(
        consignments=DynamoConsignments(table),
        rules=rules,
        score_queue=SqsWorkQueue(env["CTS_SCORE_QUEUE_URL"], region),
    )
    search = EmbeddedSearchIndex(env["CTS_SEARCH_PATH"])
    invocations = harness.invocations("ScoreFunction")
    t0 = time.perf_counter()
    start = service.rules_changed(datetime.now(UTC))
    idle = 0

    def drained() -> bool:
        nonlocal idle
        idle = idle + 1 if harness.queue_depth("ScoreQueue") == 0 else 0
        return idle >= 3  # empty three times in a row: no page left to fan out, nothing in flight

    complete = _wait(drained, timeout_s, every_s=0.5)
    elapsed = time.perf_counter() - t0
    invoked = harness.invocations("ScoreFunction") - invocations
    dead = harness.dead_letters()
    keys = _all_arriving(DynamoConsignments(table), harness)
    # What must have changed: every consignment of the watched consignee, under the new ruleset, with its hit.
    watched = {doc.key for doc in _search_all(search, WATCHED) if WATCHED.casefold() in doc.parties_text.casefold()}
    current = DynamoAssessments(table).current_many([(k, v) for k, v in keys if k in watched])
    updated = sum(
        1
        for a in current.values()
        if a.ruleset_version == start.ruleset and any(h.ref == "wl-bench-001" for h in a.hits)
    )
    # What must not have: the rules in force judge a sample of the rest as stored (judged again here: a consignment
    # the re-score missed and whose judgement changes would be rewritten, and counted as not alike).
    rng = random.Random(7)
    others = [ref for ref in keys if ref[0] not in watched]
    checked = rng.sample(others, min(sample, len(others)))
    alike = sum(1 for o in _scoring_service(harness).score_many(checked, start.ruleset).scored if o.unchanged)
    done = len(keys) if complete and updated == len(watched) else round(len(keys) * updated / max(len(watched), 1))
    return {
        "rescore_s": round(elapsed, 2),
        "rescore_consignments": stored,
        "rescore_listed": len(keys),
        "rescore_complete": complete and dead == 0 and updated == len(watched) and alike == len(checked),
        "rescore_watched_updated": f"{updated}/{len(watched)}",
        "rescore_sample_judged_alike": f"{alike}/{len(checked)}",
        "rescore_done": done,
        "rescore_per_s": round(done / max(elapsed, 1e-9)),
        "rescore_score_invocations": invoked,
        "rescore_searchable": search.count(SearchQuery()),
        "rescore_watch_hits": len(watched),
        "dead_letters": dead,
    }


def _search_all(search: EmbeddedSearchIndex, text: str) -> list[Any]:
    found, page = [], 1
    while True:
        result = search.search(SearchQuery(text=text, page=page, page_size=200))
        found += result.hits
        if len(found) >= result.total or not result.hits or page * 200 >= 10_000:
            return found
        page += 1


def _all_arriving(consignments: ConsignmentRepository, harness: PipelineHarness) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    today = datetime.now(UTC).date()
    for n in range(31):
        cursor: str | None = None
        while True:
            page, cursor = consignments.arriving(today + timedelta(days=n), None, cursor, 1000)
            found += page
            if cursor is None:
                break
    return found


# -- all three ----------------------------------------------------------------------------------------------------


def bench(
    count: int = 10_000,
    *,
    search_docs: int = 1_000_000,
    search_queries: int = 200,
    rescore_count: int = 100_000,
    score_workers: int = 4,
    timeout_s: float = 150,
    store_budget_s: float = 300,
    rescore_timeout_s: float = 600,
) -> dict[str, Any]:
    """Run the three measurements; ``count`` is the manifest size (the other sizes scale a test down).
    ``rescore_timeout_s`` is longer than the re-score's target, so that a slow run still reports its time.

    The handlers' logs go to stderr: stdout carries only the figures."""
    with contextlib.redirect_stdout(sys.stderr):
        return _bench(
            count,
            search_docs,
            search_queries,
            rescore_count,
            score_workers,
            timeout_s,
            store_budget_s,
            rescore_timeout_s,
        )


def _bench(
    count: int,
    search_docs: int,
    search_queries: int,
    rescore_count: int,
    score_workers: int,
    timeout_s: float,
    store_budget_s: float,
    rescore_timeout_s: float,
) -> dict[str, Any]:
    figures: dict[str, Any] = {"benchmark": "pipeline"}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cts-bench-") as tmp:
        harness = PipelineHarness(_country(), Path(tmp) / "stack", workers={"ScoreFunction": score_workers})
        try:
            harness.start()
            seed_rules(DynamoRules(bind_table(harness.env["CTS_RECORDS_TABLE"], harness.country.region)))
            figures.update(_upload_to_searchable(harness, count, timeout_s))
            searchable = figures["upload_searchable"]
            extra, took = _store_directly(harness, max(0, rescore_count - searchable), store_budget_s)
            figures["rescore_stored_directly"], figures["rescore_store_s"] = extra, round(took, 1)
            prescored, took = _score_directly(harness)
            figures["rescore_prescored"], figures["rescore_prescore_s"] = prescored, round(took, 1)
            figures.update(_rescore(harness, searchable + extra, rescore_timeout_s))
        finally:
            harness.stop()
        search_dir = Path(tmp) / "search"
        search_dir.mkdir()
        figures.update(search_figures(search_dir, search_docs, search_queries))
    figures["total_s"] = round(time.perf_counter() - t0, 1)
    return figures
