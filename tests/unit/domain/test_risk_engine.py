from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from builders import make_consignment
from cts.domain.model import DataQualityIssue
from cts.domain.risk.engine import Level, assess
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import Indicator, Profile, Ruleset, WatchlistEntry

TODAY = date(2026, 11, 25)
THRESHOLDS = Thresholds(alert=50, red=80)


def profile(**overrides: object) -> Profile:
    data: dict[str, object] = {
        "id": "tools-from-nl",
        "version": 1,
        "name": "Tools from the Netherlands",
        "category": "revenue",
        "status": "active",
        "author": "risk.manager",
        "threshold": 50,
        "indicators": [
            {
                "id": "origin",
                "description": "loaded in NL",
                "fact": "countries",
                "op": "in",
                "values": ["NL"],
                "weight": 30,
            },
            {
                "id": "tools",
                "description": "tools declared",
                "fact": "goods_text",
                "op": "keyword",
                "values": ["hand tools"],
                "weight": 25,
            },
        ],
    }
    data.update(overrides)
    return Profile.model_validate(data)


def test_a_matching_profile_explains_every_point():
    result = assess("k", 1, make_consignment(), Ruleset(version="r1", profiles=(profile(),)), THRESHOLDS, TODAY)
    assert result.score == 55
    assert result.level is Level.AMBER
    assert result.profiles_matched == ("tools-from-nl",)
    assert {(h.ref, h.points, h.matched) for h in result.hits} == {
        ("tools-from-nl@1#origin", 30, "NL"),
        ("tools-from-nl@1#tools", 25, "hand tools"),
    }


def test_indicators_below_the_profile_threshold_score_nothing():
    ruleset = Ruleset(version="r1", profiles=(profile(threshold=60),))
    result = assess("k", 1, make_consignment(), ruleset, THRESHOLDS, TODAY)
    assert result.score == 0
    assert result.hits == ()
    assert result.level is Level.NONE


def test_keywords_match_whole_words_ignoring_case_and_accents():
    c = make_consignment(goods=[{"sequence": 1, "description": "HAND-TOOLS for café"}])
    kw = profile(
        indicators=[
            {"id": "cafe", "description": "d", "fact": "goods_text", "op": "keyword", "values": ["Café"], "weight": 60}
        ]
    )
    assert assess("k", 1, c, Ruleset(version="r", profiles=(kw,)), THRESHOLDS, TODAY).score == 60
    partial = profile(
        indicators=[
            {"id": "too", "description": "d", "fact": "goods_text", "op": "keyword", "values": ["tool"], "weight": 60}
        ]
    )
    assert assess("k", 1, c, Ruleset(version="r", profiles=(partial,)), THRESHOLDS, TODAY).score == 0


def test_drafts_retired_and_expired_profiles_are_not_in_force():
    for p in (profile(status="draft"), profile(status="retired"), profile(valid_to=date(2026, 1, 1))):
        assert assess("k", 1, make_consignment(), Ruleset(version="r", profiles=(p,)), THRESHOLDS, TODAY).score == 0


def test_watch_lists_match_containers_and_vessels_in_any_formatting():
    entries = (
        WatchlistEntry(
            id="c1", kind="container", value="CSQU 305438-3", reason="r", category="drugs", source="s", weight=50
        ),
        WatchlistEntry(
            id="v1", kind="vessel", value="IMO 9074729", reason="r", category="security", source="s", weight=40
        ),
    )
    result = assess("k", 1, make_consignment(), Ruleset(version="r", watchlist=entries), THRESHOLDS, TODAY)
    assert result.score == 90
    assert result.level is Level.RED
    assert {h.ref for h in result.hits} == {"c1", "v1"}


def test_watch_listed_party_names_match_across_case_and_punctuation():
    entry = WatchlistEntry(
        id="p1",
        kind="party",
        value="tulip tools b.v.",
        aliases=("Tulip Tools BV",),
        reason="r",
        category="ipr",
        source="s",
        weight=50,
    )
    result = assess("k", 1, make_consignment(), Ruleset(version="r", watchlist=(entry,)), THRESHOLDS, TODAY)
    assert result.score == 50
    assert result.hits[0].matched == "tulip tools bv"


def test_profiles_reject_unknown_facts_and_operators_with_a_clear_message():
    with pytest.raises(ValidationError, match="unknown fact"):
        Indicator.model_validate(
            {"id": "x", "description": "d", "fact": "colour", "op": "in", "values": ["a"], "weight": 1}
        )
    with pytest.raises(ValidationError, match="op"):
        Indicator.model_validate(
            {"id": "x", "description": "d", "fact": "mode", "op": "like", "values": ["a"], "weight": 1}
        )


def test_data_quality_findings_from_ingestion_can_raise_the_score() -> None:
    c = make_consignment()
    flagged = c.model_copy(
        update={"quality": [DataQualityIssue(code="LATE_FILING", message="filed 2 h before departure")]}
    )
    vague = profile(
        indicators=[
            {
                "id": "late",
                "description": "filed late",
                "fact": "quality_codes",
                "op": "in",
                "values": ["LATE_FILING"],
                "weight": 50,
            }
        ]
    )
    ruleset = Ruleset(version="r", profiles=(vague,))
    assert assess("k", 1, flagged, ruleset, THRESHOLDS, TODAY).score == 50
    assert assess("k", 1, c, ruleset, THRESHOLDS, TODAY).score == 0


def test_watch_listed_parties_are_found_through_misspellings_with_the_similarity_explained() -> None:
    entry = WatchlistEntry(
        id="p1",
        kind="party",
        value="Shadow Reef Trading Ltd",
        reason="seizure 2025",
        category="drugs",
        source="intel",
        weight=60,
    )
    shipper = {"role": "consignor", "name": "SHADOW REEF TRADNG LIMITED", "country": "PA"}
    c = make_consignment(parties=[shipper])
    result = assess("k", 1, c, Ruleset(version="r", watchlist=(entry,)), THRESHOLDS, TODAY)
    (hit,) = result.hits
    assert hit.ref == "p1"
    assert 48 <= hit.points < 60  # weight x similarity: a close but not exact name
    assert hit.values[0] == "Shadow Reef Trading Ltd"
    assert any(v.startswith(("fuzzy:tradng~trading", "phonetic:tradng~trading")) for v in hit.values)
    other = make_consignment(parties=[{**shipper, "name": "Coral Reef Shipping Ltd"}])
    assert assess("k", 1, other, Ruleset(version="r", watchlist=(entry,)), THRESHOLDS, TODAY).hits == ()
