"""The report counters in memory (:class:`cts.ports.reports.ReportCounters`), with the adapter's behaviour: day
counters added to, month roll-ups stored as given, scopes remembered, markers claimed once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from cts.domain.reports import ALL, Family, Values


class MemoryReportCounters:
    def __init__(self) -> None:
        self.day_cells: dict[tuple[Family, str, date], Values] = {}
        self.month_cells: dict[tuple[Family, str, str], Values] = {}
        self.known_scopes: set[str] = set()
        self.markers: set[str] = set()
        self.reads: list[tuple[str, Family, str]] = []  # ("days" | "months", family, scope) per query
        self.sealed_before: date | None = None  # the latest day before which a reader said days no longer change

    def add(self, cells: Mapping[tuple[Family, str, date], Mapping[str, float]]) -> None:
        for key, values in cells.items():
            cell = self.day_cells.setdefault(key, {})
            for name, value in values.items():
                cell[name] = cell.get(name, 0) + value
            if key[1] != ALL:
                self.known_scopes.add(key[1])

    def days(
        self, family: Family, scope: str, first: date, last: date, seal_before: date | None = None
    ) -> dict[date, Values]:
        self.reads.append(("days", family, scope))
        if seal_before is not None:
            self.sealed_before = max(self.sealed_before or seal_before, seal_before)
        return {
            day: dict(values)
            for (f, s, day), values in self.day_cells.items()
            if f is family and s == scope and first <= day <= last
        }

    def months(self, family: Family, scope: str, first: date, last: date) -> dict[str, Values]:
        self.reads.append(("months", family, scope))
        low, high = f"{first.year:04d}-{first.month:02d}", f"{last.year:04d}-{last.month:02d}"
        return {
            month: dict(values)
            for (f, s, month), values in self.month_cells.items()
            if f is family and s == scope and low <= month <= high
        }

    def put_month(self, family: Family, scope: str, month: str, values: Mapping[str, float]) -> None:
        self.month_cells[(family, scope, month)] = dict(values)

    def scopes(self) -> set[str]:
        return set(self.known_scopes)

    def first_time(self, marker: str) -> bool:
        if marker in self.markers:
            return False
        self.markers.add(marker)
        return True
