"""Lookups in the reference data shipped with the package."""

from __future__ import annotations

import time

import pytest

from cts.domain.reference import ReferenceData, default_reference


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return default_reference()


def test_default_reference_is_loaded_once_per_process() -> None:
    assert default_reference() is default_reference()


def test_shipped_data_says_which_editions_it_holds(ref: ReferenceData) -> None:
    assert ref.hs_edition == "HS 2022"
    assert ref.unlocode_edition == "2024-2"
    assert ref.locode_count > 100_000


@pytest.mark.parametrize(
    ("locode", "name", "edition", "is_port", "is_airport"),
    [
        ("NLRTM", "Rotterdam", "2024-2", True, True),
        ("SGSIN", "Singapore", "2024-2", True, True),
        ("JMKIN", "Kingston", "2024-2", True, True),
        ("USLAX", "Los Angeles", "2024-2", True, True),
        ("LKCMB", "Colombo", "2024-2", True, True),
        ("CNSHA", "Shanghai Hongqiao International Apt", "2018-1", False, True),
    ],
)
def test_major_locations_are_known_with_edition_and_functions(
    ref: ReferenceData, locode: str, name: str, edition: str, is_port: bool, is_airport: bool
) -> None:
    location = ref.location(locode)
    assert location is not None
    assert (location.name, location.edition) == (name, edition)
    assert (location.is_port, location.is_airport) == (is_port, is_airport)
    assert ref.is_known_locode(locode)


def test_cnsha_comes_from_the_2018_fallback_for_the_part_1_countries(ref: ReferenceData) -> None:
    shanghai = ref.location("CNSHA")
    assert shanghai is not None
    assert shanghai.edition == "2018-1"
    assert shanghai.country == "CN"
    assert not ref.is_superseded(shanghai)  # CN is in Part 1, which the 2024-2 files lack


def test_a_code_dropped_since_2018_is_marked_superseded(ref: ReferenceData) -> None:
    dropped = ref.location("GBBRV")
    assert dropped is not None
    assert dropped.edition == "2018-1"
    assert ref.is_superseded(dropped)


def test_coordinates_are_decimal_degrees(ref: ReferenceData) -> None:
    singapore, los_angeles, rotterdam = ref.location("SGSIN"), ref.location("USLAX"), ref.location("NLRTM")
    assert singapore is not None
    assert los_angeles is not None
    assert rotterdam is not None
    assert singapore.coordinates == pytest.approx((1.28, 103.85), abs=0.01)
    assert los_angeles.coordinates == pytest.approx((34.05, -118.25), abs=0.01)
    assert rotterdam.coordinates == pytest.approx((51.92, 4.5), abs=0.01)
    assert rotterdam.is_rail_terminal
    assert rotterdam.is_road_terminal


def test_locode_lookup_ignores_separators_and_case(ref: ReferenceData) -> None:
    assert ref.location("nl rtm") == ref.location("NLRTM")
    assert ref.location("NL-RTM") is not None


def test_unknown_locode_is_not_found(ref: ReferenceData) -> None:
    assert ref.location("XXZZZ") is None
    assert not ref.is_known_locode("XXZZZ")
    assert ref.location("") is None


@pytest.mark.parametrize("code", ["01", "0101", "010121", "8549", "2404", "3827", "8471.30", "8471 30 00"])
def test_hs_chapters_headings_and_subheadings_are_known(ref: ReferenceData, code: str) -> None:
    assert ref.is_known_hs(code)


def test_national_tariff_lines_are_known_through_their_6_digit_prefix(ref: ReferenceData) -> None:
    entry = ref.hs_code("8471300000")
    assert entry is not None
    assert entry.code == "847130"
    assert entry.level == 6
    assert entry.parent == "8471"
    assert "portable" in entry.description
    assert ref.is_known_hs("84713000")


@pytest.mark.parametrize("code", ["999999", "9999", "99", "7700", "84713", "8", "12345678901", "ABCD", ""])
def test_unknown_or_malformed_hs_codes_are_not_known(ref: ReferenceData, code: str) -> None:
    assert ref.hs_code(code) is None


def test_hs_entries_carry_section_and_chapter(ref: ReferenceData) -> None:
    entry = ref.hs_code("010121")
    assert entry is not None
    assert (entry.section, entry.chapter, entry.parent) == ("I", "01", "0101")
    chapter = ref.hs_code("01")
    assert chapter is not None
    assert chapter.parent is None


def test_countries_are_known_by_alpha2(ref: ReferenceData) -> None:
    jamaica, sri_lanka = ref.country("JM"), ref.country("lk")
    assert jamaica is not None
    assert sri_lanka is not None
    assert (jamaica.alpha3, jamaica.numeric, jamaica.name, jamaica.currency) == ("JAM", "388", "Jamaica", "JMD")
    assert (sri_lanka.name, sri_lanka.region) == ("Sri Lanka", "Asia")
    namibia = ref.country("NA")
    assert namibia is not None
    assert namibia.currencies == ("NAD", "ZAR")
    assert not ref.is_known_country("XX")
    assert ref.country("") is None


def test_currencies_are_those_of_the_countries(ref: ReferenceData) -> None:
    assert {"EUR", "USD", "JMD", "LKR", "CNY"} <= ref.currencies
    assert ref.is_known_currency("usd")
    assert not ref.is_known_currency("XYZ")


def test_all_locodes_load_quickly() -> None:
    fresh = ReferenceData()
    started = time.perf_counter()
    assert fresh.location("SGSIN") is not None
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"loading UN/LOCODE took {elapsed:.2f}s (target < 0.5 s)"
