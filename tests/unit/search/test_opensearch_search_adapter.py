"""OpenSearchIndex without a cluster: request bodies, versioned bulk writes, errors, client factory.

The behaviour against a real engine is the contract suite (tests/contract, with CTS_OPENSEARCH_URL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from opensearchpy import OpenSearch, RequestsHttpConnection
from opensearchpy.exceptions import ConflictError, NotFoundError, RequestError, TransportError
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError

from cts.adapters import opensearch_search
from cts.adapters.opensearch_search import (
    OpenSearchIndex,
    build_query,
    build_search_body,
    index_body,
    make_client,
)
from cts.domain.errors import InvalidSearchQuery, SearchUnavailable, ValidationFailed
from cts.ports.search import SearchDocument, SearchQuery

DOC = SearchDocument(
    key="sea:MAEU:B1",
    version=3,
    mode="sea",
    direction="import",
    document_number="B1",
    eta=datetime(2026, 3, 1, tzinfo=UTC),
    parties_text="ACME TRADING LTD",
)


class FakeIndices:
    def __init__(self, client: FakeClient) -> None:
        self.client = client

    def exists_alias(self, name: str) -> bool:
        return name in self.client.aliases

    def exists(self, index: str) -> bool:
        return index in self.client.indexes

    def create(self, index: str, body: dict[str, Any]) -> None:
        self.client.calls.append(("create", index, body))
        self.client.indexes.add(index)
        self.client.aliases.update(body.get("aliases", {}))

    def put_alias(self, index: str, name: str) -> None:
        self.client.calls.append(("put_alias", index, name))
        self.client.aliases[name] = {}

    def refresh(self, index: str) -> None:
        self.client.calls.append(("refresh", index))


class FakeClient:
    """Answers like OpenSearch would for the calls the adapter makes; raises what it is told to."""

    def __init__(self) -> None:
        self.indexes: set[str] = set()
        self.aliases: dict[str, Any] = {}
        self.calls: list[tuple[Any, ...]] = []
        self.indices = FakeIndices(self)
        self.raise_on: dict[str, Exception] = {}
        self.bulk_items: list[dict[str, Any]] = []
        self.search_response: dict[str, Any] = {"hits": {"total": {"value": 0}, "hits": []}}
        self.stored = DOC

    def _maybe_raise(self, name: str) -> None:
        if name in self.raise_on:
            raise self.raise_on[name]

    def bulk(self, body: list[dict[str, Any]]) -> dict[str, Any]:
        self._maybe_raise("bulk")
        self.calls.append(("bulk", body))
        return {"errors": bool(self.bulk_items), "items": self.bulk_items}

    def get(self, index: str, id: str) -> dict[str, Any]:
        self._maybe_raise("get")
        source = self.stored.model_dump(mode="json")
        return {"_id": id, "found": True, "_seq_no": 7, "_primary_term": 1, "_source": source}

    def index(self, index: str, id: str, body: dict[str, Any], **params: Any) -> dict[str, Any]:
        self._maybe_raise("index")
        self.calls.append(("index", index, id, body, params))
        return {"result": "updated"}

    def update(self, index: str, id: str, body: dict[str, Any], **params: Any) -> dict[str, Any]:
        self._maybe_raise("update")
        self.calls.append(("update", index, id, body, params))
        return {"result": "updated"}

    def delete(self, index: str, id: str) -> dict[str, Any]:
        self._maybe_raise("delete")
        self.calls.append(("delete", index, id))
        return {"result": "deleted"}

    def search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self._maybe_raise("search")
        self.calls.append(("search", index, body))
        return self.search_response

    def count(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        self._maybe_raise("count")
        self.calls.append(("count", index, body))
        return {"count": 7}


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def index(client: FakeClient) -> OpenSearchIndex:
    return OpenSearchIndex(lambda: client)  # type: ignore[arg-type,return-value]


# -- lazy client and index preparation -------------------------------------------------------------


def test_the_client_is_built_on_first_use_only() -> None:
    built: list[FakeClient] = []

    def factory() -> FakeClient:
        built.append(FakeClient())
        return built[-1]

    search = OpenSearchIndex(factory)  # type: ignore[arg-type]
    assert built == []
    search.refresh()
    search.refresh()
    assert len(built) == 1


def test_ensure_ready_creates_the_versioned_index_behind_the_alias(client: FakeClient, index: OpenSearchIndex) -> None:
    index.ensure_ready()
    (call,) = [c for c in client.calls if c[0] == "create"]
    _, name, body = call
    assert name == "consignments-v2" == index.physical_index
    assert body["aliases"] == {"consignments": {}}
    assert body["mappings"]["dynamic"] == "strict"
    index.ensure_ready()
    assert len([c for c in client.calls if c[0] == "create"]) == 1


def test_ensure_ready_points_the_alias_at_an_existing_physical_index(client: FakeClient) -> None:
    client.indexes.add("cases-v2")
    OpenSearchIndex(lambda: client, alias="cases").ensure_ready()  # type: ignore[arg-type,return-value]
    assert ("put_alias", "cases-v2", "cases") in client.calls


def test_ensure_ready_refuses_a_plain_index_named_like_the_alias(client: FakeClient, index: OpenSearchIndex) -> None:
    client.indexes.add("consignments")
    with pytest.raises(SearchUnavailable, match="exists where the alias should be"):
        index.ensure_ready()


def test_mappings_fold_accents_and_keep_filters_as_keywords() -> None:
    body = index_body(replicas=0)
    analyzer = body["settings"]["analysis"]["analyzer"]["folded"]
    assert analyzer["filter"] == ["lowercase", "asciifolding"]
    properties = body["mappings"]["properties"]
    assert properties["parties_text"]["analyzer"] == "folded"
    assert properties["mode"] == {"type": "keyword"}
    assert properties["document_number"]["copy_to"] == "ids_text"
    assert properties["eta"] == {"type": "date"}
    assert properties["score"] == {"type": "integer"}
    assert set(properties) - {"ids_text"} == set(SearchDocument.model_fields)
    assert body["settings"]["index"]["number_of_replicas"] == 0


# -- writes ----------------------------------------------------------------------------------------


def test_bulk_writes_use_the_document_version_with_external_gte(client: FakeClient, index: OpenSearchIndex) -> None:
    index.index([DOC])
    (_, body) = next(c for c in client.calls if c[0] == "bulk")
    assert body[0] == {
        "index": {"_index": "consignments", "_id": DOC.key, "version": 3, "version_type": "external_gte"}
    }
    assert body[1]["eta"] == "2026-03-01T00:00:00Z"
    assert SearchDocument.model_validate(body[1]) == DOC


def test_the_first_write_prepares_the_index(client: FakeClient, index: OpenSearchIndex) -> None:
    index.index([DOC])
    assert [c[0] for c in client.calls][:2] == ["create", "bulk"]


def test_large_batches_are_sent_in_chunks(client: FakeClient, index: OpenSearchIndex) -> None:
    docs = [DOC.model_copy(update={"key": f"k{n}"}) for n in range(1200)]
    index.index(docs)
    assert [len(c[1]) // 2 for c in client.calls if c[0] == "bulk"] == [500, 500, 200]


def test_an_older_version_rejected_with_409_counts_as_success(client: FakeClient, index: OpenSearchIndex) -> None:
    client.stored = DOC.model_copy(update={"version": 4})
    client.bulk_items = [{"index": {"_id": DOC.key, "status": 409, "error": {"type": "version_conflict"}}}]
    index.index([DOC])
    assert [c for c in client.calls if c[0] == "index"] == []


def test_an_equal_version_rejected_after_a_status_update_is_written_with_compare_and_set(
    client: FakeClient, index: OpenSearchIndex
) -> None:
    """A partial update bumps the engine's _version past the document's: the document's version decides."""
    client.stored = DOC.model_copy(update={"alert_status": "acknowledged"})
    client.bulk_items = [{"index": {"_id": DOC.key, "status": 409, "error": {"type": "version_conflict"}}}]
    rescored = DOC.model_copy(update={"score": 70})
    index.index([rescored])
    (_, alias, key, body, params) = next(c for c in client.calls if c[0] == "index")
    assert (alias, key, params) == ("consignments", DOC.key, {"if_seq_no": 7, "if_primary_term": 1})
    assert SearchDocument.model_validate(body) == rescored


