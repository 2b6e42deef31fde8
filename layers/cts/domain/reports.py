"""Management reports from pre-aggregated counters (docs/reports.md): what the pipeline and the case work add, and
the figures a period's counters give.

The writers (ingest, scoring, case changes) describe what happened as a :class:`Tally`: numbers to add to *cells*,
one cell per family of figures, scope and UTC day. Every increment goes to two scopes, ``all`` and the consignment's
``<port>|<mode>|<direction>``, so that a report for everything reads one scope and a filtered one reads the scopes
that match. A report sums the cells of its window (day cells, or a month's roll-up when the whole month is in the
window: :func:`roll_up`) and builds its figures from the sums. Pure: no I/O.

Attribute names inside a cell: fixed names for the flow (``received``, ``alerts`` ...), and ``<prefix>|<field>``
for keyed figures (``level|red``, ``cat|drugs``, ``lead|3``; ``<carrier>|files``; ``<kind>|<id>|findings``;
``<officer>|closed``): the field is always after the last ``|``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from cts.domain.model import Consignment, Direction

Values = dict[str, float]


class Family(StrEnum):
    FLOW = "FLOW"  # consignments received and assessed, alerts, referrals, examinations, findings, time figures
    CARRIERS = "CARRIERS"  # files, rejected files, consignments, late filings, vague descriptions per carrier
    HITS = "HITS"  # outcomes of closed cases per profile, indicator, watch-list entry and random selection rate
    OFFICERS = "OFFICERS"  # decisions and closed cases per officer


ALL = "all"
UNKNOWN = "-"

SERIES_FIELDS: tuple[str, ...] = ("received", "assessed", "alerts", "examinations", "findings")
"""The flow figures kept per day inside a month's roll-up (the time series of the overview)."""
SERIES_PREFIX = "day|"

HOUR_EDGES: tuple[float, ...] = (0, 1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 336, 720)
"""Histogram buckets of the time figures, in hours: bucket ``i`` holds ``[HOUR_EDGES[i], HOUR_EDGES[i+1])``, the
last one ``[720, ...)``. Medians and percentiles are read from the buckets (linear within a bucket)."""

LATE_FILING = "LATE_FILING"
VAGUE_DESCRIPTION = "VAGUE_GOODS_DESCRIPTION"


@dataclass(frozen=True)
class Dims:
    """Where a consignment counts: the report's port (discharge for imports, transit and transshipment; loading for
    exports), its mode and its direction."""

    port: str | None
    mode: str | None
    direction: str | None

    @property
    def scope(self) -> str:
        return "|".join(part or UNKNOWN for part in (self.port, self.mode, self.direction))

    def matches(self, port: str | None, mode: str | None, direction: str | None) -> bool:
        return all(
            wanted is None or wanted == (have or UNKNOWN)
            for wanted, have in ((port, self.port), (mode, self.mode), (direction, self.direction))
        )


def dims_of(consignment: Consignment) -> Dims:
    itinerary = consignment.itinerary
    place = itinerary.place_of_loading if consignment.direction is Direction.EXPORT else itinerary.place_of_discharge
    return Dims(place.locode if place else None, consignment.mode.value, consignment.direction.value)


def scope_dims(scope: str) -> Dims | None:
    """The dimensions of a ``<port>|<mode>|<direction>`` scope (None for ``all`` or a malformed one)."""
    parts = scope.split("|")
    if scope == ALL or len(parts) != 3:
        return None
    port, mode, direction = (None if p == UNKNOWN else p for p in parts)
    return Dims(port, mode, direction)


def bucket(hours: float) -> int:
    """The histogram bucket of a duration in hours (negative durations count as 0)."""
    index = 0
    for i, edge in enumerate(HOUR_EDGES):
        if hours >= edge:
            index = i
    return index


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


