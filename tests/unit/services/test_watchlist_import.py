from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from cts.config.country import CountryConfig
from cts.domain.errors import ValidationFailed
from cts.domain.screening.to_rules import SKIP_VESSEL, WatchlistSource
from cts.services.watchlists import (
    SourceNotEnabled,
    UnknownSource,
    WatchlistUnreadable,
    import_watchlist,
)
from fakes import FakeRules

LISTS = Path(__file__).resolve().parents[1] / "screening" / "fixtures" / "watchlists"
COUNTRIES = Path(__file__).resolve().parents[3] / "infra" / "countries"


def country(**fields: Any) -> CountryConfig:
    base: dict[str, Any] = {
        "code": "ZZ",
        "name": "Testland",
        "region": "eu-west-1",
        "account": "000000000000",
        "ports_of_interest": ["ZZAAA"],
        "alert_sender": "alerts@example.org",
        "alert_recipients": ["duty@example.org"],
    }
    return CountryConfig.model_validate({**base, **fields})


def test_a_country_accepts_only_the_projects_own_csv_by_default() -> None:
    config = country()
    assert config.watchlist_sources == (WatchlistSource.CTS_CSV,)
    assert config.watchlist_defaults_for(WatchlistSource.CTS_CSV).category == "national"


def test_the_country_files_switch_their_sources_on() -> None:
    jm, lk = CountryConfig.load(COUNTRIES / "JM.yaml"), CountryConfig.load(COUNTRIES / "LK.yaml")
    assert set(jm.watchlist_sources) == {"cts_csv", "ofac_legacy", "un_consolidated"}
    assert set(lk.watchlist_sources) == {"cts_csv", "un_consolidated"}


def test_watchlist_settings_are_validated() -> None:
    with pytest.raises(ValidationError, match="watchlist_sources"):
        country(watchlist_sources=["cts_csv", "interpol"])
    with pytest.raises(ValidationError, match="twice"):
        country(watchlist_sources=["cts_csv", "cts_csv"])
    with pytest.raises(ValidationError, match="not in watchlist_sources"):
        country(watchlist_defaults={"ofac_legacy": {"category": "sanctions"}})
    with pytest.raises(ValidationError, match="weight"):
        country(watchlist_sources=["cts_csv"], watchlist_defaults={"cts_csv": {"weight": 0}})


def test_a_source_the_country_has_not_switched_on_is_refused_and_nothing_is_written() -> None:
    rules = FakeRules()
    with pytest.raises(SourceNotEnabled) as refused:
        import_watchlist("ofac_legacy", LISTS / "ofac", country(), rules)
    message = str(refused.value)
    assert "'ofac_legacy'" in message
    assert "ZZ (Testland)" in message
    assert "add ofac_legacy to watchlist_sources in infra/countries/ZZ.yaml" in message
    assert isinstance(refused.value, ValidationFailed)
    assert rules.watchlist == []
    with pytest.raises(UnknownSource, match="known sources: cts_csv"):
        import_watchlist("interpol", LISTS / "ofac", country(), rules)


def test_an_enabled_source_is_imported_with_the_countrys_defaults() -> None:
    config = country(
        watchlist_sources=["cts_csv", "ofac_legacy"],
        watchlist_defaults={"ofac_legacy": {"category": "terror-finance", "weight": 300}},
    )
    rules = FakeRules()
    summary = import_watchlist(WatchlistSource.OFAC_LEGACY, LISTS / "ofac", config, rules)
    assert [(e.id, e.kind, e.category, e.weight) for e in rules.watchlist] == [
        ("ofac-90001", "company", "terror-finance", 300),
        ("ofac-90002", "person", "terror-finance", 300),
    ]
    assert rules.watchlist[0].aliases == ("ZEPHYRIA AGENCY",)
    assert summary.as_dict() == {
        "country": "ZZ",
        "source": "ofac_legacy",
        "path": str(LISTS / "ofac"),
        "read": 3,
        "imported": 2,
        "skipped": 1,
        "skipped_reasons": {SKIP_VESSEL: 1},
    }


@pytest.mark.parametrize(
    ("source", "path", "ids"),
    [
        ("cts_csv", "national.csv", ["cts-NAT-0001", "cts-NAT-0002"]),
        ("un_consolidated", "un.xml", ["un-EXi.001", "un-EXe.002"]),
        ("opensanctions_ftm", "opensanctions.jsonl", ["os-ofac-90001", "os-NK-example1"]),
    ],
)
def test_each_source_is_read_with_its_importer(source: str, path: str, ids: list[str]) -> None:
    config = country(watchlist_sources=[s.value for s in WatchlistSource])
    rules = FakeRules()
    import_watchlist(source, LISTS / path, config, rules)
    assert [e.id for e in rules.watchlist] == ids


def test_unreadable_input_is_a_validation_error_naming_the_file_and_format(tmp_path: Path) -> None:
    config = country(watchlist_sources=[s.value for s in WatchlistSource])
    with pytest.raises(WatchlistUnreadable, match=r"OFAC legacy CSV folder.*no sdn\.csv"):
        import_watchlist("ofac_legacy", tmp_path, config, FakeRules())
    with pytest.raises(WatchlistUnreadable, match="UN Security Council"):
        import_watchlist("un_consolidated", LISTS / "national.csv", config, FakeRules())
    with pytest.raises(WatchlistUnreadable, match="No such file"):
        import_watchlist("cts_csv", tmp_path / "missing.csv", config, FakeRules())
