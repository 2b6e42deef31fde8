"""Rule evaluation speed: the compiled evaluator against the reference evaluator, side by side.

Generates rulesets of 100 and 5,000 active profiles (2 to 4 indicators each over the whole rule language:
equality, prefixes, keywords, country roles, ranges, ratios, lead time, regex, nested combinations) and a stream of
consignments drawn from the same vocabularies, then measures on one core:

- ``rules_consignments_per_s``: compiled evaluator with 5,000 profiles, fact extraction included;
- ``reference_consignments_per_s``: the reference evaluator on the same rules (on a sample: it is slow);
- ``compile_s``: compiling the 5,000-profile ruleset.

Both evaluators are checked to agree on the sample they both score.
"""

from __future__ import annotations

import gc
import random
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cts.domain.model import Consignment
from cts.domain.risk.engine import assess_facts, compile_ruleset
from cts.domain.risk.facts import Facts, extract_facts
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import Profile, Ruleset, WatchlistEntry

TODAY = date(2030, 1, 1)
ETA = datetime(2030, 1, 10, 6, tzinfo=UTC)
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class _Vocabulary:
    def __init__(self, rng: random.Random) -> None:
        self.countries = sorted({rng.choice(_LETTERS) + rng.choice(_LETTERS) for _ in range(400)})[:150]
        self.ports = [
            f"{rng.choice(self.countries)}{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}{i % 10}" for i in range(4000)
        ]
        self.carriers = [f"C{i:03d}" for i in range(80)]
        self.hs = [f"{rng.randint(1, 97):02d}{rng.randint(0, 99):02d}{rng.randint(0, 99):02d}" for _ in range(5000)]
        self.words = [
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(30000)
        ]
        self.names = [f"{rng.choice(self.words)} {rng.choice(self.words)} ltd" for _ in range(2000)]


_GENERIC = ["range", "ratio", "lead", "quality", "missing"]


def _indicator(rng: random.Random, v: _Vocabulary, ident: str, kind: str) -> dict[str, Any]:
    base: dict[str, Any] = {"id": ident, "description": f"indicator {ident}", "weight": rng.randint(10, 60)}
    if kind == "ports":
        return {**base, "fact": "ports", "op": "in", "values": rng.sample(v.ports, rng.randint(1, 5))}
    if kind == "countries":
        return {**base, "fact": "countries", "op": "in", "values": rng.sample(v.countries, rng.randint(1, 4))}
    if kind == "carrier":
        return {**base, "fact": "carrier", "op": "equals", "values": [rng.choice(v.carriers)]}
    if kind == "hs":
        values = [h[: rng.choice((4, 6))] for h in rng.sample(v.hs, rng.randint(1, 4))]
        return {**base, "fact": "hs_codes", "op": "prefix", "values": values}
    if kind == "keyword":
        phrases = [" ".join(rng.sample(v.words, rng.choice((1, 1, 2)))) for _ in range(rng.randint(1, 4))]
        return {**base, "fact": "goods_text", "op": "keyword", "values": phrases}
    if kind == "country_of":
        roles = rng.sample(["origin", "loading", "transshipment", "routing"], rng.randint(1, 2))
        return {**base, "op": "country_of", "of": roles, "values": rng.sample(v.countries, rng.randint(1, 3))}
    if kind == "regex":
        return {**base, "fact": "consignor_name", "op": "regex", "values": [rf"^{rng.choice(v.words)}\\b"]}
    if kind == "range":
        low = rng.choice((1000, 5000, 20000, 25000))
        return {**base, "fact": "gross_weight_kg", "op": "range", "min": low, "max": low * rng.choice((1.2, 2))}
    if kind == "ratio":
        lowest = rng.uniform(1, 60)
        return {
            **base,
            "fact": "gross_weight_kg",
            "per": "package_count",
            "op": "ratio",
            "min": lowest,
            "max": lowest + 2,
        }
    if kind == "lead":
        return {**base, "op": "lead_time_hours", "hours": rng.choice((2, 6, 12))}
    if kind == "missing":
        return {**base, "fact": "notify_party_name", "op": "missing"}
    return {**base, "fact": "quality_codes", "op": "in", "values": [rng.choice(("LATE_FILING", "WEIGHT_MISMATCH"))]}


def make_profiles(count: int, seed: int = 7) -> tuple[Profile, ...]:
    rng = random.Random(seed)
    v = _Vocabulary(random.Random(seed))
    profiles = []
    for n in range(count):
        # Like real profiles: one or two specific indicators (a route, a commodity, words) that must fire,
        # refined by generic ones (weights, lead time, data quality) that alone match half the flow.
        specific = rng.choices(["ports", "hs", "keyword"], weights=[12, 16, 20])
        if rng.random() < 0.1:  # a carrier or a name pattern narrows a route, never stands alone
            specific.append(rng.choice(["carrier", "regex"]))
        if rng.random() < 0.4:
            specific.append(rng.choice(["countries", "country_of"]))
        kinds = specific + rng.choices(_GENERIC, k=rng.randint(1, 2))
        ids = [f"i{k}" for k in range(len(kinds))]
        indicators = [_indicator(rng, v, i, kind) for i, kind in zip(ids, kinds, strict=True)]
        for generic in indicators[len(specific) :]:
            generic["weight"] = rng.randint(5, 15)
        head = ids[: len(specific)]
        rest = ids[len(specific) :]
        rule: dict[str, Any]
        if rng.random() < 0.5:
            rule = {"match": {"all": [*head, {"at_least": 1, "of": rest}]}}
        else:
            rule = {"threshold": sum(i["weight"] for i in indicators[: len(specific)]), "match": {"all": head}}
        scope = {"modes": ["sea"]} if rng.random() < 0.2 else {}
        profiles.append(
            Profile.model_validate(
                {
                    "id": f"bench-{n:05d}",
                    "version": 1,
                    "name": f"bench profile {n}",
                    "category": rng.choice(("drugs", "revenue", "security", "ipr")),
                    "status": "active",
                    "author": "bench",
                    "scope": scope,
                    "indicators": indicators,
                    **rule,
                }
            )
        )
    return tuple(profiles)


