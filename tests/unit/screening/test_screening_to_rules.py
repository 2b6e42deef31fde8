from __future__ import annotations

from datetime import date

from cts.domain.risk.rules import WatchlistKind
from cts.domain.screening.model import EntryKind, ScreeningEntry
from cts.domain.screening.to_rules import (
    SKIP_BAD_DATE,
    SKIP_DUPLICATE,
    SKIP_NO_NAME,
    SKIP_VESSEL,
    RuleDefaults,
    Skipped,
    WatchlistSource,
    rule_id,
    to_watchlist_entries,
    to_watchlist_entry,
)


def entry(id: str, kind: EntryKind, *names: str, **fields: str | None) -> ScreeningEntry:
    return ScreeningEntry(id=id, kind=kind, names=names, **fields)  # type: ignore[arg-type]


def test_kinds_map_to_rule_kinds_and_ids_are_prefixed_by_source() -> None:
    person = to_watchlist_entry(entry("OFAC-11", EntryKind.PERSON, "DOE, Jon", "Jon Doe"), WatchlistSource.OFAC_LEGACY)
    org = to_watchlist_entry(entry("UN-EXe.1", EntryKind.ORGANIZATION, "Acme Co"), WatchlistSource.UN_CONSOLIDATED)
    other = to_watchlist_entry(entry("NK-x", EntryKind.OTHER, "P-100"), WatchlistSource.OPENSANCTIONS_FTM)
    own = to_watchlist_entry(entry("NAT-1", EntryKind.ORGANIZATION, "Acme Co"), WatchlistSource.CTS_CSV)
    assert not isinstance(person, Skipped)
    assert not isinstance(org, Skipped)
    assert not isinstance(other, Skipped)
    assert not isinstance(own, Skipped)
    assert (person.id, person.kind, person.value, person.aliases) == (
        "ofac-11",
        WatchlistKind.PERSON,
        "DOE, Jon",
        ("Jon Doe",),
    )
    assert (org.id, org.kind) == ("un-EXe.1", WatchlistKind.COMPANY)
    assert (other.id, other.kind) == ("os-NK-x", WatchlistKind.PARTY)
    assert (own.id, own.category, own.source) == ("cts-NAT-1", "national", "CTS watch list")
    assert (person.category, person.weight, person.source) == ("sanctions", 100, "OFAC-SDN")


def test_the_same_native_id_from_two_sources_gives_two_rule_ids() -> None:
    # OpenSanctions republishes OFAC entries under ids such as ofac-90001: they must not replace the OFAC import.
    assert rule_id(WatchlistSource.OFAC_LEGACY, "OFAC-90001") == "ofac-90001"
    assert rule_id(WatchlistSource.OPENSANCTIONS_FTM, "ofac-90001") == "os-ofac-90001"
    assert rule_id(WatchlistSource.UN_CONSOLIDATED, "UN-QDi.001") == "un-QDi.001"
    assert rule_id(WatchlistSource.CTS_CSV, "UN-1") == "cts-UN-1"


def test_reason_source_dates_category_and_weight() -> None:
    listed = entry(
        "UN-1", EntryKind.PERSON, "Orville Plumtree", source="UN-SC", reason="", valid_from="2020-05-04T10:00:00"
    )
    converted = to_watchlist_entry(
        listed, WatchlistSource.UN_CONSOLIDATED, RuleDefaults(category="terrorism", weight=250)
    )
    assert not isinstance(converted, Skipped)
    assert converted.reason == "listed on UN-SC"
    assert converted.valid_from == date(2020, 5, 4)
    assert converted.valid_to is None
    assert (converted.category, converted.weight) == ("terrorism", 250)


def test_vessels_nameless_entries_bad_dates_and_duplicates_are_skipped_with_reasons() -> None:
    entries = [
        entry("OFAC-1", EntryKind.ORGANIZATION, "Acme Co", "--", "ACME CO."),
        entry("OFAC-2", EntryKind.VESSEL, "SEA FALCON"),
        entry("OFAC-3", EntryKind.OTHER, "---", "***"),
        entry("OFAC-4", EntryKind.PERSON, "Jon Doe", valid_to="31/12/2030"),
        entry("OFAC-1", EntryKind.ORGANIZATION, "Acme Again"),
        entry("OFAC-5", EntryKind.OTHER, "--", "P-100"),
    ]
    conversion = to_watchlist_entries(entries, WatchlistSource.OFAC_LEGACY)
    assert [(e.id, e.value, e.aliases) for e in conversion.entries] == [
        ("ofac-1", "Acme Co", ()),  # "--" has nothing to match on; "ACME CO." reads as "Acme Co"
        ("ofac-5", "P-100", ()),
    ]
    assert conversion.skipped == (
        Skipped("ofac-2", SKIP_VESSEL),
        Skipped("ofac-3", SKIP_NO_NAME),
        Skipped("ofac-4", SKIP_BAD_DATE),
        Skipped("ofac-1", SKIP_DUPLICATE),
    )
    assert conversion.skipped_by_reason == {SKIP_BAD_DATE: 1, SKIP_DUPLICATE: 1, SKIP_NO_NAME: 1, SKIP_VESSEL: 1}
