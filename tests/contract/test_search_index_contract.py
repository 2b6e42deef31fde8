"""One contract for every SearchIndex engine: embedded (always) and OpenSearch (with CTS_OPENSEARCH_URL).

Run against a real cluster::

    CTS_OPENSEARCH_URL=http://127.0.0.1:9200 .venv/bin/pytest tests/contract

Each OpenSearch test gets its own alias (``cts-contract-<run>-<n>``) and drops it afterwards.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from cts.adapters import embedded_search
from cts.adapters.embedded_search import EmbeddedSearchIndex
from cts.domain.errors import InvalidSearchQuery, SearchUnavailable
from cts.ports.search import SearchDocument, SearchIndex, SearchQuery

RUN_ID = uuid.uuid4().hex[:8]
_aliases = itertools.count(1)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _open_opensearch() -> SearchIndex:
    url = os.environ.get("CTS_OPENSEARCH_URL")
    if not url:
        pytest.skip("set CTS_OPENSEARCH_URL to run the contract against OpenSearch")
    from cts.adapters.opensearch_search import OpenSearchIndex, make_client

    region = os.environ.get("CTS_OPENSEARCH_REGION")
    alias = f"cts-contract-{RUN_ID}-{next(_aliases)}"
    return OpenSearchIndex(lambda: make_client(url, region), alias, replicas=0)


@pytest.fixture(
    params=[
        pytest.param("embedded"),
        pytest.param("opensearch", marks=pytest.mark.opensearch),
    ]
)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    if request.param == "embedded":
        embedded = EmbeddedSearchIndex(tmp_path / "search.sqlite3")
        embedded.ensure_ready()
        yield embedded
        embedded.close()
        return
    index = _open_opensearch()
    index.ensure_ready()
    try:
        yield index
    finally:
        index.drop()  # type: ignore[attr-defined]


def doc(key: str, **fields: Any) -> SearchDocument:
    values: dict[str, Any] = {
        "version": 1,
        "mode": "sea",
        "direction": "import",
        "document_number": key.rsplit(":", 1)[-1],
    }
    values.update(fields)
    return SearchDocument(key=key, **values)


def load(index: SearchIndex, *docs: SearchDocument) -> None:
    index.index(list(docs))
    index.refresh()


def keys(index: SearchIndex, **query: Any) -> list[str]:
    return [hit.key for hit in index.search(SearchQuery(page_size=200, **query)).hits]


def key_set(index: SearchIndex, **query: Any) -> set[str]:
    return set(keys(index, **query))


# -- a small corpus where every filter singles out a known subset -------------------------------

ACME = doc(
    "sea:MAEU:MAEU0000001",
    document_number="MAEU0000001",
    carrier="MAEU",
    journey_id="123W",
    vessel_name="MAERSK ESSEN",
    place_of_loading="CNSHA",
    place_of_discharge="NLRTM",
    ports=("CNSHA", "SGSIN", "NLRTM"),
    countries=("CN", "SG", "NL"),
    hs_codes=("847130", "851712"),
    container_numbers=("MSKU1234565",),
    parties_text="Shanghai Export Co, Pudong, Shanghai, CN\nACME TRADING LTD, 1 Harbour Road, Rotterdam, NL",
    goods_text="Laptop computers\nMobile phones",
    consignor_name="Shanghai Export Co",
    consignee_name="ACME TRADING LTD",
    eta=T0 + 2 * DAY,
    etd=T0 - 20 * DAY,
    score=85,
    level="high",
    profiles_matched=("P-ELECTRONICS", "P-NEW-CONSIGNEE"),
    alert_status="new",
    received_at=T0 - 21 * DAY,
    carrier_id="carrier-maersk",
)
SOCIETE = doc(
    "sea:CMDU:CMDU0000002",
    document_number="CMDU0000002",
    carrier="CMDU",
    journey_id="0FL5RW1MA",
    place_of_loading="FRLEH",
    place_of_discharge="JMKIN",
    ports=("FRLEH", "JMKIN"),
    countries=("FR", "JM"),
    hs_codes=("220421",),
    parties_text="Société Générale des Vins, 12 rue du Port, Le Havre, FR\nKingston Wines, Kingston, JM",
    goods_text="Red wine in bottles",
    consignor_name="Société Générale des Vins",
    consignee_name="Kingston Wines",
    eta=T0 + 5 * DAY,
    etd=T0 - 10 * DAY,
    score=40,
    level="medium",
    profiles_matched=("P-ALCOHOL",),
    case_status="open",
    received_at=T0 - 12 * DAY,
    carrier_id="carrier-cma",
)
AIR = doc(
    "air:176:17612345675",
    mode="air",
    direction="export",
    document_number="17612345675",
    carrier="176",
    journey_id="EK202",
    place_of_loading="JMKIN",
    place_of_discharge="AEDXB",
    ports=("JMKIN", "AEDXB"),
    countries=("JM", "AE"),
    hs_codes=("090111",),
    parties_text="Blue Mountain Coffee Ltd, Kingston, JM\nDubai Traders, Dubai, AE",
    goods_text="Green coffee beans",
    consignor_name="Blue Mountain Coffee Ltd",
    consignee_name="Dubai Traders",
    eta=T0 + 1 * DAY,
    etd=T0,
    score=10,
    level="low",
    alert_status="closed",
    case_status="closed",
    received_at=T0 - 1 * DAY,
    carrier_id="carrier-emirates",
)
ROAD = doc(
    "road:-:CMR778899",
    mode="road",
    direction="transit",
    document_number="CMR778899",
    place_of_loading="DEHAM",
    place_of_discharge="PLWAW",
    ports=("DEHAM", "PLWAW"),
    countries=("DE", "PL"),
    hs_codes=("940360",),
    parties_text="Möbelwerk Nord GmbH, Hamburg, DE\nMeble Polska Sp. z o.o., Warszawa, PL",
    goods_text="Wooden furniture",
    consignor_name="Möbelwerk Nord GmbH",
    consignee_name="Meble Polska Sp. z o.o.",
    eta=None,
    etd=None,
    score=0,
    level="none",
    received_at=T0 - 3 * DAY,
    carrier_id="carrier-maersk",
)
CORPUS = (ACME, SOCIETE, AIR, ROAD)


@pytest.fixture
def corpus(engine: SearchIndex) -> SearchIndex:
    load(engine, *CORPUS)
    return engine


# -- writes: get, upsert, versions, delete ---------------------------------------------------------


def test_indexed_document_reads_back_unchanged(engine: SearchIndex) -> None:
    load(engine, ACME)
    assert engine.get(ACME.key) == ACME


def test_get_of_an_unknown_key_is_none(engine: SearchIndex) -> None:
    assert engine.get("sea:NONE:NOTHING") is None


def test_datetimes_come_back_timezone_aware_utc(engine: SearchIndex) -> None:
    plus_two = datetime(2026, 5, 1, 16, 0, tzinfo=timezone(timedelta(hours=2)))
    load(engine, doc("sea:X:TZ1", eta=plus_two))
    found = engine.get("sea:X:TZ1")
    assert found is not None
    assert found.eta == datetime(2026, 5, 1, 14, 0, tzinfo=UTC)
    assert found.eta.utcoffset() == timedelta(0)


def test_indexing_a_newer_version_replaces_the_document(engine: SearchIndex) -> None:
    load(engine, ACME)
    load(engine, ACME.model_copy(update={"version": 2, "score": 5, "level": "low", "goods_text": "Bicycles"}))
    found = engine.get(ACME.key)
    assert found is not None
    assert (found.version, found.score, found.level) == (2, 5, "low")
    assert key_set(engine, text="bicycles") == {ACME.key}
    assert key_set(engine, text="laptop") == set()
    assert engine.count(SearchQuery()) == 1


def test_an_equal_version_replaces_the_document(engine: SearchIndex) -> None:
    load(engine, ACME)
    load(engine, ACME.model_copy(update={"alert_status": "acknowledged"}))
    found = engine.get(ACME.key)
    assert found is not None
    assert found.alert_status == "acknowledged"


def test_an_older_version_arriving_late_does_not_overwrite_the_newer(engine: SearchIndex) -> None:
    newer = ACME.model_copy(update={"version": 3, "score": 99})
    older = ACME.model_copy(update={"version": 2, "score": 1, "goods_text": "Old goods"})
    load(engine, newer)
    load(engine, older)
    found = engine.get(ACME.key)
    assert found is not None
    assert (found.version, found.score) == (3, 99)
    assert key_set(engine, text="old goods") == set()
    assert key_set(engine, score_min=99) == {ACME.key}


def test_out_of_order_versions_in_one_batch_keep_the_newest(engine: SearchIndex) -> None:
    load(engine, *(ACME.model_copy(update={"version": v, "score": v}) for v in (4, 7, 5)))
    found = engine.get(ACME.key)
    assert found is not None
    assert found.version == 7
    assert engine.count(SearchQuery()) == 1


def test_deleted_document_disappears_from_get_search_and_facets(corpus: SearchIndex) -> None:
    corpus.delete(ACME.key)
    corpus.refresh()
    assert corpus.get(ACME.key) is None
    assert ACME.key not in key_set(corpus)
    assert key_set(corpus, text="acme") == set()
    assert "P-ELECTRONICS" not in corpus.search(SearchQuery(facets=["profiles_matched"])).facets["profiles_matched"]
    assert corpus.count(SearchQuery()) == len(CORPUS) - 1


def test_deleting_an_unknown_key_is_not_an_error(engine: SearchIndex) -> None:
    engine.delete("sea:NONE:NOTHING")


def test_a_deleted_key_can_be_indexed_again(engine: SearchIndex) -> None:
    load(engine, ACME)
    engine.delete(ACME.key)
    engine.refresh()
    load(engine, ACME.model_copy(update={"version": 2}))
    found = engine.get(ACME.key)
    assert found is not None
    assert found.version == 2


# -- partial status updates ------------------------------------------------------------------------


def test_set_statuses_changes_only_the_named_fields(corpus: SearchIndex) -> None:
    assert corpus.set_statuses(ACME.key, case_status="open") is True
    corpus.refresh()
    assert corpus.get(ACME.key) == ACME.model_copy(update={"case_status": "open"})
    assert corpus.set_statuses(ACME.key, alert_status="acknowledged") is True
    corpus.refresh()
    assert corpus.get(ACME.key) == ACME.model_copy(update={"case_status": "open", "alert_status": "acknowledged"})
    assert key_set(corpus, text="acme trdaing laptop") == {ACME.key}
    assert key_set(corpus, score_min=85, sort="-score") == {ACME.key}


def test_set_statuses_with_nothing_to_set_leaves_the_document(corpus: SearchIndex) -> None:
    assert corpus.set_statuses(ACME.key) is True
    assert corpus.get(ACME.key) == ACME


def test_set_statuses_of_an_unknown_key_is_false_and_creates_nothing(engine: SearchIndex) -> None:
    assert engine.set_statuses("sea:NONE:NOTHING", alert_status="acknowledged") is False
    assert engine.set_statuses("sea:NONE:NOTHING") is False
    engine.refresh()
    assert engine.get("sea:NONE:NOTHING") is None
    assert engine.count(SearchQuery()) == 0


def test_set_statuses_with_none_clears_a_field(corpus: SearchIndex) -> None:
    assert corpus.set_statuses(AIR.key, alert_status=None, case_status=None) is True
    corpus.refresh()
    found = corpus.get(AIR.key)
    assert found is not None
    assert (found.alert_status, found.case_status, found.score) == (None, None, AIR.score)
    assert key_set(corpus, alert_statuses=["closed"]) == set()
    assert key_set(corpus, case_statuses=["closed", "open"]) == {SOCIETE.key}
    facets = corpus.search(SearchQuery(facets=["alert_status", "case_status"])).facets
    assert facets == {"alert_status": {"new": 1}, "case_status": {"open": 1}}


@pytest.mark.parametrize(
    "narrowing",
    [{}, {"levels": ["high", "low"]}, {"carrier_id": "carrier-maersk"}, {"text": "trading"}],
    ids=["everything", "level", "selective", "text"],
)
def test_facets_and_filters_follow_set_statuses(corpus: SearchIndex, narrowing: dict[str, Any]) -> None:
    corpus.set_statuses(ACME.key, alert_status="acknowledged", case_status="open")
    corpus.refresh()
    assert key_set(corpus, alert_statuses=["acknowledged"], **narrowing) == {ACME.key}
    assert key_set(corpus, alert_statuses=["new"], **narrowing) == set()
    assert corpus.count(SearchQuery(case_statuses=["open"], **narrowing)) == len(
        {ACME.key} | ({SOCIETE.key} if not narrowing else set())
    )
    result = corpus.search(SearchQuery(facets=["alert_status", "case_status", "level"], **narrowing))
    assert result.facets["alert_status"]["acknowledged"] == 1
    assert "new" not in result.facets["alert_status"]
    assert result.facets["case_status"]["open"] == (2 if not narrowing else 1)


def test_a_later_index_of_an_equal_version_still_wins_over_set_statuses(engine: SearchIndex) -> None:
    load(engine, ACME)
    engine.set_statuses(ACME.key, alert_status="acknowledged")
    engine.refresh()
    rescored = ACME.model_copy(update={"score": 30, "level": "medium", "alert_status": "acknowledged"})
    load(engine, rescored)
    assert engine.get(ACME.key) == rescored
    assert key_set(engine, levels=["medium"]) == {ACME.key}
    assert engine.search(SearchQuery(facets=["level"])).facets["level"] == {"medium": 1}
    newer = ACME.model_copy(update={"version": 2, "score": 10, "level": "low", "alert_status": None})
    load(engine, newer)
    assert engine.get(ACME.key) == newer


def test_an_older_version_after_set_statuses_is_still_ignored(engine: SearchIndex) -> None:
    newer = ACME.model_copy(update={"version": 3})
    load(engine, newer)
    engine.set_statuses(ACME.key, alert_status="acknowledged")
    engine.set_statuses(ACME.key, case_status="open")
    engine.refresh()
    load(engine, ACME.model_copy(update={"version": 2, "score": 1}))
    assert engine.get(ACME.key) == newer.model_copy(update={"alert_status": "acknowledged", "case_status": "open"})


def test_set_statuses_after_a_delete_is_false(corpus: SearchIndex) -> None:
    corpus.delete(ACME.key)
    corpus.refresh()
    assert corpus.set_statuses(ACME.key, alert_status="acknowledged") is False
    corpus.refresh()
    assert corpus.get(ACME.key) is None


# -- cancellations ---------------------------------------------------------------------------------


def test_cancelled_consignments_are_found_by_status_and_left_out_of_active(corpus: SearchIndex) -> None:
    cancelled = SOCIETE.model_copy(update={"version": 2, "status": "cancelled"})
    load(corpus, cancelled)
    assert corpus.get(SOCIETE.key) == cancelled
    assert key_set(corpus, statuses=["cancelled"]) == {SOCIETE.key}
    assert key_set(corpus, statuses=["Cancelled"], modes=["sea"]) == {SOCIETE.key}
    assert key_set(corpus, statuses=["active"]) == {ACME.key, AIR.key, ROAD.key}
    assert key_set(corpus, statuses=["active"], text="kingston") == {AIR.key}
    assert corpus.count(SearchQuery(statuses=["active"], modes=["sea"])) == 1
    assert corpus.search(SearchQuery(facets=["status"])).facets["status"] == {"active": 3, "cancelled": 1}
    eta_window = {"eta_from": T0, "eta_to": T0 + 10 * DAY}
    assert key_set(corpus, statuses=["active"], **eta_window) == {ACME.key, AIR.key}
    assert corpus.search(SearchQuery(statuses=["cancelled"], facets=["mode"], **eta_window)).facets == {
        "mode": {"sea": 1}
    }


def test_documents_are_active_unless_told_otherwise(engine: SearchIndex) -> None:
    load(engine, ACME)
    found = engine.get(ACME.key)
    assert found is not None
    assert found.status == "active"


# -- free text -------------------------------------------------------------------------------------


def test_free_text_finds_a_consignee_despite_a_typo(corpus: SearchIndex) -> None:
    assert keys(corpus, text="Acme Trdaing") == [ACME.key]


def test_free_text_ignores_accents_and_case_in_the_query(corpus: SearchIndex) -> None:
    assert keys(corpus, text="societe generale") == [SOCIETE.key]
    assert keys(corpus, text="SOCIÉTÉ") == [SOCIETE.key]


def test_free_text_ignores_accents_in_the_documents(engine: SearchIndex) -> None:
    load(engine, doc("sea:X:ACC1", parties_text="SOCIETE IVOIRIENNE DE CAFE"))
    assert keys(engine, text="Société Ivoirienne") == ["sea:X:ACC1"]
    assert keys(engine, text="moebelwerk") == []  # no transliteration, only accent removal
    load(engine, ROAD)
    assert keys(engine, text="mobelwerk") == [ROAD.key]


def test_free_text_finds_goods_by_keyword_and_by_prefix(corpus: SearchIndex) -> None:
    assert keys(corpus, text="coffee") == [AIR.key]
    assert keys(corpus, text="furnit") == [ROAD.key]
    assert keys(corpus, text="wine") == [SOCIETE.key]


def test_free_text_finds_document_and_container_numbers(corpus: SearchIndex) -> None:
    assert keys(corpus, text="CMDU0000002") == [SOCIETE.key]
    assert keys(corpus, text="17612345675") == [AIR.key]
    assert keys(corpus, text="cmr778899") == [ROAD.key]
    assert keys(corpus, text="MSKU1234565") == [ACME.key]


def test_free_text_requires_every_term(corpus: SearchIndex) -> None:
    assert keys(corpus, text="kingston wine") == [SOCIETE.key]
    assert key_set(corpus, text="kingston") == {SOCIETE.key, AIR.key}
    assert keys(corpus, text="kingston furniture") == []


def test_free_text_combines_with_filters(corpus: SearchIndex) -> None:
    assert keys(corpus, text="kingston", modes=["air"]) == [AIR.key]


def test_a_near_spelling_is_not_stretched_to_unrelated_words(corpus: SearchIndex) -> None:
    assert keys(corpus, text="Acme Trdaing Kingston") == []
    assert keys(corpus, text="zzzzzz") == []


def test_text_of_separators_only_does_not_filter(corpus: SearchIndex) -> None:
    assert corpus.search(SearchQuery(text=" -- / ")).total == len(CORPUS)


# -- filters ---------------------------------------------------------------------------------------

FILTERS: list[tuple[str, dict[str, Any], set[str]]] = [
    ("mode", {"modes": ["air"]}, {AIR.key}),
    ("several modes", {"modes": ["air", "road"]}, {AIR.key, ROAD.key}),
    ("direction", {"directions": ["import"]}, {ACME.key, SOCIETE.key}),
    ("port anywhere on the route", {"ports": ["SGSIN"]}, {ACME.key}),
    ("any of several ports", {"ports": ["sgsin", "JMKIN"]}, {ACME.key, SOCIETE.key, AIR.key}),
    ("country", {"countries": ["JM"]}, {SOCIETE.key, AIR.key}),
    ("hs chapter", {"hs_prefix": "85"}, {ACME.key}),
    ("hs heading with a dot", {"hs_prefix": "2204.21"}, {SOCIETE.key}),
    ("hs prefix that matches nothing", {"hs_prefix": "99"}, set()),
    ("carrier", {"carrier": "cmdu"}, {SOCIETE.key}),
    ("journey, any case", {"journey_id": "ek202"}, {AIR.key}),
    ("eta from", {"eta_from": T0 + 2 * DAY}, {ACME.key, SOCIETE.key}),
    ("eta to", {"eta_to": T0 + 2 * DAY}, {ACME.key, AIR.key}),
    ("eta window", {"eta_from": T0 + 2 * DAY, "eta_to": T0 + 4 * DAY}, {ACME.key}),
    ("etd window", {"etd_from": T0 - 15 * DAY, "etd_to": T0}, {SOCIETE.key, AIR.key}),
    ("levels", {"levels": ["high", "medium"]}, {ACME.key, SOCIETE.key}),
    ("score minimum", {"score_min": 40}, {ACME.key, SOCIETE.key}),
    ("score range", {"score_min": 10, "score_max": 40}, {SOCIETE.key, AIR.key}),
    ("score maximum", {"score_max": 0}, {ROAD.key}),
    ("profile", {"profile": "P-ALCOHOL"}, {SOCIETE.key}),
    ("alert status", {"alert_statuses": ["new"]}, {ACME.key}),
    ("case status", {"case_statuses": ["open", "closed"]}, {SOCIETE.key, AIR.key}),
    ("uploading carrier account", {"carrier_id": "carrier-maersk"}, {ACME.key, ROAD.key}),
    ("filters combine with AND", {"carrier_id": "carrier-maersk", "modes": ["road"]}, {ROAD.key}),
    ("no filter", {}, {d.key for d in CORPUS}),
]


@pytest.mark.parametrize(("filters", "expected"), [(f, e) for _, f, e in FILTERS], ids=[n for n, _, _ in FILTERS])
def test_each_filter_narrows_to_the_matching_documents(
    corpus: SearchIndex, filters: dict[str, Any], expected: set[str]
) -> None:
    result = corpus.search(SearchQuery(page_size=200, **filters))
    assert {hit.key for hit in result.hits} == expected
    assert result.total == len(expected)
    assert corpus.count(SearchQuery(**filters)) == len(expected)


@pytest.mark.parametrize("sort", ["eta", "-eta", "score", "-received", "relevance"])
@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ({"eta_from": T0 + 2 * DAY}, {ACME.key, SOCIETE.key}),
        ({"eta_to": T0 + 2 * DAY}, {ACME.key, AIR.key}),
        ({"eta_from": T0, "eta_to": T0 + 3 * DAY}, {ACME.key, AIR.key}),
    ],
    ids=["from", "to", "from-to"],
)
def test_eta_ranges_hold_whatever_the_sort(
    corpus: SearchIndex, window: dict[str, Any], expected: set[str], sort: str
) -> None:
    assert key_set(corpus, sort=sort, **window) == expected
    assert corpus.count(SearchQuery(sort=sort, **window)) == len(expected)


# -- sorting ---------------------------------------------------------------------------------------


def test_sort_by_eta_ascending_puts_documents_without_eta_last(corpus: SearchIndex) -> None:
    assert keys(corpus, sort="eta") == [AIR.key, ACME.key, SOCIETE.key, ROAD.key]


def test_sort_by_eta_descending_also_puts_documents_without_eta_last(corpus: SearchIndex) -> None:
    assert keys(corpus, sort="-eta") == [SOCIETE.key, ACME.key, AIR.key, ROAD.key]


def test_sort_by_score_both_ways(corpus: SearchIndex) -> None:
    assert keys(corpus, sort="score") == [ROAD.key, AIR.key, SOCIETE.key, ACME.key]
    assert keys(corpus, sort="-score") == [ACME.key, SOCIETE.key, AIR.key, ROAD.key]


def test_sort_by_received_both_ways(corpus: SearchIndex) -> None:
    assert keys(corpus, sort="received") == [ACME.key, SOCIETE.key, ROAD.key, AIR.key]
    assert keys(corpus, sort="-received") == [AIR.key, ROAD.key, SOCIETE.key, ACME.key]


def test_relevance_without_text_lists_the_latest_received_first(corpus: SearchIndex) -> None:
    assert keys(corpus) == [AIR.key, ROAD.key, SOCIETE.key, ACME.key]


def test_equal_sort_values_are_ordered_by_key(engine: SearchIndex) -> None:
    load(engine, *(doc(f"sea:X:{n}", score=50) for n in ("B", "C", "A")))
    assert keys(engine, sort="score") == ["sea:X:A", "sea:X:B", "sea:X:C"]
    assert keys(engine, sort="-score") == ["sea:X:C", "sea:X:B", "sea:X:A"]


# -- paging ----------------------------------------------------------------------------------------


def _many(count: int) -> list[SearchDocument]:
    return [
        doc(
            f"sea:PAGE:{n:04d}",
            score=n % 7,  # many ties
            eta=None if n % 5 == 0 else T0 + (n % 4) * DAY,
            received_at=T0 - (n % 3) * DAY,
            goods_text="Spare parts",
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("sort", ["eta", "-eta", "score", "-score", "received", "-received", "relevance"])
def test_paging_visits_every_document_once_with_a_stable_total(engine: SearchIndex, sort: str) -> None:
    docs = _many(23)
    load(engine, *docs)
    text = "spare" if sort == "relevance" else None
    seen: list[str] = []
    totals = set()
    for page in range(1, 6):
        result = engine.search(SearchQuery(text=text, sort=sort, page=page, page_size=5))
        totals.add(result.total)
        assert len(result.hits) == (5 if page < 5 else 3)
        seen += [hit.key for hit in result.hits]
    assert totals == {23}
    assert sorted(seen) == sorted(d.key for d in docs)
    assert seen == keys(engine, text=text, sort=sort)  # pages concatenate to the full ordering


def test_a_page_past_the_end_is_empty_but_keeps_the_total(corpus: SearchIndex) -> None:
    result = corpus.search(SearchQuery(page=3, page_size=2))
    assert result.hits == []
    assert result.total == len(CORPUS)


# -- facets and count ------------------------------------------------------------------------------


def _expected_facet(docs: tuple[SearchDocument, ...], field: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for d in docs:
        value = getattr(d, field)
        if isinstance(value, tuple):
            counts.update(value)
        elif value is not None:
            counts[value] += 1
    return dict(counts)


FACETED = ["mode", "direction", "level", "place_of_discharge", "carrier", "countries", "ports", "profiles_matched"]


def test_facets_count_every_matching_document_including_list_fields(corpus: SearchIndex) -> None:
    result = corpus.search(SearchQuery(facets=FACETED, page_size=1))
    for field in FACETED:
        assert result.facets[field] == _expected_facet(CORPUS, field), field
    assert result.facets["countries"]["JM"] == 2
    assert result.facets["mode"] == {"sea": 2, "air": 1, "road": 1}


def test_facets_count_only_documents_that_match_the_query(corpus: SearchIndex) -> None:
    result = corpus.search(SearchQuery(carrier_id="carrier-maersk", facets=["mode", "countries", "alert_status"]))
    assert result.facets["mode"] == {"sea": 1, "road": 1}
    assert result.facets["countries"] == _expected_facet((ACME, ROAD), "countries")
    assert result.facets["alert_status"] == {"new": 1}
    text_result = corpus.search(SearchQuery(text="kingston", facets=["mode"]))
    assert text_result.facets["mode"] == {"sea": 1, "air": 1}
    sea = corpus.search(SearchQuery(modes=["sea"], facets=["direction", "countries", "profiles_matched"]))
    assert sea.total == 2
    assert sea.facets["countries"] == _expected_facet((ACME, SOCIETE), "countries")
    assert sea.facets["profiles_matched"] == {"P-ALCOHOL": 1, "P-ELECTRONICS": 1, "P-NEW-CONSIGNEE": 1}
    assert sea.facets["direction"] == {"import": 2}


def test_facets_list_the_largest_counts_first_up_to_facet_size(corpus: SearchIndex) -> None:
    result = corpus.search(SearchQuery(facets=["countries"], facet_size=2))
    assert list(result.facets["countries"].items()) == [("JM", 2), ("AE", 1)]


def test_only_requested_facets_are_returned(corpus: SearchIndex) -> None:
    assert corpus.search(SearchQuery()).facets == {}
    assert corpus.search(SearchQuery(facets=["case_status"], levels=["none"])).facets == {"case_status": {}}


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(),
        SearchQuery(modes=["sea"]),
        SearchQuery(text="kingston"),
        SearchQuery(ports=["JMKIN"], score_min=20),
        SearchQuery(levels=["nothing-like-this"]),
    ],
    ids=["everything", "mode", "text", "port and score", "nothing"],
)
def test_count_equals_the_search_total(corpus: SearchIndex, query: SearchQuery) -> None:
    assert corpus.count(query) == corpus.search(query).total


# -- invalid queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [0, 201, -1])
def test_an_invalid_page_size_is_rejected(engine: SearchIndex, page_size: int) -> None:
    with pytest.raises(InvalidSearchQuery, match="page_size"):
        engine.search(SearchQuery(page_size=page_size))


def test_the_largest_page_size_is_accepted(corpus: SearchIndex) -> None:
    assert corpus.search(SearchQuery(page_size=200)).total == len(CORPUS)


def test_a_query_made_invalid_after_construction_is_still_rejected(engine: SearchIndex) -> None:
    broken = SearchQuery().model_copy(update={"page_size": 1000})
    with pytest.raises(InvalidSearchQuery):
        engine.search(broken)
    with pytest.raises(InvalidSearchQuery):
        engine.count(broken)


# -- embedded engine only --------------------------------------------------------------------------


def test_embedded_index_keeps_its_documents_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "persist" / "search.sqlite3"
    with EmbeddedSearchIndex(path) as first:
        first.ensure_ready()
        load(first, *CORPUS)
    with EmbeddedSearchIndex(path) as second:
        assert second.get(ACME.key) == ACME
        assert keys(second, text="Acme Trdaing") == [ACME.key]
        assert second.search(SearchQuery(facets=["countries"])).facets["countries"]["JM"] == 2
        assert second.count(SearchQuery()) == len(CORPUS)


def test_embedded_index_serves_readers_while_another_thread_writes(tmp_path: Path) -> None:
    index = EmbeddedSearchIndex(tmp_path / "search.sqlite3")
    index.ensure_ready()
    errors: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        try:
            for batch in range(20):
                index.index([doc(f"sea:W:{batch:02d}{n:02d}", goods_text="Spare parts") for n in range(25)])
        except BaseException as error:
            errors.append(error)
        finally:
            done.set()

    def read() -> None:
        try:
            while not done.is_set():
                result = index.search(SearchQuery(text="spare", facets=["mode"]))
                assert result.total == result.facets.get("mode", {}).get("sea", 0)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write), *(threading.Thread(target=read) for _ in range(3))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    index.close()
    assert errors == []
    with EmbeddedSearchIndex(tmp_path / "search.sqlite3") as reopened:
        assert reopened.count(SearchQuery()) == 500


def test_embedded_index_in_memory_works_without_a_file() -> None:
    with EmbeddedSearchIndex(":memory:") as index:
        load(index, *CORPUS)
        assert keys(index, text="Acme Trdaing") == [ACME.key]


def test_embedded_index_reuses_connections_across_short_lived_threads(tmp_path: Path) -> None:
    """The local web server starts a thread per request: connections must not pile up."""
    with EmbeddedSearchIndex(tmp_path / "search.sqlite3") as index:
        load(index, *CORPUS)
        for _ in range(30):
            thread = threading.Thread(target=index.search, args=(SearchQuery(text="kingston"),))
            thread.start()
            thread.join()
        assert len(index._connections) == 2  # the writer and one reader


def test_facets_of_everything_follow_updates_and_deletes(corpus: SearchIndex) -> None:
    corpus.index([ACME.model_copy(update={"version": 2, "level": "low", "countries": ("CN", "JM")})])
    corpus.delete(AIR.key)
    corpus.refresh()
    remaining = (ACME.model_copy(update={"level": "low", "countries": ("CN", "JM")}), SOCIETE, ROAD)
    result = corpus.search(SearchQuery(facets=["level", "countries", "alert_status"]))
    assert result.facets["level"] == _expected_facet(remaining, "level") == {"low": 1, "medium": 1, "none": 1}
    assert result.facets["countries"] == _expected_facet(remaining, "countries")
    assert result.facets["alert_status"] == {"new": 1}


def test_embedded_index_rebuilds_lost_facet_counts_on_opening(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    with EmbeddedSearchIndex(path) as first:
        load(first, *CORPUS)
    with sqlite3.connect(path) as raw:
        raw.execute("DELETE FROM facet_counts")
        raw.execute("DELETE FROM meta WHERE name = 'facet_counts'")
    raw.close()
    with EmbeddedSearchIndex(path) as second:
        facets = second.search(SearchQuery(facets=["mode", "countries"])).facets
    assert facets["mode"] == _expected_facet(CORPUS, "mode")
    assert facets["countries"] == _expected_facet(CORPUS, "countries")


def test_embedded_index_lists_a_very_common_text_by_recency(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranking costs per match: past RANK_LIMIT matches, relevance falls back to -received."""
    monkeypatch.setattr(embedded_search, "RANK_LIMIT", 1)
    with EmbeddedSearchIndex(tmp_path / "search.sqlite3") as index:
        load(index, *CORPUS)
        assert keys(index, text="kingston") == [AIR.key, SOCIETE.key]
        assert keys(index, text="kingston wine") == [SOCIETE.key]


