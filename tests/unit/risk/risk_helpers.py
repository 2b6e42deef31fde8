"""Small builders shared by the rule-language tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from cts.domain.model import Consignment
from cts.domain.risk.engine import Assessment, assess, compile_ruleset
from cts.domain.risk.facts import PartyHistory
from cts.domain.risk.levels import Thresholds
from cts.domain.risk.rules import Profile, Ruleset

TODAY = date(2026, 11, 25)
THRESHOLDS = Thresholds(alert=50, red=80)


def ind(id: str = "i", weight: int = 10, **fields: Any) -> dict[str, Any]:
    return {"id": id, "description": f"indicator {id}", "weight": weight, **fields}


def profile(*indicators: dict[str, Any], **overrides: Any) -> Profile:
    data: dict[str, Any] = {
        "id": "p",
        "version": 1,
        "name": "test profile",
        "category": "drugs",
        "status": "active",
        "author": "risk.manager",
        "threshold": 1,
        "indicators": list(indicators),
    }
    data.update(overrides)
    return Profile.model_validate(data)


def both(
    c: Consignment, *profiles: Profile, history: PartyHistory | None = None, ruleset: Ruleset | None = None
) -> Assessment:
    """Assess with the reference and the compiled evaluator; they must agree."""
    rules = ruleset or Ruleset(version="r1", profiles=profiles)
    reference = assess(c.key, 1, c, rules, THRESHOLDS, TODAY, history)
    compiled = compile_ruleset(rules).assess(c.key, 1, c, THRESHOLDS, TODAY, history)
    assert compiled == reference
    return reference
