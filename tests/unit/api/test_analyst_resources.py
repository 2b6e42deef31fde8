"""Issue 7's remaining resources over in-memory ports: the case board, the audit trail (and consignment views
recorded in it), case attachments, the caller's own subscriptions, user management, manifests, and the
consignment detail's party history and similar consignments."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from chalice.test import Client
from notification_fakes import FakeSubscriptions

from chalicelib.container import set_container
from cts.domain.attachments import MAX_SIZE
from cts.domain.audit import AuditEvent
from cts.domain.case_workflow import AuditEntry
from cts.domain.model import GoodsItem, Party, PartyRole
from cts.domain.parties import PartyPair
from cts.domain.search_view import SearchDocument
from fakes import FakePartyHistory
from fakes_api import (
    NOW,
    FakeAttachmentStore,
    FakeAuditLog,
    FakeCaseBoard,
    FakeUserDirectory,
    World,
    consignment,
    receipt,
    version_of,
)
from fakes_cases import MemoryCaseStore

JSON = {"Content-Type": "application/json"}
CASE_ID = "sea:MSCU:MEDU1234567#v1"
CASE_PATH = f"/cases/{quote(CASE_ID, safe='')}"


@dataclasses.dataclass
class Ports:
    world: World
    audit: FakeAuditLog
    board: FakeCaseBoard
    attachments: FakeAttachmentStore
    users: FakeUserDirectory
    subscriptions: FakeSubscriptions
    cases: MemoryCaseStore
    parties: FakePartyHistory

    def get(self, client: Client, who: str, path: str) -> Any:
        return client.http.get(path, headers=self.world.auth(who))

    def send(self, client: Client, method: str, who: str, path: str, payload: Any) -> Any:
        call = getattr(client.http, method.lower())
        return call(path, headers={**JSON, **self.world.auth(who)}, body=json.dumps(payload).encode())


@pytest.fixture
def ports(world: World) -> Ports:
    p = Ports(
        world,
        FakeAuditLog(),
        FakeCaseBoard(),
        FakeAttachmentStore(),
        FakeUserDirectory(),
        FakeSubscriptions(),
        MemoryCaseStore(),
        FakePartyHistory(),
    )
    set_container(
        dataclasses.replace(
            world.container,
            audit_log=p.audit,
            case_board=p.board,
            attachments=p.attachments,
            users=p.users,
            subscriptions=p.subscriptions,
            cases=p.cases,
            party_history=p.parties,
        )
    )
    return p


# ---------------------------------------------------------------- case board


def test_the_case_board_lists_open_cases_soonest_arrival_first_with_unknown_etas_last(
    ports: Ports, client: Client
) -> None:
    ports.board.add("C-late", eta=NOW + timedelta(days=3))
    ports.board.add("C-none", eta=None)
    ports.board.add("C-soon", status="triaged", owner="targeting_analyst", eta=NOW + timedelta(hours=5), score=95)
    ports.board.add("C-closed", status="closed", eta=NOW)
    answer = ports.get(client, "targeting_analyst", "/cases")
    assert answer.status_code == 200
    rows = answer.json_body["cases"]
    assert [r["case_id"] for r in rows] == ["C-soon", "C-late", "C-none"]
    first = rows[0]
    assert {"status", "owner", "consignment_key", "level", "score", "eta", "due_at", "overdue", "revision"} <= set(
        first
    )
    assert first["owner"] == "targeting_analyst"
    assert first["score"] == 95
    assert "sort_key" not in first
    assert answer.json_body["cursor"] is None


def test_the_case_board_pages_with_an_opaque_cursor_without_repeating_a_case(ports: Ports, client: Client) -> None:
    for n in range(5):
        ports.board.add(f"C{n}", eta=NOW + timedelta(hours=n))
    first = ports.get(client, "supervisor", "/cases?page_size=2").json_body
    assert [r["case_id"] for r in first["cases"]] == ["C0", "C1"]
    assert "#" not in first["cursor"]  # opaque, not the raw sort key
    second = ports.get(client, "supervisor", f"/cases?page_size=2&cursor={first['cursor']}").json_body
    third = ports.get(client, "supervisor", f"/cases?page_size=2&cursor={second['cursor']}").json_body
    assert [r["case_id"] for r in second["cases"] + third["cases"]] == ["C2", "C3", "C4"]
    assert third["cursor"] is None


def test_owner_me_is_the_callers_own_cases_and_a_status_filter_is_one_partition(ports: Ports, client: Client) -> None:
    ports.board.add("Mine", status="triaged", owner="examination_officer")
    ports.board.add("Theirs", status="triaged", owner="targeting_analyst")
    rows = ports.get(client, "examination_officer", "/cases?owner=me").json_body["cases"]
    assert [r["case_id"] for r in rows] == ["Mine"]
    ports.get(client, "supervisor", "/cases?status=closed&owner=targeting_analyst")
    assert ports.board.asked[-1]["owner"] == "targeting_analyst"
    assert [s.value for s in ports.board.asked[-1]["statuses"]] == ["closed"]


def test_a_case_past_its_step_due_time_is_overdue(ports: Ports, client: Client) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    ports.board.add("Late", due_at=past)
    ports.board.add("Fine", due_at=datetime.now(UTC) + timedelta(hours=2))
    rows = {r["case_id"]: r for r in ports.get(client, "supervisor", "/cases").json_body["cases"]}
    assert rows["Late"]["overdue"] is True
    assert rows["Fine"]["overdue"] is False


@pytest.mark.parametrize("query", ["status=lost", "page_size=0", "page_size=201", "cursor=%%%", "cursor=bm9oYXNo"])
def test_bad_case_board_queries_are_400(ports: Ports, client: Client, query: str) -> None:
    answer = ports.get(client, "supervisor", f"/cases?{query}")
    assert answer.status_code == 400
    assert answer.json_body["code"] == "validation_failed"


def test_the_case_board_is_refused_to_a_carrier_and_503_without_a_board(world: World, client: Client) -> None:
    assert client.http.get("/cases", headers=world.auth("carrier")).status_code == 403
    assert client.http.get("/cases", headers=world.auth("supervisor")).status_code == 503


# ---------------------------------------------------------------- audit


def test_viewing_a_consignment_records_who_saw_it_and_when(ports: Ports, client: Client) -> None:
    c = consignment()
    ports.world.consignments.add_version(version_of(c))
    path = f"/consignments/{quote(c.key, safe='')}"
    assert ports.get(client, "targeting_analyst", path).status_code == 200
    (entry,) = ports.audit.entries
    assert (entry.actor, entry.action, entry.subject) == ("targeting_analyst", "view", f"consignment:{c.key}")
    assert entry.roles == ("targeting_analyst",)
    answer = ports.get(client, "auditor", f"/audit?subject={quote(f'consignment:{c.key}', safe='')}")
    assert answer.status_code == 200
    assert [e["actor"] for e in answer.json_body["entries"]] == ["targeting_analyst"]


def test_a_consignment_that_does_not_exist_records_no_view(ports: Ports, client: Client) -> None:
    assert ports.get(client, "targeting_analyst", "/consignments/sea%3AX%3AY").status_code == 404
    assert ports.audit.entries == []


def _event(n: int, actor: str = "ann", subject: str = "profile:P1", at: datetime = NOW) -> AuditEvent:
    return AuditEvent(
        event_id=f"event-{n:04d}", at=at + timedelta(minutes=n), actor=actor, action="update", subject=subject
    )


def test_the_audit_trail_answers_by_actor_and_by_day_newest_first_in_pages(ports: Ports, client: Client) -> None:
    for n in range(3):
        ports.audit.record(_event(n))
    ports.audit.record(_event(9, actor="bob", at=NOW + timedelta(days=1)))
    page = ports.get(client, "supervisor", "/audit?actor=ann&limit=2").json_body
    assert [e["event_id"] for e in page["entries"]] == ["event-0002", "event-0001"]
    rest = ports.get(client, "supervisor", f"/audit?actor=ann&limit=2&cursor={page['cursor']}").json_body
    assert [e["event_id"] for e in rest["entries"]] == ["event-0000"]
    assert rest["cursor"] is None
    day = (NOW + timedelta(days=1)).date().isoformat()
    assert [e["actor"] for e in ports.get(client, "auditor", f"/audit?day={day}").json_body["entries"]] == ["bob"]


def test_a_case_subject_includes_the_case_workflows_own_trail(ports: Ports, client: Client) -> None:
    ports.cases.trail.append(
        AuditEntry(
            case_id=CASE_ID, revision=1, at=NOW, actor="officer", action="claim", from_status="new", to_status="triaged"
        )
    )
    ports.cases.audit_trail = lambda case_id: [e for e in ports.cases.trail if e.case_id == case_id]  # type: ignore[method-assign]
    ports.audit.record(_event(5, actor="officer", subject=f"case:{CASE_ID}"))
    subject = quote(f"case:{CASE_ID}", safe="")
    entries = ports.get(client, "auditor", f"/audit?subject={subject}").json_body["entries"]
    assert [(e["action"], e["actor"]) for e in entries] == [("update", "officer"), ("claim", "officer")]
    assert entries[1]["details"]["to_status"] == "triaged"


@pytest.mark.parametrize(
    "query", ["", "actor=a&day=2025-03-01", "day=yesterday", "actor=a&limit=500", "actor=a&cursor=x"]
)
def test_the_audit_trail_wants_exactly_one_valid_filter(ports: Ports, client: Client, query: str) -> None:
    answer = ports.get(client, "auditor", f"/audit?{query}")
    assert answer.status_code == 400, answer.json_body


@pytest.mark.parametrize("who", ["targeting_analyst", "risk_manager", "examination_officer", "carrier"])
def test_only_auditors_supervisors_and_administrators_read_the_audit_trail(
    ports: Ports, client: Client, who: str
) -> None:
    assert ports.get(client, who, "/audit?actor=ann").status_code == 403


# ---------------------------------------------------------------- attachments


def _open_case(ports: Ports) -> None:
    ports.cases.open(CASE_ID)


def test_an_attachment_slot_is_a_presigned_put_bound_to_the_declared_type_and_size(
    ports: Ports, client: Client
) -> None:
    _open_case(ports)
    body = {"filename": "seal photo.jpg", "content_type": "image/jpeg", "size": 123_456}
    answer = ports.send(client, "POST", "examination_officer", f"{CASE_PATH}/attachments", body)
    assert answer.status_code == 200, answer.json_body
    slot = answer.json_body
    assert slot["method"] == "PUT"
    assert slot["headers"] == {"Content-Type": "image/jpeg"}
    assert 0 < slot["expires_in"] <= 900
    ((key, content_type, size, _),) = ports.attachments.signed
    assert key == f"cases/{quote(CASE_ID, safe='')}/{slot['attachment_id']}/seal_photo.jpg"
    assert (content_type, size) == ("image/jpeg", 123_456)
    (entry,) = ports.audit.entries
    assert (entry.action, entry.subject, entry.details["filename"]) == ("attach", f"case:{CASE_ID}", "seal_photo.jpg")


def test_attachments_are_listed_with_download_urls(ports: Ports, client: Client) -> None:
    _open_case(ports)
    ports.attachments.upload(f"cases/{quote(CASE_ID, safe='')}/{'a' * 32}/scan.pdf", 2048)
    ports.attachments.upload(f"cases/other/{'b' * 32}/not-mine.pdf", 10)
    answer = ports.get(client, "auditor", f"{CASE_PATH}/attachments")
    assert answer.status_code == 200
    (only,) = answer.json_body["attachments"]
    assert (only["filename"], only["size"]) == ("scan.pdf", 2048)
    assert only["download_url"].startswith("https://")
    assert "scan.pdf" in only["download_url"]


@pytest.mark.parametrize(
    "body",
    [
        {"filename": "x.exe", "content_type": "application/x-msdownload", "size": 10},
        {"filename": "big.pdf", "content_type": "application/pdf", "size": MAX_SIZE + 1},
        {"filename": "empty.pdf", "content_type": "application/pdf", "size": 0},
        {"filename": "<script>.txt", "content_type": "text/plain", "size": 10},
        {"filename": "a.pdf", "content_type": "application/pdf"},
        {"filename": "a.pdf", "content_type": "application/pdf", "size": 10, "acl": "public-read"},
    ],
)
def test_attachment_requests_outside_the_rules_are_400(ports: Ports, client: Client, body: dict[str, Any]) -> None:
    _open_case(ports)
    answer = ports.send(client, "POST", "examination_officer", f"{CASE_PATH}/attachments", body)
    assert answer.status_code == 400
    assert answer.json_body["code"] == "validation_failed"
    assert ports.attachments.signed == []


def test_attachments_of_an_unknown_case_are_404_and_auditors_cannot_attach(ports: Ports, client: Client) -> None:
    body = {"filename": "a.pdf", "content_type": "application/pdf", "size": 10}
    assert ports.send(client, "POST", "examination_officer", f"{CASE_PATH}/attachments", body).status_code == 404
    assert ports.get(client, "supervisor", f"{CASE_PATH}/attachments").status_code == 404
    _open_case(ports)
    assert ports.send(client, "POST", "auditor", f"{CASE_PATH}/attachments", body).status_code == 403


# ---------------------------------------------------------------- subscriptions


def test_a_user_sets_and_reads_its_own_subscription_sent_to_its_directory_address(ports: Ports, client: Client) -> None:
    ports.users.put("targeting_analyst", "ta@customs.example", "targeting_analyst")
    body = {
        "ports": ["jmkin"],
        "modes": ["sea"],
        "directions": ["import"],
        "categories": ["Narcotics"],
        "min_level": "red",
        "supervisor": True,
    }
    answer = ports.send(client, "PUT", "targeting_analyst", "/me/subscriptions", body)
    assert answer.status_code == 200, answer.json_body
    saved = answer.json_body
    assert saved["email"] == "ta@customs.example"
    assert saved["ports"] == ["JMKIN"]
    assert saved["categories"] == ["narcotics"]
    assert saved["min_level"] == "red"
    assert saved["supervisor"] is False  # escalations are for supervisors only
    listed = ports.get(client, "targeting_analyst", "/me/subscriptions").json_body["subscriptions"]
    assert [s["subscription_id"] for s in listed] == ["main"]
    assert ports.get(client, "risk_manager", "/me/subscriptions").json_body["subscriptions"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"email": "someone@else.example"},
        {"min_level": "purple"},
        {"modes": ["rocket"]},
        {"ports": [""]},
        {"subscription_id": "a/b"},
    ],
)
def test_bad_subscriptions_are_400(ports: Ports, client: Client, body: dict[str, Any]) -> None:
    ports.users.put("auditor", "au@customs.example", "auditor")
    assert ports.send(client, "PUT", "auditor", "/me/subscriptions", body).status_code == 400
    assert ports.subscriptions.items == {}


def test_a_user_without_an_email_cannot_subscribe_and_a_carrier_may_not(ports: Ports, client: Client) -> None:
    assert ports.send(client, "PUT", "supervisor", "/me/subscriptions", {}).status_code == 400
    assert ports.send(client, "PUT", "carrier", "/me/subscriptions", {}).status_code == 403


# ---------------------------------------------------------------- users


def test_an_administrator_creates_a_user_with_groups_and_no_password_is_ever_returned(
    ports: Ports, client: Client
) -> None:
    ports.users.put("administrator", "admin@customs.example", "administrator")
    body = {"username": "new.officer", "email": "no@customs.example", "groups": ["examination_officer"]}
    answer = ports.send(client, "POST", "administrator", "/users", body)
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body["status"] == "FORCE_CHANGE_PASSWORD"
    assert not [field for field in answer.json_body if "password" in field.lower()]
    listed = ports.get(client, "administrator", "/users").json_body["users"]
    assert {u["username"]: u["groups"] for u in listed}["new.officer"] == ["examination_officer"]
    (entry,) = ports.audit.entries
    assert (entry.action, entry.subject) == ("create_user", "user:new.officer")
    assert ports.send(client, "POST", "administrator", "/users", body).status_code == 409


def test_groups_are_replaced_and_a_user_is_disabled(ports: Ports, client: Client) -> None:
    ports.users.put("ann", "ann@customs.example", "targeting_analyst")
    changed = ports.send(client, "PUT", "administrator", "/users/ann/groups", {"groups": ["supervisor", "auditor"]})
    assert changed.status_code == 200
    assert changed.json_body["groups"] == ["auditor", "supervisor"]
    disabled = client.http.post("/users/ann/disable", headers=ports.world.auth("administrator"))
    assert disabled.status_code == 200
    assert disabled.json_body["enabled"] is False
    assert [e.action for e in ports.audit.entries] == ["set_groups", "disable_user"]


@pytest.mark.parametrize(
    "body",
    [
        {"username": "x", "email": "x@y.example", "groups": ["auditor"]},
        {"username": "carrier.one", "email": "c@y.example", "groups": ["carrier"]},
        {"username": "two.hats", "email": "c@y.example", "groups": ["carrier", "auditor"], "carrier_id": "msc"},
        {"username": "ann.b", "email": "not-an-email", "groups": ["auditor"]},
        {"username": "ann.b", "email": "a@y.example", "groups": ["pirate"]},
        {"username": "ann.b", "email": "a@y.example", "groups": []},
        {"username": "ann.b", "email": "a@y.example", "groups": ["auditor"], "password": "hunter2"},
    ],
)
def test_invalid_new_users_are_400(ports: Ports, client: Client, body: dict[str, Any]) -> None:
    assert ports.send(client, "POST", "administrator", "/users", body).status_code == 400
    assert ports.users.users == {}


def test_an_administrator_cannot_lock_itself_out_and_unknown_users_are_404(ports: Ports, client: Client) -> None:
    ports.users.put("administrator", "admin@customs.example", "administrator")
    own = ports.send(client, "PUT", "administrator", "/users/administrator/groups", {"groups": ["auditor"]})
    assert own.status_code == 400
    assert (
        client.http.post("/users/administrator/disable", headers=ports.world.auth("administrator")).status_code == 400
    )
    assert ports.send(client, "PUT", "administrator", "/users/ghost/groups", {"groups": ["auditor"]}).status_code == 404
    assert client.http.post("/users/ghost/disable", headers=ports.world.auth("administrator")).status_code == 404


@pytest.mark.parametrize("who", ["supervisor", "risk_manager", "auditor", "carrier"])
def test_only_administrators_manage_users(ports: Ports, client: Client, who: str) -> None:
    assert ports.get(client, who, "/users").status_code == 403


# ---------------------------------------------------------------- manifests


def test_a_manifest_lists_its_receipt_and_consignments_for_customs_and_its_own_carrier(
    ports: Ports, client: Client
) -> None:
    ports.world.receipts.put(receipt("file-1", "msc"))
    ports.world.consignments.add_version(version_of(consignment("MEDU1"), 1))
    ports.world.consignments.add_version(version_of(consignment("MEDU2"), 1))
    for who in ("targeting_analyst", "carrier"):
        answer = ports.get(client, who, "/manifests/file-1")
        assert answer.status_code == 200, (who, answer.json_body)
        assert answer.json_body["receipt"]["carrier_id"] == "msc"
        assert {c["key"] for c in answer.json_body["consignments"]} == {
            consignment("MEDU1").key,
            consignment("MEDU2").key,
        }


def test_another_carriers_manifest_is_404(ports: Ports, client: Client) -> None:
    ports.world.receipts.put(receipt("file-1", "msc"))
    assert ports.get(client, "other_carrier", "/manifests/file-1").status_code == 404
    assert ports.get(client, "unlinked_carrier", "/manifests/file-1").status_code == 404
    assert ports.get(client, "targeting_analyst", "/manifests/nope").status_code == 404
    assert ports.get(client, "examination_officer", "/manifests/file-1").status_code == 403


# ---------------------------------------------------------------- consignment detail context


def test_the_detail_shows_the_parties_history_and_similar_past_consignments_but_not_itself(
    ports: Ports, client: Client
) -> None:
    c = consignment("MEDU9").model_copy(
        update={
            "parties": [
                Party(role=PartyRole.CONSIGNOR, name="Andes Fruit SA"),
                Party(role=PartyRole.CONSIGNEE, name="Kingston Imports Ltd"),
            ],
            "goods": [GoodsItem(sequence=1, hs_code="080390", description="bananas")],
        }
    )
    ports.world.consignments.add_version(version_of(c))
    ports.parties.record("sea:MSCU:FIRST", PartyPair.of(c), date(2024, 5, 1))
    for n, key in enumerate([c.key, "sea:MSCU:OLD1", "sea:MSCU:OLD2"]):
        ports.world.search.docs[key] = SearchDocument(
            key=key,
            version=1,
            mode="sea",
            direction="import",
            document_number=f"D{n}",
            consignee_name="Kingston Imports Ltd",
            hs_codes=("080390",),
            parties_text="Kingston Imports Ltd",
        )
    body = ports.get(client, "targeting_analyst", f"/consignments/{quote(c.key, safe='')}").json_body
    history = body["party_history"]
    assert history["consignee_first_seen"] == "2024-05-01"
    assert history["consignee_first_key"] == "sea:MSCU:FIRST"
    assert history["pair_first_seen"] == "2024-05-01"
    similar = [s["key"] for s in body["similar"]]
    assert c.key not in similar
    assert set(similar) <= {"sea:MSCU:OLD1", "sea:MSCU:OLD2"}
    assert similar


@pytest.mark.parametrize("cursor", ["bm9wZQ", "eyJwIjogIkZJTEUjb3RoZXIiLCAiayI6IG51bGx9", "%%%"])
def test_a_manifest_cursor_that_this_api_did_not_give_for_this_file_is_400(
    ports: Ports, client: Client, cursor: str
) -> None:
    ports.world.receipts.put(receipt("file-1", "msc"))
    answer = ports.get(client, "targeting_analyst", f"/manifests/file-1?cursor={cursor}")
    assert answer.status_code == 400
    assert answer.json_body["code"] == "validation_failed"


def test_the_real_container_builds_the_attachment_store_only_when_a_bucket_is_configured() -> None:
    from chalicelib.container import build_container

    env = {
        "CTS_COUNTRY": "JM",
        "AWS_REGION": "us-east-1",
        "CTS_INBOX_BUCKET": "inbox",
        "CTS_RECEIPTS_BUCKET": "receipts",
        "CTS_RECORDS_TABLE": "records",
        "CTS_USER_POOL_ID": "us-east-1_pool",
        "CTS_USER_POOL_CLIENT_ID": "client",
        "CTS_SEARCH_PATH": "/tmp/none.sqlite3",
    }
    assert build_container(env).attachments is None
    store: Any = build_container({**env, "CTS_ATTACHMENTS_BUCKET": "attachments"}).attachments
    assert store.bucket == "attachments"