def make_consignments(count: int, seed: int = 11) -> list[Consignment]:
    rng = random.Random(seed)
    v = _Vocabulary(random.Random(7))  # the rules' vocabularies: some consignments hit
    out = []
    for n in range(count):
        goods = [
            {
                "sequence": k + 1,
                "description": " ".join(rng.sample(v.words, rng.randint(2, 8))),
                "hs_code": rng.choice(v.hs),
                "package_count": rng.randint(1, 2000),
                "gross_weight_kg": str(rng.randint(10, 28000)),
                "container_numbers": [f"BNCU{rng.randint(0, 999999):06d}{rng.randint(0, 9)}"],
            }
            for k in range(rng.randint(1, 3))
        ]
        data = {
            "mode": rng.choice(("sea", "sea", "air")),
            "direction": "import",
            "transport_document": {"number": f"BENCH{n:08d}", "kind": "master_bill"},
            "carrier": {"code": rng.choice(v.carriers)},
            "itinerary": {
                "place_of_loading": {"locode": rng.choice(v.ports)},
                "transshipment": [{"locode": rng.choice(v.ports)} for _ in range(rng.randint(0, 2))],
                "place_of_discharge": {"locode": rng.choice(v.ports)},
            },
            "eta": ETA.isoformat(),
            "filed_at": (ETA - timedelta(hours=rng.choice((1, 5, 24, 48, 96)))).isoformat(),
            "parties": [
                {"role": "consignor", "name": rng.choice(v.names), "country": rng.choice(v.countries)},
                {"role": "consignee", "name": rng.choice(v.names), "country": rng.choice(v.countries)},
            ],
            "goods": goods,
            "provenance": {"object_key": "bench", "source_format": "json"},
        }
        out.append(Consignment.model_validate(data))
    return out


def _rate(count: int, seconds: float) -> int:
    return round(count / seconds) if seconds > 0 else 0


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def _measure(
    profiles: tuple[Profile, ...], stream: list[Consignment], facts: list[Facts], sample: int
) -> dict[str, Any]:
    watchlist = (
        WatchlistEntry(id="w1", kind="container", value="BNCU0000007", reason="r", category="c", source="bench"),
    )
    ruleset = Ruleset(version=f"bench-{len(profiles)}", profiles=profiles, watchlist=watchlist)
    thresholds = Thresholds()
    t0 = time.perf_counter()
    compiled = compile_ruleset(ruleset)
    compile_s = time.perf_counter() - t0
    # A scoring worker keeps its compiled ruleset for hours: keep the collector from rescanning it.
    gc.collect()
    gc.freeze()
    t0 = time.perf_counter()
    results = [compiled.assess(c.key, 1, c, thresholds, TODAY) for c in stream]
    with_facts_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for c, f in zip(stream, facts, strict=True):
        compiled.assess_facts(c.key, 1, f, thresholds, TODAY)
    eval_s = time.perf_counter() - t0
    n = min(sample, len(stream))
    t0 = time.perf_counter()
    reference = [assess_facts(c.key, 1, extract_facts(c), ruleset, thresholds, TODAY) for c in stream[:n]]
    reference_s = time.perf_counter() - t0
    gc.unfreeze()
    rules_per_s = _rate(len(stream), with_facts_s)
    reference_per_s = _rate(n, reference_s)
    return {
        "profiles": len(profiles),
        "indicators": sum(len(p.indicators) for p in profiles),
        "compile_s": round(compile_s, 3),
        "rules_consignments_per_s": rules_per_s,
        "rules_eval_only_per_s": _rate(len(stream), eval_s),
        "reference_consignments_per_s": reference_per_s,
        "reference_sample": n,
        "speedup": round(rules_per_s / reference_per_s, 1) if reference_per_s else None,
        "agree_on_sample": results[:n] == reference,
        "hits_per_consignment": round(sum(len(r.hits) for r in results) / max(len(results), 1), 2),
        "matched_share": round(sum(bool(r.profiles_matched) for r in results) / max(len(results), 1), 3),
    }


def bench(count: int = 20_000, profile_counts: tuple[int, int] = (100, 5000)) -> dict[str, Any]:
    """Score ``count`` generated consignments against 100 and 5,000 generated profiles, compiled and reference."""
    stream = make_consignments(count)
    t0 = time.perf_counter()
    facts = [extract_facts(c) for c in stream]
    facts_s = time.perf_counter() - t0
    few, many = profile_counts
    small = _measure(make_profiles(few), stream, facts, sample=min(count, 1000))
    large = _measure(make_profiles(many), stream, facts, sample=min(count, 200))
    return {
        "benchmark": "scoring",
        "consignments": len(stream),
        "rules_consignments_per_s": large["rules_consignments_per_s"],
        "rules_eval_only_per_s": large["rules_eval_only_per_s"],
        "reference_consignments_per_s": large["reference_consignments_per_s"],
        "speedup": large["speedup"],
        "compile_s": large["compile_s"],
        "facts_per_s": _rate(len(stream), facts_s),
        f"profiles_{few}": small,
        f"profiles_{many}": large,
        "peak_rss_mb": _peak_rss_mb(),
    }
