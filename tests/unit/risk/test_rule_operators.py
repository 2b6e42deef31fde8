"""Each operator of the rule language, checked through both evaluators."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from risk_helpers import both, ind, profile

from builders import ETA, make_consignment
from cts.domain.model import DataQualityIssue
from cts.domain.risk.facts import PartyHistory, extract_facts


def score(c: Any, **fields: Any) -> int:
    return both(c, profile(ind(**fields))).score


def test_equals_and_in_ignore_case_and_explain_the_value() -> None:
    c = make_consignment()
    result = both(c, profile(ind(fact="ports", op="in", values=["nlrtm", "SGSIN"])))
    assert result.score == 10
    (hit,) = result.hits
    assert (hit.ref, hit.fact, hit.matched, hit.values, hit.points) == ("p@1#i", "ports", "NLRTM", ("NLRTM",), 10)
    assert score(c, fact="mode", op="equals", values=["air"]) == 0


def test_prefix_matches_hs_chapters_and_headings() -> None:
    c = make_consignment()  # HS 820559
    assert score(c, fact="hs_codes", op="prefix", values=["82"]) == 10
    assert score(c, fact="hs_codes", op="prefix", values=["8205", "85"]) == 10
    assert score(c, fact="hs_codes", op="prefix", values=["8542"]) == 0


def test_keywords_are_whole_words_and_phrases() -> None:
    c = make_consignment(goods=[{"sequence": 1, "description": "Fresh FRUIT: bananas & Café"}])
    result = both(c, profile(ind(fact="goods_text", op="keyword", values=["fresh fruit", "cafe", "banana"])))
    assert result.hits[0].values == ("fresh fruit", "cafe")
    assert score(c, fact="goods_text", op="keyword", values=["fruit bananas cafe"]) == 10
    assert score(c, fact="goods_text", op="keyword", values=["fres"]) == 0


def test_regex_searches_fact_values_and_explains_the_matched_text() -> None:
    c = make_consignment()
    result = both(c, profile(ind(fact="container_numbers", op="regex", values=[r"^CSQU\d{3}"])))
    assert result.hits[0].values == ("CSQU305",)
    assert score(c, fact="goods_text", op="regex", values=[r"tool(s|z)$"]) == 10
    assert score(c, fact="goods_text", op="regex", values=[r"^tools"]) == 0


def test_range_on_numeric_facts_is_inclusive() -> None:
    c = make_consignment()  # 250 kg in 10 packages
    assert score(c, fact="gross_weight_kg", op="range", min=250) == 10
    assert score(c, fact="gross_weight_kg", op="range", min=100, max=250) == 10
    assert score(c, fact="gross_weight_kg", op="range", max=249.9) == 0
    assert score(c, fact="package_count", op="range", min=11) == 0
    hit = both(c, profile(ind(fact="weight_per_package_kg", op="range", min=20))).hits[0]
    assert hit.values == ("25",)


def test_ratio_divides_two_numeric_facts() -> None:
    goods = [{"sequence": 1, "description": "phones", "gross_weight_kg": "1000", "package_count": 4, "value": "500"}]
    c = make_consignment(goods=goods)
    assert score(c, fact="declared_value", per="gross_weight_kg", op="ratio", max=1) == 10  # 0.5 per kg
    assert score(c, fact="gross_weight_kg", per="package_count", op="ratio", min=200) == 10  # 250 kg per package
    assert score(c, fact="declared_value", per="gross_weight_kg", op="ratio", min=1) == 0
    # no declared value: the ratio is unknown and never fires
    assert score(make_consignment(), fact="declared_value", per="gross_weight_kg", op="ratio", max=1) == 0


def test_lead_time_fires_when_filed_less_than_n_hours_before_eta() -> None:
    late = make_consignment(filed_at=(ETA - timedelta(hours=6)).isoformat())
    early = make_consignment(filed_at=(ETA - timedelta(hours=72)).isoformat())
    assert score(late, op="lead_time_hours", hours=24) == 10
    assert score(early, op="lead_time_hours", hours=24) == 0
    assert score(make_consignment(), op="lead_time_hours", hours=24) == 0  # filing time unknown
    assert both(late, profile(ind(op="lead_time_hours", hours=24))).hits[0].values == ("6",)


def test_country_of_names_the_place_roles() -> None:
    c = make_consignment(
        itinerary={
            "place_of_loading": {"locode": "COBUN"},
            "transshipment": [{"locode": "PAPTY"}],
            "place_of_discharge": {"locode": "JMKIN"},
            "routing_countries": ["MX"],
        }
    )
    assert score(c, op="country_of", of=["loading"], values=["CO"]) == 10
    assert score(c, op="country_of", of=["loading"], values=["PA"]) == 0
    assert score(c, op="country_of", of=["transshipment"], values=["pa"]) == 10
    assert score(c, op="country_of", of=["routing"], values=["MX"]) == 10
    assert score(c, op="country_of", of=["origin"], values=["NL"]) == 10  # the consignor's country
    assert score(c, op="country_of", of=["origin", "transshipment"], values=["JM"]) == 0


def test_exists_and_missing() -> None:
    c = make_consignment()
    assert score(c, fact="notify_party_name", op="missing") == 10
    assert score(c, fact="consignee_name", op="exists") == 10
    assert score(c, fact="declared_value", op="missing") == 10
    assert score(c, fact="gross_weight_kg", op="exists") == 10
    assert both(c, profile(ind(fact="notify_party_name", op="missing"))).hits[0].matched == "missing"


def test_empty_containers_with_weight_and_house_master_mismatch() -> None:
    c = make_consignment(
        transport_document={"number": "HB1", "kind": "house_bill"},
        equipment=[
            {"number": "CSQU3054383", "full_empty": "empty", "gross_weight_kg": "9000", "tare_weight_kg": "2200"}
        ],
    )
    facts = extract_facts(c)
    assert facts.get("empty_containers_with_weight") == ("CSQU3054383",)
    assert facts.get("house_master_mismatch") == ("house document without master",)
    assert score(c, fact="empty_containers_with_weight", op="exists") == 10
    assert score(make_consignment(), fact="empty_containers_with_weight", op="exists") == 0


def test_party_history_facts() -> None:
    c = make_consignment()
    first = PartyHistory(first_shipment_shipper_to_consignee=True, consignee_known_days=3)
    known = PartyHistory(first_shipment_shipper_to_consignee=False, consignee_known_days=400)
    rule = profile(
        ind("first", fact="first_shipment_shipper_to_consignee", op="equals", values=["yes"]),
        ind("new", fact="consignee_known_days", op="range", max=30),
        match={"all": ["first", "new"]},
    )
    assert both(c, rule, history=first).score == 20
    assert both(c, rule, history=known).score == 0
    assert both(c, rule).score == 0  # no history: unknown, never assumed


def test_data_quality_codes() -> None:
    c = make_consignment().model_copy(update={"quality": [DataQualityIssue(code="WEIGHT_MISMATCH", message="m")]})
    assert score(c, fact="quality_codes", op="in", values=["WEIGHT_MISMATCH"]) == 10


@pytest.mark.parametrize("moment", [datetime(2026, 11, 30, 6, tzinfo=UTC), datetime(2026, 11, 30, 6)])
def test_naive_and_aware_filing_times_give_the_same_lead_time(moment: datetime) -> None:
    assert extract_facts(make_consignment(filed_at=moment.isoformat())).number("lead_time_hours") == 24
