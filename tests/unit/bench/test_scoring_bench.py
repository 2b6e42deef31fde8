from __future__ import annotations

from cts.bench.scoring import bench
from cts.bench.stream import bench as stream_bench
from cts.bench.workload import TODAY, make_consignments, make_profiles
from cts.domain.risk.engine import compile_ruleset
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import Ruleset

KEYS = (
    "rules_consignments_per_s",
    "reference_consignments_per_s",
    "screenings_per_s",
    "screening_p95_ms",
    "stream_consignments_per_s",
    "stream_p99_ms",
    "compile_s",
    "peak_rss_mb",
)


def test_the_scoring_benchmark_reports_every_figure_and_both_evaluators_agree() -> None:
    figures = bench(60, profile_counts=(10, 80), stream_count=40, listed=500, traders=30)
    for key in KEYS:
        assert key in figures
    for section in ("profiles_10", "profiles_80", "profiles_80_dense"):
        assert figures[section]["agree_on_sample"] is True
    assert figures["rules_consignments_per_s"] > 0
    assert figures["stream"]["stream_listed_names"] >= 500


def test_the_stream_has_four_parties_per_consignment_and_some_never_seen_names() -> None:
    figures = stream_bench(50, profiles=20, listed=300, traders=20, unseen_share=0.5)
    assert figures["stream_parties_per_consignment"] == 4
    assert figures["stream_consignments"] == 50
    assert figures["stream_p99_ms"] >= figures["stream_p50_ms"] > 0


def test_generated_profiles_are_valid_and_reproducible() -> None:
    assert make_profiles(20) == make_profiles(20)
    assert make_profiles(20, dense=True) != make_profiles(20)


def test_selective_profiles_match_a_small_share_of_the_flow() -> None:
    compiled = compile_ruleset(Ruleset(version="b", profiles=make_profiles(500)))
    stream = make_consignments(400)
    matched = [bool(compiled.assess(c.key, 1, c, Thresholds(), TODAY).profiles_matched) for c in stream]
    assert 0 < sum(matched) / len(matched) < 0.3
