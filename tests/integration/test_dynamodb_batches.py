"""The batch reads and grouped writes the pipeline uses (a manifest's consignments, a score message's batch),
under moto: the same answers as the one-by-one calls, and conflicts reported, never half-written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from builders import make_consignment
from cts.adapters.dynamodb import DynamoConsignments, DynamoPartyHistory, bind_table
from cts.adapters.local.bootstrap import LocalResources
from cts.domain.parties import PartyPair
from cts.domain.records import ConsignmentVersion, VersionStatus

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def table(resources: LocalResources) -> type:
    return bind_table(resources.env["CTS_RECORDS_TABLE"], "us-east-1")


def version(number: str, n: int = 1) -> ConsignmentVersion:
    c = make_consignment(number)
    return ConsignmentVersion(
        key=c.key,
        version=n,
        content_hash=f"{number}-{n}",
        status=VersionStatus.ACTIVE,
        file_id="f1",
        carrier_id="ACME",
        stored_at=NOW + timedelta(seconds=n),
        consignment=c,
    )


def test_grouped_versions_are_stored_like_single_ones_and_read_back_in_one_batch(table: type) -> None:
    repo = DynamoConsignments(table)
    versions = [version(f"G{n:04d}") for n in range(70)]  # three transactions of up to 33
    assert repo.add_versions([(v, None) for v in versions]) == set()
    keys = [v.key for v in versions]
    assert repo.latest_many([*keys, "sea:NOPE:MISSING"]) == {v.key: v for v in versions}
    refs = [(v.key, 1) for v in versions] + [(keys[0], 2)]
    assert repo.get_many(refs) == {(v.key, 1): v for v in versions}
    assert repo.consignments_in_file("f1", limit=100)[0] == sorted((k, 1) for k in keys)


def test_a_group_with_a_version_already_taken_writes_nothing_of_that_group(table: type) -> None:
    repo = DynamoConsignments(table)
    taken = version("T0001")
    repo.add_version(taken)
    group = [version("T0000"), version("T0001"), version("T0002")]
    assert repo.add_versions([(v, None) for v in group]) == {v.key for v in group}
    assert repo.latest_many([v.key for v in group]) == {taken.key: taken}  # the other two were not half-written
    with pytest.raises(ValueError, match="one version per consignment"):
        repo.add_versions([(version("T0003"), None), (version("T0003", 2), None)])


def test_party_sightings_read_in_one_batch_match_single_lookups(table: type) -> None:
    parties = DynamoPartyHistory(table)
    known = PartyPair(shipper="andes produce", consignee="island fresh")
    parties.record("sea:X:1", known, date(2026, 1, 5))
    new_pair = PartyPair(shipper="nordic timber", consignee="island fresh")
    stranger = PartyPair(shipper="pacific rim", consignee="nobody known")
    no_consignee = PartyPair(shipper="pacific rim", consignee=None)
    asked = [known, new_pair, stranger, no_consignee]
    assert parties.lookup_many(asked) == [parties.lookup(p) for p in asked]
    assert parties.lookup_many([new_pair])[0].consignee is not None
    assert parties.lookup_many([new_pair])[0].pair is None


def test_first_sightings_recorded_in_a_batch_keep_earlier_writers_and_the_batch_order(table: type) -> None:
    parties = DynamoPartyHistory(table)
    earlier = PartyPair(shipper="andes produce", consignee="island fresh")
    parties.record("sea:X:EARLIER", earlier, date(2026, 1, 5))
    same_consignee = PartyPair(shipper="nordic timber", consignee="island fresh")
    fresh = PartyPair(shipper="pacific rim", consignee="montego foods")
    many = [PartyPair(shipper=f"shipper {n}", consignee=f"consignee {n}") for n in range(60)]  # > 100 items
    entries = [
        ("sea:X:A", same_consignee, date(2026, 11, 25)),
        ("sea:X:B", fresh, date(2026, 11, 25)),
        ("sea:X:C", fresh, date(2026, 11, 25)),  # same parties later in the batch: B was first
        *((f"sea:X:M{n}", p, date(2026, 11, 25)) for n, p in enumerate(many)),
    ]
    stored = parties.record_many(entries)
    assert stored[0].consignee is not None
    assert stored[0].consignee.first_key == "sea:X:EARLIER"
    assert stored[0].pair is not None
    assert stored[0].pair.first_key == "sea:X:A"
    assert stored[1] == stored[2]
    assert stored[2].pair is not None
    assert stored[2].pair.first_key == "sea:X:B"
    assert [s.consignee.first_key for s in stored[3:] if s.consignee] == [f"sea:X:M{n}" for n in range(60)]
    assert parties.lookup_many([p for _, p, _ in entries]) == stored  # what is stored is what was returned
    assert parties.record_many(entries) == stored  # a retry moves nothing


def test_latest_version_numbers_are_read_without_the_content(table: type) -> None:
    repo = DynamoConsignments(table)
    repo.add_version(version("L0001"))
    repo.add_version(version("L0001", 2))
    repo.add_version(version("L0002"))
    keys = [version("L0001").key, version("L0002").key, "sea:NOPE:MISSING"]
    assert repo.latest_versions(keys) == {keys[0]: 2, keys[1]: 1}
