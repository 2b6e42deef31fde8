"""Analysts' consignment search and the consignment detail with its score explained hit by hit.

Keys look like ``sea:MSCU/MBL123:HBL9``: clients percent-encode them in the path
(``encodeURIComponent``); the route decodes them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import Call, Routes
from cts.domain.audit import SubjectKind, subject
from cts.domain.errors import NotFound
from cts.domain.model import MessageFunction
from cts.domain.permissions import Action
from cts.domain.records import ConsignmentVersion, VersionStatus
from cts.domain.risk.assessment import Assessment
from cts.ports.search import FACET_FIELDS, SearchDocument, SearchQuery, SortKey
from cts.services.audit import AuditTrail
from cts.services.consignment_context import (
    SIMILAR,
    ConsignmentPartyHistory,
    SimilarConsignment,
    party_history,
    similar,
)

routes = Routes()


_LIST = r"^[^,]{1,64}(,[^,]{1,64}){0,49}$"
"""A comma-separated list of up to 50 values (a field matches any of them)."""


class ConsignmentSearch(BaseModel):
    """The query string of ``GET /consignments``: lists are comma-separated (any value matches), dates are
    ``YYYY-MM-DD`` (a ``*_to`` date includes the whole day) or ISO 8601 instants; the search engine checks the
    values further (unknown sort or facet, inverted range: 400)."""

    q: str | None = Field(default=None, max_length=500, description="free text over parties, goods, documents")
    mode: str | None = Field(default=None, pattern=_LIST, description="transport modes, e.g. sea,air")
    direction: str | None = Field(default=None, pattern=_LIST, description="import, export, transit, transshipment")
    level: str | None = Field(default=None, pattern=_LIST, description="risk levels, e.g. red,amber")
    port: str | None = Field(default=None, pattern=_LIST, description="UN/LOCODEs on the route")
    country: str | None = Field(default=None, pattern=_LIST, description="ISO 3166 alpha-2 codes on the route")
    hs: str | None = Field(default=None, max_length=13, description="HS code prefix, e.g. 9306 or 9306.21")
    carrier: str | None = Field(default=None, max_length=64, description="carrier code (SCAC, IATA prefix)")
    journey: str | None = Field(default=None, max_length=64, description="voyage or flight number")
    eta_from: date | datetime | None = None
    eta_to: date | datetime | None = None
    etd_from: date | datetime | None = None
    etd_to: date | datetime | None = None
    score_min: int | None = Field(default=None, ge=0, le=1_000_000)
    score_max: int | None = Field(default=None, ge=0, le=1_000_000)
    profile: str | None = Field(default=None, max_length=128, description="a profile that matched")
    alert_status: str | None = Field(default=None, pattern=_LIST)
    case_status: str | None = Field(default=None, pattern=_LIST)
    sort: SortKey = "relevance"
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=50, ge=1, le=200)
    facets: str | None = Field(
        default=None, pattern=_LIST, description=f"fields to count over all matches: {', '.join(sorted(FACET_FIELDS))}"
    )
    facet_size: int = Field(default=20, ge=1, le=200)

    def to_query(self) -> SearchQuery:
        return SearchQuery(
            text=self.q,
            modes=_split(self.mode),
            directions=_split(self.direction),
            levels=_split(self.level),
            ports=_split(self.port),
            countries=_split(self.country),
            hs_prefix=self.hs,
            carrier=self.carrier,
            journey_id=self.journey,
            eta_from=_instant(self.eta_from),
            eta_to=_instant(self.eta_to, end_of_day=True),
            etd_from=_instant(self.etd_from),
            etd_to=_instant(self.etd_to, end_of_day=True),
            score_min=self.score_min,
            score_max=self.score_max,
            profile=self.profile,
            alert_statuses=_split(self.alert_status),
            case_statuses=_split(self.case_status),
            sort=self.sort,
            page=self.page,
            page_size=self.page_size,
            facets=_split(self.facets),
            facet_size=self.facet_size,
        )


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip()) if value else ()


def _instant(value: date | datetime | None, end_of_day: bool = False) -> datetime | None:
    """A date means its whole day (UTC): from its first instant, or to its last when it ends a range."""
    if value is None or isinstance(value, datetime):
        return value
    start = datetime.combine(value, time.min, tzinfo=UTC)
    return start + timedelta(days=1, microseconds=-1) if end_of_day else start


class SearchPage(BaseModel):
    total: int
    page: int
    page_size: int
    hits: list[SearchDocument]
    facets: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="per requested field: value -> number of matches, largest first"
    )


@routes.api("/consignments", action=Action.VIEW_CONSIGNMENTS, query=ConsignmentSearch, response=SearchPage)
def search_consignments(call: Call) -> dict[str, Any]:
    query = call.params(ConsignmentSearch).to_query()
    result = call.container.search.search(query)
    return {
        "total": result.total,
        "page": query.page,
        "page_size": query.page_size,
        "hits": [doc.model_dump(mode="json") for doc in result.hits],
        "facets": result.facets,
    }


class ConsignmentVersionSummary(BaseModel):
    """One stored version of a consignment, as the detail's version history lists it."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="1 for the original, then one more per amendment or cancellation")
    status: VersionStatus
    stored_at: datetime = Field(description="when the version was stored")
    file_id: str = Field(description="the manifest file it came from")
    message_function: MessageFunction = Field(description="what the carrier's message did: original, amendment ...")


class ConsignmentDetail(BaseModel):
    """``GET /consignments/{key}``: the latest version, the version history, the latest assessment and context."""

    model_config = ConfigDict(extra="forbid")

    key: str
    latest: ConsignmentVersion = Field(description="the latest stored version, with the consignment")
    versions: list[ConsignmentVersionSummary] = Field(description="every stored version of the consignment")
    assessment: Assessment | None = Field(description="the latest version's assessment; null until it is scored")
    party_history: ConsignmentPartyHistory | None = Field(
        description="null without a consignee name the history can use (or without a party-history store)"
    )
    similar: list[SimilarConsignment] = Field(description=f"similar past consignments, best first, at most {SIMILAR}")


@routes.api("/consignments/{key}", action=Action.VIEW_CONSIGNMENTS, response=ConsignmentDetail)
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
    history = party_history(c.party_history, c.search, latest)
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
        "party_history": history.model_dump(mode="json") if history else None,
        "similar": [found.model_dump(mode="json") for found in similar(c.search, latest)],
    }
