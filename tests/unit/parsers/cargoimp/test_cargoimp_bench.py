from __future__ import annotations

from cts.bench.cargoimp import bench, generate_ffm
from cts.domain.parsers.cargoimp.reader import sniff_identifier


def test_generated_manifest_is_an_ffm_and_the_bench_reports_its_figures() -> None:
    assert sniff_identifier(generate_ffm(3).decode()[:200]) == "FFM"
    figures = bench(200, repeat=1)
    assert figures["benchmark"] == "parse_cargoimp"
    assert figures["consignments"] == 196  # every 50 lines, one AWB is split over two lines
    assert isinstance(figures["per_s"], int)
    assert isinstance(figures["peak_mb"], float)