def test_a_compare_and_set_write_that_keeps_conflicting_is_unavailable(
    client: FakeClient, index: OpenSearchIndex
) -> None:
    client.bulk_items = [{"index": {"_id": DOC.key, "status": 409, "error": {"type": "version_conflict"}}}]
    client.raise_on["index"] = ConflictError(409, "version_conflict_engine_exception", {})
    with pytest.raises(SearchUnavailable, match="conflicting"):
        index.index([DOC])


def test_set_statuses_sends_a_partial_update_of_the_named_fields_only(
    client: FakeClient, index: OpenSearchIndex
) -> None:
    assert index.set_statuses(DOC.key, alert_status="acknowledged", case_status=None) is True
    (_, alias, key, body, params) = next(c for c in client.calls if c[0] == "update")
    assert (alias, key) == ("consignments", DOC.key)
    assert body == {"doc": {"alert_status": "acknowledged", "case_status": None}}
    assert params["retry_on_conflict"] >= 1
    index.set_statuses(DOC.key, case_status="open")
    assert [c[3] for c in client.calls if c[0] == "update"][-1] == {"doc": {"case_status": "open"}}


def test_set_statuses_of_a_missing_document_is_false(client: FakeClient, index: OpenSearchIndex) -> None:
    missing = {"error": {"type": "document_missing_exception", "reason": "[x]: document missing"}, "status": 404}
    client.raise_on["update"] = NotFoundError(404, "document_missing_exception", missing)
    assert index.set_statuses("x", alert_status="new") is False


