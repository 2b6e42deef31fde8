"""The search part of ``cts bench pipeline``: an embedded index of synthetic consignments built on disk, then a
fixed mix of analyst queries (text, filters, facets, sort, paging) timed one by one.

Run alone with ``python -m cts.bench.search [DOCS]`` (prints one JSON object)."""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cts.adapters.embedded_search import EmbeddedSearchIndex
from cts.domain.search_view import SearchDocument
from cts.ports.search import SearchQuery

_WORDS = [
    "trading",
    "import",
    "export",
    "global",
    "logistics",
    "foods",
    "textile",
    "motors",
    "hardware",
    "fresh",
    "marine",
    "petro",
    "industrial",
    "supply",
    "holdings",
    "agro",
    "pharma",
    "steel",
    "timber",
    "chemicals",
    "electronics",
    "fashion",
    "furniture",
    "medical",
    "auto",
    "parts",
]
_NAMES = [
    "kingston",
    "montego",
    "andes",
    "pacific",
    "nordic",
    "lagos",
    "shenzhen",
    "gulf",
    "atlantic",
    "caribbean",
    "sierra",
    "delta",
    "orion",
    "phoenix",
    "summit",
    "harbour",
    "island",
    "coral",
    "emerald",
    "falcon",
    "jaguar",
    "lotus",
    "meridian",
    "nova",
    "pioneer",
    "royal",
    "sapphire",
    "titan",
    "unity",
]
_GOODS_WORDS = [
    "garden",
    "tools",
    "frozen",
    "chicken",
    "parts",
    "laptop",
    "computers",
    "cotton",
    "shirts",
    "ceramic",
    "tiles",
    "canned",
    "tuna",
    "used",
    "tyres",
    "rice",
    "sugar",
    "cement",
    "steel",
    "bars",
    "plastic",
    "toys",
    "furniture",
    "wooden",
    "pallets",
    "engine",
    "oil",
    "medicines",
    "cosmetics",
    "shoes",
    "bananas",
]
_PORTS = [f"{c}{p}" for c in ("JM", "US", "CN", "EC", "PA", "CO", "NL", "DE", "BR", "MX") for p in _NAMES[:20]]
_PORTS = [p[:5].upper() for p in _PORTS]
_COUNTRIES = ["JM", "US", "CN", "EC", "PA", "CO", "NL", "DE", "BR", "MX", "GB", "FR", "IN", "VN", "TR", "ES"]
_CARRIERS = [f"CAR{n:02d}" for n in range(40)]
_ACCOUNTS = [f"ACCT{n:03d}" for n in range(300)]
_PROFILES = [f"profile-{n:02d}" for n in range(30)]
_HS = [f"{rng_hs:06d}" for rng_hs in random.Random(1).sample(range(10_000, 970_000), 2_000)]


def make_documents(count: int, now: datetime, seed: int = 11) -> list[SearchDocument]:
    """Synthetic consignments in the shape the score function indexes: ETAs within 60 days either side of now."""
    return [_document(n, now, random.Random(seed * 1_000_003 + n)) for n in range(count)]


def _document(n: int, now: datetime, rng: random.Random) -> SearchDocument:
    mode = rng.choices(("sea", "air", "road"), (60, 35, 5))[0]
    score = min(100, int(rng.expovariate(1 / 12)))
    level = "high" if score >= 80 else "medium" if score >= 50 else "low" if score >= 20 else "none"
    load, discharge = rng.sample(_PORTS, 2)
    shipper = f"{rng.choice(_NAMES)} {rng.choice(_WORDS)} {rng.choice(_WORDS)} {rng.randrange(5000)}"
    consignee = f"{rng.choice(_NAMES)} {rng.choice(_WORDS)} ltd {rng.randrange(5000)}"
    eta = now + timedelta(hours=rng.uniform(-24 * 60, 24 * 60)) if rng.random() > 0.02 else None
    carrier = rng.choice(_CARRIERS)
    return SearchDocument(
        key=f"{carrier}-DOC{n:09d}",
        version=1,
        mode=mode,
        direction="import" if rng.random() < 0.8 else "export",
        document_number=f"DOC{n:09d}",
        carrier=carrier,
        journey_id=f"{rng.randrange(900):03d}{rng.choice('EWNS')}",
        vessel_name=f"{rng.choice(_NAMES).upper()} STAR" if mode == "sea" else None,
        place_of_loading=load,
        place_of_discharge=discharge,
        ports=(load, discharge),
        countries=tuple(sorted({load[:2], discharge[:2], rng.choice(_COUNTRIES)})),
        hs_codes=tuple(sorted(set(rng.sample(_HS, rng.randint(1, 3))))),
        container_numbers=(f"{carrier[:3]}U{n:07d}",),
        parties_text=f"{shipper} {consignee}",
        goods_text=" ".join(rng.sample(_GOODS_WORDS, 3)),
        consignor_name=shipper,
        consignee_name=consignee,
        eta=eta,
        etd=eta - timedelta(days=7) if eta else None,
        score=score,
        level=level,
        profiles_matched=tuple(sorted(set(rng.sample(_PROFILES, 2)))) if score >= 50 else (),
        alert_status=rng.choice(("new", "new", "triaged", "closed")) if score >= 50 else None,
        received_at=(eta or now) - timedelta(days=rng.uniform(8, 12)),
        carrier_id=rng.choice(_ACCOUNTS),
    )


