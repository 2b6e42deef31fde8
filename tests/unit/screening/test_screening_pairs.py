from __future__ import annotations

import math

import pytest

from cts.domain.screening.matcher import score_pair
from cts.domain.screening.model import EntryKind, ScreeningEntry
from cts.domain.screening.pairs import (
    NEGATIVE_VARIANTS,
    POSITIVE_VARIANTS,
    auc,
    evaluate,
    generate_pairs,
    recall_at_fpr,
    synthetic_entries,
)

ENTRIES = [
    ScreeningEntry("P1", EntryKind.PERSON, ("AL-RASHEED, Muhammad Yusuf",)),
    ScreeningEntry("P2", EntryKind.PERSON, ("PETROV, Ivan Sergeyevich",)),
    ScreeningEntry("P3", EntryKind.PERSON, ("GARCIA LOPEZ, Maria",)),
    ScreeningEntry("O1", EntryKind.ORGANIZATION, ("GOLDEN DRAGON INTERNATIONAL SHIPPING CO., LTD.",)),
    ScreeningEntry("O2", EntryKind.ORGANIZATION, ("NORTHWIND TRADING AND SERVICES LLC",)),
    ScreeningEntry("O3", EntryKind.ORGANIZATION, ("GOLDEN PHOENIX MANUFACTURING",)),
]


def test_pairs_are_deterministic_for_a_seed_and_differ_between_seeds() -> None:
    assert generate_pairs(ENTRIES, 200, seed=1) == generate_pairs(ENTRIES, 200, seed=1)
    assert generate_pairs(ENTRIES, 200, seed=1) != generate_pairs(ENTRIES, 200, seed=2)


def test_pairs_are_balanced_and_use_every_kind_of_variant() -> None:
    pairs = generate_pairs(ENTRIES, 600, seed=3)
    assert len(pairs) == 600
    assert sum(p.label for p in pairs) == 300
    assert {p.variant for p in pairs if p.label} == set(POSITIVE_VARIANTS)
    assert {p.variant for p in pairs if not p.label} == set(NEGATIVE_VARIANTS)


def test_negatives_are_never_a_listed_name_of_their_entry() -> None:
    for pair in generate_pairs(ENTRIES, 400, seed=4):
        if not pair.label:
            assert pair.left.replace(",", "").upper() != pair.right.replace(",", "").upper()


def test_auc_is_the_mann_whitney_statistic_with_ties_counting_half() -> None:
    assert auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert auc([0.1], [0.9]) == 0.0
    assert auc([0.5], [0.5]) == 0.5
    assert auc([0.9, 0.4], [0.5, 0.1]) == 0.75
    assert math.isnan(auc([], [0.1]))


def test_recall_at_fpr_uses_the_strictest_threshold_the_negatives_allow() -> None:
    negatives = [i / 100 for i in range(100)]  # 0.00 .. 0.99
    positives = [0.995, 0.985, 0.975, 0.5]
    # One negative (0.99) may alert, so the alert bar is above 0.98: 0.995 and 0.985 alert.
    assert recall_at_fpr(positives, negatives, 0.01) == 0.5
    assert recall_at_fpr(positives, negatives, 0.03) == 0.75
    assert recall_at_fpr(positives, negatives, 0.0) == 0.25


def test_evaluate_reports_auc_and_recalls_of_a_scorer() -> None:
    pairs = generate_pairs(ENTRIES, 300, seed=5)
    figures = evaluate(pairs, lambda left, right, kind: score_pair(left, right, kind)[0])
    assert set(figures) == {"auc", "recall_at_1pct_fpr", "recall_at_5pct_fpr", "pairs"}
    assert figures["pairs"] == 300
    assert figures["auc"] > 0.9


def test_a_useless_scorer_has_an_auc_of_one_half() -> None:
    pairs = generate_pairs(ENTRIES, 100, seed=6)
    assert evaluate(pairs, lambda left, right, kind: 0.5)["auc"] == pytest.approx(0.5)


def test_synthetic_entries_are_deterministic_persons_and_organisations() -> None:
    first = synthetic_entries(500, seed=1)
    assert first == synthetic_entries(500, seed=1)
    assert {e.kind for e in first} == {EntryKind.PERSON, EntryKind.ORGANIZATION}
    assert len({e.id for e in first}) == 500
