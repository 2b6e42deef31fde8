"""Re-score what has not arrived yet when the rules change, as a fan-out over the score queue.

``rules_changed`` sends one *start* message naming the ruleset version in force; handling it sends one *page*
message per UTC arrival day of the window (ETA from ``window_hours`` before the change up to ``horizon_days``
after it); handling a page lists one page of that day's arrivals (the latest version of each active consignment),
sends score messages of up to 50 consignments each (:mod:`cts.services.score_requests`) and, if the day has
more, the next page with its cursor. Scoring itself is :meth:`cts.services.scoring.ScoringService.score_many`: it
scores the latest version with the rules in force and alerts once per consignment version, so a consignment that
now matches alerts like a fresh one and one that already alerted does not alert again. Every message carries the
ruleset version that triggered the re-score (traceability, and the idempotency key of the score function, so a
re-score is not answered from the record of the first scoring)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from cts.domain.records import arrival_day
from cts.ports.messaging import WorkQueue
from cts.ports.records import ConsignmentRepository, RuleRepository
from cts.services.score_requests import RESCORE_BATCH_REFS, score_messages


class RescoreStart(BaseModel):
    model_config = ConfigDict(frozen=True)

    rescore: Literal["start"]
    ruleset: str
    requested_at: datetime


class RescorePage(BaseModel):
    model_config = ConfigDict(frozen=True)

    rescore: Literal["page"]
    ruleset: str
    day: date
    after: datetime | None = None
    cursor: str | None = None


RescoreMessage = RescoreStart | RescorePage


@dataclass(frozen=True)
class RescoringPolicy:
    """Country settings: see :class:`cts.config.country.Rescoring`."""

    window_hours: int = 0
    horizon_days: int = 30
    page_size: int = 500


@dataclass(frozen=True)
class RescoreProgress:
    """What handling one re-scoring message did."""

    pages: int = 0
    consignments: int = 0


def window(now: datetime, policy: RescoringPolicy) -> tuple[datetime, list[date]]:
    """The earliest ETA to re-score and the UTC arrival days to list, earliest first."""
    earliest = now - timedelta(hours=policy.window_hours)
    first, last = arrival_day(earliest), arrival_day(now + timedelta(days=policy.horizon_days))
    return earliest, [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass
class RescoringService:
    consignments: ConsignmentRepository
    rules: RuleRepository
    score_queue: WorkQueue
    policy: RescoringPolicy = RescoringPolicy()

    def rules_changed(self, now: datetime) -> RescoreStart:
        """Call after a profile, watch-list entry, allow entry or random selection rate was written: queues the
        re-scoring of every consignment not yet arrived under the ruleset now in force."""
        start = RescoreStart(rescore="start", ruleset=self.rules.ruleset(now.date()).version, requested_at=now)
        self.score_queue.send(_body(start))
        return start

    def handle(self, message: RescoreMessage) -> RescoreProgress:
        if isinstance(message, RescoreStart):
            return self.start(message.requested_at, message.ruleset)
        return self.page(message)

    def start(self, now: datetime, ruleset: str) -> RescoreProgress:
        """One page message per arrival day of the window; the first day starts at the window's earliest ETA."""
        earliest, days = window(now, self.policy)
        pages = [
            RescorePage(rescore="page", ruleset=ruleset, day=day, after=earliest if n == 0 else None)
            for n, day in enumerate(days)
        ]
        self.score_queue.send_many([_body(p) for p in pages])
        return RescoreProgress(pages=len(pages))

    def page(self, page: RescorePage) -> RescoreProgress:
        """One page of a day's arrivals to the score queue, then the next page of that day (if any)."""
        found, cursor = self.consignments.arriving(page.day, page.after, page.cursor, self.policy.page_size)
        if found:
            self.score_queue.send_many(score_messages(found, page.ruleset, size=RESCORE_BATCH_REFS))
        if cursor is not None:
            self.score_queue.send(_body(page.model_copy(update={"cursor": cursor})))
        return RescoreProgress(pages=1 if cursor is not None else 0, consignments=len(found))


def _body(message: BaseModel) -> Mapping[str, Any]:
    body: dict[str, Any] = message.model_dump(mode="json", exclude_none=True)
    return body
