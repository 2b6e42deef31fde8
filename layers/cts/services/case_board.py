"""The case board (:class:`cts.ports.case_board.CaseBoard`) as a caller asks for it: a status or the open ones,
``owner=me`` for the caller's own, rows marked overdue as of now."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from cts.domain.case_board import OPEN_STATUSES, BoardPage
from cts.domain.cases import CaseStatus
from cts.domain.errors import ValidationFailed
from cts.ports.case_board import CaseBoard
from cts.ports.clock import Clock, SystemClock

MAX_PAGE = 200
MAX_CURSOR = 600


def statuses_of(status: str | None) -> tuple[CaseStatus, ...]:
    """``open`` (the default): every status but closed; ``all``; else one status."""
    if status is None or status == "open":
        return OPEN_STATUSES
    if status == "all":
        return (*OPEN_STATUSES, CaseStatus.CLOSED)
    try:
        return (CaseStatus(status),)
    except ValueError:
        choices = ", ".join(["open", "all", *(s.value for s in CaseStatus)])
        raise ValidationFailed(f"status must be one of {choices}") from None


@dataclass
class CaseBoardService:
    board: CaseBoard
    clock: Clock = field(default_factory=SystemClock)

    def list(
        self, caller: str, status: str | None, owner: str | None, page_size: int = 50, cursor: str | None = None
    ) -> BoardPage:
        if not 1 <= page_size <= MAX_PAGE:
            raise ValidationFailed(f"page_size must be between 1 and {MAX_PAGE}")
        who = caller if owner == "me" else owner
        page = self.board.board(statuses_of(status), owner=who, limit=page_size, after=decode_cursor(cursor))
        now = self.clock.now()
        return page.model_copy(
            update={"cases": tuple(row.at(now) for row in page.cases), "cursor": encode_cursor(page.cursor)}
        )


def encode_cursor(after: str | None) -> str | None:
    """The board's sort key after which the next page starts, made opaque (URL-safe base64)."""
    return base64.urlsafe_b64encode(after.encode()).decode().rstrip("=") if after else None


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError("too long")
        after = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("the cursor is not one this API gave") from None
    if "#" not in after:
        raise ValidationFailed("the cursor is not one this API gave")
    return after
