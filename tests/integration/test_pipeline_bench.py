"""``cts bench pipeline`` scaled down: a local stack (moto server in a child process), a tiny manifest, a tiny index."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cts.bench.pipeline import bench, make_manifest
from cts.bench.search import analyst_queries, make_documents
from cts.domain.parsers import ParseContext, parse


def test_the_generated_manifest_parses_into_distinct_future_consignments() -> None:
    now = datetime.now(UTC)
    ctx = ParseContext(object_key="inbox/BENCHLINE/m.json", carrier_id="BENCHLINE", received_at=now)
    parsed = parse(make_manifest(120, now), ctx).consignments
    consignments = [p.consignment for p in parsed if p.consignment is not None]
    assert len(consignments) == 120
    assert len({c.key for c in consignments}) == 120
    assert all(c.eta is not None and c.eta > now for c in consignments)


def test_synthetic_documents_and_queries_are_reproducible_and_valid() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert make_documents(50, now) == make_documents(50, now)
    assert len({d.key for d in make_documents(500, now)}) == 500
    queries = analyst_queries(now, 64)
    assert len(queries) == 64
    assert queries == analyst_queries(now, 64)


@pytest.mark.timeout(300)
def test_the_pipeline_benchmark_reports_every_figure_at_a_tiny_size() -> None:
    # 52 stored directly: the 51st names the watched consignee (one in a hundred, from the 51st).
    figures = bench(12, search_docs=300, search_queries=32, rescore_count=64, score_workers=2, timeout_s=120)
    for key in ("upload_to_searchable_s", "search_p95_ms", "rescore_s", "search_build_s", "ingest_s"):
        assert isinstance(figures[key], int | float), key
    assert figures["upload_complete"] is True
    assert figures["upload_searchable"] == 12
    assert figures["rescore_complete"] is True
    assert figures["rescore_consignments"] == 64
    assert figures["rescore_prescored"] == 52
    assert figures["rescore_searchable"] == 64
    assert figures["rescore_watched_updated"] == "1/1"
    assert figures["rescore_sample_judged_alike"] == "63/63"
    assert figures["dead_letters"] == 0
    assert figures["search_queries"] == 32
