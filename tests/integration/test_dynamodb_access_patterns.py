"""The records table's queries (by manifest, by journey and ETA window, by port and ETA window) and its
optimistic writes (profile versions, cases), under moto with the catalogue's table and indexes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from builders import make_consignment
from cts.adapters.dynamodb import DynamoCases, DynamoConsignments, DynamoRules, bind_table
from cts.adapters.local.bootstrap import LocalResources
from cts.config.resources import SYSTEM, Table
from cts.domain.cases import CaseRecord
from cts.domain.errors import Conflict, NotFound, ValidationFailed
from cts.domain.model import MessageFunction
from cts.domain.records import ConsignmentVersion, VersionStatus, journey_of
from cts.domain.risk.rules import Profile

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
JOURNEY = "sea#TSTU#001E"


@pytest.fixture
def table(resources: LocalResources) -> type:
    return bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")


@pytest.fixture
def table_name(resources: LocalResources) -> str:
    return resources.env["CTS_RECORDS_TABLE"]


def stored(
    number: str,
    version: int = 1,
    *,
    eta: datetime | None = T0,
    file_id: str = "file-a",
    journey: str = "001E",
    port: str | None = "JMKIN",
    cancelled: bool = False,
) -> ConsignmentVersion:
    itinerary: dict[str, Any] = {"place_of_loading": {"locode": "NLRTM"}}
    if port is not None:
        itinerary["place_of_discharge"] = {"locode": port}
    c = make_consignment(
        number,
        eta=eta.isoformat() if eta else None,
        conveyance={"journey_id": journey, "vessel_name": "TEST VESSEL"},
        itinerary=itinerary,
        message_function=(MessageFunction.CANCELLATION if cancelled else MessageFunction.ORIGINAL).value,
    )
    return ConsignmentVersion(
        key=c.key,
        version=version,
        content_hash=f"{number}-{version}",
        status=VersionStatus.CANCELLED if cancelled else VersionStatus.ACTIVE,
        file_id=file_id,
        carrier_id="TSTU",
        stored_at=T0,
        consignment=c,
    )


def key(number: str) -> str:
    return stored(number).key


def all_pages(fetch: Any, limit: int) -> tuple[list[tuple[str, int]], int]:
    found: list[tuple[str, int]] = []
    cursor, pages = None, 0
    while True:
        page, cursor = fetch(cursor=cursor, limit=limit)
        found += page
        pages += 1
        if cursor is None:
            return found, pages


def index_shapes(indexes: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {
        i.get("IndexName", i.get("index_name")): (
            [(k["AttributeName"], k["KeyType"]) for k in i.get("KeySchema", i.get("key_schema"))],
            i.get("Projection", i.get("projection")),
        )
        for i in indexes
    }


def test_the_pynamodb_model_the_catalogue_and_the_created_table_have_the_same_indexes(
    table: type, table_name: str
) -> None:
    spec = SYSTEM.resource("RecordsTable")
    assert isinstance(spec, Table)
    catalogue = {
        i.name: (
            [(i.partition_key, "HASH"), *([(i.sort_key, "RANGE")] if i.sort_key else [])],
            {"ProjectionType": "ALL"}
            if i.include is None
            else {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(i.include)},
        )
        for i in spec.indexes
    }
    model = index_shapes(table._get_schema()["global_secondary_indexes"])
    created = boto3.client("dynamodb", region_name="us-east-1").describe_table(TableName=table_name)["Table"]
    assert model == catalogue
    assert index_shapes(created["GlobalSecondaryIndexes"]) == catalogue


# --- by manifest (carrier file) ------------------------------------------------------------------------------------


def test_a_files_consignments_are_listed_by_key_in_pages(table: type) -> None:
    repo = DynamoConsignments(table)
    numbers = [f"TSTU{n:07d}" for n in range(7)]
    for number in reversed(numbers):
        repo.add_version(stored(number, file_id="file-a"))
    repo.add_version(stored("TSTU9999999", file_id="file-b"))
    repo.add_version(stored(numbers[0], 2, file_id="file-b"))  # an amendment in a later file

    found, pages = all_pages(lambda **kw: repo.consignments_in_file("file-a", **kw), limit=3)
    assert found == sorted((key(n), 1) for n in numbers)
    assert pages == 3
    assert repo.consignments_in_file("file-b")[0] == sorted([(key("TSTU9999999"), 1), (key(numbers[0]), 2)])
    assert repo.consignments_in_file("nothing") == ([], None)


# --- by journey and ETA window -------------------------------------------------------------------------------------


def test_a_journeys_consignments_come_soonest_first_within_the_window_in_pages(table: type) -> None:
    repo = DynamoConsignments(table)
    for hours, number in [(5, "TSTU0000005"), (1, "TSTU0000001"), (3, "TSTU0000003"), (30, "TSTU0000030")]:
        repo.add_version(stored(number, eta=T0 + timedelta(hours=hours)))
    repo.add_version(stored("TSTU0000000", eta=None))  # unknown ETA: last, outside any bounded window
    repo.add_version(stored("TSTU0000777", journey="002W"))  # another voyage

    assert journey_of(stored("TSTU0000001").consignment) == JOURNEY
    everything, _ = all_pages(lambda **kw: repo.by_journey(JOURNEY, **kw), limit=2)
    assert [k for k, _ in everything] == [key(n) for n in ("TSTU0000001", "TSTU0000003", "TSTU0000005")] + [
        key("TSTU0000030"),
        key("TSTU0000000"),
    ]
    window, pages = all_pages(
        lambda **kw: repo.by_journey(JOURNEY, T0 + timedelta(hours=1), T0 + timedelta(hours=5), **kw), limit=1
    )
    assert [k for k, _ in window] == [key("TSTU0000001"), key("TSTU0000003")]  # [from, to): 5 h is excluded
    assert pages >= 2
    since, _ = repo.by_journey(JOURNEY, eta_from=T0 + timedelta(hours=4))
    assert [k for k, _ in since] == [key("TSTU0000005"), key("TSTU0000030"), key("TSTU0000000")]
    until, _ = repo.by_journey(JOURNEY, eta_to=T0 + timedelta(hours=2))
    assert [k for k, _ in until] == [key("TSTU0000001")]


def test_an_amendment_moves_a_consignment_between_journeys_and_a_cancellation_drops_it(table: type) -> None:
    repo = DynamoConsignments(table)
    repo.add_version(stored("TSTU0000001"))
    repo.add_version(stored("TSTU0000002"))
    repo.add_version(stored("TSTU0000001", 2, journey="002W", eta=T0 + timedelta(days=3)))
    repo.add_version(stored("TSTU0000002", 2, cancelled=True))

    assert repo.by_journey(JOURNEY) == ([], None)
    assert repo.by_journey("sea#TSTU#002W") == ([(key("TSTU0000001"), 2)], None)


# --- by port and ETA window ----------------------------------------------------------------------------------------


def test_a_ports_arrivals_span_months_in_eta_order_with_a_cursor(table: type) -> None:
    repo = DynamoConsignments(table)
    etas = {
        "TSTU0000001": datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
        "TSTU0000002": datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
        "TSTU0000003": datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
        "TSTU0000004": datetime(2027, 1, 2, 0, 0, tzinfo=UTC),
        "TSTU0000005": datetime(2027, 2, 1, 0, 0, tzinfo=UTC),  # the window's end: excluded
        "TSTU0000006": datetime(2026, 11, 1, 0, 0, tzinfo=UTC),  # before the window
    }
    for number, eta in etas.items():
        repo.add_version(stored(number, eta=eta))
    repo.add_version(stored("TSTU0000009", port="USMIA", eta=datetime(2026, 12, 2, tzinfo=UTC)))
    repo.add_version(stored("TSTU0000008", port=None))  # no LOCODE of discharge: not listed by port

    start, end = datetime(2026, 11, 15, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC)
    expected = [key(n) for n in ("TSTU0000001", "TSTU0000002", "TSTU0000003", "TSTU0000004")]
    for limit in (1, 2, 3, 10):
        found, _ = all_pages(lambda limit=limit, **kw: repo.by_port("JMKIN", start, end, limit=limit, **kw), limit)
        assert [k for k, _ in found] == expected
    assert repo.by_port("USMIA", start, end) == ([(key("TSTU0000009"), 1)], None)
    assert repo.by_port("JMKIN", end, start) == ([], None)
    with pytest.raises(ValidationFailed):
        repo.by_port("JMKIN", start, end, cursor='{"p": "PORT#USMIA#2026-12", "k": null}')
    with pytest.raises(ValidationFailed):
        repo.by_port("JMKIN", start, start + timedelta(days=3 * 365))


def test_an_amendment_moves_a_consignment_between_ports_and_windows_and_a_cancellation_drops_it(table: type) -> None:
    repo = DynamoConsignments(table)
    december = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    january = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC))
    repo.add_version(stored("TSTU0000001"))
    repo.add_version(stored("TSTU0000002"))
    assert len(repo.by_port("JMKIN", *december)[0]) == 2

    repo.add_version(stored("TSTU0000001", 2, port="JMMBJ"))
    repo.add_version(stored("TSTU0000002", 2, eta=datetime(2027, 1, 5, tzinfo=UTC)))
    assert repo.by_port("JMKIN", *december) == ([], None)
    assert repo.by_port("JMMBJ", *december) == ([(key("TSTU0000001"), 2)], None)
    assert repo.by_port("JMKIN", *january) == ([(key("TSTU0000002"), 2)], None)

    repo.add_version(stored("TSTU0000002", 3, cancelled=True, eta=datetime(2027, 1, 5, tzinfo=UTC)))
    assert repo.by_port("JMKIN", *january) == ([], None)
    assert repo.consignments_in_file("file-a")[0][-1] == (key("TSTU0000002"), 3)  # the file still produced it


# --- optimistic profile versions -----------------------------------------------------------------------------------

PROFILE = {
    "id": "p",
    "name": "n",
    "category": "drugs",
    "author": "a",
    "status": "active",
    "threshold": 1,
    "indicators": [{"id": "i", "description": "d", "fact": "mode", "op": "equals", "values": ["sea"], "weight": 1}],
}


def profile(version: int, author: str = "a") -> Profile:
    return Profile.model_validate({**PROFILE, "version": version, "author": author})


def test_profile_versions_follow_one_another_and_are_never_overwritten(table: type) -> None:
    rules = DynamoRules(table)
    rules.put_profile(profile(1))
    with pytest.raises(Conflict):
        rules.put_profile(profile(1, author="b"))  # overwriting a stored version
    with pytest.raises(Conflict):
        rules.put_profile(profile(3))  # skipping a version
    rules.put_profile(profile(2))
    assert [(p.version, p.author) for p in rules.profile_versions("p")] == [(1, "a"), (2, "a")]


def test_of_two_editors_of_the_same_profile_version_one_wins_and_the_other_conflicts(
    table: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = DynamoRules(table)
    rules.put_profile(profile(1))
    first, second = DynamoRules(table), DynamoRules(table)
    first.put_profile(profile(2, author="first"))

    # the second editor read "latest is 1" before the first one's write landed: only the condition can stop it
    def read_before_the_first_write(*args: object, **kwargs: object) -> list[object]:
        return [table("PROFILE#p", "V#0001", version=1, data="")]

    monkeypatch.setattr(second._t, "query", read_before_the_first_write)
    with pytest.raises(Conflict):
        second.put_profile(profile(2, author="second"))
    assert [(p.version, p.author) for p in rules.profile_versions("p")] == [(1, "a"), (2, "first")]


# --- cases with optimistic revisions -------------------------------------------------------------------------------


def open_case(table_name: str, case_id: str, *, with_revision: bool = True) -> None:
    """What the case workflow's first state writes (statemachines/case.asl.json)."""
    item = {
        "pk": {"S": f"CASE#{case_id}"},
        "sk": {"S": "CASE"},
        "status": {"S": "triage"},
        "alert_id": {"S": case_id},
        "consignment_key": {"S": "sea:TSTU:TSTU0000001"},
        "level": {"S": "red"},
        "data": {"S": "{}"},
    }
    if with_revision:
        item["revision"] = {"N": "0"}
    boto3.client("dynamodb", region_name="us-east-1").put_item(TableName=table_name, Item=item)


