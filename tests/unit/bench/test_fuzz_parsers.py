from __future__ import annotations

from cts.bench.fuzz import bench


def test_a_short_mutation_fuzz_run_never_crashes_a_parser() -> None:
    figures = bench(count=1500, seed=7)
    assert figures["crashes"] == 0, figures["first_crash"]
    assert figures["with_consignments"] > 0  # mutations that keep a message readable still yield data
