from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from cts.domain.screening.index import ScreeningIndex
from cts.domain.screening.matcher import Screener, ScreeningConfig, score_pair
from cts.domain.screening.model import EntryKind, ScreeningEntry

ENTRIES = [
    ScreeningEntry("E1", EntryKind.ORGANIZATION, ("ACME TRADING CO., LTD",), "CN"),
    ScreeningEntry("E2", EntryKind.PERSON, ("AL-RASHEED, Muhammad",), "IQ"),
    ScreeningEntry("E3", EntryKind.PERSON, ("SMITH, John Robert",)),
    ScreeningEntry("E4", EntryKind.ORGANIZATION, ("GOLDEN DRAGON SHIPPING LIMITED", "GOLDEN DRAGON MARINE")),
    ScreeningEntry("E5", EntryKind.VESSEL, ("OCEAN PEARL",)),
    ScreeningEntry("E6", EntryKind.ORGANIZATION, ("ACME LOGISTICS GMBH",)),
]


def screener(**config: float) -> Screener:
    return Screener(ScreeningIndex(ENTRIES), ScreeningConfig(**config))  # type: ignore[arg-type]


def test_same_company_with_spelled_out_legal_form_scores_one() -> None:
    score, _ = score_pair("ACME TRADING CO., LTD", "Acme Trading Company Limited")
    assert score == 1.0


def test_arabic_name_spelling_variants_match_above_the_threshold() -> None:
    score, parts = score_pair("Mohammed Al Rashid", "Muhammad AL-RASHEED", EntryKind.PERSON)
    assert score >= 0.8
    assert {p.kind for p in parts} == {"exact", "phonetic"}


def test_screening_finds_the_listed_company_and_explains_it() -> None:
    matches = screener().screen("Acme Trading Company Limited")
    assert [m.entry_id for m in matches] == ["E1"]
    assert matches[0].score == 1.0
    assert math.isclose(sum(p.contribution for p in matches[0].explanation), 1.0)


def test_screening_finds_a_person_whatever_the_word_order_and_spelling() -> None:
    matches = screener().screen("Mohammed Al Rashid", EntryKind.PERSON)
    assert matches[0].entry_id == "E2"
    assert matches[0].score >= 0.8


def test_screening_finds_an_alias() -> None:
    matches = screener().screen("Golden Dragon Marine")
    assert matches[0].entry_id == "E4"
    assert matches[0].name_matched == "GOLDEN DRAGON MARINE"


def test_person_initials_and_dropped_middle_names_are_tolerated() -> None:
    matches = screener().screen("J. Smith", EntryKind.PERSON, threshold=0.6)
    assert matches
    assert matches[0].entry_id == "E3"
    assert "initial" in {p.kind for p in matches[0].explanation}


def test_hard_non_matches_stay_below_the_threshold() -> None:
    for name in ("Jane Smith", "Acme Shipping", "Golden Eagle Trading", "Ocean Breeze"):
        assert screener().screen(name) == [], name
    assert score_pair("John Smith", "Jane Smith", EntryKind.PERSON)[0] < 0.8
    assert score_pair("ACME TRADING", "ACME SHIPPING")[0] < 0.8


def test_a_different_legal_form_is_discounted_not_ignored() -> None:
    score, parts = score_pair("Acme Trading Ltd", "Acme Trading GmbH")
    assert 0.8 <= score < 1.0
    assert [p.kind for p in parts if p.contribution < 0] == ["legal_form"]


def test_a_kind_mismatch_is_discounted() -> None:
    as_vessel = screener(threshold=0.5).screen("Ocean Pearl", EntryKind.VESSEL)
    as_person = screener(threshold=0.5).screen("Ocean Pearl", EntryKind.PERSON)
    assert as_vessel[0].score == 1.0
    assert as_person[0].score < 1.0
    assert "kind_mismatch" in {p.kind for p in as_person[0].explanation}


def test_repeated_names_are_served_from_the_cache() -> None:
    s = screener()
    s.screen("Acme Trading")
    s.screen("Acme Trading")
    assert s.cache_info() == (1, 1)


def test_screening_is_deterministic() -> None:
    first = screener(threshold=0.3).screen("Acme Golden Trading")
    second = screener(threshold=0.3).screen("Acme Golden Trading")
    assert first == second


def test_candidate_generation_does_not_touch_every_entry() -> None:
    entries = [ScreeningEntry(f"X{i}", EntryKind.ORGANIZATION, (f"ZEBRA{i:04d} HOLDING CORP",)) for i in range(3_000)]
    entries.append(ScreeningEntry("T", EntryKind.ORGANIZATION, ("QUARTZVILLE MINING CORP",)))
    index = ScreeningIndex(entries)
    s = Screener(index)
    assert s.candidate_count("Quartzvile Mining") <= 16
    assert s.screen("Quartzvile Mining Corp")[0].entry_id == "T"
    assert len(index.candidates(("quartzvile", "mining"))) < len(entries) / 100


WORDS = st.sampled_from(
    ["acme", "trading", "co", "ltd", "al", "rashid", "mohammed", "smith", "j", "golden", "dragon", "gmbh", "ocean", "x"]
)
NAMES = st.one_of(
    st.lists(WORDS, min_size=0, max_size=6).map(" ".join),
    st.text(max_size=30),
)


@settings(max_examples=300, deadline=None)
@given(left=NAMES, right=NAMES, kind=st.sampled_from([None, *EntryKind]))
def test_explanation_parts_add_up_to_the_score(left: str, right: str, kind: EntryKind | None) -> None:
    score, parts = score_pair(left, right, kind)
    assert 0.0 <= score <= 1.0
    assert math.isclose(math.fsum(p.contribution for p in parts), score, abs_tol=1e-9)


@settings(max_examples=100, deadline=None)
@given(name=NAMES, kind=st.sampled_from([None, *EntryKind]))
def test_screening_matches_are_explained_in_full(name: str, kind: EntryKind | None) -> None:
    for match in screener(threshold=0.0).screen(name, kind):
        assert 0.0 <= match.score <= 1.0
        assert math.isclose(math.fsum(p.contribution for p in match.explanation), match.score, abs_tol=1e-9)


def test_arabic_script_names_match_their_latin_listing() -> None:
    assert score_pair("أسامة بن لادن", "BIN LADEN, Usama", EntryKind.PERSON)[0] >= 0.8
    assert score_pair("محمد الرشيد", "Mohammed Al Rashid", EntryKind.PERSON)[0] >= 0.8


def test_cyrillic_names_match_their_latin_listing() -> None:
    assert score_pair("Усама бен Ладен", "BIN LADEN, Usama", EntryKind.PERSON)[0] >= 0.8
