"""``cts bench scoring``: the risk engine's speed on one core, every figure the issue asks for in one JSON object.

- **rules**: the compiled evaluator against 100, 1,000 and 5,000 generated active profiles (2 to 5 indicators each
  over the whole rule language) on 20,000 generated consignments: ``rules_consignments_per_s`` evaluates the rules
  on facts already extracted (extracting every fact is measured apart as ``facts_per_s``);
  ``rules_with_facts_per_s`` includes extracting the facts the rules read (facts are extracted when first read);
  ``reference_consignments_per_s`` is the reference evaluator on a sample of the same facts (it is slow), checked
  to give identical assessments.
  Profiles are selective like real ones (a few per cent of the flow matches); a *dense* variant, where most
  consignments match something, shows the cost of building hits.
- **screening** (:mod:`cts.bench.screening`): never-seen party names against ``listed`` names.
- **stream** (:mod:`cts.bench.stream`): whole scoring, 4 parties per consignment, 10 % of names never seen, with
  5,000 profiles and ``listed`` names compiled together (``compile_s``).
"""

from __future__ import annotations

import gc
import resource
import sys
import time
from typing import Any

from cts.bench.screening import scaling as screening_scaling
from cts.bench.stream import bench as stream_bench
from cts.bench.workload import TODAY, make_consignments, make_profiles
from cts.domain.model import Consignment
from cts.domain.risk.engine import assess_facts, compile_ruleset
from cts.domain.risk.facts import Facts, extract_facts
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import Profile, Ruleset, WatchlistEntry


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
    keys = [c.key for c in stream]  # stored with each version in the records: not the engine's work
    t0 = time.perf_counter()
    results = [compiled.assess(k, 1, c, thresholds, TODAY) for k, c in zip(keys, stream, strict=True)]
    with_facts_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for k, f in zip(keys, facts, strict=True):
        compiled.assess_facts(k, 1, f, thresholds, TODAY)
    eval_s = time.perf_counter() - t0
    n = min(sample, len(stream))
    t0 = time.perf_counter()
    reference = [assess_facts(k, 1, f, ruleset, thresholds, TODAY) for k, f in zip(keys[:n], facts, strict=False)]
    reference_s = time.perf_counter() - t0
    gc.unfreeze()
    rules_per_s = _rate(len(stream), eval_s)
    reference_per_s = _rate(n, reference_s)
    return {
        "profiles": len(profiles),
        "indicators": sum(len(p.indicators) for p in profiles),
        "compile_s": round(compile_s, 3),
        "rules_consignments_per_s": rules_per_s,
        "rules_with_facts_per_s": _rate(len(stream), with_facts_s),
        "reference_consignments_per_s": reference_per_s,
        "reference_sample": n,
        "speedup": round(rules_per_s / reference_per_s, 1) if reference_per_s else None,
        "agree_on_sample": results[:n] == reference,
        "hits_per_consignment": round(sum(len(r.hits) for r in results) / max(len(results), 1), 2),
        "matched_share": round(sum(bool(r.profiles_matched) for r in results) / max(len(results), 1), 3),
    }


def bench(
    count: int = 20_000,
    profile_counts: tuple[int, ...] = (100, 1_000, 5_000),
    stream_count: int = 10_000,
    listed: int = 100_000,
    traders: int = 5_000,
) -> dict[str, Any]:
    """Rules (compiled and reference, 100 to 5,000 profiles, selective and dense), screening and the whole stream.

    The figures the issue names are at the top level: rules at the largest profile count, screening and the
    stream against ``listed`` names, ``compile_s`` for the largest profiles plus ``listed`` names together."""
    stream = make_consignments(count)
    t0 = time.perf_counter()
    facts = [extract_facts(c) for c in stream]
    for f in facts:  # every fact, as the reference evaluator reads them: "eval only" then extracts nothing
        f.values  # noqa: B018
        f.numbers  # noqa: B018
    facts_s = time.perf_counter() - t0
    by_count = {
        n: _measure(make_profiles(n), stream, facts, sample=min(count, 1000 if n <= 1000 else 200))
        for n in profile_counts
    }
    largest = max(profile_counts)
    dense = _measure(make_profiles(largest, dense=True), stream, facts, sample=min(count, 100))
    figures = by_count[largest]
    streamed = stream_bench(stream_count, profiles=largest, listed=listed, traders=traders)
    (screened,) = screening_scaling((listed,), queries=2_000)  # in a fresh process, as a screening worker would be
    return {
        "benchmark": "scoring",
        "consignments": len(stream),
        "rules_consignments_per_s": figures["rules_consignments_per_s"],
        "rules_with_facts_per_s": figures["rules_with_facts_per_s"],
        "reference_consignments_per_s": figures["reference_consignments_per_s"],
        "speedup": figures["speedup"],
        "facts_per_s": _rate(len(stream), facts_s),
        "screenings_per_s": screened["screenings_per_s"],
        "screening_p95_ms": screened["screening_p95_ms"],
        "stream_consignments_per_s": streamed["stream_consignments_per_s"],
        "stream_p99_ms": streamed["stream_p99_ms"],
        "compile_s": streamed["compile_s"],
        "compile_profiles_only_s": figures["compile_s"],
        **{f"profiles_{n}": by_count[n] for n in profile_counts},
        f"profiles_{largest}_dense": dense,
        "screening": screened,
        "stream": streamed,
        "peak_rss_mb": _peak_rss_mb(),
    }
