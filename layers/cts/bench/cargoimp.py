"""Throughput of the Cargo-IMP FFM parser on a generated manifest held in memory (no I/O)."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime

from cts.domain.parsers.base import ParseContext
from cts.domain.parsers.cargoimp import FfmParser

_ORIGINS = ("LHR", "CDG", "FRA", "AMS", "HKG", "PVG", "DXB", "SIN")
_DESTINATIONS = ("JFK", "ORD", "LAX", "YYZ", "MIA", "ATL", "SFO", "IAH")
_GOODS = ("MACHINE PARTS", "NEWSPAPERS", "BOOKS", "ELECT EQUIP", "CLOTHING", "MEDICINES", "SHOES", "AUTO PARTS")


def generate_ffm(count: int) -> bytes:
    """An FFM/8 with ``count`` consignment lines, a new ULD every 10 lines and every 50th AWB split over two."""
    lines = ["FFM/8", "1/XX123/17APR/LHR/G-ABCD", "JFK"]
    for i in range(count):
        if i % 10 == 0:
            lines.append(f"ULD/AKE{10000 + i // 10 % 90000:05d}XX")
        serial7 = 1000000 + (i // 2 if i % 50 == 1 else i)
        awb = f"125-{serial7:07d}{serial7 % 7}"
        origin, destination = _ORIGINS[i % 8], _DESTINATIONS[i % 7]
        code = "S" if i % 50 in (0, 1) else "T"
        total = "T4" if code == "S" else ""
        lines.append(
            f"{awb}{origin}{destination}/{code}{1 + i % 9}K{10 + i % 500}MC{i % 7}.{i % 10}{total}/{_GOODS[i % 8]}"
        )
        if i % 5 == 0:
            lines.append("/EAP/SPX")
    lines.append("LAST")
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def bench(count: int = 20000, repeat: int = 3) -> dict[str, object]:
    """Parse the generated manifest ``repeat`` times; the rate is from the fastest run (the least disturbed by
    other processes), the peak memory from one more run under tracemalloc (which slows it, so it is not timed)."""
    raw = generate_ffm(count)
    ctx = ParseContext(object_key="bench/ffm.txt", carrier_id="BENCH", received_at=datetime(2026, 4, 17, tzinfo=UTC))
    parser = FfmParser()
    timings = []
    parsed = 0
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        result = parser.parse(raw, ctx)
        timings.append(time.perf_counter() - started)
        parsed = sum(1 for p in result.consignments if p.consignment is not None)
        del result
    tracemalloc.start()
    parser.parse(raw, ctx)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    best, median = min(timings), sorted(timings)[len(timings) // 2]
    return {
        "benchmark": "parse_cargoimp",
        "lines": count,
        "consignments": parsed,
        "seconds": round(best, 3),
        "per_s": round(parsed / best) if best else None,
        "per_s_median": round(parsed / median) if median else None,
        "lines_per_s": round(count / best) if best else None,
        "peak_mb": round(peak / 1_000_000, 1),
        "bytes": len(raw),
    }


if __name__ == "__main__":  # pragma: no cover
    print(bench())
