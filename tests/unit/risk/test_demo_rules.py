"""The demo rules used by ``make run`` and the end-to-end tests keep scoring the same."""

from __future__ import annotations

from datetime import UTC, datetime

from risk_helpers import THRESHOLDS

from cts.adapters.local.demo import PROFILES, WATCHLIST, demo_manifest
from cts.domain.parsers import ParseContext, parse
from cts.domain.quality import with_quality
from cts.domain.reference import default_reference
from cts.domain.risk.engine import assess, compile_ruleset
from cts.domain.risk.rules import Ruleset


def test_demo_manifest_scores() -> None:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    ctx = ParseContext(object_key="inbox/DEMO/m.json", carrier_id="DEMO", received_at=now)
    ruleset = Ruleset(version="demo", profiles=PROFILES, watchlist=WATCHLIST)
    compiled = compile_ruleset(ruleset)
    scores = {}
    for item in parse(demo_manifest(now), ctx).consignments:
        assert item.consignment is not None
        c = with_quality(item.consignment, default_reference())
        result = compiled.assess(c.key, 1, c, THRESHOLDS, now.date())
        assert result == assess(c.key, 1, c, ruleset, THRESHOLDS, now.date())
        scores[c.transport_document.number] = (result.score, result.level.value)
    assert scores == {"DMLU0000001": (0, "none"), "DMLU0000002": (95, "red"), "DMLU0000003": (60, "amber")}
