from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from chalice.test import Client

from cts.domain.alerts import AlertStatus
from cts.domain.errors import Unavailable
from cts.ports.search import SearchDocument
from fakes_api import NOW, World, alert, assessment_for, consignment, hit, receipt, version_of

JSON = {"Content-Type": "application/json"}


def body(response: Any) -> Any:
    return json.loads(response.body)


def post(client: Client, path: str, payload: Any, headers: dict[str, str] | None = None) -> Any:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.http.post(path, headers={**JSON, **(headers or {})}, body=raw)


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.body
    data = body(response)
    assert data["code"] == code
    assert isinstance(data["message"], str)
    assert data["message"]


PROTECTED = [
    ("GET", "/me"),
    ("GET", "/me/mfa"),
    ("POST", "/me/mfa"),
    ("POST", "/me/mfa/confirm"),
    ("GET", "/consignments"),
    ("GET", "/consignments/sea%3AMSCU%3AX"),
    ("GET", "/alerts"),
    ("POST", "/alerts/a1/ack"),
    ("GET", "/alerts/updates?since=2026-11-25T10%3A00%3A00%2B00%3A00"),
    ("POST", "/alerts/a1/read"),
    ("GET", "/receipts?carrier_id=msc"),
    ("GET", "/receipts/f1"),
    ("POST", "/uploads"),
    ("GET", "/cases/sea%3AMSCU%3AX%23v1"),
    ("POST", "/cases/sea%3AMSCU%3AX%23v1/claim"),
    ("POST", "/cases/sea%3AMSCU%3AX%23v1/assign"),
    ("POST", "/cases/sea%3AMSCU%3AX%23v1/decide"),
    ("POST", "/cases/sea%3AMSCU%3AX%23v1/examination"),
    ("POST", "/cases/sea%3AMSCU%3AX%23v1/close"),
    ("POST", "/cases/sea%3AMSCU%3AX%23v1/notes"),
    ("GET", "/profiles?status=active"),
    ("POST", "/profiles"),
    ("GET", "/profiles/p1"),
    ("PUT", "/profiles/p1"),
    *[("POST", f"/profiles/p1/{step}") for step in ("submit", "approve", "reject", "activate", "retire", "test")],
    ("GET", "/watchlists?kind=party"),
    ("POST", "/watchlists/entries"),
    ("GET", "/watchlists/entries/w1"),
    ("PUT", "/watchlists/entries/w1"),
    ("DELETE", "/watchlists/entries/w1"),
    ("POST", "/watchlists/import"),
    ("GET", "/cases?status=open"),
    ("GET", "/cases/sea%3AMSCU%3AX%23v1/attachments"),
    ("POST", "/cases/sea%3AMSCU%3AX%23v1/attachments"),
    ("GET", "/audit?actor=ann"),
    ("GET", "/me/subscriptions"),
    ("PUT", "/me/subscriptions"),
    ("GET", "/users"),
    ("POST", "/users"),
    ("PUT", "/users/ann/groups"),
    ("POST", "/users/ann/disable"),
    ("GET", "/manifests/f1"),
    ("GET", "/reports/overview"),
    ("GET", "/reports/hit-rates?by=profile"),
    ("GET", "/reports/profile-review"),
    ("GET", "/reports/workload"),
    ("GET", "/reports/carriers?format=csv"),
    ("GET", "/reports/monthly.pdf?month=2026-10"),
]


# ---------------------------------------------------------------- health and authentication


def test_health_answers_without_a_token_and_names_the_country(client: Client) -> None:
    response = client.http.get("/health")
    assert response.status_code == 200
    assert body(response) == {"status": "ok", "country": "JM"}


PUBLIC = {("GET", "/health"), ("POST", "/auth/login"), ("POST", "/auth/challenge"), ("GET", "/openapi.json")}


