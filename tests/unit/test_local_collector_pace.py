from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from cts.adapters.local.collector import YOUNG_THRESHOLD, pace_for_pollers


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def test_the_pollers_process_collects_its_young_generation_less_often_and_the_older_ones_at_their_ratios(
    thresholds: tuple[int, int, int],
) -> None:
    pace_for_pollers()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, thresholds[1], thresholds[2])
    assert thresholds[0] < YOUNG_THRESHOLD
