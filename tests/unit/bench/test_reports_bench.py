"""The reports benchmark seeds counters equivalent to the consignments and cases it names."""

from __future__ import annotations

from datetime import date

from cts.bench.reports import _p95, synthetic_counters
from cts.domain.reports import ALL, Family, Tally


def _total(tally: Tally, family: Family, name: str) -> float:
    return sum(v.get(name, 0) for (f, scope, _), v in tally.cells.items() if f is family and scope == ALL)


def test_the_seeded_year_holds_the_consignments_and_cases_asked_for() -> None:
    today = date(2026, 11, 25)
    tally = synthetic_counters(100_000, 1_000, today)
    days = {day for _, _, day in tally.cells}
    assert min(days) == date(2025, 11, 25)
    assert max(days) == date(2026, 11, 24)
    new = _total(tally, Family.FLOW, "new_consignments")
    assert 95_000 <= new <= 105_000  # per day a Gaussian around 100,000 / 365, split over the scopes
    assert _total(tally, Family.FLOW, "decided") == 1_000  # every case decided and closed once
    closed = sum(v for k, v in _cells_of(tally, Family.OFFICERS).items() if k.endswith("|closed"))
    assert closed == 1_000
    scoped = sum(v.get("decided", 0) for (f, s, _), v in tally.cells.items() if f is Family.FLOW and s != ALL)
    assert scoped == 1_000  # the same cases again in their port/mode/direction scopes


def _cells_of(tally: Tally, family: Family) -> dict[str, float]:
    out: dict[str, float] = {}
    for (f, scope, _), values in tally.cells.items():
        if f is family and scope == ALL:
            for name, value in values.items():
                out[name] = out.get(name, 0) + value
    return out


def test_p95_is_the_value_below_which_95_percent_fall() -> None:
    assert _p95([float(n) for n in range(1, 101)]) == 95.0
    assert _p95([7.0]) == 7.0