def test_a_case_is_read_and_changed_at_the_revision_read(table: type, table_name: str) -> None:
    cases = DynamoCases(table)
    assert cases.get("nope") is None
    open_case(table_name, "C1")
    case = cases.get("C1")
    assert case == CaseRecord(
        case_id="C1", alert_id="C1", consignment_key="sea:TSTU:TSTU0000001", level="red", status="triage"
    )
    moved = cases.update(case.model_copy(update={"status": "referred"}), expected_revision=0)
    assert (moved.status, moved.revision) == ("referred", 1)
    assert cases.get("C1") == moved
    with pytest.raises(NotFound):
        cases.update(case.model_copy(update={"case_id": "unknown"}), expected_revision=0)


def test_of_two_people_changing_the_same_case_one_wins_and_the_other_conflicts(table: type, table_name: str) -> None:
    open_case(table_name, "C1")
    alice, bob = DynamoCases(table), DynamoCases(table)
    seen_by_alice, seen_by_bob = alice.get("C1"), bob.get("C1")
    assert seen_by_alice is not None
    assert seen_by_bob is not None
    alice.update(seen_by_alice.model_copy(update={"status": "referred"}), seen_by_alice.revision)
    with pytest.raises(Conflict, match="revision 1"):
        bob.update(seen_by_bob.model_copy(update={"status": "closed"}), seen_by_bob.revision)
    stored = alice.get("C1")
    assert stored is not None
    assert (stored.status, stored.revision) == ("referred", 1)
    # bob re-reads and re-applies on top of alice's change
    assert bob.update(stored.model_copy(update={"status": "closed"}), stored.revision).revision == 2


def test_a_case_written_before_revisions_existed_is_at_revision_zero(table: type, table_name: str) -> None:
    open_case(table_name, "OLD", with_revision=False)
    cases = DynamoCases(table)
    case = cases.get("OLD")
    assert case is not None
    assert case.revision == 0
    assert cases.update(case.model_copy(update={"status": "referred"}), 0).revision == 1
    with pytest.raises(Conflict):
        cases.update(case.model_copy(update={"status": "closed"}), 0)
