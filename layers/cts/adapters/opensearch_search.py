"""Search on Amazon OpenSearch Service (or any OpenSearch cluster) with opensearch-py.

* One physical index per schema version (``consignments-v1``) behind an alias (``consignments``):
  every read and write goes through the alias, so a mapping change is "create ``-v2``, reindex,
  swap the alias" (:meth:`OpenSearchIndex.reindex`) without touching callers.
* Explicit, strict mappings: keyword fields for filters and facets, ``date`` for ETA/ETD/received,
  ``integer`` score, and text fields analysed by ``folded`` (split on anything that is not a
  letter or digit, then ``lowercase`` + ``asciifolding``) with prefix indexes.
* Writes are bulk requests with ``version_type=external_gte`` on the document's ``version``: an
  older version is rejected by the engine (409) and that rejection counts as success.
* Text: each term is a prefix query on every text field, and terms of 5+ characters also a fuzzy
  ``multi_match`` (``fuzziness: AUTO:5,8``, first letter fixed) over party and goods text: the
  same rules as the embedded engine.

The client is built on first use by the factory given to the constructor (see :func:`make_client`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlsplit

from opensearchpy import OpenSearch, RequestsHttpConnection
from opensearchpy.exceptions import (
    ConflictError,
    NotFoundError,
    OpenSearchException,
    RequestError,
    TransportError,
)
from opensearchpy.exceptions import (
    ConnectionError as OpenSearchConnectionError,
)

from cts.domain.errors import InvalidSearchQuery, SearchUnavailable, ValidationFailed
from cts.ports.search import (
    MAX_RESULT_WINDOW,
    UNSET,
    SearchDocument,
    SearchQuery,
    SearchResult,
    Unset,
    fold_text,
    status_changes,
)

__all__ = ["SCHEMA_VERSION", "OpenSearchIndex", "build_query", "build_search_body", "index_body", "make_client"]

SCHEMA_VERSION: Final = 2
"""Bump when :func:`index_body` changes; :meth:`OpenSearchIndex.reindex` moves the alias."""

BULK_CHUNK: Final = 500
RETRY_ON_CONFLICT: Final = 5
"""Attempts of a partial update (``set_statuses``) or a compare-and-set re-write racing another writer."""
FUZZY_MIN_LENGTH: Final = 5
FUZZINESS: Final = "AUTO:5,8"  # < 5 chars: exact; 5-7: one edit; 8+: two edits (as the embedded engine)

TEXT_FIELDS: Final = ("parties_text", "goods_text", "ids_text")
FUZZY_FIELDS: Final = ("parties_text", "goods_text")
_IDENTIFIERS: Final = (
    "document_number",
    "master_number",
    "container_numbers",
    "journey_id",
    "vessel_name",
    "imo_number",
    "carrier",
)

_SORTS: Final[dict[str, list[Any]]] = {
    "eta": [{"eta": {"order": "asc", "missing": "_last"}}, {"key": {"order": "asc"}}],
    "-eta": [{"eta": {"order": "desc", "missing": "_last"}}, {"key": {"order": "desc"}}],
    "score": [{"score": {"order": "asc"}}, {"key": {"order": "asc"}}],
    "-score": [{"score": {"order": "desc"}}, {"key": {"order": "desc"}}],
    "received": [{"received_at": {"order": "asc", "missing": "_last"}}, {"key": {"order": "asc"}}],
    "-received": [{"received_at": {"order": "desc", "missing": "_last"}}, {"key": {"order": "desc"}}],
    "relevance": [{"_score": {"order": "desc"}}, {"key": {"order": "asc"}}],
}

# asciifolding folds a few letters that have no Unicode decomposition
_ASCII_EXTRA: Final = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "\u0131": "i", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"}
)


def _ascii_fold(term: str) -> str:
    return fold_text(term).translate(_ASCII_EXTRA)


def index_body(*, shards: int = 1, replicas: int | None = None) -> dict[str, Any]:
    """Settings and mappings of a physical index (one shard keeps facet counts exact)."""
    keyword: dict[str, Any] = {"type": "keyword"}
    identifier: dict[str, Any] = {"type": "keyword", "copy_to": "ids_text"}
    text: dict[str, Any] = {"type": "text", "analyzer": "folded", "index_prefixes": {"min_chars": 2, "max_chars": 5}}
    date: dict[str, Any] = {"type": "date"}
    index_settings: dict[str, Any] = {"number_of_shards": shards, "max_result_window": MAX_RESULT_WINDOW}
    if replicas is not None:
        index_settings["number_of_replicas"] = replicas
    return {
        "settings": {
            "index": index_settings,
            "analysis": {
                "tokenizer": {"words": {"type": "pattern", "pattern": r"[^\p{L}\p{N}\p{M}]+"}},
                "analyzer": {
                    "folded": {"type": "custom", "tokenizer": "words", "filter": ["lowercase", "asciifolding"]}
                },
            },
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "key": keyword,
                "version": {"type": "long"},
                "mode": keyword,
                "direction": keyword,
                **dict.fromkeys(_IDENTIFIERS, identifier),
                "place_of_loading": keyword,
                "place_of_discharge": keyword,
                "ports": keyword,
                "countries": keyword,
                "hs_codes": keyword,
                "parties_text": text,
                "goods_text": text,
                "ids_text": text,
                "consignor_name": {"type": "keyword", "ignore_above": 512},
                "consignee_name": {"type": "keyword", "ignore_above": 512},
                "eta": date,
                "etd": date,
                "received_at": date,
                "score": {"type": "integer"},
                "level": keyword,
                "profiles_matched": keyword,
                "alert_status": keyword,
                "case_status": keyword,
                "carrier_id": keyword,
                "status": keyword,
            },
        },
    }


def _term_clause(term: str) -> dict[str, Any]:
    """One free-text term: a prefix of a word in any text field, or (5+ chars) a near spelling."""
    if len(term) == 1:
        return {"multi_match": {"query": term, "fields": list(TEXT_FIELDS)}}
    folded = _ascii_fold(term)
    should: list[dict[str, Any]] = [{"prefix": {field: {"value": folded}}} for field in TEXT_FIELDS]
    if len(term) >= FUZZY_MIN_LENGTH and not term.isdigit():
        should.append(
            {
                "multi_match": {
                    "query": term,
                    "fields": list(FUZZY_FIELDS),
                    "fuzziness": FUZZINESS,
                    "prefix_length": 1,
                    "max_expansions": 50,
                }
            }
        )
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _range(field: str, low: Any, high: Any) -> dict[str, Any] | None:
    bounds: dict[str, Any] = {}
    if low is not None:
        bounds["gte"] = low.isoformat() if isinstance(low, datetime) else low
    if high is not None:
        bounds["lte"] = high.isoformat() if isinstance(high, datetime) else high
    return {"range": {field: bounds}} if bounds else None


def build_query(query: SearchQuery) -> dict[str, Any]:
    """The ``query`` part: text terms in ``bool.must``, every filter in ``bool.filter``."""
    filters: list[dict[str, Any] | None] = [
        {"terms": {"mode": list(query.modes)}} if query.modes else None,
        {"terms": {"direction": list(query.directions)}} if query.directions else None,
        {"terms": {"ports": list(query.ports)}} if query.ports else None,
        {"terms": {"countries": list(query.countries)}} if query.countries else None,
        {"prefix": {"hs_codes": query.hs_prefix}} if query.hs_prefix else None,
        {"term": {"carrier": query.carrier}} if query.carrier else None,
        {"term": {"journey_id": {"value": query.journey_id, "case_insensitive": True}}} if query.journey_id else None,
        _range("eta", query.eta_from, query.eta_to),
        _range("etd", query.etd_from, query.etd_to),
        {"terms": {"level": list(query.levels)}} if query.levels else None,
        _range("score", query.score_min, query.score_max),
        {"term": {"profiles_matched": query.profile}} if query.profile else None,
        {"terms": {"alert_status": list(query.alert_statuses)}} if query.alert_statuses else None,
        {"terms": {"case_status": list(query.case_statuses)}} if query.case_statuses else None,
        {"term": {"carrier_id": query.carrier_id}} if query.carrier_id else None,
        {"terms": {"status": list(query.statuses)}} if query.statuses else None,
    ]
    must = [_term_clause(term) for term in query.terms]
    bool_query: dict[str, Any] = {"filter": [f for f in filters if f is not None]}
    if must:
        bool_query["must"] = must
    return {"bool": bool_query}


def build_search_body(query: SearchQuery) -> dict[str, Any]:
    """The whole ``_search`` request body for one page with totals and facets."""
    body: dict[str, Any] = {
        "query": build_query(query),
        "from": query.offset,
        "size": query.page_size,
        "track_total_hits": True,
        "sort": _SORTS[query.effective_sort],
    }
    if query.facets:
        # default order: count descending, then value ascending (as the embedded engine)
        body["aggs"] = {name: {"terms": {"field": name, "size": query.facet_size}} for name in query.facets}
    return body


@contextlib.contextmanager
def _translated(what: str) -> Iterator[None]:
    """opensearch-py errors become domain errors."""
    try:
        yield
    except RequestError as error:
        raise InvalidSearchQuery(f"{what}: OpenSearch rejected the request: {_reason(error)}") from error
    except NotFoundError as error:
        raise SearchUnavailable(f"{what}: index not found ({_reason(error)}); run ensure_ready()") from error
    except OpenSearchConnectionError as error:
        raise SearchUnavailable(f"{what}: cannot reach OpenSearch: {error}") from error
    except TransportError as error:
        raise SearchUnavailable(f"{what}: OpenSearch answered {error.status_code}: {_reason(error)}") from error
    except OpenSearchException as error:
        raise SearchUnavailable(f"{what}: {error}") from error


def _reason(error: TransportError) -> str:
    info = error.info
    if isinstance(info, dict):
        detail = info.get("error")
        if isinstance(detail, dict):
            causes = detail.get("root_cause") or [detail]
            return "; ".join(f"{c.get('type')}: {c.get('reason')}" for c in causes if isinstance(c, dict))
    return str(error.error)


def signing_service(hostname: str) -> str:
    """The SigV4 service name of an AWS OpenSearch endpoint: collections sign for ``aoss``, domains for ``es``."""
    return "aoss" if hostname.lower().rstrip(".").endswith(".aoss.amazonaws.com") else "es"


def make_client(url: str, region: str | None = None, *, timeout: float = 10.0) -> OpenSearch:
    """A client for ``url``: SigV4-signed for AWS (https and a region): service ``aoss`` for an OpenSearch
    Serverless collection endpoint (``*.aoss.amazonaws.com``), ``es`` for a domain; plain HTTP(S) otherwise (a local
    cluster; credentials may be in the URL).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(f"OpenSearch URL must be http(s)://host[:port], got {url!r}")
    common: dict[str, Any] = {"timeout": timeout, "max_retries": 2, "retry_on_timeout": True}
    if parts.scheme == "https" and region:
        import boto3
        from opensearchpy import AWSV4SignerAuth

        credentials = boto3.Session().get_credentials()
        if credentials is None:
            raise SearchUnavailable("no AWS credentials to sign OpenSearch requests")
        return OpenSearch(
            hosts=[{"host": parts.hostname, "port": parts.port or 443}],
            http_auth=AWSV4SignerAuth(credentials, region, signing_service(parts.hostname)),
            use_ssl=True,
            verify_certs=True,
            connection_class=RequestsHttpConnection,
            http_compress=True,
            pool_maxsize=10,
            **common,
        )
    return OpenSearch(hosts=[url], **common)


