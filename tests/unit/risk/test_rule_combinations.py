"""Thresholds, nested all / any / at-least-N rules, scope and random selection."""

from __future__ import annotations

from typing import Any

from risk_helpers import both, ind, profile

from builders import make_consignment
from cts.domain.model import Consignment
from cts.domain.risk.engine import random_draw
from cts.domain.risk.rules import RandomSelection, Ruleset, WatchlistEntry

IN_NL = ind("nl", 30, fact="countries", op="in", values=["NL"])
TOOLS = ind("tools", 25, fact="goods_text", op="keyword", values=["hand tools"])
AIR = ind("air", 40, fact="mode", op="equals", values=["air"])
HEAVY = ind("heavy", 5, fact="gross_weight_kg", op="range", min=200)


def matched(c: Consignment, **rule: Any) -> tuple[str, ...]:
    result = both(c, profile(IN_NL, TOOLS, AIR, HEAVY, **rule))
    return tuple(h.ref.split("#")[1] for h in result.hits)


def test_a_threshold_alone_is_the_foundation_behaviour() -> None:
    assert matched(make_consignment(), threshold=60) == ("nl", "tools", "heavy")
    assert matched(make_consignment(), threshold=61) == ()


def test_nested_combinations() -> None:
    c = make_consignment()  # sea, NL, hand tools, 250 kg
    assert matched(c, threshold=None, match={"all": ["nl", "tools"]}) == ("nl", "tools", "heavy")
    assert matched(c, threshold=None, match={"all": ["nl", "air"]}) == ()
    assert matched(c, threshold=None, match={"any": ["air", {"all": ["nl", "heavy"]}]}) == ("nl", "tools", "heavy")
    assert matched(c, threshold=None, match={"at_least": 2, "of": ["air", "tools", "heavy"]}) != ()
    assert matched(c, threshold=None, match={"at_least": 3, "of": ["air", "tools", "heavy"]}) == ()
    deep = {"all": [{"any": ["air", "tools"]}, {"at_least": 1, "of": [{"all": ["nl", "heavy"]}, "air"]}]}
    assert matched(c, threshold=None, match=deep) == ("nl", "tools", "heavy")


def test_threshold_and_combination_must_both_hold() -> None:
    c = make_consignment()
    assert matched(c, threshold=50, match={"all": ["nl", "tools"]}) != ()
    assert matched(c, threshold=70, match={"all": ["nl", "tools"]}) == ()


def test_unmatched_profiles_contribute_nothing_and_every_point_is_explained() -> None:
    c = make_consignment()
    result = both(c, profile(IN_NL, TOOLS, threshold=55), profile(AIR, id="air-only", threshold=1))
    assert result.profiles_matched == ("p",)
    assert result.score == sum(h.points for h in result.hits) == 55
    assert all(h.values and h.fact and h.reason for h in result.hits)


def test_scope_limits_the_consignments_a_profile_applies_to() -> None:
    c = make_consignment()  # sea import, carrier TSTU, NLRTM -> JMKIN
    assert both(c, profile(IN_NL, scope={"modes": ["sea"], "ports": ["JMKIN"]})).score == 30
    assert both(c, profile(IN_NL, scope={"modes": ["air"]})).score == 0
    assert both(c, profile(IN_NL, scope={"directions": ["export"]})).score == 0
    assert both(c, profile(IN_NL, scope={"carriers": ["OTHER"]})).score == 0
    assert both(c, profile(IN_NL, scope={"carriers": ["TSTU"], "ports": ["SGSIN", "NLRTM"]})).score == 30


def selection(rate: float, **fields: Any) -> RandomSelection:
    return RandomSelection.model_validate({"id": "sea-imports", "rate": rate, **fields})


def test_random_selection_rate_is_met_and_deterministic() -> None:
    sel = selection(0.05, seed="s1")
    draws = [random_draw(f"sea:TSTU:DOC{i}", "r1", sel) for i in range(20_000)]
    rate = sum(d < 0.05 for d in draws) / len(draws)
    assert 0.045 < rate < 0.055
    assert draws == [random_draw(f"sea:TSTU:DOC{i}", "r1", sel) for i in range(20_000)]
    other = [random_draw(f"sea:TSTU:DOC{i}", "r1", selection(0.05, seed="s2")) for i in range(100)]
    assert other != draws[:100]


def test_random_selections_are_marked_and_never_mixed_into_scores() -> None:
    c = make_consignment()
    watch = WatchlistEntry(id="w", kind="party", value="Tulip Tools BV", reason="r", category="c", source="s", weight=5)
    always = Ruleset(version="r1", profiles=(profile(IN_NL),), watchlist=(watch,), random_selection=(selection(1.0),))
    result = both(c, ruleset=always)
    assert result.random is True
    assert result.random_selection == "sea-imports"
    assert result.score == 35
    assert result.profiles_matched == ("p",)
    assert all(h.source in ("profile", "watchlist") for h in result.hits)
    never = always.model_copy(update={"random_selection": (selection(0.0),)})
    assert both(c, ruleset=never).random is False
    out_of_scope = always.model_copy(update={"random_selection": (selection(1.0, scope={"modes": ["air"]}),)})
    assert both(c, ruleset=out_of_scope).random is False


def test_random_selection_over_many_consignments_stays_within_tolerance() -> None:
    rules = Ruleset(version="r7", random_selection=(selection(0.1, seed="x"),))
    picked = sum(both(make_consignment(f"TSTU{i:07d}"), ruleset=rules).random for i in range(2000))
    assert 150 <= picked <= 250
