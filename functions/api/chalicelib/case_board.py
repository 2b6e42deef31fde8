"""The case board: ``GET /cases`` lists cases by status (default: the open ones) or owner, soonest arrival first,
paged with an opaque cursor (docs/cases.md#the-case-board)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import Call, Routes
from cts.domain.errors import Unavailable
from cts.domain.permissions import Action
from cts.services.case_board import CaseBoardService

routes = Routes()


class CaseBoardQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str | None = Field(
        default=None, max_length=20, description="open (default), all, new, triaged, decided, examined or closed"
    )
    owner: str | None = Field(default=None, min_length=1, max_length=128, description="me, or a username")
    page_size: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=600, description="the previous page's cursor")


class CaseRow(BaseModel):
    case_id: str
    status: str
    owner: str | None
    consignment_key: str
    alert_id: str
    level: str
    score: int | None
    eta: datetime | None
    opened_at: datetime | None
    due_at: datetime | None = Field(description="when the step the case waits on becomes overdue")
    overdue: bool
    escalations: int
    revision: int = Field(description="send it with the next change of the case")


class CaseBoardPage(BaseModel):
    cases: list[CaseRow]
    cursor: str | None = Field(description="pass it back for the next page; null at the end")


@routes.api("/cases", action=Action.VIEW_CASES, query=CaseBoardQuery, response=CaseBoardPage)
def case_board(call: Call) -> CaseBoardPage:
    """Cases ordered by ETA (no ETA last): status, owner, consignment, level and score, due time, overdue, revision."""
    board = call.container.case_board
    if board is None:
        raise Unavailable("the case board is not configured")
    asked = call.params(CaseBoardQuery)
    status = asked.status.lower() if asked.status else None
    page = CaseBoardService(board).list(call.user.username, status, asked.owner, asked.page_size, asked.cursor)
    return CaseBoardPage(
        cases=[CaseRow.model_validate(row.model_dump(exclude={"sort_key"})) for row in page.cases], cursor=page.cursor
    )
