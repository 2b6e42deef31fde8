"""Legal hold: keep a consignment's records and files beyond the retention once it is tied to a case or a finding.

Holding consignment ``key`` holds its partition in the records table (versions, latest pointer, assessments, and
every later write into it), the receipts of the files that carried its versions, and those files: the raw carrier
file in the inbox and the receipt object, tagged ``retention=hold`` so that no lifecycle rule expires them.
Every step is idempotent, so a retried or repeated hold converges (docs/data-model.md#retention-and-legal-holds).
"""

from __future__ import annotations

from dataclasses import dataclass

from cts.domain.errors import NotFound
from cts.domain.retention import HOLD, Hold
from cts.ports.clock import Clock
from cts.ports.records import ConsignmentRepository
from cts.ports.retention import RecordsHold
from cts.ports.storage import ObjectStore
from cts.services.ingest import receipt_key


@dataclass(frozen=True)
class HoldOutcome:
    key: str
    records_released_from_expiry: int
    files_tagged: tuple[str, ...]
    files_missing: tuple[str, ...]


@dataclass
class LegalHoldService:
    records: RecordsHold
    consignments: ConsignmentRepository
    inbox: ObjectStore
    receipt_store: ObjectStore
    clock: Clock

    def hold(self, key: str, reason: str) -> HoldOutcome:
        """Hold consignment ``key`` and its files; safe to call again (retries, a second alert, a re-score)."""
        held = Hold(key=key, reason=reason, held_at=self.clock.now())
        removed = self.records.hold_consignment(held)  # first: later versions and assessments are held from now on
        tagged: list[str] = []
        missing: list[str] = []
        files: dict[str, tuple[str, str]] = {}  # file id -> (carrier, raw object key)
        for version in self.consignments.versions(key):
            files.setdefault(version.file_id, (version.carrier_id, version.consignment.provenance.object_key))
        for file_id, (carrier_id, object_key) in sorted(files.items()):
            removed += self.records.hold_receipt(file_id, held)
            for store, name in ((self.inbox, object_key), (self.receipt_store, receipt_key(carrier_id, file_id))):
                try:
                    if store.retention(name) != HOLD:
                        store.set_retention(name, HOLD)
                    tagged.append(name)
                except NotFound:
                    # Not written yet (ingest writes the receipt last) or gone: ingest tags a receipt of a held
                    # file itself; a raw file already deleted cannot be held.
                    missing.append(name)
        return HoldOutcome(key, removed, tuple(tagged), tuple(missing))
