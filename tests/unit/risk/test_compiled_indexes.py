"""The compiled evaluator looks at a profile only when one of its anchor indicators fires."""

from __future__ import annotations

from risk_helpers import ind, profile

from cts.domain.risk.engine import profile_anchors

SEA = ind("sea", 20, fact="mode", op="equals", values=["sea"])
HS = ind("hs", 20, fact="hs_codes", op="prefix", values=["8542"])
WORDS = ind("words", 20, fact="goods_text", op="keyword", values=["chips"])
LATE = ind("late", 20, op="lead_time_hours", hours=24)
NO_NOTIFY = ind("no-notify", 5, fact="notify_party_name", op="missing")


def test_all_of_is_anchored_on_its_rarest_member() -> None:
    assert profile_anchors(profile(SEA, HS, LATE, threshold=None, match={"all": ["sea", "late", "hs"]})) == {"hs"}


def test_any_of_needs_every_member_and_at_least_n_of_k_needs_k_minus_n_plus_1() -> None:
    assert profile_anchors(profile(SEA, HS, threshold=None, match={"any": ["sea", "hs"]})) == {"sea", "hs"}
    rule = {"at_least": 2, "of": ["sea", "hs", "words"]}
    assert profile_anchors(profile(SEA, HS, WORDS, threshold=None, match=rule)) == {"hs", "words"}


def test_a_threshold_leaves_out_common_indicators_that_cannot_reach_it_alone() -> None:
    assert profile_anchors(profile(HS, LATE, NO_NOTIFY, threshold=30)) == {"hs"}
    assert profile_anchors(profile(HS, LATE, NO_NOTIFY, threshold=20)) == {"hs", "late"}
    assert profile_anchors(profile(HS, LATE, threshold=100)) == frozenset()  # can never match
