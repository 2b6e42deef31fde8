"""The EDIFACT benchmark helper runs and reports its figures (the throughput target is checked by ``make bench``)."""

from __future__ import annotations

from cts.bench.edifact import bench, synthetic_cuscar
from cts.domain.parsers.edifact.interchange import split_messages


def test_synthetic_cuscar_has_correct_control_counts() -> None:
    messages, issues, _ = split_messages(synthetic_cuscar(50))
    assert issues == []
    assert len(messages) == 1
    assert sum(1 for s in messages[0].segments if s.tag == "CNI") == 50


def test_bench_reports_its_figures() -> None:
    figures = bench(200)
    assert figures["benchmark"] == "parse_cuscar"
    assert figures["consignments"] == 200
    assert figures["issues"] == 0
    assert set(figures) >= {"per_s", "mb", "peak_mb"}