def test_set_statuses_on_a_missing_index_is_unavailable(client: FakeClient, index: OpenSearchIndex) -> None:
    error = {"error": {"type": "index_not_found_exception", "reason": "no such index"}, "status": 404}
    client.raise_on["update"] = NotFoundError(404, "index_not_found_exception", error)
    with pytest.raises(SearchUnavailable):
        index.set_statuses("x", alert_status="new")


def test_a_rejected_document_is_a_validation_failure(client: FakeClient, index: OpenSearchIndex) -> None:
    client.bulk_items = [
        {"index": {"_id": "a", "status": 201}},
        {"index": {"_id": "b", "status": 400, "error": {"type": "mapper_parsing_exception"}}},
    ]
    with pytest.raises(ValidationFailed, match="1 document"):
        index.index([DOC])


def test_throttled_bulk_items_are_unavailable(client: FakeClient, index: OpenSearchIndex) -> None:
    client.bulk_items = [{"index": {"_id": "a", "status": 429, "error": {"type": "es_rejected_execution"}}}]
    with pytest.raises(SearchUnavailable):
        index.index([DOC])


def test_deleting_a_missing_document_is_not_an_error(client: FakeClient, index: OpenSearchIndex) -> None:
    client.raise_on["delete"] = NotFoundError(404, "not_found", {"result": "not_found", "_id": "x"})
    index.delete("x")


# -- reads -----------------------------------------------------------------------------------------


def test_get_returns_the_document_or_none_when_missing(client: FakeClient, index: OpenSearchIndex) -> None:
    assert index.get(DOC.key) == DOC
    client.raise_on["get"] = NotFoundError(404, "not_found", {"_id": "x", "found": False})
    assert index.get("x") is None


def test_a_missing_index_is_unavailable_not_a_missing_document(client: FakeClient, index: OpenSearchIndex) -> None:
    error = {"error": {"type": "index_not_found_exception", "reason": "no such index [consignments]"}}
    client.raise_on["get"] = NotFoundError(404, "index_not_found_exception", error)
    with pytest.raises(SearchUnavailable, match="index_not_found_exception"):
        index.get("x")


def test_search_reads_total_hits_and_facets(client: FakeClient, index: OpenSearchIndex) -> None:
    client.search_response = {
        "hits": {"total": {"value": 42}, "hits": [{"_id": DOC.key, "_source": DOC.model_dump(mode="json")}]},
        "aggregations": {"countries": {"buckets": [{"key": "JM", "doc_count": 5}, {"key": "NL", "doc_count": 2}]}},
    }
    result = index.search(SearchQuery(facets=["countries", "mode"]))
    assert result.total == 42
    assert result.hits == [DOC]
    assert result.facets == {"countries": {"JM": 5, "NL": 2}, "mode": {}}


def test_count_asks_only_for_the_query(client: FakeClient, index: OpenSearchIndex) -> None:
    assert index.count(SearchQuery(modes=["air"], page=3, facets=["mode"])) == 7
    (_, _, body) = next(c for c in client.calls if c[0] == "count")
    assert set(body) == {"query"}


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (OpenSearchConnectionError("N/A", "connection refused", Exception("refused")), SearchUnavailable),
        (TransportError(503, "unavailable", {}), SearchUnavailable),
        (TransportError(429, "too_many_requests", {}), SearchUnavailable),
        (RequestError(400, "search_phase_execution_exception", {}), InvalidSearchQuery),
    ],
)
def test_engine_errors_become_domain_errors(
    client: FakeClient, index: OpenSearchIndex, raised: Exception, expected: type[Exception]
) -> None:
    client.raise_on["search"] = raised
    with pytest.raises(expected):
        index.search(SearchQuery())


def test_an_invalid_query_is_rejected_before_reaching_the_engine(client: FakeClient, index: OpenSearchIndex) -> None:
    with pytest.raises(InvalidSearchQuery):
        index.search(SearchQuery().model_copy(update={"page_size": 999}))
    assert not [c for c in client.calls if c[0] == "search"]


