from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from cts.adapters.local.demo import demo_manifest
from cts.cli.main import build_parser
from cts.cli.score import load_rules
from cts.domain.screening.to_rules import SKIP_BAD_DATE, SKIP_NO_NAME, SKIP_VESSEL

ROOT = Path(__file__).resolve().parents[3]
LISTS = ROOT / "tests" / "unit" / "screening" / "fixtures" / "watchlists"
OFAC = ROOT.parent / "shared" / "watchlists" / "ofac_sdn_2021-07"


def run(*argv: str) -> tuple[int, str, str]:
    args = build_parser().parse_args(list(argv))
    out, err = io.StringIO(), io.StringIO()
    code: int = args.func(args, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def import_list(country: str, source: str, path: object, out: object, *more: str) -> tuple[int, str, str]:
    """``cts watchlist import --country C --source S PATH --out OUT [MORE ...]``."""
    return run("watchlist", "import", "--country", country, "--source", source, str(path), "--out", str(out), *more)


def test_import_writes_a_rules_file_that_cts_score_reads(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    out = rules / "national.yaml"
    code, stdout, err = import_list("JM", "cts_csv", str(LISTS / "national.csv"), str(out))
    assert (code, err) == (0, "")
    summary = json.loads(stdout)
    assert summary == {
        "country": "JM",
        "source": "cts_csv",
        "path": str(LISTS / "national.csv"),
        "read": 5,
        "imported": 2,
        "skipped": 3,
        "skipped_reasons": {SKIP_BAD_DATE: 1, SKIP_NO_NAME: 1, SKIP_VESSEL: 1},
        "out": str(out),
    }
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [e["id"] for e in document["watchlist"]] == ["cts-NAT-0001", "cts-NAT-0002"]
    ruleset = load_rules(rules)
    assert [(e.id, e.kind, e.category) for e in ruleset.watchlist] == [
        ("cts-NAT-0001", "company", "national"),
        ("cts-NAT-0002", "person", "national"),
    ]

    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(demo_manifest())
    code, stdout, _ = run("score", str(manifest), "--rules", str(rules))
    assert code == 0
    hits = [hit for line in stdout.splitlines() for hit in json.loads(line)["hits"]]
    assert "cts-NAT-0001" in json.dumps(hits)  # the demo consignor SHADOW REEF TRADING LTD is on the list


def test_import_writes_json_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "un.json"
    code, stdout, _ = import_list("LK", "un_consolidated", str(LISTS / "un.xml"), str(out))
    assert code == 0
    assert json.loads(stdout)["imported"] == 2
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["watchlist"][0] == {
        "id": "un-EXi.001",
        "kind": "person",
        "value": "ORVILLE PLUMTREE",
        "aliases": ["Orvil Plumtre"],
        "reason": "Example",
        "source": "UN-SC",
        "valid_from": "2020-05-04",
        "category": "sanctions",
        "weight": 100,
    }
    assert len(load_rules(tmp_path).watchlist) == 2


def test_a_disabled_source_exits_2_with_a_message_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "ofac.yaml"
    code, stdout, err = import_list("LK", "ofac_legacy", str(LISTS / "ofac"), str(out))
    assert (code, stdout) == (2, "")
    assert "'ofac_legacy' is not switched on for LK (Sri Lanka)" in err
    assert "add ofac_legacy to watchlist_sources in infra/countries/LK.yaml" in err
    assert not out.exists()


def test_unreadable_input_or_country_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    code, _, err = import_list("JM", "ofac_legacy", str(tmp_path / "nowhere"), str(out))
    assert code == 2
    assert "cannot read" in err
    assert "nowhere" in err
    code, _, err = import_list("ZZ", "cts_csv", str(LISTS / "national.csv"), str(out))
    assert code == 2
    assert "no country configuration" in err
    assert "ZZ.yaml" in err
    assert not out.exists()


def test_countries_directory_is_an_option(tmp_path: Path) -> None:
    countries = tmp_path / "countries"
    countries.mkdir()
    text = (ROOT / "infra" / "countries" / "LK.yaml").read_text(encoding="utf-8")
    (countries / "LK.yaml").write_text(
        text.replace("[cts_csv, un_consolidated]", "[cts_csv, un_consolidated, opensanctions_ftm]"), encoding="utf-8"
    )
    out = tmp_path / "os.yaml"
    code, stdout, err = import_list(
        "lk", "opensanctions_ftm", LISTS / "opensanctions.jsonl", out, "--countries", str(countries)
    )
    assert (code, err) == (0, ""), err
    assert json.loads(stdout)["imported"] == 2
    code, _, err = import_list("LK", "opensanctions_ftm", str(LISTS / "opensanctions.jsonl"), str(out))
    assert code == 2
    assert "not switched on" in err


@pytest.mark.skipif(not OFAC.is_dir(), reason="the public OFAC list in ../shared is not available")
def test_the_public_ofac_list_imports_for_jamaica(tmp_path: Path) -> None:
    out = tmp_path / "ofac.yaml"
    code, stdout, err = import_list("JM", "ofac_legacy", str(OFAC), str(out))
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["read"] == summary["imported"] + summary["skipped"]
    assert summary["imported"] > 8000
    assert set(summary["skipped_reasons"]) <= {SKIP_VESSEL, SKIP_NO_NAME}
    assert len(load_rules(tmp_path).watchlist) == summary["imported"]
