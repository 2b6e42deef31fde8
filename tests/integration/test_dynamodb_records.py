from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from builders import make_consignment, make_receipt
from cts.adapters.dynamodb import (
    DynamoAlerts,
    DynamoAssessments,
    DynamoConsignments,
    DynamoReceipts,
    DynamoRules,
    bind_table,
)
from cts.adapters.local.bootstrap import LocalResources
from cts.domain.alerts import Alert, AlertStatus
from cts.domain.errors import Conflict
from cts.domain.receipt import ConsignmentOutcome, Receipt, ReceiptStatus
from cts.domain.records import ConsignmentVersion, VersionStatus
from cts.domain.risk.engine import Assessment, Level
from cts.domain.risk.rules import Profile, WatchlistEntry

NOW = datetime.now(UTC)


@pytest.fixture
def table(resources: LocalResources) -> type:
    return bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")


def version(n: int) -> ConsignmentVersion:
    c = make_consignment()
    return ConsignmentVersion(
        key=c.key,
        version=n,
        content_hash=f"h{n}",
        status=VersionStatus.ACTIVE,
        file_id="f",
        carrier_id="ACME",
        stored_at=NOW + timedelta(seconds=n),
        consignment=c,
    )


def test_versions_are_stored_once_and_latest_follows_the_newest(table: type) -> None:
    repo = DynamoConsignments(table)
    repo.add_version(version(1))
    repo.add_version(version(2))
    with pytest.raises(Conflict):
        repo.add_version(version(2))
    key = version(1).key
    latest = repo.latest(key)
    assert latest is not None
    assert latest.version == 2
    assert [v.version for v in repo.versions(key)] == [1, 2]
    assert repo.get(key, 1) == version(1)


def test_a_writer_with_a_stale_version_number_conflicts_and_latest_stays(table: type) -> None:
    repo = DynamoConsignments(table)
    repo.add_version(version(3))
    with pytest.raises(Conflict):
        repo.add_version(version(2))  # it read "latest" before version 3 landed: it must re-read and retry
    assert repo.get(version(1).key, 2) is None
    latest = repo.latest(version(1).key)
    assert latest is not None
    assert latest.version == 3


def test_receipts_are_listed_per_carrier_newest_first(table: type) -> None:
    repo = DynamoReceipts(table)
    for i, carrier in enumerate(["ACME", "ACME", "OTHER"]):
        repo.put(
            Receipt(
                file_id=f"f{i}",
                object_key=f"inbox/{carrier}/{i}",
                carrier_id=carrier,
                source_format=None,
                status=ReceiptStatus.REJECTED,
                received_at=NOW,
                processed_at=NOW + timedelta(seconds=i),
            )
        )
    assert [r.file_id for r in repo.for_carrier("ACME")] == ["f1", "f0"]
    assert repo.get("f2") is not None
    assert repo.get("nope") is None


def test_alerts_are_added_once_and_the_inbox_is_ordered_by_arrival(table: type) -> None:
    repo = DynamoAlerts(table)

    def alert(alert_id: str, hours: int | None) -> Alert:
        return Alert(
            alert_id=alert_id,
            key="k",
            version=1,
            document_number="D",
            score=60,
            level=Level.AMBER,
            hits=(),
            eta=NOW + timedelta(hours=hours) if hours is not None else None,
            place_of_discharge="JMKIN",
            raised_at=NOW,
        )

    assert repo.add(alert("late", 48))
    assert repo.add(alert("soon", 2))
    assert repo.add(alert("unknown", None))
    assert repo.add(alert("soon", 2)) is False
    assert [a.alert_id for a in repo.inbox()] == ["soon", "late", "unknown"]
    repo.set_status("soon", AlertStatus.ACKNOWLEDGED)
    assert [a.alert_id for a in repo.inbox()] == ["late", "unknown"]
    assert [a.alert_id for a in repo.inbox(AlertStatus.ACKNOWLEDGED)] == ["soon"]


def test_the_ruleset_holds_the_newest_active_profile_versions_and_current_entries(table: type) -> None:
    rules = DynamoRules(table)
    base = {
        "id": "p",
        "name": "n",
        "category": "drugs",
        "author": "a",
        "threshold": 1,
        "indicators": [{"id": "i", "description": "d", "fact": "mode", "op": "equals", "values": ["sea"], "weight": 1}],
    }
    rules.put_profile(Profile.model_validate({**base, "version": 1, "status": "active"}))
    rules.put_profile(Profile.model_validate({**base, "version": 2, "status": "active"}))
    rules.put_profile(Profile.model_validate({**base, "id": "draft", "version": 1, "status": "draft"}))
    rules.put_watchlist_entry(WatchlistEntry(id="w", kind="party", value="X", reason="r", category="c", source="s"))
    ruleset = rules.ruleset(NOW.date())
    assert [(p.id, p.version) for p in ruleset.profiles] == [("p", 2)]
    assert [e.id for e in ruleset.watchlist] == ["w"]
    assert rules.ruleset(NOW.date()).version == ruleset.version


def test_the_latest_assessment_is_returned(table: type) -> None:
    repo = DynamoAssessments(table)
    for n in (1, 2):
        repo.put(
            Assessment(key="k", version=n, ruleset_version="r", score=n, level=Level.NONE, hits=(), profiles_matched=())
        )
    latest = repo.latest("k")
    assert latest is not None
    assert latest.version == 2


def test_every_ruleset_version_that_judged_a_version_is_kept_and_retries_add_nothing(table: type) -> None:
    repo = DynamoAssessments(table)

    def judged(version: int, ruleset: str, score: int) -> Assessment:
        return Assessment(
            key="k",
            version=version,
            ruleset_version=ruleset,
            score=score,
            level=Level.NONE,
            hits=(),
            profiles_matched=(),
        )

    repo.put(judged(1, "r1", 10))
    repo.put(judged(1, "r2", 60))  # re-scored after a rule change
    repo.put(judged(1, "r2", 60))  # a retry
    repo.put(judged(2, "r2", 20))  # an amendment
    assert [(a.version, a.ruleset_version, a.score) for a in repo.runs("k")] == [
        (1, "r1", 10),
        (1, "r2", 60),
        (2, "r2", 20),
    ]
    latest = repo.latest("k")
    assert latest is not None
    assert (latest.version, latest.ruleset_version) == (2, "r2")


def test_the_receipt_of_a_file_of_ten_thousand_consignments_is_stored_as_its_summary(table: type) -> None:
    """Its JSON is over a megabyte, more than a DynamoDB item holds: the records keep the outcomes with issues."""
    repo = DynamoReceipts(table)
    outcomes = [
        ConsignmentOutcome(document_number=f"BL{n:08d}", key=f"sea:ACME:BL{n:08d}", status=ReceiptStatus.ACCEPTED)
        for n in range(10_000)
    ]
    outcomes[5] = outcomes[5].model_copy(update={"status": ReceiptStatus.REJECTED})
    receipt = make_receipt(outcomes, file_id="big")

    repo.put(receipt, expires=NOW + timedelta(days=90))

    stored = repo.get("big")
    assert stored is not None
    assert stored.consignments_total == 10_000
    assert [o.document_number for o in stored.consignments] == ["BL00000005"]
    assert [r.file_id for r in repo.for_carrier("ACME")] == ["big"]
