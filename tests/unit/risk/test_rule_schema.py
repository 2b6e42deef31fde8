"""Profiles are documents: unknown fields, facts and operators, and ill-formed rules, are rejected clearly."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from risk_helpers import ind, profile

from cts.adapters.local.demo import PROFILES
from cts.domain.risk.rules import Indicator, Profile


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"fact": "colour", "op": "in", "values": ["a"]}, "unknown fact 'colour'"),
        ({"fact": "mode", "op": "like", "values": ["a"]}, "op"),
        ({"fact": "mode", "op": "in", "values": ["a"], "colour": "red"}, "Extra inputs"),
        ({"fact": "mode", "op": "in"}, "needs at least one value"),
        ({"fact": "mode", "op": "in", "values": ["a"], "min": 1}, "does not take min"),
        ({"fact": "mode", "op": "range", "min": 1}, "must be numeric facts"),
        ({"fact": "gross_weight_kg", "op": "range"}, "needs `min`, `max` or both"),
        ({"fact": "gross_weight_kg", "op": "range", "min": 5, "max": 1}, "`min` is above `max`"),
        ({"fact": "gross_weight_kg", "op": "ratio", "max": 1}, "must be numeric facts"),
        ({"fact": "gross_weight_kg", "op": "in", "values": ["1"]}, "needs a text fact"),
        ({"op": "lead_time_hours"}, "needs `hours`"),
        ({"op": "lead_time_hours", "hours": 24, "fact": "mode"}, "does not take fact"),
        ({"op": "country_of", "values": ["CO"]}, "needs `of`"),
        ({"op": "country_of", "of": ["loading"], "values": ["COL"]}, "alpha-2"),
        ({"op": "country_of", "of": ["moon"], "values": ["CO"]}, "of"),
        ({"op": "exists"}, "needs `fact`"),
        ({"fact": "goods_text", "op": "regex", "values": ["(unclosed"]}, "bad regular expression"),
        ({"fact": "goods_text", "op": "keyword", "values": ["!!"]}, "letter or digit"),
    ],
)
def test_bad_indicators_are_rejected_with_a_clear_message(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Indicator.model_validate(ind(**fields))


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"threshold": None}, "needs a `threshold`, a `match` rule or both"),
        ({"match": {"every": ["a"]}}, r"expected an indicator id or one of"),
        ({"match": {"all": ["a", {"any": [{"at_least": 1}]}]}}, r"match.all\[1\].any\[0\]"),
        ({"match": {"all": []}}, "non-empty list"),
        ({"match": {"all": ["a", "zz"]}}, "unknown indicators: zz"),
        ({"match": {"at_least": 3, "of": ["a", "a"]}}, "can never match"),
        ({"scope": {"modes": ["boat"]}}, "scope.modes"),
        ({"scope": {"berths": ["x"]}}, "Extra inputs"),
        ({"priority": 1}, "Extra inputs"),
    ],
)
def test_bad_profiles_are_rejected_with_a_clear_message(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        profile(ind("a", fact="mode", op="in", values=["sea"]), **rule)


def test_duplicate_indicator_ids_are_rejected() -> None:
    with pytest.raises(ValidationError, match="unique"):
        profile(ind("a", fact="mode", op="in", values=["sea"]), ind("a", fact="mode", op="in", values=["air"]))


def test_profiles_round_trip_through_json_as_stored() -> None:
    p = profile(
        ind("a", fact="mode", op="in", values=["sea"]),
        ind("b", fact="gross_weight_kg", per="package_count", op="ratio", min=100),
        match={"any": ["a", {"at_least": 1, "of": ["b"]}]},
        scope={"modes": ["sea"], "ports": ["JMKIN"]},
    )
    assert Profile.model_validate_json(p.model_dump_json()) == p
    for demo in PROFILES:  # the foundation's documents stay valid
        assert Profile.model_validate_json(demo.model_dump_json()) == demo