class OpenSearchIndex:
    """:class:`cts.ports.search.SearchIndex` on OpenSearch, reached through ``alias``."""

    def __init__(
        self,
        client_factory: Callable[[], OpenSearch],
        alias: str = "consignments",
        *,
        schema_version: int = SCHEMA_VERSION,
        shards: int = 1,
        replicas: int | None = None,
    ) -> None:
        self._factory = client_factory
        self.alias = alias
        self._schema_version = schema_version
        self._shards = shards
        self._replicas = replicas
        self._client_instance: OpenSearch | None = None
        self._lock = threading.Lock()
        self._ready = False

    @classmethod
    def from_url(cls, url: str, region: str | None = None, alias: str = "consignments") -> OpenSearchIndex:
        return cls(lambda: make_client(url, region), alias)

    @property
    def physical_index(self) -> str:
        """The index the alias should point to for this code's schema version."""
        return f"{self.alias}-v{self._schema_version}"

    def _client(self) -> OpenSearch:
        if self._client_instance is None:
            with self._lock:
                if self._client_instance is None:
                    with _translated("creating the OpenSearch client"):
                        self._client_instance = self._factory()
        return self._client_instance

    def _index_body(self) -> dict[str, Any]:
        return index_body(shards=self._shards, replicas=self._replicas)

    # -- SearchIndex -------------------------------------------------------------------------

    def ensure_ready(self) -> None:
        client = self._client()
        with _translated(f"preparing index {self.alias}"):
            if client.indices.exists_alias(name=self.alias):
                self._ready = True
                return
            if client.indices.exists(index=self.alias):
                raise SearchUnavailable(
                    f"an index named {self.alias!r} exists where the alias should be; "
                    f"reindex it into {self.physical_index!r} and delete it"
                )
            if client.indices.exists(index=self.physical_index):
                client.indices.put_alias(index=self.physical_index, name=self.alias)
            else:
                body = {**self._index_body(), "aliases": {self.alias: {}}}
                try:
                    client.indices.create(index=self.physical_index, body=body)
                except RequestError as error:
                    if error.error != "resource_already_exists_exception":
                        raise
        self._ready = True

    def index(self, docs: Sequence[SearchDocument]) -> None:
        if not docs:
            return
        if not self._ready:
            self.ensure_ready()  # never let a write auto-create an unmapped index
        client = self._client()
        for start in range(0, len(docs), BULK_CHUNK):
            body: list[dict[str, Any]] = []
            for doc in docs[start : start + BULK_CHUNK]:
                action = {"_index": self.alias, "_id": doc.key, "version": doc.version, "version_type": "external_gte"}
                body += [{"index": action}, doc.model_dump(mode="json")]
            with _translated(f"indexing into {self.alias}"):
                response = client.bulk(body=body)
            if response.get("errors"):
                self._raise_item_errors(response)
                by_key = {doc.key: doc for doc in docs[start : start + BULK_CHUNK]}
                for item in response.get("items", []):
                    if item.get("index", {}).get("status") == 409 and item["index"].get("_id") in by_key:
                        self._write_over_updates(client, by_key[item["index"]["_id"]])

    def _write_over_updates(self, client: OpenSearch, doc: SearchDocument) -> None:
        """Index ``doc`` whose versioned write was rejected (409), unless the indexed one is really newer.

        A partial update (:meth:`set_statuses`) adds one to the engine's ``_version`` of the document, so
        ``_version`` can be above the ``version`` in the document: the rejection then says nothing about
        which is newer. The document's own ``version`` decides, and the write is a compare-and-set on the
        sequence number read, retried when another writer got in between.
        """
        for _attempt in range(RETRY_ON_CONFLICT):
            with _translated(f"indexing {doc.key} into {self.alias}"):
                try:
                    current = client.get(index=self.alias, id=doc.key)
                except NotFoundError as error:
                    if not _document_missing(error):
                        raise
                    current = None
                try:
                    if current is None:  # deleted since: an ordinary versioned write
                        client.index(
                            index=self.alias,
                            id=doc.key,
                            body=doc.model_dump(mode="json"),
                            version=doc.version,
                            version_type="external_gte",
                        )
                        return
                    if int(current["_source"]["version"]) > doc.version:
                        return  # an older version arriving late
                    client.index(
                        index=self.alias,
                        id=doc.key,
                        body=doc.model_dump(mode="json"),
                        if_seq_no=current["_seq_no"],
                        if_primary_term=current["_primary_term"],
                    )
                    return
                except ConflictError:
                    continue
        raise SearchUnavailable(f"indexing {doc.key} into {self.alias}: kept conflicting with other writers")

    @staticmethod
    def _raise_item_errors(response: dict[str, Any]) -> None:
        """409 (a version conflict, sorted out by the caller) is not an error; anything else is."""
        failed = [
            item["index"]
            for item in response.get("items", [])
            if item.get("index", {}).get("status", 200) >= 300 and item["index"]["status"] != 409
        ]
        if not failed:
            return
        first = failed[0]
        detail = f"{len(failed)} document(s) not indexed, first {first.get('_id')}: {first.get('error')}"
        if any(item["status"] == 429 or item["status"] >= 500 for item in failed):
            raise SearchUnavailable(detail)
        raise ValidationFailed(detail)

    def set_statuses(
        self, key: str, *, alert_status: str | Unset | None = UNSET, case_status: str | Unset | None = UNSET
    ) -> bool:
        """A partial update (``_update`` with ``doc``): the engine merges the fields into the stored document,
        retrying on a concurrent write, so the scoring fields are never rewritten from a stale copy."""
        changes = status_changes(alert_status=alert_status, case_status=case_status)
        if not changes:
            return self.get(key) is not None
        if not self._ready:
            self.ensure_ready()
        client = self._client()
        with _translated(f"updating the statuses of {key}"):
            try:
                client.update(index=self.alias, id=key, body={"doc": changes}, retry_on_conflict=RETRY_ON_CONFLICT)
            except NotFoundError as error:
                if _update_target_missing(error):
                    return False
                raise
        return True

    def delete(self, key: str) -> None:
        client = self._client()
        with _translated(f"deleting {key}"):
            try:
                client.delete(index=self.alias, id=key)
            except NotFoundError as error:
                if not _document_missing(error):
                    raise

    def get(self, key: str) -> SearchDocument | None:
        client = self._client()
        with _translated(f"reading {key}"):
            try:
                response = client.get(index=self.alias, id=key)
            except NotFoundError as error:
                if _document_missing(error):
                    return None
                raise
        return SearchDocument.model_validate(response["_source"])

    def search(self, query: SearchQuery) -> SearchResult:
        query.check()
        client = self._client()
        with _translated(f"searching {self.alias}"):
            response = client.search(index=self.alias, body=build_search_body(query))
        hits = [SearchDocument.model_validate(hit["_source"]) for hit in response["hits"]["hits"]]
        aggregations = response.get("aggregations", {})
        facets = {
            name: {str(b["key"]): int(b["doc_count"]) for b in aggregations.get(name, {}).get("buckets", [])}
            for name in query.facets
        }
        return SearchResult(total=int(response["hits"]["total"]["value"]), hits=hits, facets=facets)

    def count(self, query: SearchQuery) -> int:
        query.check()
        client = self._client()
        with _translated(f"counting in {self.alias}"):
            response = client.count(index=self.alias, body={"query": build_query(query)})
        return int(response["count"])

    def refresh(self) -> None:
        client = self._client()
        with _translated(f"refreshing {self.alias}"):
            client.indices.refresh(index=self.alias)

    # -- schema changes ----------------------------------------------------------------------

    def reindex(self, schema_version: int) -> str:
        """Move the alias to a new physical index built with this code's mappings.

        Creates ``{alias}-v{schema_version}``, copies every document into it keeping its version
        (``version_type: external``), then swaps the alias in one atomic ``_aliases`` call. The old
        index is left in place for a rollback; delete it once satisfied. Pause writers (the score
        queue buffers) while it runs: writes that land during the copy stay in the old index.
        """
        client = self._client()
        self._schema_version = schema_version
        target = self.physical_index
        with _translated(f"reindexing {self.alias} into {target}"):
            current = list(client.indices.get_alias(name=self.alias))
            if current == [target]:
                return target
            if not client.indices.exists(index=target):
                client.indices.create(index=target, body=self._index_body())
            client.reindex(
                body={
                    "conflicts": "proceed",
                    "source": {"index": self.alias},
                    "dest": {"index": target, "version_type": "external"},
                    # documents indexed before the version status was: every one was active (v1 -> v2)
                    "script": {"lang": "painless", "source": "ctx._source.putIfAbsent('status', 'active')"},
                },
                refresh=True,
                wait_for_completion=True,
                request_timeout=3600,
            )
            actions: list[dict[str, Any]] = [{"remove": {"index": name, "alias": self.alias}} for name in current]
            actions.append({"add": {"index": target, "alias": self.alias}})
            client.indices.update_aliases(body={"actions": actions})
        return target

    def drop(self) -> None:
        """Delete the alias and every physical index behind it (tests and teardown only)."""
        client = self._client()
        with _translated(f"dropping {self.alias}"):
            names = (
                list(client.indices.get_alias(name=self.alias)) if client.indices.exists_alias(name=self.alias) else []
            )
            for name in names:
                client.indices.delete(index=name)
        self._ready = False


def _update_target_missing(error: NotFoundError) -> bool:
    """A 404 of ``_update`` because the document does not exist (``document_missing_exception``)."""
    info = error.info
    detail = info.get("error") if isinstance(info, dict) else None
    kind = detail.get("type") if isinstance(detail, dict) else error.error
    return kind == "document_missing_exception" or _document_missing(error)


def _document_missing(error: NotFoundError) -> bool:
    """A 404 about the document (``found: false`` / ``result: not_found``), not about the index."""
    info = error.info
    return isinstance(info, dict) and (info.get("found") is False or info.get("result") == "not_found")
