"""EDIFACT parsing benchmark: a synthetic CUSCAR interchange of ``count`` consignments, parsed in memory."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime

from cts.domain.parsers.base import ParseContext
from cts.domain.parsers.edifact import CuscarParser

_HEADER = (
    "UNA:+.? '\n"
    "UNB+UNOC:3+BENCHSENDER:ZZ+CTS:ZZ+300101:1200+BENCH1'\n"
    "UNH+1+CUSCAR:D:95B:UN'\n"
    "BGM+785+MANIFEST1+9'\n"
    "DTM+137:203001011200:203'\n"
    "TDT+20+V001E+1++MSCU:172:20:BENCH LINE+++9074729:146:11:BENCH CARRIER'\n"
    "LOC+5+CNSHA'\n"
    "LOC+60+NLRTM'\n"
    "DTM+132:203001201800:203'\n"
)
_CONSIGNMENT = (
    "CNI+{i}+BENCH{i:08d}'\n"
    "RFF+BM:BENCH{i:08d}'\n"
    "LOC+9+CNSHA'\n"
    "LOC+11+NLRTM'\n"
    "NAD+CZ+++SHANGHAI EXPORT CO {i}+NO 1 HUANGPU ROAD+SHANGHAI++200000+CN'\n"
    "NAD+CN+++ROTTERDAM IMPORT BV {i}+HAVENSTRAAT 1+ROTTERDAM++3011+NL'\n"
    "NAD+N1+++NOTIFY AGENCY+KADE 2+ROTTERDAM++3012+NL'\n"
    "GID+1+120:CT'\n"
    "FTX+AAA+++COTTON T-SHIRTS?, KNITTED'\n"
    "PIA+5+610910:HS'\n"
    "MEA+AAE+G+KGM:1520.5'\n"
    "SGP+MSCU1234565'\n"
    "EQD+CN+MSCU1234565+22G1+++5'\n"
    "SEL+SEAL{i:06d}'\n"
)


def synthetic_cuscar(count: int) -> bytes:
    """A CUSCAR interchange with one message of ``count`` CNI groups (about 15 segments each)."""
    body = "".join(_CONSIGNMENT.format(i=i + 1) for i in range(count))
    segments = 7 + 14 * count + 1
    trailer = f"UNT+{segments}+1'\nUNZ+1+BENCH1'\n"
    return (_HEADER + body + trailer).encode("utf-8")


def bench(count: int = 20000, repeat: int = 3) -> dict[str, object]:
    """Parse a synthetic CUSCAR of ``count`` consignments ``repeat`` times; the rate is from the fastest run (the
    least disturbed by other processes), the peak memory from one more run under tracemalloc (not timed).

    ``peak_mb`` is the tracemalloc peak of the parse including the returned consignments (``result_mb``); the
    difference is the parse's own working memory (the decoded text and one CNI group at a time).
    """
    raw = synthetic_cuscar(count)
    ctx = ParseContext(object_key="inbox/BENCH/cuscar.edi", carrier_id="BENCH", received_at=datetime.now(UTC))
    parser = CuscarParser()
    best = float("inf")
    parsed = issues = 0
    for _ in range(max(repeat, 1)):
        t0 = time.perf_counter()
        result = parser.parse(raw, ctx)
        best = min(best, time.perf_counter() - t0)
        parsed = sum(1 for c in result.consignments if c.consignment is not None)
        issues = len(result.issues) + sum(len(c.issues) for c in result.consignments)
        del result
    tracemalloc.start()
    try:
        kept = parser.parse(raw, ctx)
        retained, peak = tracemalloc.get_traced_memory()
        del kept
    finally:
        tracemalloc.stop()
    return {
        "benchmark": "parse_cuscar",
        "consignments": parsed,
        "issues": issues,
        "seconds": round(best, 3),
        "per_s": round(parsed / best, 1) if best > 0 else None,
        "mb": round(len(raw) / 1_000_000, 2),
        "peak_mb": round(peak / 1_000_000, 1),
        "result_mb": round(retained / 1_000_000, 1),
    }