@dataclass
class Tally:
    """Increments to add, per cell ``(family, scope, day)``; each :meth:`add` counts in ``all`` and in the scope of
    ``dims`` (when given)."""

    cells: dict[tuple[Family, str, date], Values] = field(default_factory=dict)

    def add(self, family: Family, dims: Dims | None, day: date, values: Mapping[str, float]) -> None:
        scopes = [ALL] if dims is None else [ALL, dims.scope]
        for scope in scopes:
            cell = self.cells.setdefault((family, scope, day), {})
            for name, value in values.items():
                if value:
                    cell[name] = cell.get(name, 0) + value

    def scopes(self) -> set[str]:
        return {scope for _, scope, _ in self.cells if scope != ALL}

    def merge(self, other: Tally) -> None:
        """Add ``other``'s increments to these."""
        for key, values in other.cells.items():
            add_values(self.cells.setdefault(key, {}), values)

    def __bool__(self) -> bool:
        return any(self.cells.values())


def add_values(total: Values, more: Mapping[str, float]) -> None:
    for name, value in more.items():
        total[name] = total.get(name, 0) + value


def roll_up(family: Family, days: Mapping[date, Mapping[str, float]]) -> Values:
    """A month's roll-up: the sum of its day cells, and (flow) the series figures of each day as ``day|<dd>|<f>``."""
    total: Values = {}
    for day, values in days.items():
        add_values(total, values)
        if family is Family.FLOW:
            for name in SERIES_FIELDS:
                if values.get(name):
                    total[f"{SERIES_PREFIX}{day.day:02d}|{name}"] = values[name]
    return total


def split_roll_up(month: str, values: Mapping[str, float]) -> tuple[Values, dict[date, Values]]:
    """A flow roll-up's totals and its per-day series (``month`` is ``yyyy-mm``)."""
    totals: Values = {}
    series: dict[date, Values] = defaultdict(dict)
    year, number = (int(part) for part in month.split("-"))
    for name, value in values.items():
        if name.startswith(SERIES_PREFIX):
            _, day, field_name = name.split("|")
            series[date(year, number, int(day))][field_name] = value
        else:
            totals[name] = value
    return totals, dict(series)


def months_between(first: date, last: date) -> list[date]:
    """The first day of each month from ``first``'s to ``last``'s."""
    months, at = [], first.replace(day=1)
    while at <= last:
        months.append(at)
        at = (at + timedelta(days=32)).replace(day=1)
    return months


