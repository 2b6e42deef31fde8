"""The profile and watch-list routes over RulesAdmin with in-memory ports: permissions, the four-eyes lifecycle,
stale versions, input errors as 4xx, re-scoring after changes to the rules in force, the test against past data
and the bulk import."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client
from fakes_rules import ENTRY_DOC, PROFILE_DOC, MemoryRulesStore, RecordingRescore

from chalicelib.container import set_container
from fakes_api import World, consignment, version_of

JSON = {"Content-Type": "application/json"}
PROFILE: dict[str, Any] = PROFILE_DOC
ENTRY: dict[str, Any] = ENTRY_DOC


@dataclasses.dataclass
class Rules:
    world: World
    store: MemoryRulesStore
    rescore: RecordingRescore
    client: Client

    def call(self, method: str, path: str, who: str, payload: Any = None) -> tuple[int, Any]:
        raw = b"" if payload is None else payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {**self.world.auth(who), **(JSON if payload is not None else {})}
        response = self.client.http.request(method, path, headers=headers, body=raw)
        return response.status_code, json.loads(response.body)

    def ok(self, method: str, path: str, who: str, payload: Any = None) -> Any:
        status, data = self.call(method, path, who, payload)
        assert status == 200, data
        return data

    def active_profile(self) -> None:
        """kingston-imports version 1, written by the risk manager, approved by a second risk manager, active."""
        self.ok("POST", "/profiles", "risk_manager", {"profile": PROFILE})
        self.ok("POST", "/profiles/kingston-imports/submit", "risk_manager", {"version": 1})
        self.ok("POST", "/profiles/kingston-imports/approve", "second_risk_manager", {"version": 1})
        self.ok("POST", "/profiles/kingston-imports/activate", "risk_manager", {"version": 1})


@pytest.fixture
def rules(world: World, client: Client) -> Rules:
    from fakes_api import principal

    world.tokens["second_risk_manager"] = world.identity.add("secret", principal("risk_manager", username="rm2"))
    store, rescore = MemoryRulesStore(), RecordingRescore()
    set_container(dataclasses.replace(world.container, rules=store, rescoring=rescore))
    return Rules(world, store, rescore, client)


# ---------------------------------------------------------------- profiles


def test_a_profile_goes_from_draft_to_active_with_four_eyes_and_activation_starts_rescoring(rules: Rules) -> None:
    created = rules.ok("POST", "/profiles", "risk_manager", {"profile": {**PROFILE, "author": "someone else"}})
    assert (created["version"], created["status"], created["author"]) == (1, "draft", "risk_manager")
    rules.ok("POST", "/profiles/kingston-imports/submit", "risk_manager", {"version": 1})
    status, refused = rules.call("POST", "/profiles/kingston-imports/approve", "risk_manager", {"version": 1})
    assert (status, refused["code"]) == (403, "four_eyes")
    approved = rules.ok("POST", "/profiles/kingston-imports/approve", "second_risk_manager", {"version": 1})
    assert approved["profile"]["status"] == "approved"
    assert rules.rescore.calls == []  # nothing in force changed yet
    activated = rules.ok("POST", "/profiles/kingston-imports/activate", "risk_manager", {"version": 1})
    assert activated["profile"]["status"] == "active"
    assert activated["rescore"] == {"queued": True, "ruleset": "rs-1"}
    assert len(rules.rescore.calls) == 1
    detail = rules.ok("GET", "/profiles/kingston-imports", "auditor")
    assert detail["in_force_version"] == 1
    steps = [(t["step"], t["by"]) for t in detail["versions"][0]["history"]]
    assert steps == [
        ("create", "risk_manager"),
        ("submit", "risk_manager"),
        ("approve", "rm2"),
        ("activate", "risk_manager"),
    ]


def test_the_administrator_manages_rules_but_may_not_approve(rules: Rules) -> None:
    rules.ok("POST", "/profiles", "administrator", {"profile": PROFILE})
    rules.ok("POST", "/profiles/kingston-imports/submit", "administrator", {"version": 1})
    status, data = rules.call("POST", "/profiles/kingston-imports/approve", "administrator", {"version": 1})
    assert (status, data["code"]) == (403, "forbidden")
    assert (
        rules.ok("POST", "/profiles/kingston-imports/approve", "risk_manager", {"version": 1})["profile"]["status"]
        == "approved"
    )


@pytest.mark.parametrize("who", ["targeting_analyst", "supervisor", "auditor", "carrier"])
def test_roles_without_manage_rules_cannot_write_profiles(rules: Rules, who: str) -> None:
    status, data = rules.call("POST", "/profiles", who, {"profile": PROFILE})
    assert (status, data["code"]) == (403, "forbidden")


def test_an_edit_makes_a_new_draft_version_and_a_stale_edit_conflicts(rules: Rules) -> None:
    rules.active_profile()
    edited = rules.ok(
        "PUT",
        "/profiles/kingston-imports",
        "second_risk_manager",
        {"version": 1, "profile": {**PROFILE, "threshold": 50}},
    )
    assert (edited["version"], edited["status"], edited["author"]) == (2, "draft", "rm2")
    status, data = rules.call("PUT", "/profiles/kingston-imports", "risk_manager", {"version": 1, "profile": PROFILE})
    assert (status, data["code"]) == (409, "stale_version")
    listed = rules.ok("GET", "/profiles", "risk_manager")
    assert [(p["id"], p["version"], p["status"]) for p in listed["profiles"]] == [("kingston-imports", 2, "draft")]
    assert rules.ok("GET", "/profiles?status=active", "risk_manager")["profiles"] == []


def test_activating_a_new_version_supersedes_the_active_one(rules: Rules) -> None:
    rules.active_profile()
    rules.ok(
        "PUT",
        "/profiles/kingston-imports",
        "second_risk_manager",
        {"version": 1, "profile": {**PROFILE, "threshold": 50}},
    )
    rules.ok("POST", "/profiles/kingston-imports/submit", "second_risk_manager", {"version": 2})
    rules.ok("POST", "/profiles/kingston-imports/approve", "risk_manager", {"version": 2})
    answer = rules.ok("POST", "/profiles/kingston-imports/activate", "second_risk_manager", {"version": 2})
    assert answer["superseded"] == [1]
    detail = rules.ok("GET", "/profiles/kingston-imports", "risk_manager")
    assert [v["status"] for v in detail["versions"]] == ["superseded", "active"]
    assert detail["in_force_version"] == 2
    assert len(rules.rescore.calls) == 2


def test_retiring_needs_a_reason_and_starts_rescoring(rules: Rules) -> None:
    rules.active_profile()
    status, data = rules.call("POST", "/profiles/kingston-imports/retire", "risk_manager", {"version": 1})
    assert (status, data["code"]) == (400, "validation_failed")
    retired = rules.ok(
        "POST", "/profiles/kingston-imports/retire", "risk_manager", {"version": 1, "reason": "trend over"}
    )
    assert retired["profile"]["status"] == "retired"
    assert retired["rescore"]["queued"] is True
    assert len(rules.rescore.calls) == 2


@pytest.mark.parametrize(
    ("path", "payload", "status", "code"),
    [
        ("/profiles", {"profile": {**PROFILE, "indicators": []}}, 400, "validation_failed"),
        ("/profiles", {"profile": {**PROFILE, "unknown_field": 1}}, 400, "validation_failed"),
        ("/profiles", {"profile": PROFILE, "extra": True}, 400, "validation_failed"),
        ("/profiles", b"not json", 400, "validation_failed"),
        ("/profiles/kingston-imports/activate", {"version": 1}, 409, "illegal_transition"),
        ("/profiles/kingston-imports/submit", {"version": 7}, 404, "not_found"),
        ("/profiles/nope/submit", {"version": 1}, 404, "not_found"),
        ("/profiles/kingston-imports/submit", {"version": 0}, 400, "validation_failed"),
    ],
)
def test_bad_profile_requests_are_answered_4xx(rules: Rules, path: str, payload: Any, status: int, code: str) -> None:
    rules.ok("POST", "/profiles", "risk_manager", {"profile": PROFILE})
    got, data = rules.call("POST", path, "risk_manager", payload)
    assert (got, data["code"]) == (status, code), data


def test_creating_a_profile_twice_conflicts_and_a_path_id_mismatch_is_refused(rules: Rules) -> None:
    rules.ok("POST", "/profiles", "risk_manager", {"profile": PROFILE})
    assert rules.call("POST", "/profiles", "risk_manager", {"profile": PROFILE})[0] == 409
    status, data = rules.call("PUT", "/profiles/other", "risk_manager", {"version": 1, "profile": PROFILE})
    assert (status, data["code"]) == (400, "validation_failed")


def test_a_change_is_kept_when_rescoring_cannot_be_queued(rules: Rules) -> None:
    rules.rescore.fail = True
    rules.active_profile()
    detail = rules.ok("GET", "/profiles/kingston-imports", "risk_manager")
    assert detail["in_force_version"] == 1


def test_the_profile_routes_answer_503_when_rules_are_not_configured(world: World, client: Client) -> None:
    response = client.http.get("/profiles", headers=world.auth("risk_manager"))
    assert response.status_code == 503


def test_testing_a_profile_reports_what_it_would_have_selected_in_the_last_days(rules: Rules) -> None:
    now = datetime.now(UTC)
    for n, (name, days_ago) in enumerate(
        [("Kingston Imports Ltd", 1), ("Kingston Traders", 2), ("Montego Supplies", 1), ("Kingston Old", 40)]
    ):
        c = consignment(f"MEDU{n:07d}", eta=now - timedelta(days=days_ago, hours=1), consignee=name)
        rules.world.consignments.add_version(version_of(c))
    rules.ok("POST", "/profiles", "risk_manager", {"profile": PROFILE})
    result = rules.ok("POST", "/profiles/kingston-imports/test", "risk_manager", {"days": 7})
    assert (result["evaluated"], result["selected"], result["version"]) == (3, 2, 1)
    assert result["by_level"] == {"none": 0, "amber": 2, "red": 0}
    assert {s["key"].rsplit(":", 1)[-1] for s in result["sample"]} == {"MEDU0000000", "MEDU0000001"}
    assert all(s["indicators"] == ["cnee"] and s["score"] == 60 for s in result["sample"])
    assert result["truncated"] is False
    assert "party-history" in result["note"]
    unsaved = {**PROFILE, "indicators": [{**PROFILE["indicators"][0], "values": ["montego"]}]}
    other = rules.ok("POST", "/profiles/kingston-imports/test", "risk_manager", {"days": 7, "profile": unsaved})
    assert (other["selected"], other["version"]) == (1, None)
    status, data = rules.call("POST", "/profiles/kingston-imports/test", "risk_manager", {"days": 366})
    assert (status, data["code"]) == (400, "validation_failed")


# ---------------------------------------------------------------- watch lists


def test_watchlist_entries_are_versioned_edited_optimistically_and_removed_with_history(rules: Rules) -> None:
    created = rules.ok("POST", "/watchlists/entries", "risk_manager", {"entry": ENTRY, "reason": "tip-off"})
    assert (created["version"], created["in_force"], created["rescore"]["queued"]) == (1, True, True)
    edited = rules.ok(
        "PUT", "/watchlists/entries/wl-acme", "administrator", {"version": 1, "entry": {**ENTRY, "weight": 90}}
    )
    assert edited["version"] == 2
    status, data = rules.call("PUT", "/watchlists/entries/wl-acme", "risk_manager", {"version": 1, "entry": ENTRY})
    assert (status, data["code"]) == (409, "stale_version")
    status, data = rules.call("DELETE", "/watchlists/entries/wl-acme", "risk_manager", {"version": 2})
    assert (status, data["code"]) == (400, "validation_failed")  # a removal needs a reason
    removed = rules.ok("DELETE", "/watchlists/entries/wl-acme", "risk_manager", {"version": 2, "reason": "cleared"})
    assert (removed["version"], removed["in_force"]) == (3, False)
    detail = rules.ok("GET", "/watchlists/entries/wl-acme", "auditor")
    assert detail["removed"] is True
    assert [(v["version"], v["change"], v["by"]) for v in detail["history"]] == [
        (1, "create", "risk_manager"),
        (2, "edit", "administrator"),
        (3, "remove", "risk_manager"),
    ]
    assert len(rules.rescore.calls) == 3


def test_watchlist_listing_filters_by_kind_and_text_and_pages(rules: Rules) -> None:
    rules.ok("POST", "/watchlists/entries", "risk_manager", {"entry": ENTRY})
    rules.ok(
        "POST", "/watchlists/entries", "risk_manager", {"entry": {**ENTRY, "id": "wl-beta", "value": "BETA SHIPPING"}}
    )
    port = {"id": "wl-port", "kind": "port", "value": "NLRTM", "reason": "r", "category": "c"}
    rules.ok("POST", "/watchlists/entries", "risk_manager", {"entry": port})
    assert rules.ok("GET", "/watchlists?kind=port", "supervisor")["total"] == 1
    found = rules.ok("GET", "/watchlists?q=acme", "risk_manager")
    assert [e["id"] for e in found["entries"]] == ["wl-acme"]
    page = rules.ok("GET", "/watchlists?page=2&page_size=2", "risk_manager")
    assert (page["total"], [e["id"] for e in page["entries"]]) == (3, ["wl-port"])
    status, data = rules.call("GET", "/watchlists?kind=spaceship", "risk_manager")
    assert (status, data["code"]) == (400, "validation_failed")
    status, _ = rules.call("GET", "/watchlists", "targeting_analyst")
    assert status == 403


def test_a_bad_entry_is_refused_and_an_unknown_one_is_not_found(rules: Rules) -> None:
    status, data = rules.call(
        "POST", "/watchlists/entries", "risk_manager", {"entry": {**ENTRY, "kind": "container", "value": "MSKU1234560"}}
    )
    assert (status, data["code"]) == (400, "validation_failed")
    assert "ISO 6346" in data["message"]
    assert rules.call("GET", "/watchlists/entries/nope", "risk_manager")[0] == 404
    assert rules.call("PUT", "/watchlists/entries/nope", "risk_manager", {"version": 1, "entry": ENTRY})[0] == 400
    assert rules.call("PUT", "/watchlists/entries/wl-acme", "risk_manager", {"version": 1, "entry": ENTRY})[0] == 404


def test_a_csv_import_counts_and_names_the_lines_it_rejects(rules: Rules) -> None:
    rules.ok("POST", "/watchlists/entries", "risk_manager", {"entry": ENTRY})
    content = (
        "id,kind,value,aliases,category,weight,reason\n"
        "wl-acme,party,ACME TRADING,,narcotics,80,seizure in 2025\n"  # unchanged
        "wl-new,company,NEW CO,NEWCO;NEW COMPANY,weapons,50,intel\n"
        "wl-bad,container,MSKU1234560,,smuggling,50,bad check digit\n"
        "wl-beta,party,BETA,,narcotics,5000,weight too high\n"
    )
    result = rules.ok("POST", "/watchlists/import", "risk_manager", {"format": "csv", "content": content})
    assert (result["read"], result["created"], result["updated"], result["unchanged"], result["rejected"]) == (
        4,
        1,
        0,
        1,
        2,
    )
    assert [(e["line"], e["id"]) for e in result["errors"]] == [(4, "wl-bad"), (5, "wl-beta")]
    assert result["rescore"]["queued"] is True
    assert len(rules.rescore.calls) == 2  # the create, then one for the whole import
    assert rules.store.entries["wl-new"][-1].entry.aliases == ("NEWCO", "NEW COMPANY")


def test_a_json_rules_file_can_be_imported_as_content(rules: Rules) -> None:
    content = json.dumps({"watchlist": [ENTRY], "profiles": []})
    result = rules.ok("POST", "/watchlists/import", "risk_manager", {"format": "json", "content": content})
    assert (result["created"], result["rejected"]) == (1, 0)
    assert rules.store.entries["wl-acme"][-1].change.value == "import"


def test_a_json_import_updates_entries_as_new_versions(rules: Rules) -> None:
    rules.ok("POST", "/watchlists/entries", "risk_manager", {"entry": ENTRY})
    payload = {"format": "json", "entries": [{**ENTRY, "weight": 10}, {"id": "x"}]}
    result = rules.ok("POST", "/watchlists/import", "risk_manager", payload)
    assert (result["updated"], result["rejected"], result["errors"][0]["line"]) == (1, 1, 2)
    assert rules.store.entries["wl-acme"][-1].version == 2


@pytest.mark.parametrize(
    "payload",
    [
        {"format": "xml", "content": "<x/>"},
        {"format": "csv", "content": "name,thing\nA,B\n"},
        {"format": "csv"},
        {"format": "json", "content": "{not json"},
        {"format": "json", "entries": [ENTRY] * 2001},
    ],
)
def test_an_import_it_cannot_read_is_refused_whole(rules: Rules, payload: dict[str, Any]) -> None:
    status, data = rules.call("POST", "/watchlists/import", "risk_manager", payload)
    assert (status, data["code"]) == (400, "validation_failed")
    assert rules.rescore.calls == []
