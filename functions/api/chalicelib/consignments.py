"""Analysts' consignment search and the consignment detail with its score explained hit by hit.

Keys look like ``sea:MSCU/MBL123:HBL9``: clients percent-encode them in the path
(``encodeURIComponent``); the route decodes them.
"""

from __future__ import annotations

from typing import Any

from chalicelib.http import Call, Routes
from cts.domain.errors import NotFound
from cts.domain.permissions import Action
from cts.ports.search import SearchQuery

routes = Routes()


@routes.api("/consignments", action=Action.VIEW_CONSIGNMENTS)
def search_consignments(call: Call) -> dict[str, Any]:
    mode, level = call.query("mode"), call.query("level")
    query = SearchQuery(
        text=call.query("q"),
        modes=(mode,) if mode else (),
        levels=(level,) if level else (),
        sort=call.query("sort") or "relevance",  # SearchQuery validates it
        page=call.query_int("page", 1, 1, 10_000),
        page_size=call.query_int("page_size", 50, 1, 200),
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
    }
