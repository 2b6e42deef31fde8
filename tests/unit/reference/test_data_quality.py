"""Data-quality warnings: each check fires on its own defect and stays quiet on a clean consignment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cts.domain.model import Consignment, DataQualityIssue
from cts.domain.quality import QUALITY_CODES, RULES, assess_quality, is_vague_description, with_quality
from cts.domain.reference import ReferenceData, default_reference

Mutation = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return default_reference()


def clean_data() -> dict[str, Any]:
    return {
        "mode": "sea",
        "direction": "import",
        "transport_document": {"number": "MAEU123456789", "kind": "master_bill"},
        "carrier": {"code": "MAEU", "name": "Maersk"},
        "conveyance": {"vessel_name": "NORTHERN STAR", "imo_number": "IMO 9074729", "nationality": "PA"},
        "itinerary": {
            "place_of_loading": {"locode": "SGSIN"},
            "transshipment": [{"locode": "NLRTM"}],
            "place_of_discharge": {"locode": "JMKIN"},
            "place_of_delivery": {"name": "Spanish Town warehouse"},
            "routing_countries": ["SG", "NL", "JM"],
        },
        "etd": "2025-01-01T08:00:00+08:00",
        "eta": "2025-02-01T10:00:00-05:00",
        "parties": [
            {"role": "consignor", "name": "Lion City Exports Pte Ltd", "country": "SG"},
            {"role": "consignee", "name": "Island Imports Ltd", "country": "JM"},
        ],
        "goods": [
            {
                "sequence": 1,
                "description": "Portable laptop computers",
                "hs_code": "8471.30.00",
                "value": "25000",
                "currency": "USD",
                "container_numbers": ["CSQU3054383"],
            }
        ],
        "equipment": [{"number": "CSQU 305438-3", "full_empty": "full", "gross_weight_kg": "12000"}],
        "provenance": {"object_key": "inbox/test.edi", "source_format": "cuscar"},
    }


def consignment(mutate: Mutation | None = None) -> Consignment:
    data = clean_data()
    if mutate is not None:
        mutate(data)
    return Consignment.model_validate(data)


def found(issues: list[DataQualityIssue]) -> set[tuple[str, str | None, str | None]]:
    return {(i.code, i.field, i.value) for i in issues}


def test_clean_consignment_has_no_quality_issues(ref: ReferenceData) -> None:
    assert assess_quality(consignment(), ref) == []


def _set(path: str, value: Any) -> Mutation:
    """A mutation setting ``a.b[0].c`` in the consignment data."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.replace("]", "").replace("[", ".").split(".")
        target: Any = data
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "code", "field", "value"),
    [
        (
            _set("itinerary.place_of_loading.locode", "XXZZZ"),
            "UNKNOWN_LOCODE",
            "itinerary.place_of_loading.locode",
            "XXZZZ",
        ),
        (
            _set("itinerary.transshipment.0.locode", "NLZZZ"),
            "UNKNOWN_LOCODE",
            "itinerary.transshipment[0].locode",
            "NLZZZ",
        ),
        (
            _set("itinerary.place_of_discharge.locode", "GBBRV"),
            "SUPERSEDED_LOCODE",
            "itinerary.place_of_discharge.locode",
            "GBBRV",
        ),
        (_set("goods.0.hs_code", "999999"), "UNKNOWN_HS_CODE", "goods[0].hs_code", "999999"),
        (_set("goods.0.hs_code", "84713"), "UNKNOWN_HS_CODE", "goods[0].hs_code", "84713"),
        (_set("parties.1.country", "XX"), "UNKNOWN_COUNTRY", "parties[1].country", "XX"),
        (_set("itinerary.routing_countries.2", "XX"), "UNKNOWN_COUNTRY", "itinerary.routing_countries[2]", "XX"),
        (_set("conveyance.nationality", "XX"), "UNKNOWN_COUNTRY", "conveyance.nationality", "XX"),
        (_set("goods.0.currency", "XYZ"), "UNKNOWN_CURRENCY", "goods[0].currency", "XYZ"),
        (_set("equipment.0.number", "CSQU3054384"), "BAD_CONTAINER_CHECK_DIGIT", "equipment[0].number", "CSQU3054384"),
        (
            _set("goods.0.container_numbers", ["CSQU3054383", "CSQU 305438 4"]),
            "BAD_CONTAINER_CHECK_DIGIT",
            "goods[0].container_numbers[1]",
            "CSQU3054384",
        ),
        (_set("equipment.0.number", "CSQU305438"), "BAD_CONTAINER_NUMBER", "equipment[0].number", "CSQU305438"),
        (_set("equipment.0.number", "1234CSQ5678"), "BAD_CONTAINER_NUMBER", "equipment[0].number", "1234CSQ5678"),
        (_set("conveyance.imo_number", "9074728"), "BAD_IMO_CHECK_DIGIT", "conveyance.imo_number", "9074728"),
        (_set("conveyance.imo_number", "907472"), "BAD_IMO_NUMBER", "conveyance.imo_number", "907472"),
        (_set("parties", [{"role": "consignee", "name": "Island Imports Ltd"}]), "MISSING_CONSIGNOR", "parties", None),
        (_set("parties", [{"role": "consignor", "name": "Lion City Exports"}]), "MISSING_CONSIGNEE", "parties", None),
        (_set("goods.0.description", "  "), "MISSING_GOODS_DESCRIPTION", "goods[0].description", ""),
        (
            _set("goods.0.description", "GENERAL CARGO"),
            "VAGUE_GOODS_DESCRIPTION",
            "goods[0].description",
            "GENERAL CARGO",
        ),
        (_set("goods.0.description", "F.A.K."), "VAGUE_GOODS_DESCRIPTION", "goods[0].description", "F.A.K."),
        (_set("goods.0.description", "STC: parts"), "VAGUE_GOODS_DESCRIPTION", "goods[0].description", "STC: parts"),
        (
            _set("equipment.0.full_empty", "empty"),
            "EMPTY_CONTAINER_WITH_WEIGHT",
            "equipment[0].gross_weight_kg",
            "12000",
        ),
        (_set("eta", "2024-12-31T00:00:00Z"), "ETA_BEFORE_ETD", "eta", None),
    ],
)
def test_each_check_fires_with_its_field_and_value(
    ref: ReferenceData, mutate: Mutation, code: str, field: str, value: str | None
) -> None:
    issues = assess_quality(consignment(mutate), ref)
    assert [i.code for i in issues] == [code]
    issue = issues[0]
    assert issue.field == field
    if value is not None or code.startswith("MISSING_CONSIG"):
        assert issue.value == value
    assert issue.severity == "warning"
    assert issue.message