def test_every_registered_route_is_either_public_or_checked_for_a_token_here() -> None:
    from app import app

    unchecked = []
    for template, methods in app.routes.items():
        pattern = re.compile("^" + re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(template)) + "$")
        for method in methods:
            listed = any(m == method and pattern.match(p.split("?", 1)[0]) for m, p in PROTECTED)
            if (method, template) not in PUBLIC and not listed:
                unchecked.append((method, template))
    assert unchecked == []


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_other_route_needs_a_bearer_token(client: Client, method: str, path: str) -> None:
    response = client.http.request(method, path, headers=JSON, body=b"{}")
    assert_error(response, 401, "unauthorized")
    assert response.headers.get("WWW-Authenticate") == "Bearer"


@pytest.mark.parametrize("header", ["Bearer token-nope", "Basic dXNlcjpwYXNz", "Bearer", "token-auditor"])
def test_a_token_that_does_not_verify_or_is_not_bearer_is_unauthorized(client: Client, header: str) -> None:
    assert_error(client.http.get("/alerts", headers={"Authorization": header}), 401, "unauthorized")


def test_sign_in_returns_tokens_for_the_right_password(client: Client) -> None:
    response = post(client, "/auth/login", {"username": "supervisor", "password": "secret"})
    assert response.status_code == 200
    data = body(response)
    assert data["id_token"] == "token-supervisor"
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] == 3600


def test_sign_in_with_a_wrong_password_or_unknown_user_is_unauthorized(client: Client) -> None:
    assert_error(post(client, "/auth/login", {"username": "supervisor", "password": "guess"}), 401, "unauthorized")
    assert_error(post(client, "/auth/login", {"username": "ghost", "password": "secret"}), 401, "unauthorized")


@pytest.mark.parametrize(
    "payload",
    [b"", b"not json", b"[1, 2]", {"username": "supervisor"}, {"username": "", "password": "x"}, {"username": 1}],
)
def test_sign_in_with_a_malformed_body_is_a_400_not_a_500(client: Client, payload: Any) -> None:
    assert_error(post(client, "/auth/login", payload), 400, "validation_failed")


def test_me_describes_the_signed_in_user_and_what_it_may_do(client: Client, world: World) -> None:
    data = body(client.http.get("/me", headers=world.auth("carrier")))
    assert data == {
        "username": "carrier",
        "roles": ["carrier"],
        "carrier_id": "msc",
        "actions": ["upload_manifest", "view_own_receipts"],
    }


# ---------------------------------------------------------------- consignments


def _index(world: World, number: str, consignee: str, level: str = "none") -> str:
    c = consignment(number=number, consignee=consignee)
    world.search.index([SearchDocument.from_consignment(c.key, 1, c, level=level, received_at=NOW)])
    return c.key


def test_consignment_search_passes_text_mode_level_sort_and_page_to_the_index(client: Client, world: World) -> None:
    _index(world, "AAA1", "Blue Mountain Coffee")
    _index(world, "BBB2", "Kingston Imports", level="amber")
    response = client.http.get(
        "/consignments?q=kingston&mode=sea&level=amber&sort=-eta&page=1&page_size=10", headers=world.auth("auditor")
    )
    assert response.status_code == 200
    data = body(response)
    assert data["total"] == 1
    assert [item["document_number"] for item in data["hits"]] == ["BBB2"]
    sent = world.search.queries[-1]
    assert (sent.text, sent.modes, sent.levels, sent.sort, sent.page_size) == (
        "kingston",
        ("sea",),
        ("amber",),
        "-eta",
        10,
    )