# -- request bodies --------------------------------------------------------------------------------


def test_each_text_term_is_a_prefix_and_long_terms_are_also_fuzzy() -> None:
    must = build_query(SearchQuery(text="Acme Trdaing x"))["bool"]["must"]
    assert len(must) == 3
    acme, trdaing, x = must
    assert {"prefix": {"parties_text": {"value": "acme"}}} in acme["bool"]["should"]
    assert not any("multi_match" in clause for clause in acme["bool"]["should"])  # 4 chars: no fuzziness
    fuzzy = next(c["multi_match"] for c in trdaing["bool"]["should"] if "multi_match" in c)
    assert fuzzy["fuzziness"] == "AUTO:5,8"
    assert fuzzy["prefix_length"] == 1
    assert x == {"multi_match": {"query": "x", "fields": ["parties_text", "goods_text", "ids_text"]}}


def test_prefixes_are_folded_like_the_index() -> None:
    must = build_query(SearchQuery(text="Søren Société"))["bool"]["must"]
    assert {"prefix": {"parties_text": {"value": "soren"}}} in must[0]["bool"]["should"]
    assert {"prefix": {"parties_text": {"value": "societe"}}} in must[1]["bool"]["should"]


def test_filters_go_to_bool_filter() -> None:
    query = SearchQuery(
        modes=["sea"],
        ports=["NLRTM"],
        hs_prefix="8471",
        journey_id="412w",
        eta_from=datetime(2026, 3, 1, tzinfo=UTC),
        score_min=50,
        profile="P1",
        carrier_id="c-1",
        statuses=["Cancelled"],
    )
    filters = build_query(query)["bool"]["filter"]
    assert {"terms": {"mode": ["sea"]}} in filters
    assert {"terms": {"ports": ["NLRTM"]}} in filters
    assert {"prefix": {"hs_codes": "8471"}} in filters
    assert {"term": {"journey_id": {"value": "412w", "case_insensitive": True}}} in filters
    assert {"range": {"eta": {"gte": "2026-03-01T00:00:00+00:00"}}} in filters
    assert {"range": {"score": {"gte": 50}}} in filters
    assert {"term": {"profiles_matched": "P1"}} in filters
    assert {"term": {"carrier_id": "c-1"}} in filters
    assert {"terms": {"status": ["cancelled"]}} in filters
    assert "must" not in build_query(query)["bool"]


def test_search_body_pages_sorts_and_aggregates() -> None:
    body = build_search_body(SearchQuery(sort="-eta", page=3, page_size=20, facets=["level"], facet_size=5))
    assert (body["from"], body["size"], body["track_total_hits"]) == (40, 20, True)
    assert body["sort"] == [{"eta": {"order": "desc", "missing": "_last"}}, {"key": {"order": "desc"}}]
    assert body["aggs"] == {"level": {"terms": {"field": "level", "size": 5}}}


# -- client factory --------------------------------------------------------------------------------


def test_a_plain_url_gives_an_unsigned_client() -> None:
    client = make_client("http://127.0.0.1:9200")
    assert "http_auth" not in client.transport.kwargs
    assert client.transport.hosts[0]["host"] == "127.0.0.1"


def test_an_aws_domain_gives_a_sigv4_signed_client(monkeypatch: pytest.MonkeyPatch) -> None:
    class Session:
        def get_credentials(self) -> object:
            return object()

    monkeypatch.setattr("boto3.Session", Session)
    client = make_client("https://search-cts-abc.eu-west-1.es.amazonaws.com", "eu-west-1")
    auth = client.transport.kwargs["http_auth"]
    assert (auth.service, auth.signer.region) == ("es", "eu-west-1")
    assert client.transport.connection_class is RequestsHttpConnection
    assert client.transport.hosts[0]["port"] == 443


def test_an_opensearch_serverless_collection_is_signed_for_aoss(monkeypatch: pytest.MonkeyPatch) -> None:
    class Session:
        def get_credentials(self) -> object:
            return object()

    monkeypatch.setattr("boto3.Session", Session)
    client = make_client("https://abc123xyz.eu-west-1.aoss.amazonaws.com", "eu-west-1")
    assert client.transport.kwargs["http_auth"].service == "aoss"


def test_a_url_that_is_not_http_is_rejected() -> None:
    with pytest.raises(ValidationFailed):
        make_client("opensearch.local:9200")


def test_the_module_creates_no_client_at_import() -> None:
    assert not any(isinstance(v, OpenSearch) for v in vars(opensearch_search).values())