def test_unknown_locode_is_kept_with_a_warning(ref: ReferenceData) -> None:
    c = consignment(_set("itinerary.place_of_loading.locode", "XXZZZ"))
    assert c.itinerary.place_of_loading is not None
    assert c.itinerary.place_of_loading.locode == "XXZZZ"
    assert found(with_quality(c, ref).quality) == {("UNKNOWN_LOCODE", "itinerary.place_of_loading.locode", "XXZZZ")}


def test_every_rule_has_a_stable_upper_case_code() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    assert set(codes) <= QUALITY_CODES
    assert {
        "UNKNOWN_LOCODE",
        "UNKNOWN_HS_CODE",
        "UNKNOWN_COUNTRY",
        "BAD_CONTAINER_CHECK_DIGIT",
        "BAD_CONTAINER_NUMBER",
        "BAD_IMO_CHECK_DIGIT",
        "MISSING_CONSIGNEE",
        "MISSING_CONSIGNOR",
        "MISSING_GOODS_DESCRIPTION",
        "VAGUE_GOODS_DESCRIPTION",
        "EMPTY_CONTAINER_WITH_WEIGHT",
        "ETA_BEFORE_ETD",
        "UNKNOWN_CURRENCY",
    } <= set(codes)


def test_national_tariff_line_is_not_an_unknown_hs_code(ref: ReferenceData) -> None:
    assert assess_quality(consignment(_set("goods.0.hs_code", "8471300000")), ref) == []


def test_cnsha_from_the_2018_fallback_is_neither_unknown_nor_superseded(ref: ReferenceData) -> None:
    assert assess_quality(consignment(_set("itinerary.place_of_loading.locode", "CNSHA")), ref) == []


@pytest.mark.parametrize(
    "description",
    [
        "general cargo",
        "FAK",
        "Freight All Kinds",
        "said to contain",
        "S.T.C.",
        "Goods",
        "merchandise",
        "Consolidated cargo",
        "STC general cargo",
        "parts",
    ],
)
def test_placeholder_descriptions_are_vague(description: str) -> None:
    assert is_vague_description(description)


