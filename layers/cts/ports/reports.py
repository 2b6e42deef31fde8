"""Where the report counters live (docs/reports.md, docs/data-model.md: the ``STATS#<family>#<scope>`` items)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Protocol

from cts.domain.reports import Family, Values


class ReportCounters(Protocol):
    def add(self, cells: Mapping[tuple[Family, str, date], Mapping[str, float]]) -> None:
        """Add each cell's numbers to its day counter (atomic increments) and remember its scope."""
        ...

    def days(
        self, family: Family, scope: str, first: date, last: date, seal_before: date | None = None
    ) -> dict[date, Values]:
        """The day counters of ``scope`` from ``first`` to ``last`` (days without any are absent). Days before
        ``seal_before`` no longer change: the store may keep them in a form cheaper to read."""
        ...

    def months(self, family: Family, scope: str, first: date, last: date) -> dict[str, Values]:
        """The stored month roll-ups (``yyyy-mm`` -> values) of the months from ``first``'s to ``last``'s."""
        ...

    def put_month(self, family: Family, scope: str, month: str, values: Mapping[str, float]) -> None:
        """Store the roll-up of a month that is over (its day counters no longer change)."""
        ...

    def scopes(self) -> set[str]:
        """Every ``<port>|<mode>|<direction>`` scope counted so far."""
        ...

    def first_time(self, marker: str) -> bool:
        """True the first time ``marker`` is claimed, False ever after (e.g. a carrier file counted once)."""
        ...
