"""The case board: ``GET /cases`` lists cases by status (default: the open ones) or owner, soonest arrival first,
paged with an opaque cursor (docs/cases.md#the-case-board)."""

from __future__ import annotations

from typing import Any

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


@routes.api("/cases", action=Action.VIEW_CASES, query=CaseBoardQuery)
def case_board(call: Call) -> dict[str, Any]:
    """Cases ordered by ETA (no ETA last): status, owner, consignment, level and score, due time, overdue, revision."""
    board = call.container.case_board
    if board is None:
        raise Unavailable("the case board is not configured")
    asked = call.params(CaseBoardQuery)
    status = asked.status.lower() if asked.status else None
    page = CaseBoardService(board).list(call.user.username, status, asked.owner, asked.page_size, asked.cursor)
    return {
        "cases": [row.model_dump(mode="json", exclude={"sort_key"}) for row in page.cases],
        "cursor": page.cursor,
    }
