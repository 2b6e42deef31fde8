"""The keys the records index consignments by, and the fakes that stand in for those indexes in service tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from builders import make_consignment
from cts.domain.cases import CaseRecord
from cts.domain.errors import Conflict, NotFound
from cts.domain.records import ConsignmentVersion, VersionStatus, discharge_port, journey_of
from cts.domain.risk.rules import Profile
from fakes import FakeCases, FakeConsignments, FakeRules

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def test_a_journey_is_mode_carrier_and_journey_id_compacted() -> None:
    assert journey_of(make_consignment(conveyance={"journey_id": " 001 e"})) == "sea#TSTU#001E"
    assert journey_of(make_consignment(conveyance={})) is None
    assert journey_of(make_consignment(carrier=None)) is None
    assert discharge_port(make_consignment()) == "JMKIN"
    assert discharge_port(make_consignment(itinerary={})) is None


def version(
    number: str, n: int = 1, *, hours: int = 0, file_id: str = "f", cancelled: bool = False
) -> ConsignmentVersion:
    c = make_consignment(number, eta=(T0 + timedelta(hours=hours)).isoformat())
    return ConsignmentVersion(
        key=c.key,
        version=n,
        content_hash=f"{number}{n}",
        status=VersionStatus.CANCELLED if cancelled else VersionStatus.ACTIVE,
        file_id=file_id,
        carrier_id="TSTU",
        stored_at=T0,
        consignment=c,
    )


def test_the_fake_consignments_answer_by_file_journey_and_port_like_the_indexes() -> None:
    repo = FakeConsignments()
    repo.add_version(version("B", hours=2))
    repo.add_version(version("A", hours=5))
    repo.add_version(version("C", hours=1))
    repo.add_version(version("C", 2, file_id="g", cancelled=True))
    a, b = version("A").key, version("B").key
    assert repo.consignments_in_file("f", limit=2) == ([(a, 1), (b, 1)], "2")
    assert repo.by_journey("sea#TSTU#001E") == ([(b, 1), (a, 1)], None)
    assert repo.by_journey("sea#TSTU#001E", eta_to=T0 + timedelta(hours=5)) == ([(b, 1)], None)
    assert repo.by_port("JMKIN", T0, T0 + timedelta(days=1), limit=1) == ([(b, 1)], "1")


def test_the_fake_rules_refuse_a_version_that_is_not_the_next_one() -> None:
    data = {
        "id": "p",
        "name": "n",
        "category": "c",
        "author": "a",
        "threshold": 1,
        "indicators": [{"id": "i", "description": "d", "fact": "mode", "op": "equals", "values": ["sea"], "weight": 1}],
    }
    rules = FakeRules()
    rules.put_profile(Profile.model_validate({**data, "version": 1}))
    for taken_or_skipped in (1, 3):
        with pytest.raises(Conflict):
            rules.put_profile(Profile.model_validate({**data, "version": taken_or_skipped}))
    rules.put_profile(Profile.model_validate({**data, "version": 2}))
    assert [p.version for p in rules.profile_versions("p")] == [1, 2]


def test_the_fake_cases_change_only_at_the_revision_read() -> None:
    cases = FakeCases()
    cases.open(CaseRecord(case_id="C", alert_id="C", consignment_key="k", level="red", status="triage"))
    case = cases.get("C")
    assert case is not None
    assert cases.update(case.model_copy(update={"status": "referred"}), 0).revision == 1
    with pytest.raises(Conflict):
        cases.update(case.model_copy(update={"status": "closed"}), 0)
    with pytest.raises(NotFound):
        cases.update(case.model_copy(update={"case_id": "X"}), 0)
