"""The downloadable templates in docs/ must parse cleanly: a forwarder copying them gets an accepted file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cts.domain.parsers import ParseContext, parse
from cts.domain.quality import assess_quality
from cts.domain.reference import default_reference

TEMPLATES = Path(__file__).resolve().parents[3] / "docs" / "templates"


@pytest.mark.parametrize("name", ["cts-manifest-template.csv", "cts-manifest-template.json"])
def test_the_published_templates_parse_without_any_issue(name: str) -> None:
    ctx = ParseContext(
        object_key=f"inbox/EXMP/{name}", carrier_id="EXMP", received_at=datetime(2026, 11, 1, tzinfo=UTC)
    )
    result = parse((TEMPLATES / name).read_bytes(), ctx)
    assert result.issues == []
    assert result.consignments
    for item in result.consignments:
        assert item.issues == []
        assert item.consignment is not None
        assert assess_quality(item.consignment, default_reference()) == []
