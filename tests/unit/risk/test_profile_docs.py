"""The examples in docs/profiles.md are valid documents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from cts.domain.risk.rules import AllowEntry, Indicator, Profile, RandomSelection, WatchlistEntry

DOC = Path(__file__).resolve().parents[3] / "docs" / "profiles.md"


def blocks() -> list[Any]:
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", DOC.read_text(), flags=re.S)]


def test_every_yaml_example_validates() -> None:
    checked = 0
    for block in blocks():
        if "indicators" in block and "id" in block:
            Profile.model_validate(block)
        elif set(block) == {"indicators"}:
            for item in block["indicators"]:
                Indicator.model_validate(item)
        elif "suppresses" in block:
            AllowEntry.model_validate(block)
        elif "kind" in block:
            WatchlistEntry.model_validate(block)
        elif "rate" in block:
            RandomSelection.model_validate(block)
        elif "match" in block:
            ids = re.findall(r"[a-z][a-z0-9-]+", yaml.safe_dump(block["match"]))
            ids = [i for i in ids if i not in ("all", "any", "at_least", "of")]
            indicators = [
                {"id": i, "description": "d", "fact": "mode", "op": "in", "values": ["sea"], "weight": 1} for i in ids
            ]
            Profile.model_validate(
                {"id": "x", "version": 1, "name": "n", "category": "c", "author": "a", "indicators": indicators}
                | {"match": block["match"]}
            )
        else:
            raise AssertionError(f"unrecognised example: {block}")
        checked += 1
    assert checked >= 5
