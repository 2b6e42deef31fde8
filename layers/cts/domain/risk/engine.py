"""The pure risk engine: consignment + ruleset -> assessment with every point explained.

Two evaluators with the same semantics (:mod:`cts.domain.risk.evaluation`):

- the **reference** evaluator (:func:`assess`, :func:`assess_facts`, in :mod:`~cts.domain.risk.reference`) walks
  every profile and indicator: plain, obviously right, and slow with thousands of profiles;
- the **compiled** evaluator (:func:`compile_ruleset`, in :mod:`~cts.domain.risk.compiled`) builds indexes once per
  ruleset version (equality values, prefixes, keyword tokens, sorted numeric bounds, watch-list keys) so that the
  cost of an assessment grows with the indicators that can match, not with the number of profiles.

Property tests check that both give identical assessments on random profiles and consignments.
"""

from cts.domain.risk.assessment import Assessment, Hit, Level
from cts.domain.risk.compiled import CompiledRuleset, compile_ruleset, profile_anchors
from cts.domain.risk.evaluation import indicator_fired, random_draw, scope_applies
from cts.domain.risk.reference import assess, assess_facts

__all__ = [
    "Assessment",
    "CompiledRuleset",
    "Hit",
    "Level",
    "assess",
    "assess_facts",
    "compile_ruleset",
    "indicator_fired",
    "profile_anchors",
    "random_draw",
    "scope_applies",
]