def month_end(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


# --- percentiles from histograms ---------------------------------------------------------------------


def histogram(values: Mapping[str, float], prefix: str) -> list[float]:
    """The bucket counts named ``<prefix>|<i>``."""
    return [float(values.get(f"{prefix}|{i}", 0)) for i in range(len(HOUR_EDGES))]


def quantile(counts: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) of a histogram over :data:`HOUR_EDGES`, linear within its bucket; the open last
    bucket answers its lower edge. None when the histogram is empty."""
    total = sum(counts)
    if total <= 0:
        return None
    rank = q * total
    seen = 0.0
    for i, count in enumerate(counts):
        if count <= 0:
            continue
        if seen + count >= rank:
            low = HOUR_EDGES[i]
            if i + 1 >= len(HOUR_EDGES):
                return float(low)
            high = HOUR_EDGES[i + 1]
            return round(low + (rank - seen) / count * (high - low), 2)
        seen += count
    return float(HOUR_EDGES[-1])


# --- keyed attributes ---------------------------------------------------------------------------------


def keyed(values: Mapping[str, float], skip: Iterable[str] = ()) -> dict[str, Values]:
    """``<key>|<field>`` attributes grouped by key (the field is after the last ``|``)."""
    skipped = tuple(skip)
    grouped: dict[str, Values] = defaultdict(dict)
    for name, value in values.items():
        key, bar, field_name = name.rpartition("|")
        if bar and not name.startswith(skipped):
            grouped[key][field_name] = grouped[key].get(field_name, 0) + value
    return dict(grouped)


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _int(value: float | None) -> int:
    return round(value or 0)


# --- the reports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    port: str | None = None
    mode: str | None = None
    direction: str | None = None

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def header(self) -> dict[str, object]:
        return {
            "period": {"from": self.first.isoformat(), "to": self.last.isoformat()},
            "filters": {"port": self.port, "mode": self.mode, "direction": self.direction},
        }


def overview(
    period: Period, totals: Mapping[str, float], series: Mapping[date, Mapping[str, float]], overdue_cases: int
) -> dict[str, object]:
    """``GET /reports/overview`` from the flow sums of the period and its daily series."""
    t = totals
    levels = {k.partition("|")[2]: _int(v) for k, v in t.items() if k.startswith("level|")}
    categories = {k.partition("|")[2]: _int(v) for k, v in t.items() if k.startswith("cat|")}
    lead, decision = histogram(t, "lead"), histogram(t, "dec")
    return {
        **period.header(),
        "totals": {
            "received": _int(t.get("received")),
            "new_consignments": _int(t.get("new_consignments")),
            "amendments": _int(t.get("amendments")),
            "assessed": _int(t.get("assessed")),
            "alerts": _int(t.get("alerts")),
            "random_selections": _int(t.get("random_selected")),
            "referrals": _int(t.get("referrals")),
            "examinations": _int(t.get("examinations")),
            "findings": _int(t.get("findings")),
            "seizures": _int(t.get("seizures")),
            "seizure_quantity": round(float(t.get("seizure_quantity", 0)), 3),
            "seizure_value": round(float(t.get("seizure_value", 0)), 2),
            "overdue_cases": overdue_cases,
        },
        "alerts_by_level": dict(sorted(levels.items())),
        "alerts_by_category": dict(sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))),
        "series": [
            {"day": day.isoformat(), **{name: _int(series.get(day, {}).get(name)) for name in SERIES_FIELDS}}
            for day in period.days
        ],
        "lead_time": {
            "alerts": _int(sum(lead)),
            "median_hours": quantile(lead, 0.5),
            "p10_hours": quantile(lead, 0.1),
            "after_arrival": _int(t.get("after_arrival")),
        },
        "decision_time": {
            "decided": _int(t.get("decided")),
            "median_hours": quantile(decision, 0.5),
            "p90_hours": quantile(decision, 0.9),
        },
    }


class Review(StrEnum):
    NO_HITS = "no_hits"
    BELOW_BASELINE = "below_baseline"


@dataclass(frozen=True)
class RuleInfo:
    """What the reports show of a rule: its name and the end of its validity (profiles in force)."""

    name: str
    valid_to: date | None = None


KINDS = {"profile": "profile", "indicator": "indicator", "watchlist_entry": "watchlist"}


def hit_rates(
    by: str, totals: Mapping[str, float], rules: Mapping[str, RuleInfo], in_force: Iterable[str] = ()
) -> dict[str, object]:
    """``GET /reports/hit-rates``: a row per rule of kind ``by`` (counted outcomes, and every rule ``in_force`` of
    that kind even without any), the random selection baseline, ranked by yield.

    ``hits``: closed cases whose alert the rule fired on; ``hit_rate``: findings / examinations; ``vs_baseline``:
    hit rate / the baseline's; ``review``: ``no_hits`` without any finding, ``below_baseline`` under the baseline."""
    kind = KINDS[by]
    grouped = keyed(totals)
    baseline = {"examinations": 0.0, "findings": 0.0}
    rows: dict[str, Values] = {rule_id: {} for rule_id in in_force}
    for key, counts in grouped.items():
        rule_kind, _, rule_id = key.partition("|")
        if rule_kind == "random":
            baseline["examinations"] += counts.get("examinations", 0)
            baseline["findings"] += counts.get("findings", 0)
        elif rule_kind == kind:
            add_values(rows.setdefault(rule_id, {}), counts)
    base_rate = ratio(baseline["findings"], baseline["examinations"])
    ranked: list[tuple[tuple[float, int, str], dict[str, object]]] = []
    for rule_id, counts in rows.items():
        examinations, findings = _int(counts.get("examinations")), _int(counts.get("findings"))
        rate = ratio(findings, examinations)
        vs = round(rate / base_rate, 4) if rate is not None and base_rate else None
        review = None
        if findings == 0:
            review = Review.NO_HITS.value
        elif rate is not None and base_rate is not None and rate < base_rate:
            review = Review.BELOW_BASELINE.value
        info = rules.get(rule_id)
        ranked.append(
            (
                (-(rate if rate is not None else -1.0), -findings, rule_id),
                {
                    "id": rule_id,
                    "name": info.name if info else rule_id,
                    "hits": _int(counts.get("hits")),
                    "examinations": examinations,
                    "findings": findings,
                    "seizures": _int(counts.get("seizures")),
                    "hit_rate": rate,
                    "vs_baseline": vs,
                    "review": review,
                    "valid_to": info.valid_to.isoformat() if info and info.valid_to else None,
                },
            )
        )
    ranked.sort(key=lambda pair: pair[0])
    return {
        "by": by,
        "baseline": {
            "examinations": _int(baseline["examinations"]),
            "findings": _int(baseline["findings"]),
            "hit_rate": base_rate,
        },
        "rows": [row for _, row in ranked],
    }


def profile_review(
    rows: Sequence[Mapping[str, object]], profiles: Mapping[str, RuleInfo], today: date, soon_days: int = 30
) -> dict[str, object]:
    """``GET /reports/profile-review``: the profile rows flagged for review, and profiles in force ending within
    ``soon_days``."""
    ending = [
        {"id": pid, "name": info.name, "valid_to": info.valid_to.isoformat(), "days_left": (info.valid_to - today).days}
        for pid, info in profiles.items()
        if info.valid_to is not None and 0 <= (info.valid_to - today).days <= soon_days
    ]
    ending.sort(key=lambda r: (str(r["valid_to"]), str(r["id"])))
    return {"flagged": [row for row in rows if row.get("review")], "ending_soon": ending}


@dataclass(frozen=True)
class OpenCase:
    owner: str | None
    overdue: bool


def workload(totals: Mapping[str, float], open_cases: Iterable[OpenCase]) -> dict[str, object]:
    """``GET /reports/workload``: per officer, open and overdue cases now (the case board) and, over the period,
    cases closed and the median time from alert to the officer's decision."""
    grouped = keyed(totals)
    officers: dict[str, dict[str, object]] = {}

    def row(name: str) -> dict[str, object]:
        return officers.setdefault(
            name, {"officer": name, "open": 0, "overdue": 0, "closed": 0, "decided": 0, "median_decision_hours": None}
        )

    for case in open_cases:
        r = row(case.owner or "(unassigned)")
        r["open"] = int(r["open"]) + 1  # type: ignore[call-overload]
        r["overdue"] = int(r["overdue"]) + int(case.overdue)  # type: ignore[call-overload]
    for officer, counts in grouped.items():
        if officer.endswith("|dec"):
            continue
        r = row(officer)
        r["closed"] = _int(counts.get("closed"))
        r["decided"] = _int(counts.get("decided"))
        r["median_decision_hours"] = quantile(histogram(totals, f"{officer}|dec"), 0.5)
    return {"officers": sorted(officers.values(), key=lambda r: str(r["officer"]))}


CARRIER_FIELDS = ("files", "rejected_files", "consignments", "late_filings", "vague_descriptions")


def carriers(totals: Mapping[str, float]) -> dict[str, object]:
    """``GET /reports/carriers``: per carrier, files and rejected files, new consignments, late filings, vague
    descriptions, and the share filed on time (1 - late / consignments)."""
    rows = []
    for carrier, counts in sorted(keyed(totals).items()):
        row: dict[str, object] = {"carrier_id": carrier, **{f: _int(counts.get(f)) for f in CARRIER_FIELDS}}
        consignments = counts.get("consignments", 0)
        row["on_time_share"] = ratio(consignments - counts.get("late_filings", 0), consignments)
        rows.append(row)
    return {"carriers": rows}


def to_csv(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> str:
    """A report table as CSV: the header row, then one line per row (empty for null)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return out.getvalue()
