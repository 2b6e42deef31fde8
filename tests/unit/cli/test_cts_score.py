"""``cts score MANIFEST --rules DIR`` prints one assessment per consignment as a JSON line."""

from __future__ import annotations

import argparse
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import yaml

from cts.adapters.local.demo import PROFILES, WATCHLIST, demo_manifest
from cts.cli import score


def run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    score.register(parser.add_subparsers())
    args = parser.parse_args(["score", *argv])
    out, err = io.StringIO(), io.StringIO()
    code = score.run(args, out, err)
    return code, out.getvalue(), err.getvalue()


def write_rules(directory: Path) -> None:
    directory.mkdir()
    for p in PROFILES:
        (directory / f"{p.id}.yaml").write_text(yaml.safe_dump(p.model_dump(mode="json", exclude_none=True)))
    watchlist = [e.model_dump(mode="json", exclude_none=True) for e in WATCHLIST]
    (directory / "watchlist.json").write_text(json.dumps({"watchlist": watchlist}))


def test_scores_a_manifest_against_rule_documents(tmp_path: Path) -> None:
    write_rules(tmp_path / "rules")
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(demo_manifest(datetime(2026, 11, 25, tzinfo=UTC)))
    code, out, err = run(str(manifest), "--rules", str(tmp_path / "rules"), "--date", "2026-11-25")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(a["score"], a["level"]) for a in lines] == [(0, "none"), (95, "red"), (60, "amber")]
    assert lines[1]["profiles_matched"] == ["cocaine-source-routes"]
    assert {h["ref"]: h["values"] for h in lines[1]["hits"]}["cocaine-source-routes@1#source-country"] == ["EC"]
    assert len({a["ruleset_version"] for a in lines}) == 1
    assert "2 profiles, 2 watch-list entries" in err


def test_invalid_rules_are_reported_with_file_and_reason(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    write_rules(rules)
    (rules / "bad.yaml").write_text(
        yaml.safe_dump(
            {
                "id": "bad",
                "version": 1,
                "name": "n",
                "category": "c",
                "author": "a",
                "threshold": 1,
                "indicators": [
                    {"id": "x", "description": "d", "fact": "mode", "op": "like", "values": ["a"], "weight": 1}
                ],
            }
        )
    )
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(demo_manifest())
    code, out, err = run(str(manifest), "--rules", str(rules))
    assert code == 2
    assert out == ""
    assert "bad.yaml document 1" in err
    assert "op" in err


def test_a_missing_rules_directory_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "m.json"), "--rules", str(tmp_path / "nowhere"))
    assert code == 2
    assert "not a directory" in err
