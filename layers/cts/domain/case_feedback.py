"""Outcome feedback: what a closed case teaches the rules that raised it.

Each profile, indicator, watch-list entry and random selection rate that fired on the case's assessment keeps
counts of alerts, examinations, findings and seizures; reporting and profile review read them (a profile that
alerts often and never finds anything is a candidate for review). A case counts once per counter, however many
of its hits name the same profile, and only when it closes, so that a case counts once with its final outcome."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from cts.domain.cases import CaseRecord, ExaminationResult
from cts.domain.risk.assessment import Hit


class CounterKind(StrEnum):
    PROFILE = "profile"
    INDICATOR = "indicator"
    WATCHLIST = "watchlist"
    RANDOM = "random"


@dataclass(frozen=True, order=True)
class CounterKey:
    kind: CounterKind
    id: str


@dataclass(frozen=True)
class Counts:
    alerts: int = 0
    examinations: int = 0
    findings: int = 0
    seizures: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "alerts": self.alerts,
            "examinations": self.examinations,
            "findings": self.findings,
            "seizures": self.seizures,
        }


def counter_keys(hits: Iterable[Hit], random_selection: str | None = None) -> list[CounterKey]:
    """The counters a case's hits name, each once, sorted (profile refs are ``<id>@<version>#<indicator>``: the
    counts belong to the profile across its versions, and to the indicator within its profile)."""
    keys: set[CounterKey] = set()
    for hit in hits:
        if hit.source == "profile":
            profile_ref, _, indicator = hit.ref.partition("#")
            profile = profile_ref.partition("@")[0]
            keys.add(CounterKey(CounterKind.PROFILE, profile))
            if indicator:
                keys.add(CounterKey(CounterKind.INDICATOR, f"{profile}#{indicator}"))
        else:
            keys.add(CounterKey(CounterKind.WATCHLIST, hit.ref))
    if random_selection:
        keys.add(CounterKey(CounterKind.RANDOM, random_selection))
    return sorted(keys)


def outcome_counts(case: CaseRecord) -> Counts:
    """What a closed case adds to each counter: one alert, and an examination, finding and seizure if it had one."""
    result = case.examination.result if case.examination else None
    return Counts(
        alerts=1,
        examinations=int(result is not None),
        findings=int(result in (ExaminationResult.FINDING, ExaminationResult.SEIZURE)),
        seizures=int(result is ExaminationResult.SEIZURE),
    )


def feedback_increments(
    case: CaseRecord, hits: Iterable[Hit], random_selection: str | None = None
) -> dict[CounterKey, Counts]:
    """The increments closing ``case`` makes, per counter the alert's hits name."""
    counts = outcome_counts(case)
    return {key: counts for key in counter_keys(hits, random_selection)}
