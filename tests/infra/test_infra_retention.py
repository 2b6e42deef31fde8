"""Retention per country: the records table's TTL, the buckets' tag-filtered lifecycle rules, the functions' setting."""

from __future__ import annotations

from cts.config.resources import SYSTEM
from infra_testkit import Built, Synthesised


def _rules(synth: Synthesised, bucket: str) -> dict[str, dict]:  # type: ignore[type-arg]
    resource = synth.resources[synth.logical_id(synth.stack.storage.buckets[bucket])]
    return {r["Id"]: r for r in resource["Properties"]["LifecycleConfiguration"]["Rules"]}


def test_the_records_table_expires_items_on_expires_at(synth: Synthesised) -> None:
    table = synth.resources[synth.logical_id(synth.stack.storage.tables["RecordsTable"])]
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


def test_the_countries_keep_their_files_for_their_own_periods(built: Built) -> None:
    jm, lk = built.by_country["JM"], built.by_country["LK"]
    assert jm.country.retention != lk.country.retention, "the two sample countries should show the parametrisation"
    for synth in (jm, lk):
        retention = synth.country.retention
        assert _rules(synth, "InboxBucket")["retention"]["ExpirationInDays"] == retention.raw_files_days
        assert _rules(synth, "ReceiptsBucket")["retention"]["ExpirationInDays"] == retention.records_days
    assert _rules(lk, "InboxBucket")["retention"]["ExpirationInDays"] == 1095
    assert _rules(jm, "InboxBucket")["retention"]["ExpirationInDays"] == 2555


def test_held_or_untagged_objects_never_expire_and_transitions_stop_at_the_retention(built: Built) -> None:
    for synth in built.by_country.values():
        for spec in SYSTEM.buckets:
            rules = _rules(synth, spec.logical_id)
            expiring = [r for r in rules.values() if "ExpirationInDays" in r or "NoncurrentVersionExpiration" in r]
            assert expiring == [rules["retention"]]
            assert rules["retention"]["TagFilters"] == [{"Key": "retention", "Value": "standard"}]
            days = rules["retention"]["ExpirationInDays"]
            assert all(t["TransitionInDays"] < days for t in rules["storage-class"]["Transitions"])


def test_the_functions_that_write_records_get_the_records_retention(synth: Synthesised) -> None:
    functions = synth.of_type("AWS::Lambda::Function")
    for logical_id in ("IngestFunction", "ScoreFunction"):
        env = functions[synth.logical_id(synth.stack.functions[logical_id])]["Properties"]["Environment"]["Variables"]
        assert env["CTS_RECORDS_RETENTION_DAYS"] == str(synth.country.retention.records_days)
