"""SearchQuery: normalised on the way in; anything wrong is an InvalidSearchQuery, never a pydantic error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from cts.domain.errors import InvalidSearchQuery, ValidationFailed
from cts.ports.search import MAX_PAGE_SIZE, SearchQuery, fold_text, text_terms


def test_defaults_ask_for_the_first_page_by_relevance() -> None:
    query = SearchQuery()
    assert (query.page, query.page_size, query.sort, query.offset) == (1, 50, "relevance", 0)
    assert query.effective_sort == "-received"


def test_relevance_applies_only_when_there_are_terms() -> None:
    assert SearchQuery(text="acme").effective_sort == "relevance"
    assert SearchQuery(text=" -- ").effective_sort == "-received"
    assert SearchQuery(text="acme", sort="-score").effective_sort == "-score"


def test_filters_are_normalised() -> None:
    query = SearchQuery(
        text="  Acme   Trading ",
        modes=["SEA", " Air "],
        ports=["nlrtm", ""],
        countries=["jm"],
        carrier="maeu",
        hs_prefix="8471.30",
        levels=["HIGH"],
        journey_id="  ",
    )
    assert query.text == "Acme Trading"
    assert query.modes == ("sea", "air")
    assert query.ports == ("NLRTM",)
    assert query.countries == ("JM",)
    assert query.carrier == "MAEU"
    assert query.hs_prefix == "847130"
    assert query.levels == ("high",)
    assert query.journey_id is None


def test_dates_become_utc() -> None:
    query = SearchQuery(eta_from=datetime(2026, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2))))
    assert query.eta_from == datetime(2026, 1, 1, tzinfo=UTC)
    assert SearchQuery(eta_to=datetime(2026, 1, 1)).eta_to == datetime(2026, 1, 1, tzinfo=UTC)


def test_offset_follows_page_and_page_size() -> None:
    assert SearchQuery(page=3, page_size=20).offset == 40


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": MAX_PAGE_SIZE + 1}, "page_size"),
        ({"page": 0}, "page starts at 1"),
        ({"page": 60, "page_size": 200}, "cannot page beyond"),
        ({"sort": "price"}, "sort"),
        ({"facets": ["mode", "parties_text"]}, "cannot facet on parties_text"),
        ({"facet_size": 0}, "facet_size"),
        ({"hs_prefix": "84A"}, "hs_prefix"),
        ({"score_min": 50, "score_max": 10}, "score range is inverted"),
        ({"eta_from": datetime(2026, 2, 1, tzinfo=UTC), "eta_to": datetime(2026, 1, 1, tzinfo=UTC)}, "eta range"),
        ({"etd_from": datetime(2026, 2, 1, tzinfo=UTC), "etd_to": datetime(2026, 1, 1, tzinfo=UTC)}, "etd range"),
        ({"text": "x" * 501}, "longer than"),
        ({"page": "two"}, "page"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_queries_raise_invalid_search_query(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidSearchQuery, match=message) as caught:
        SearchQuery(**fields)
    assert isinstance(caught.value, ValidationFailed)


def test_check_catches_a_query_broken_after_construction() -> None:
    query = SearchQuery().model_copy(update={"page_size": 500})
    with pytest.raises(InvalidSearchQuery, match="page_size"):
        query.check()


def test_text_terms_are_folded_distinct_runs_of_letters_and_digits() -> None:
    assert text_terms("Société GÉNÉRALE, société / MSCU-1234567 o'neil") == [
        "societe",
        "generale",
        "mscu",
        "1234567",
        "o",
        "neil",
    ]
    assert text_terms(" -- ") == []
    assert len(text_terms(" ".join(f"w{n}" for n in range(40)))) == 16


def test_fold_text_removes_accents_and_case() -> None:
    assert fold_text("Ñandú Çay Ærø") == "nandu cay ærø"
