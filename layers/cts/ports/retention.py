"""Legal holds on records (docs/data-model.md#retention-and-legal-holds)."""

from __future__ import annotations

from typing import Protocol

from cts.domain.retention import Hold


class RecordsHold(Protocol):
    """Keeps records beyond the retention: removes their expiry and marks their partition as held, so that later
    writes into it (a new version, an assessment, a re-written receipt) are stored without an expiry."""

    def hold_consignment(self, hold: Hold) -> int:
        """Hold every item of the consignment ``hold.key`` (versions, latest pointer, assessments); idempotent.
        Returns how many items lost their expiry in this call."""
        ...

    def hold_receipt(self, file_id: str, hold: Hold) -> int:
        """Hold the receipt of one carrier file (a file that carried a version of a held consignment)."""
        ...

    def held(self, key: str) -> Hold | None:
        """The hold on consignment ``key``, if any."""
        ...
