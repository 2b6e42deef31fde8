from __future__ import annotations

from cts.bench.scoring import bench, make_profiles


def test_the_scoring_benchmark_reports_both_evaluators_and_they_agree() -> None:
    figures = bench(60, profile_counts=(10, 80))
    for key in ("rules_consignments_per_s", "reference_consignments_per_s", "compile_s", "peak_rss_mb"):
        assert key in figures
    assert figures["profiles_10"]["agree_on_sample"] is True
    assert figures["profiles_80"]["agree_on_sample"] is True
    assert figures["rules_consignments_per_s"] > 0


def test_generated_profiles_are_valid_and_reproducible() -> None:
    assert make_profiles(20) == make_profiles(20)
