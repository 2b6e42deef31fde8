"""The case board: cases listed by status or owner, soonest arrival first, paged.

Each case item carries a board key (``gsi5``: ``CASES#<status>`` / ``<ETA>#<case id>``) that the state machine
writes when it opens the case and the case store moves when the status changes; cases without an ETA sort last.
A page's cursor is the last row's board sort key, so a page of several statuses is a merge of their partitions,
each read after the cursor (docs/cases.md#the-case-board)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from cts.domain.cases import CaseStatus

NO_ETA = "9999-12-31T23:59:59.999Z"
OPEN_STATUSES: tuple[CaseStatus, ...] = (
    CaseStatus.NEW,
    CaseStatus.TRIAGED,
    CaseStatus.DECIDED,
    CaseStatus.EXAMINED,
)
DEFAULT_STEP_TIMEOUT = timedelta(days=1)


def board_partition(status: CaseStatus | str) -> str:
    return f"CASES#{CaseStatus(status).value}"


def eta_text(eta: datetime | None) -> str:
    """An ETA as the board sorts it (ISO, milliseconds, ``Z``); no ETA sorts after every date."""
    if eta is None:
        return NO_ETA
    return eta.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def board_sort(eta: datetime | None, case_id: str) -> str:
    return f"{eta_text(eta)}#{case_id}"


class CaseSummary(BaseModel):
    """One row of the board. ``due_at`` is when the step the case waits on becomes overdue (None: not waiting)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str
    status: str
    owner: str | None = None
    consignment_key: str
    alert_id: str = ""
    level: str = ""
    score: int | None = None
    eta: datetime | None = None
    opened_at: datetime | None = None
    due_at: datetime | None = None
    overdue: bool = False
    escalations: int = 0
    revision: int = 0
    sort_key: str  # the board's sort key (``<ETA>#<case id>``): the cursor after this row

    def at(self, now: datetime) -> CaseSummary:
        """The row as of ``now``: overdue when its open step's due time has passed."""
        late = self.status != CaseStatus.CLOSED.value and self.due_at is not None and self.due_at <= now
        return self.model_copy(update={"overdue": late})


class BoardPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    cases: tuple[CaseSummary, ...]
    cursor: str | None = None