PATTERNS: tuple[str, ...] = (
    "worklist: sea import, ETA window, high/medium, -score",
    "mode only, -eta, deep pages",
    "port + level, eta",
    "carrier account + 30-day ETA window, -received",
    "score >= 50 + mode, -eta",
    "HS prefix + score >= 20, -score",
    "profile + alert status, eta",
    "text: name + word, relevance",
    "text with a typo + mode, -score",
    "text: a goods word, -score",
    "text: document number prefix",
    "ETA window + 4 facets",
    "no filter + 6 facets",
    "air import + 3 facets, -eta",
    "carrier + journey, eta",
    "country + level high, -score, page 2",
)
"""Names of the query patterns of :func:`analyst_queries`, in order (query ``n`` is pattern ``n % 16``)."""


def analyst_queries(now: datetime, count: int = 200, seed: int = 3) -> list[SearchQuery]:
    """A fixed mix of what analysts ask: the patterns of docs/search.md, parameters drawn with a seed."""
    rng = random.Random(seed)
    day = timedelta(days=1)
    kinds: list[Callable[[], SearchQuery]] = [
        lambda: SearchQuery(  # the worklist: this week's risky sea imports
            modes=("sea",),
            directions=("import",),
            eta_from=now + rng.randint(-3, 20) * day,
            eta_to=now + rng.randint(21, 27) * day,
            levels=("high", "medium"),
            sort="-score",
            page=rng.randint(1, 5),
        ),
        lambda: SearchQuery(modes=(rng.choice(("sea", "air")),), sort="-eta", page=rng.randint(1, 20)),
        lambda: SearchQuery(ports=(rng.choice(_PORTS),), levels=("high", "medium"), sort="eta"),
        lambda: SearchQuery(carrier_id=rng.choice(_ACCOUNTS), eta_from=now - 30 * day, eta_to=now, sort="-received"),
        lambda: SearchQuery(score_min=50, modes=("sea",), sort="-eta", page=rng.randint(1, 10)),
        lambda: SearchQuery(hs_prefix=rng.choice(_HS)[:4], score_min=20, sort="-score"),
        lambda: SearchQuery(profile=rng.choice(_PROFILES), alert_statuses=("new",), sort="eta"),
        lambda: SearchQuery(text=f"{rng.choice(_NAMES)} {rng.choice(_WORDS)}", sort="relevance"),
        lambda: SearchQuery(text=_typo(rng.choice(_WORDS)), modes=("sea",), sort="-score"),
        lambda: SearchQuery(text=rng.choice(_GOODS_WORDS), sort="-score"),
        lambda: SearchQuery(text=f"DOC{rng.randrange(10**6):06d}"[:8]),  # a document number prefix
        lambda: SearchQuery(
            eta_from=now + rng.randint(0, 20) * day,
            eta_to=now + rng.randint(21, 27) * day,
            facets=("mode", "level", "place_of_discharge", "alert_status"),
            page_size=20,
        ),
        lambda: SearchQuery(facets=("mode", "level", "carrier", "ports", "countries", "hs_codes"), page_size=20),
        lambda: SearchQuery(
            modes=("air",), directions=("import",), facets=("level", "carrier", "profiles_matched"), sort="-eta"
        ),
        lambda: SearchQuery(
            carrier=rng.choice(_CARRIERS), journey_id=f"{rng.randrange(900):03d}{rng.choice('EWNS')}", sort="eta"
        ),
        lambda: SearchQuery(countries=(rng.choice(_COUNTRIES),), levels=("high",), sort="-score", page=2),
    ]
    return [kinds[n % len(kinds)]() for n in range(count)]


def _typo(word: str) -> str:
    if len(word) < 5:
        return word
    i = len(word) // 2
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def search_figures(directory: Path, docs: int, queries: int, batch: int = 5_000) -> dict[str, Any]:
    now = datetime.now(UTC)
    index = EmbeddedSearchIndex(directory / "search.sqlite3")
    index.ensure_ready()
    t0 = time.perf_counter()
    for start in range(0, docs, batch):
        index.index(make_documents_range(start, min(docs, start + batch), now))
    t1 = time.perf_counter()
    index.optimize()
    t2 = time.perf_counter()
    timings: list[float] = []
    by_pattern: dict[str, float] = {}
    slowest: tuple[float, str] = (0.0, "")
    for n, query in enumerate(analyst_queries(now, queries)):
        s = time.perf_counter()
        index.search(query)
        took = (time.perf_counter() - s) * 1000
        timings.append(took)
        pattern = PATTERNS[n % len(PATTERNS)]
        by_pattern[pattern] = max(by_pattern.get(pattern, 0.0), took)
        if took > slowest[0]:
            slowest = (took, query.model_dump_json(exclude_defaults=True))
    timings.sort()
    return {
        "search_docs": docs,
        "search_queries": len(timings),
        "search_build_s": round(t1 - t0, 1),
        "search_build_docs_per_s": round(docs / max(t1 - t0, 1e-9)),
        "search_optimize_s": round(t2 - t1, 1),
        "search_p50_ms": round(statistics.median(timings), 1),
        "search_p95_ms": round(_percentile(timings, 0.95), 1),
        "search_max_ms": round(timings[-1], 1),
        "search_slowest": slowest[1],
        "search_pattern_max_ms": {name: round(ms, 1) for name, ms in by_pattern.items()},
        "search_file_mb": round(sum(p.stat().st_size for p in directory.iterdir()) / 1e6),
    }


def make_documents_range(start: int, stop: int, now: datetime, seed: int = 11) -> list[SearchDocument]:
    return [_document(n, now, random.Random(seed * 1_000_003 + n)) for n in range(start, stop)]


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> None:
    import tempfile

    args = sys.argv[1:] if argv is None else argv
    docs = int(args[0]) if args else 1_000_000
    with tempfile.TemporaryDirectory(prefix="cts-bench-search-") as tmp:
        print(json.dumps(search_figures(Path(tmp), docs, 200)))


if __name__ == "__main__":
    main()
