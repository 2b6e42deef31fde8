"""Search port: one interface for analysts' search, two engines behind it.

:class:`SearchIndex` is implemented by :class:`cts.adapters.embedded_search.EmbeddedSearchIndex`
(SQLite FTS5, for the local stack) and :class:`cts.adapters.opensearch_search.OpenSearchIndex`
(AWS). Both pass the same contract suite (``tests/contract/test_search_index_contract.py``).

Query semantics, the same in both engines:

* ``text``: every term must match (AND), each term in any of the party, goods or identifier
  text; a term matches as a prefix, and terms of 5+ characters also match near spellings
  (one typo; two for 8+ characters; the first letter must be right). Case and accents are
  ignored. A text of separators only has no terms and does not filter.
* list filters (``modes``, ``ports``, ``levels`` ...) match *any* of the given values; an
  empty list means no filter. Different filters combine with AND.
* ranges (``eta_from``/``eta_to``, ``score_min``/``score_max`` ...) are inclusive at both ends;
  a document without the date does not match a date range.
* ``sort``: ``eta``/``score``/``received`` ascending, ``-`` descending; documents without the
  value come last either way; ties break on ``key`` in the same direction. ``relevance`` ranks
  by text match (ties by ``key``) and falls back to ``-received`` without text.
* facets count the values of each requested field over *all* matching documents (not just the
  page), largest first then by value, at most ``facet_size`` values per field; documents
  without a value are not counted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cts.domain.errors import InvalidSearchQuery
from cts.domain.search_view import SearchDocument, as_utc


class Unset(Enum):
    """Marks a field a partial update leaves alone (``None`` clears it)."""

    UNSET = "unset"


UNSET = Unset.UNSET

__all__ = [
    "FACET_FIELDS",
    "LIST_FIELDS",
    "MAX_PAGE_SIZE",
    "MAX_RESULT_WINDOW",
    "SORTS",
    "UNSET",
    "SearchDocument",
    "SearchIndex",
    "SearchQuery",
    "SearchResult",
    "SortKey",
    "Unset",
    "fold_text",
    "status_changes",
    "text_terms",
]

MAX_PAGE_SIZE = 200
MAX_RESULT_WINDOW = 10_000
"""Deepest result reachable by paging (``page * page_size``), OpenSearch's default window."""
MAX_TEXT_LENGTH = 500
MAX_TEXT_TERMS = 16

SortKey = Literal["eta", "-eta", "score", "-score", "received", "-received", "relevance"]
SORTS: tuple[str, ...] = ("eta", "-eta", "score", "-score", "received", "-received", "relevance")

LIST_FIELDS: frozenset[str] = frozenset({"ports", "countries", "hs_codes", "container_numbers", "profiles_matched"})
"""SearchDocument fields holding several values."""

FACET_FIELDS: frozenset[str] = frozenset(
    {
        "mode",
        "direction",
        "level",
        "carrier",
        "journey_id",
        "place_of_loading",
        "place_of_discharge",
        "alert_status",
        "case_status",
        "carrier_id",
        "status",
        "ports",
        "countries",
        "hs_codes",
        "profiles_matched",
    }
)
"""Fields that can be counted in ``SearchQuery.facets``."""

_HS_SEPARATORS = re.compile(r"[\s.]")
_WORD = re.compile(r"[^\W_]+")