def test_embedded_index_written_with_an_older_layout_is_emptied_and_usable(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    with EmbeddedSearchIndex(path) as first:
        load(first, *CORPUS)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE meta SET value = '1' WHERE name = 'schema_version'")
    raw.close()
    with EmbeddedSearchIndex(path) as second:
        assert second.count(SearchQuery()) == 0
        load(second, ACME)
        assert keys(second, text="Acme Trdaing", facets=["countries"]) == [ACME.key]


def test_embedded_index_refuses_a_file_from_newer_code(tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    with EmbeddedSearchIndex(path) as first:
        load(first, ACME)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE meta SET value = '99' WHERE name = 'schema_version'")
    raw.close()
    with EmbeddedSearchIndex(path) as second, pytest.raises(SearchUnavailable, match="newer"):
        second.get(ACME.key)


# -- ETA windows: totals and facets at the edges of days -------------------------------------------

MIDNIGHT = datetime(2026, 3, 10, tzinfo=UTC)
HOUR = timedelta(hours=1)
MS = timedelta(milliseconds=1)
WINDOW_FACETS = ["mode", "level", "place_of_discharge", "alert_status", "ports", "status"]


def _windowed_corpus() -> list[SearchDocument]:
    """Documents around day boundaries: at midnight, a millisecond before, mid-day, and without ETA."""
    offsets = [timedelta(0), -MS, MS, HOUR, 12 * HOUR, 23 * HOUR, 24 * HOUR - MS]
    docs = []
    for n in range(140):
        eta = None if n % 13 == 0 else MIDNIGHT + (n % 6 - 1) * DAY + offsets[n % len(offsets)]
        docs.append(
            doc(
                f"sea:W:{n:04d}",
                mode=("sea", "air", "road")[n % 3],
                direction=("import", "export")[n % 2],
                level=("none", "low", "medium", "high")[n % 4],
                status="cancelled" if n % 11 == 0 else "active",
                alert_status=(None, "new", "acknowledged")[n % 3 if n % 5 else 0],
                place_of_discharge=("JMKIN", "NLRTM", "USMIA", "CNSHA", "SGSIN")[n % 5],
                ports=(("JMKIN", "NLRTM", "USMIA")[n % 3], ("CNSHA", "SGSIN")[n % 2]),
                eta=eta,
                received_at=T0 + n * MS,
            )
        )
    return docs


WINDOWS: list[tuple[datetime | None, datetime | None]] = [
    (MIDNIGHT, MIDNIGHT + 2 * DAY - MS),  # whole days exactly
    (MIDNIGHT, MIDNIGHT + 2 * DAY),  # and the first instant of the next day
    (MIDNIGHT - MS, MIDNIGHT + DAY),  # the last instant of the day before
    (MIDNIGHT + HOUR, MIDNIGHT + 3 * DAY + 23 * HOUR),  # edges mostly inside their days
    (MIDNIGHT + 23 * HOUR, MIDNIGHT + 3 * DAY + HOUR),  # edges mostly outside their days
    (MIDNIGHT + 12 * HOUR, MIDNIGHT + 2 * DAY + 12 * HOUR),  # edges in the middle
    (MIDNIGHT + HOUR, MIDNIGHT + 23 * HOUR),  # within one day
    (MIDNIGHT + 12 * HOUR, MIDNIGHT + DAY + 12 * HOUR),  # across one midnight, no whole day
    (MIDNIGHT + HOUR, None),  # from only
    (None, MIDNIGHT + DAY + 23 * HOUR),  # to only
    (MIDNIGHT - 10 * DAY, MIDNIGHT + 10 * DAY),  # every ETA
]
NARROWINGS: list[dict[str, Any]] = [
    {},
    {"modes": ["sea", "road"]},
    {"levels": ["high"], "directions": ["import"]},
    {"statuses": ["active"]},
]


def _in_window(d: SearchDocument, low: datetime | None, high: datetime | None) -> bool:
    return d.eta is not None and (low is None or d.eta >= low) and (high is None or d.eta <= high)


def _narrowed(d: SearchDocument, narrowing: dict[str, Any]) -> bool:
    fields = {"modes": "mode", "levels": "level", "directions": "direction", "statuses": "status"}
    return all(getattr(d, fields[name]) in values for name, values in narrowing.items())


def _check_windows(index: SearchIndex, docs: list[SearchDocument]) -> None:
    for low, high in WINDOWS:
        for narrowing in NARROWINGS:
            expected = [d for d in docs if _in_window(d, low, high) and _narrowed(d, narrowing)]
            query = SearchQuery(
                eta_from=low, eta_to=high, facets=WINDOW_FACETS, facet_size=50, page_size=200, **narrowing
            )
            result = index.search(query)
            where = f"window {low} .. {high}, {narrowing}"
            assert result.total == len(expected), where
            assert {hit.key for hit in result.hits} == {d.key for d in expected}, where
            assert index.count(query) == len(expected), where
            for field in WINDOW_FACETS:
                assert result.facets[field] == _expected_facet(tuple(expected), field), (where, field)
            sorted_by_eta = keys(index, eta_from=low, eta_to=high, sort="-eta", **narrowing)
            assert len(sorted_by_eta) == len(expected), where


def test_eta_window_totals_and_facets_are_exact_at_the_edges_of_days(engine: SearchIndex) -> None:
    docs = _windowed_corpus()
    load(engine, *docs)
    _check_windows(engine, docs)


def test_eta_window_counts_follow_updates_deletes_and_status_changes(engine: SearchIndex) -> None:
    docs = {d.key: d for d in _windowed_corpus()}
    load(engine, *docs.values())
    changed = []
    for n, d in enumerate(list(docs.values())[::7]):
        eta = None if n % 4 == 0 else MIDNIGHT + (n % 5) * DAY + 23 * HOUR + (n % 3) * HOUR
        changed.append(d.model_copy(update={"version": 2, "eta": eta, "level": "high", "status": "active"}))
    load(engine, *changed)
    docs.update({d.key: d for d in changed})
    for key in list(docs)[1::9]:
        engine.delete(key)
        docs.pop(key)
    for n, key in enumerate(list(docs)[2::5]):
        status = ("acknowledged", None, "closed")[n % 3]
        assert engine.set_statuses(key, alert_status=status) is True
        docs[key] = docs[key].model_copy(update={"alert_status": status})
    engine.refresh()
    _check_windows(engine, list(docs.values()))


def test_a_rare_level_combined_with_a_common_port_country_or_code(engine: SearchIndex) -> None:
    """Whichever condition keeps fewer documents, the matches are the same."""
    docs = [
        doc(
            f"sea:R:{n:04d}",
            level="high" if n % 25 == 0 else "low",
            ports=("JMKIN", "NLRTM") if n % 2 else ("JMKIN",),
            countries=("JM",),
            hs_codes=("847130",) if n % 3 else ("090111",),
            carrier_id="acct-1",
            alert_status="new",
            profiles_matched=("P-1",),
            score=n % 100,
            eta=T0 + (n % 9) * DAY,
        )
        for n in range(100)
    ]
    load(engine, *docs)
    high = {d.key for d in docs if d.level == "high"}
    for narrowing in [
        {"ports": ["JMKIN"]},
        {"countries": ["JM"]},
        {"hs_prefix": "8471"},
        {"carrier_id": "acct-1"},
        {"alert_statuses": ["new"]},
        {"profile": "P-1"},
        {"ports": ["NLRTM"], "eta_from": T0, "eta_to": T0 + 8 * DAY},
    ]:
        expected = {d.key for d in docs if d.key in high and _matches_narrowing(d, narrowing)}
        for sort in ("-score", "eta", "-received"):
            assert key_set(engine, levels=["high"], sort=sort, **narrowing) == expected, (narrowing, sort)
        assert engine.count(SearchQuery(levels=["high"], **narrowing)) == len(expected)


def _matches_narrowing(d: SearchDocument, narrowing: dict[str, Any]) -> bool:
    checks = {
        "ports": lambda v: bool(set(d.ports) & set(v)),
        "countries": lambda v: bool(set(d.countries) & set(v)),
        "hs_prefix": lambda v: any(code.startswith(v) for code in d.hs_codes),
        "carrier_id": lambda v: d.carrier_id == v,
        "alert_statuses": lambda v: d.alert_status in v,
        "profile": lambda v: v in d.profiles_matched,
        "eta_from": lambda v: d.eta is not None and d.eta >= v,
        "eta_to": lambda v: d.eta is not None and d.eta <= v,
    }
    return all(checks[name](value) for name, value in narrowing.items())
