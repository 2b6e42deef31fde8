"""The case board (:class:`CaseBoard`): cases by status or by owner, soonest arrival first, without a scan."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cts.domain.case_board import BoardPage
from cts.domain.cases import CaseStatus


class CaseBoard(Protocol):
    def board(
        self,
        statuses: Sequence[CaseStatus],
        owner: str | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> BoardPage:
        """Cases in any of ``statuses`` (of ``owner`` only, when given: open cases), ordered by ETA then id,
        the first ``limit`` whose board sort key is after ``after`` (a previous page's cursor)."""
        ...