@pytest.mark.parametrize(
    "description",
    ["Auto parts for Toyota Corolla", "General cargo: steel pipes", "STC 200 cartons frozen shrimp", "", "Rice"],
)
def test_real_descriptions_are_not_vague(description: str) -> None:
    assert not is_vague_description(description)


def test_empty_container_weighing_only_its_tare_is_fine(ref: ReferenceData) -> None:
    def empty_at_tare(data: dict[str, Any]) -> None:
        data["equipment"][0].update(full_empty="empty", gross_weight_kg="2200", tare_weight_kg="2200")

    assert assess_quality(consignment(empty_at_tare), ref) == []


def test_naive_and_aware_times_are_compared_without_raising(ref: ReferenceData) -> None:
    def naive_eta(data: dict[str, Any]) -> None:
        data["eta"] = "2024-12-01T00:00:00"

    assert [i.code for i in assess_quality(consignment(naive_eta), ref)] == ["ETA_BEFORE_ETD"]


def test_air_equipment_numbers_are_not_checked_as_containers(ref: ReferenceData) -> None:
    def air_uld(data: dict[str, Any]) -> None:
        data["mode"] = "air"
        data["conveyance"] = {"journey_id": "LH8400"}
        data["equipment"] = [{"number": "AKE12345LH"}, {"number": "CSQU3054384"}]

    issues = assess_quality(consignment(air_uld), ref)
    assert found(issues) == {("BAD_CONTAINER_CHECK_DIGIT", "equipment[1].number", "CSQU3054384")}


def test_sea_equipment_that_is_not_a_container_number_is_flagged(ref: ReferenceData) -> None:
    issues = assess_quality(consignment(_set("equipment.0.number", "AKE12345LH")), ref)
    assert [i.code for i in issues] == ["BAD_CONTAINER_NUMBER"]


def test_cancellation_is_not_asked_for_parties_or_descriptions(ref: ReferenceData) -> None:
    def cancellation(data: dict[str, Any]) -> None:
        data.update(message_function="cancellation", parties=[])
        data["goods"][0]["description"] = ""

    assert assess_quality(consignment(cancellation), ref) == []


def test_several_defects_are_all_reported(ref: ReferenceData) -> None:
    def messy(data: dict[str, Any]) -> None:
        data["parties"] = []
        data["goods"][0].update(hs_code="999999", description="FAK")
        data["equipment"][0]["number"] = "CSQU3054384"

    assert {i.code for i in assess_quality(consignment(messy), ref)} == {
        "MISSING_CONSIGNOR",
        "MISSING_CONSIGNEE",
        "UNKNOWN_HS_CODE",
        "VAGUE_GOODS_DESCRIPTION",
        "BAD_CONTAINER_CHECK_DIGIT",
    }


def test_odd_data_never_raises_but_reports_the_failed_check(ref: ReferenceData) -> None:
    c = consignment()
    c.goods[0].description = None  # type: ignore[assignment]  # bypasses validation, as model_construct can
    issues = assess_quality(c, ref)
    assert issues
    assert {i.code for i in issues} == {"QUALITY_CHECK_FAILED"}
    assert {i.value for i in issues} == {"MISSING_GOODS_DESCRIPTION", "VAGUE_GOODS_DESCRIPTION"}


def test_with_quality_appends_deduplicated_issues_to_a_copy(ref: ReferenceData) -> None:
    original = consignment(_set("goods.0.hs_code", "999999"))
    original.quality.append(
        DataQualityIssue(code="UNKNOWN_HS_CODE", message="from the parser", field="goods[0].hs_code")
    )
    original.quality.append(DataQualityIssue(code="PARSER_NOTE", message="kept"))

    checked = with_quality(original, ref)
    again = with_quality(checked, ref)

    assert [i.code for i in checked.quality] == ["UNKNOWN_HS_CODE", "PARSER_NOTE"]
    assert checked.quality[0].message == "from the parser"
    assert len(original.quality) == 2
    assert again.quality == checked.quality

    fresh = with_quality(consignment(_set("conveyance.imo_number", "9074728")), ref)
    assert found(fresh.quality) == {("BAD_IMO_CHECK_DIGIT", "conveyance.imo_number", "9074728")}


def test_with_quality_does_not_share_state_with_the_original(ref: ReferenceData) -> None:
    original = consignment(_set("goods.0.currency", "XYZ"))
    checked = with_quality(original, ref)
    checked.goods[0].description = "changed"
    assert original.goods[0].description == "Portable laptop computers"
    assert original.quality == []
    assert [i.code for i in checked.quality] == ["UNKNOWN_CURRENCY"]
