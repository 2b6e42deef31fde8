"""A mutation fuzz run over every parser: mutated messages must end in a parse result, never an exception.

Seeds are the synthetic messages of the other benchmarks plus the CTS templates; ``CTS_FUZZ_SEEDS`` may
name a folder of real messages (e.g. ``../shared/samples``) to mutate as well. Deterministic for a seed.
"""

from __future__ import annotations

import os
import random
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cts.adapters.local.demo import demo_manifest
from cts.bench.cargoimp import generate_ffm
from cts.bench.edifact import synthetic_cuscar
from cts.domain.parsers import ParseContext, UnknownFormat, parse

CSV_SEED = (
    b"document_number,document_kind,mode,direction,carrier_code,place_of_loading,place_of_discharge,eta,"
    b"consignor_name,consignee_name,description,hs_code,package_count,gross_weight_kg,container_number\n"
    b"MB1,master_bill,sea,import,MAEU,NLRTM,JMKIN,2026-12-01T06:00:00Z,A BV,B Ltd,Tools,820559,10,250,CSQU3054383\n"
)
FWB_SEED = (
    b"FWB/16\n157-68076960BSLDOH/T2K25.0MC0.1\nFLT/QR8072/12\nRTG/DOHQR\n"
    b"SHP\nNAM/EXAMPLE SHIPPER AG\nADR/EXAMPLESTRASSE 1\nLOC/BASEL\n/CH/4000\n"
    b"CNE\nNAM/EXAMPLE CONSIGNEE\nADR/1 EXAMPLE ROAD\nLOC/DOHA\n/QA\n"
    b"RTD/1/P2/K25.0/CQ/W25.0/R1.00/T25.00\n/NG/PHARMACEUTICALS\n/2/NH/300490\n"
)


def seeds() -> list[bytes]:
    found = [synthetic_cuscar(3), generate_ffm(3), demo_manifest(datetime(2030, 1, 1, tzinfo=UTC)), CSV_SEED, FWB_SEED]
    folder = os.environ.get("CTS_FUZZ_SEEDS")
    if folder:
        found += [p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file() and p.stat().st_size < 1e6]
    return found


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(out) + 1)
        choice = rng.random()
        if choice < 0.3 and out:
            del out[at : at + rng.randint(1, 16)]
        elif choice < 0.6:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif choice < 0.8 and out:
            start = rng.randrange(len(out))
            out[at:at] = out[start : start + rng.randint(1, 64)]  # duplicate a chunk: repeated segments/lines
        else:
            out[at:at] = rng.choice([b"'", b"+", b":", b"?", b"\n", b"/", b"<", b"&", b",", b'"', b"\r\n", b"\x00"])
    return bytes(out)


def bench(count: int = 20_000, seed: int = 2026) -> dict[str, Any]:
    rng = random.Random(seed)
    corpus = seeds()
    ctx = ParseContext(object_key="inbox/FUZZ/case", carrier_id="FUZZ", received_at=datetime.now(UTC))
    crashes: list[str] = []
    unknown = accepted = 0
    start = time.perf_counter()
    for _ in range(count):
        case = mutate(rng.choice(corpus), rng)
        try:
            result = parse(case, ctx)
        except UnknownFormat:
            unknown += 1
            continue
        except Exception:
            crashes.append(traceback.format_exc(limit=3))
            continue
        accepted += any(item.consignment is not None for item in result.consignments)
    elapsed = time.perf_counter() - start
    return {
        "benchmark": "fuzz_parsers",
        "cases": count,
        "seeds": len(corpus),
        "crashes": len(crashes),
        "unknown_format": unknown,
        "with_consignments": accepted,
        "per_s": round(count / elapsed),
        "first_crash": crashes[0] if crashes else None,
    }
