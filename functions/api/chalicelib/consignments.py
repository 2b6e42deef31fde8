"""Analysts' consignment search and the consignment detail with its score explained hit by hit.

Keys look like ``sea:MSCU/MBL123:HBL9``: clients percent-encode them in the path
(``encodeURIComponent``); the route decodes them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from chalicelib.http import Call, Routes
from cts.domain.audit import SubjectKind, subject
from cts.domain.errors import NotFound
from cts.domain.permissions import Action
from cts.ports.search import SearchDocument, SearchQuery, SortKey
from cts.services.audit import AuditTrail
from cts.services.consignment_context import party_history, similar

routes = Routes()


class ConsignmentSearch(BaseModel):
    """The query string of ``GET /consignments`` (the search engine checks mode and level further)."""

    q: str | None = Field(default=None, max_length=500, description="free text")
    mode: str | None = Field(default=None, max_length=20, description="transport mode, e.g. sea")
    level: str | None = Field(default=None, max_length=20, description="risk level, e.g. amber")
    sort: SortKey = "relevance"
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=50, ge=1, le=200)


class SearchPage(BaseModel):
    total: int
    page: int
    page_size: int
    hits: list[SearchDocument]


@routes.api("/consignments", action=Action.VIEW_CONSIGNMENTS, query=ConsignmentSearch, response=SearchPage)
def search_consignments(call: Call) -> dict[str, Any]:
    asked = call.params(ConsignmentSearch)
    query = SearchQuery(
        text=asked.q,
        modes=(asked.mode,) if asked.mode else (),
        levels=(asked.level,) if asked.level else (),
        sort=asked.sort,
        page=asked.page,
        page_size=asked.page_size,
    )
    result = call.container.search.search(query)
    return {
        "total": result.total,
        "page": query.page,
        "page_size": query.page_size,
        "hits": [doc.model_dump(mode="json") for doc in result.hits],
    }


@routes.api("/consignments/{key}", action=Action.VIEW_CONSIGNMENTS)
def consignment_detail(call: Call, key: str) -> dict[str, Any]:
    c = call.container
    latest = c.consignments.latest(key)
    if latest is None:
        raise NotFound(f"no consignment {key}")
    assessment = c.assessments.latest(key)
    if c.audit_log is not None:
        # Who looked at which consignment, when: recorded before the answer, so no view goes unrecorded.
        AuditTrail(c.audit_log).record(
            call.user.username, call.user.roles, "view", subject(SubjectKind.CONSIGNMENT, key), {"route": "detail"}
        )
    return {
        "key": key,
        "latest": latest.model_dump(mode="json"),
        "versions": [
            {
                "version": v.version,
                "status": v.status.value,
                "stored_at": v.stored_at.isoformat(),
                "file_id": v.file_id,
                "message_function": v.consignment.message_function.value,
            }
            for v in c.consignments.versions(key)
        ],
        "assessment": assessment.model_dump(mode="json") if assessment else None,
        "party_history": party_history(c.party_history, c.search, latest),
        "similar": similar(c.search, latest),
    }