def fold_text(text: str) -> str:
    """Lower case without accents ("Société" -> "societe"), as both engines index text."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def text_terms(text: str, limit: int | None = MAX_TEXT_TERMS) -> list[str]:
    """The distinct search terms of ``text``: folded runs of letters and digits, in order."""
    terms = list(dict.fromkeys(_WORD.findall(fold_text(text))))
    return terms if limit is None else terms[:limit]


def status_changes(
    *, alert_status: str | Unset | None = UNSET, case_status: str | Unset | None = UNSET
) -> dict[str, str | None]:
    """The workflow fields :meth:`SearchIndex.set_statuses` sets: the ones not ``UNSET``, by field name."""
    changes: dict[str, str | None] = {}
    for name, value in (("alert_status", alert_status), ("case_status", case_status)):
        if not isinstance(value, Unset):
            changes[name] = value
    return changes


def _upper_all(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip().upper() for v in values if v and v.strip())


def _lower_all(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip().lower() for v in values if v and v.strip())


def _stripped(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip() for v in values if v and v.strip())


class SearchQuery(BaseModel):
    """What an analyst asks for: free text, filters, sort, page and facets.

    Any problem (wrong type, unknown sort or facet, page out of range, inverted range) raises
    :class:`InvalidSearchQuery`, never a pydantic error, so handlers answer 400 with the message.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str | None = None
    modes: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    hs_prefix: str | None = None
    carrier: str | None = None
    journey_id: str | None = None
    eta_from: datetime | None = None
    eta_to: datetime | None = None
    etd_from: datetime | None = None
    etd_to: datetime | None = None
    levels: tuple[str, ...] = ()
    score_min: int | None = None
    score_max: int | None = None
    profile: str | None = None
    alert_statuses: tuple[str, ...] = ()
    case_statuses: tuple[str, ...] = ()
    carrier_id: str | None = None
    statuses: tuple[str, ...] = ()
    sort: SortKey = "relevance"
    page: int = 1
    page_size: int = 50
    facets: tuple[str, ...] = ()
    facet_size: int = Field(default=20, description="most values returned per facet")

    @model_validator(mode="wrap")
    @classmethod
    def _domain_errors(cls, data: Any, handler: Any) -> Any:
        try:
            return handler(data)
        except ValidationError as error:
            raise InvalidSearchQuery(_describe(error)) from error

    @field_validator("text", "carrier", "journey_id", "profile", "carrier_id", "hs_prefix")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        return value or None

    @field_validator("modes", "directions", "levels", "alert_statuses", "case_statuses", "statuses")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _lower_all(value)

    @field_validator("ports", "countries")
    @classmethod
    def _upper(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _upper_all(value)

    @field_validator("facets")
    @classmethod
    def _strip(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_stripped(value)))

    @field_validator("carrier")
    @classmethod
    def _carrier_upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value

    @field_validator("hs_prefix")
    @classmethod
    def _hs_digits(cls, value: str | None) -> str | None:
        return _HS_SEPARATORS.sub("", value) or None if value else None

    @field_validator("eta_from", "eta_to", "etd_from", "etd_to")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value)

    @model_validator(mode="after")
    def _consistent(self) -> SearchQuery:
        self.check()
        return self

    def problems(self) -> list[str]:
        """Everything wrong with this query (empty when it is valid)."""
        found: list[str] = []
        if self.page < 1:
            found.append("page starts at 1")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            found.append(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        elif self.page * self.page_size > MAX_RESULT_WINDOW:
            found.append(f"cannot page beyond result {MAX_RESULT_WINDOW}; narrow the search instead")
        if not 1 <= self.facet_size <= MAX_PAGE_SIZE:
            found.append(f"facet_size must be between 1 and {MAX_PAGE_SIZE}")
        if self.sort not in SORTS:
            found.append(f"sort must be one of {', '.join(SORTS)}")
        unknown = sorted(set(self.facets) - FACET_FIELDS)
        if unknown:
            found.append(f"cannot facet on {', '.join(unknown)}; facets: {', '.join(sorted(FACET_FIELDS))}")
        if self.text is not None and len(self.text) > MAX_TEXT_LENGTH:
            found.append(f"text is longer than {MAX_TEXT_LENGTH} characters")
        if self.hs_prefix is not None and not re.fullmatch(r"\d{1,10}", self.hs_prefix):
            found.append("hs_prefix must be 1 to 10 digits")
        for name, inverted in (
            ("eta", self.eta_from and self.eta_to and self.eta_from > self.eta_to),
            ("etd", self.etd_from and self.etd_to and self.etd_from > self.etd_to),
            ("score", _inverted(self.score_min, self.score_max)),
        ):
            if inverted:
                found.append(f"{name} range is inverted: from is after to")
        return found

    def check(self) -> None:
        """Raise :class:`InvalidSearchQuery` if the query is invalid (e.g. built with ``model_copy``)."""
        found = self.problems()
        if found:
            raise InvalidSearchQuery("; ".join(found))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def terms(self) -> list[str]:
        """The free-text terms; a text of separators only has none and does not filter."""
        return text_terms(self.text) if self.text else []

    @property
    def effective_sort(self) -> SortKey:
        """``relevance`` only means something with text; without text it is ``-received``."""
        if self.sort == "relevance" and not self.terms:
            return "-received"
        return self.sort


def _inverted(low: int | None, high: int | None) -> bool:
    return low is not None and high is not None and low > high


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "query"
        parts.append(f"{where}: {item['msg']}")
    return "invalid search query: " + "; ".join(parts)


class SearchResult(BaseModel):
    """One page of hits, the total number of matches and the requested facet counts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    total: int
    hits: list[SearchDocument]
    facets: dict[str, dict[str, int]] = Field(default_factory=dict)


class SearchIndex(Protocol):
    """Where analysts search consignments. Implementations translate engine errors into
    :class:`~cts.domain.errors.SearchUnavailable` and :class:`~cts.domain.errors.InvalidSearchQuery`.
    """

    def ensure_ready(self) -> None:
        """Create the index (schema, mappings, alias) if it does not exist; idempotent."""

    def index(self, docs: Sequence[SearchDocument]) -> None:
        """Insert or replace documents by ``key``. A document whose ``version`` is lower than the
        one already indexed is ignored (updates may arrive out of order); an equal version replaces.
        """

    def set_statuses(
        self, key: str, *, alert_status: str | Unset | None = UNSET, case_status: str | Unset | None = UNSET
    ) -> bool:
        """Change only the workflow fields of an indexed document (an alert acknowledged, a case moved on),
        leaving the rest as the last scoring wrote it, so that a status change and a re-score of the same
        consignment cannot undo each other. ``UNSET`` leaves a field alone; ``None`` clears it. False when
        no document has this key (nothing to update; the next scoring writes the statuses it reads)."""

    def delete(self, key: str) -> None:
        """Remove the document; deleting a missing key is not an error."""

    def get(self, key: str) -> SearchDocument | None:
        """The indexed document, or None."""

    def search(self, query: SearchQuery) -> SearchResult:
        """One page of matching documents with the total and facet counts."""

    def count(self, query: SearchQuery) -> int:
        """How many documents match (paging, sort and facets are ignored)."""

    def refresh(self) -> None:
        """Make recent writes visible to search (a no-op where writes are visible at once)."""