def test_consignment_search_passes_every_filter_list_range_and_facet_to_the_index(client: Client, world: World) -> None:
    query = (
        "mode=sea,air&direction=import&level=red,amber&port=jmkin,USMIA&country=co&hs=9306.21&carrier=mscu"
        "&journey=VOY12&eta_from=2026-11-25&eta_to=2026-11-26&etd_to=2026-11-20T12:00:00Z&score_min=30&score_max=90"
        "&profile=p-guns&alert_status=new&case_status=referred,examined&sort=-score&facets=level,ports&facet_size=5"
    )
    assert client.http.get(f"/consignments?{query}", headers=world.auth("targeting_analyst")).status_code == 200
    sent = world.search.queries[-1]
    assert (sent.modes, sent.directions, sent.levels) == (("sea", "air"), ("import",), ("red", "amber"))
    assert (sent.ports, sent.countries, sent.hs_prefix) == (("JMKIN", "USMIA"), ("CO",), "930621")
    assert (sent.carrier, sent.journey_id, sent.profile) == ("MSCU", "VOY12", "p-guns")
    assert (sent.score_min, sent.score_max, sent.sort) == (30, 90, "-score")
    assert (sent.alert_statuses, sent.case_statuses) == (("new",), ("referred", "examined"))
    assert (sent.facets, sent.facet_size) == (("level", "ports"), 5)
    # A date is its whole day: from its first instant, to its last.
    assert sent.eta_from is not None
    assert sent.eta_to is not None
    assert sent.etd_to is not None
    assert sent.eta_from.isoformat() == "2026-11-25T00:00:00+00:00"
    assert sent.eta_to.isoformat() == "2026-11-26T23:59:59.999999+00:00"
    assert sent.etd_to.isoformat() == "2026-11-20T12:00:00+00:00"


def test_consignment_search_answers_facet_counts_over_all_matches_not_just_the_page(
    client: Client, world: World, tmp_path: Any
) -> None:
    from cts.adapters.embedded_search import EmbeddedSearchIndex

    engine = EmbeddedSearchIndex(tmp_path / "search.db")
    engine.ensure_ready()
    from dataclasses import replace

    from chalicelib.container import set_container

    set_container(replace(world.container, search=engine))  # the world fixture resets the container afterwards
    docs = []
    for number, level in (("R1", "red"), ("R2", "red"), ("A1", "amber"), ("N1", "none")):
        c = consignment(number=number)
        docs.append(SearchDocument.from_consignment(c.key, 1, c, level=level, received_at=NOW))
    engine.index(docs)
    engine.refresh()
    data = body(client.http.get("/consignments?page_size=1&facets=level,mode", headers=world.auth("auditor")))
    assert (data["total"], len(data["hits"])) == (4, 1)
    assert data["facets"] == {"level": {"red": 2, "amber": 1, "none": 1}, "mode": {"sea": 4}}
    filtered = body(client.http.get("/consignments?level=red,amber&facets=level", headers=world.auth("auditor")))
    assert filtered["facets"] == {"level": {"red": 2, "amber": 1}}


@pytest.mark.parametrize(
    "query",
    [
        "facets=password",
        "eta_from=2026-11-26&eta_to=2026-11-25",
        "score_min=90&score_max=10",
        "hs=guns",
        "eta_from=yesterday",
        "mode=" + ",".join(["sea"] * 51),
        "level=,",
    ],
)
def test_consignment_search_rejects_unknown_facets_inverted_ranges_and_bad_lists_with_400(
    client: Client, world: World, query: str
) -> None:
    response = client.http.get(f"/consignments?{query}", headers=world.auth("auditor"))
    assert response.status_code == 400, response.body
    assert body(response)["code"] in {"validation_failed", "invalid_search_query"}


@pytest.mark.parametrize("query", ["sort=cheapest", "page=abc", "page=0", "page_size=5000"])
def test_consignment_search_rejects_bad_parameters_with_400(client: Client, world: World, query: str) -> None:
    assert_error(client.http.get(f"/consignments?{query}", headers=world.auth("auditor")), 400, "validation_failed")


def test_a_carrier_cannot_search_consignments(client: Client, world: World) -> None:
    assert_error(client.http.get("/consignments", headers=world.auth("carrier")), 403, "forbidden")


def test_consignment_detail_decodes_the_key_and_explains_the_score_hit_by_hit(client: Client, world: World) -> None:
    c = consignment(number="HBL9", master="MBL1")
    assert "/" in c.key
    assert ":" in c.key
    world.consignments.add_version(version_of(c, 1))
    world.consignments.add_version(version_of(c, 2))
    hits = [hit(40, "consignee on watch list"), hit(25, "route via transshipment hub")]
    world.assessments.put(assessment_for(c.key, 2, hits))
    response = client.http.get(f"/consignments/{quote(c.key, safe='')}", headers=world.auth("targeting_analyst"))
    assert response.status_code == 200, response.body
    data = body(response)
    assert data["key"] == c.key
    assert data["latest"]["version"] == 2
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert data["assessment"]["score"] == 65
    assert [(h["points"], h["reason"]) for h in data["assessment"]["hits"]] == [
        (40, "consignee on watch list"),
        (25, "route via transshipment hub"),
    ]


