"""The digest: every alert queued for a recipient since the last one, in one e-mail, sent once.

Each entry is claimed (a conditional write: pending, or a claim older than the lease) before the e-mail is sent and
marked sent after it, so two runs, or a retried run, never send the same entry twice; a run that died after claiming
leaves the entries to the next run once the lease has passed (at worst a digest arrives twice, never not at all).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from cts.domain.errors import Unavailable
from cts.domain.subscriptions import (
    Channel,
    DeliveryRecord,
    DeliveryRejected,
    DeliveryStatus,
    DigestEntry,
    group_digest,
)
from cts.ports.clock import Clock, SystemClock
from cts.ports.email import EmailSender
from cts.ports.notifications import DeliveryLog, DigestQueue
from cts.services.notifications_email import render_digest_email


@dataclass(frozen=True)
class DigestRun:
    sent: dict[str, int]  # recipient -> alerts in its digest
    failed: dict[str, str]  # recipient -> reason (rejected for good)
    retrying: dict[str, str]  # recipient -> reason (transient; entries released for the next run)


@dataclass
class DigestService:
    digests: DigestQueue
    email: EmailSender
    deliveries: DeliveryLog
    web_url: str
    clock: Clock = field(default_factory=SystemClock)
    lease_s: int = 900  # longer than the function's timeout: a live run never loses its claim
    limit: int = 1000

    def send_pending(self) -> DigestRun:
        run = DigestRun({}, {}, {})
        for recipient, entries in group_digest(self.digests.pending(self.limit)).items():
            batch = uuid.uuid4().hex
            now = self.clock.now()
            claimed = [e for e in entries if self.digests.claim(e, batch, now, self.lease_s)]
            if not claimed:
                continue
            message = render_digest_email(claimed, claimed[0].to, self.web_url)
            try:
                message_id = self.email.send(message)
            except DeliveryRejected as exc:
                self.digests.mark_failed(claimed, batch, str(exc)[:500], self.clock.now())
                self._record(claimed, DeliveryStatus.FAILED, reason=str(exc))
                run.failed[recipient] = str(exc)
                continue
            except Unavailable as exc:
                self.digests.release(claimed, batch)
                self._record(claimed, DeliveryStatus.RETRYING, reason=str(exc))
                run.retrying[recipient] = str(exc)
                continue
            self.digests.mark_sent(claimed, batch, message_id, self.clock.now())
            self._record(claimed, DeliveryStatus.SENT, message_id=message_id)
            self.deliveries.remember_message(message_id, [e.alert_id for e in claimed], recipient)
            run.sent[recipient] = len(claimed)
        if run.retrying:
            # The scheduled run fails (and is retried, and alarms); the released entries wait for it.
            raise Unavailable(f"digests not sent: {run.retrying}")
        return run

    def _record(
        self,
        entries: list[DigestEntry],
        status: DeliveryStatus,
        reason: str | None = None,
        message_id: str | None = None,
    ) -> None:
        now = self.clock.now()
        for entry in entries:
            self.deliveries.record(
                DeliveryRecord(
                    alert_id=entry.alert_id,
                    recipient=entry.recipient,
                    channel=Channel.DIGEST,
                    status=status,
                    at=now,
                    reason=reason[:500] if reason else None,
                    message_id=message_id,
                )
            )