def test_an_unknown_consignment_is_404(client: Client, world: World) -> None:
    response = client.http.get("/consignments/sea%3AMSCU%3ANOPE", headers=world.auth("auditor"))
    assert_error(response, 404, "not_found")


def test_a_search_engine_outage_is_503(client: Client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(query: object) -> None:
        raise Unavailable("search is down")

    monkeypatch.setattr(world.search, "search", down)
    assert_error(client.http.get("/consignments", headers=world.auth("auditor")), 503, "unavailable")


def test_an_unexpected_error_is_a_500_without_internals(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(key: str) -> None:
        raise RuntimeError("secret table name cts-jm-records")

    monkeypatch.setattr(world.consignments, "latest", broken)
    response = client.http.get("/consignments/k", headers=world.auth("auditor"))
    assert_error(response, 500, "internal")
    assert b"cts-jm-records" not in response.body


# ---------------------------------------------------------------- alerts


def test_alert_inbox_lists_new_alerts_soonest_arrival_first(client: Client, world: World) -> None:
    world.alerts.add(alert("sea:MSCU:LATE", NOW + timedelta(days=5)))
    world.alerts.add(alert("sea:MSCU:SOON", NOW + timedelta(hours=3)))
    world.alerts.add(alert("sea:MSCU:DONE", NOW, status=AlertStatus.ACKNOWLEDGED))
    response = client.http.get("/alerts", headers=world.auth("examination_officer"))
    assert response.status_code == 200
    assert [a["key"] for a in body(response)["alerts"]] == ["sea:MSCU:SOON", "sea:MSCU:LATE"]


def test_alert_inbox_rejects_an_unknown_status(client: Client, world: World) -> None:
    assert_error(client.http.get("/alerts?status=urgent", headers=world.auth("auditor")), 400, "validation_failed")


def test_acknowledging_an_alert_moves_it_out_of_the_new_inbox(client: Client, world: World) -> None:
    a = alert("sea:MSCU/MBL1:HBL9", NOW)
    world.alerts.add(a)
    path = f"/alerts/{quote(a.alert_id, safe='')}/ack"
    response = client.http.post(path, headers=world.auth("targeting_analyst"))
    assert response.status_code == 200, response.body
    assert body(response)["status"] == "acknowledged"
    assert world.alerts.inbox(AlertStatus.NEW) == []
    again = client.http.post(path, headers=world.auth("targeting_analyst"))
    assert again.status_code == 200


def test_acknowledging_a_closed_alert_is_a_conflict_and_a_missing_one_404(client: Client, world: World) -> None:
    world.alerts.add(alert("sea:MSCU:X", NOW, status=AlertStatus.CLOSED))
    assert_error(client.http.post("/alerts/sea%3AMSCU%3AX%23v1/ack", headers=world.auth("supervisor")), 409, "conflict")
    assert_error(client.http.post("/alerts/nope/ack", headers=world.auth("supervisor")), 404, "not_found")


@pytest.mark.parametrize("who", ["auditor", "carrier", "nobody"])
def test_roles_without_ack_permission_are_forbidden_to_acknowledge(client: Client, world: World, who: str) -> None:
    world.alerts.add(alert("sea:MSCU:X", NOW))
    response = client.http.post("/alerts/sea%3AMSCU%3AX%23v1/ack", headers=world.auth(who))
    assert_error(response, 403, "forbidden")
    assert world.alerts.get("sea:MSCU:X#v1").status is AlertStatus.NEW  # type: ignore[union-attr]


# ---------------------------------------------------------------- receipts


@pytest.fixture
def receipts(world: World) -> World:
    world.receipts.put(receipt("f-msc", "msc"))
    world.receipts.put(receipt("f-maersk", "maersk"))
    return world


def test_a_carrier_lists_only_its_own_receipts(client: Client, receipts: World) -> None:
    data = body(client.http.get("/receipts", headers=receipts.auth("carrier")))
    assert data["carrier_id"] == "msc"
    assert [r["file_id"] for r in data["receipts"]] == ["f-msc"]


def test_a_carrier_asking_for_another_carriers_receipts_is_forbidden(client: Client, receipts: World) -> None:
    assert_error(client.http.get("/receipts?carrier_id=maersk", headers=receipts.auth("carrier")), 403, "forbidden")


def test_a_carrier_account_without_carrier_id_sees_no_receipts(client: Client, receipts: World) -> None:
    assert_error(client.http.get("/receipts", headers=receipts.auth("unlinked_carrier")), 403, "forbidden")


def test_another_carriers_receipt_looks_missing_to_a_carrier(client: Client, receipts: World) -> None:
    assert client.http.get("/receipts/f-msc", headers=receipts.auth("carrier")).status_code == 200
    assert_error(client.http.get("/receipts/f-maersk", headers=receipts.auth("carrier")), 404, "not_found")


def test_customs_roles_that_see_all_receipts_name_the_carrier(client: Client, receipts: World) -> None:
    assert_error(client.http.get("/receipts", headers=receipts.auth("supervisor")), 400, "validation_failed")
    data = body(client.http.get("/receipts?carrier_id=maersk", headers=receipts.auth("supervisor")))
    assert [r["file_id"] for r in data["receipts"]] == ["f-maersk"]
    assert client.http.get("/receipts/f-msc", headers=receipts.auth("auditor")).status_code == 200


def test_examination_officers_do_not_read_receipts(client: Client, receipts: World) -> None:
    assert_error(client.http.get("/receipts/f-msc", headers=receipts.auth("examination_officer")), 403, "forbidden")


# ---------------------------------------------------------------- uploads


def test_a_carrier_gets_a_presigned_put_url_under_its_own_inbox(client: Client, world: World) -> None:
    response = post(client, "/uploads", {"filename": "manifest 01.csv"}, world.auth("carrier"))
    assert response.status_code == 200, response.body
    data = body(response)
    assert data["method"] == "PUT"
    assert data["key"].startswith("inbox/msc/")
    assert data["key"].endswith("-manifest_01.csv")
    assert data["url"].startswith("https://fake-s3.invalid/inbox/msc/")
    assert world.inbox.presigned == [data["key"]]


def test_a_path_in_the_filename_is_dropped(client: Client, world: World) -> None:
    data = body(post(client, "/uploads", {"filename": "../../etc/cuscar.edi"}, world.auth("carrier")))
    assert data["key"].startswith("inbox/msc/")
    assert data["key"].endswith("-cuscar.edi")
    assert ".." not in data["key"]


@pytest.mark.parametrize("filename", ["..", "", "../", "bad*name.csv", "x" * 300])
def test_an_unusable_filename_is_rejected(client: Client, world: World, filename: str) -> None:
    assert_error(post(client, "/uploads", {"filename": filename}, world.auth("carrier")), 400, "validation_failed")


def test_a_carrier_cannot_upload_for_another_carrier(client: Client, world: World) -> None:
    response = post(client, "/uploads", {"filename": "m.csv", "carrier_id": "maersk"}, world.auth("carrier"))
    assert_error(response, 403, "forbidden")


def test_an_administrator_uploads_on_behalf_of_a_named_carrier(client: Client, world: World) -> None:
    assert_error(post(client, "/uploads", {"filename": "m.csv"}, world.auth("administrator")), 400, "validation_failed")
    response = post(client, "/uploads", {"filename": "m.csv", "carrier_id": "maersk"}, world.auth("administrator"))
    assert body(response)["key"].startswith("inbox/maersk/")


@pytest.mark.parametrize("who", ["targeting_analyst", "auditor", "supervisor"])
def test_customs_officers_cannot_upload_manifests(client: Client, world: World, who: str) -> None:
    assert_error(post(client, "/uploads", {"filename": "m.csv"}, world.auth(who)), 403, "forbidden")
    assert world.inbox.presigned == []
