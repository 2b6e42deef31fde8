"""Issue 7's resources on the real local stack (`cts local run`), driven over HTTP: the case board shows the demo's
cases, an attachment goes up and comes back through presigned URLs on the local moto server (127.0.0.1), a
consignment view lands in the audit trail, and an administrator manages users."""

from __future__ import annotations

from urllib.parse import quote, urlparse

import requests

from running_stack import RunningStack, sign_in, wait_for


def test_the_case_board_lists_the_demo_cases_by_eta(local_stack: RunningStack) -> None:
    headers = sign_in(local_stack, "targeting_analyst")

    def board() -> list[dict[str, object]]:
        answer = requests.get(f"{local_stack.api_url}/cases", headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["cases"])

    rows = wait_for(lambda: len(board()) >= 2 and board())
    assert all(r["status"] == "new" for r in rows)
    etas = [str(r["eta"] or "9999") for r in rows]
    assert etas == sorted(etas)
    assert {r["level"] for r in rows} <= {"red", "amber"}


def test_an_attachment_is_uploaded_and_downloaded_through_the_local_moto_server(local_stack: RunningStack) -> None:
    officer = sign_in(local_stack, "examination_officer")
    rows = wait_for(lambda: requests.get(f"{local_stack.api_url}/cases", headers=officer, timeout=10).json()["cases"])
    case_path = f"{local_stack.api_url}/cases/{quote(rows[0]['case_id'], safe='')}"
    body = b"%PDF-1.7 seal photo report"
    slot = requests.post(
        f"{case_path}/attachments",
        json={"filename": "seal.pdf", "content_type": "application/pdf", "size": len(body)},
        headers=officer,
        timeout=10,
    )
    assert slot.status_code == 200, slot.text
    upload = slot.json()
    assert urlparse(upload["upload_url"]).hostname == "127.0.0.1"
    assert upload["upload_url"].startswith(local_stack.aws_endpoint)
    put = requests.put(upload["upload_url"], data=body, headers=upload["headers"], timeout=10)
    assert put.status_code == 200, put.text

    listed = requests.get(f"{case_path}/attachments", headers=sign_in(local_stack, "auditor"), timeout=10)
    assert listed.status_code == 200, listed.text
    (attachment,) = listed.json()["attachments"]
    assert (attachment["filename"], attachment["size"]) == ("seal.pdf", len(body))
    assert requests.get(attachment["download_url"], timeout=10).content == body


def test_a_consignment_view_is_in_the_audit_trail(local_stack: RunningStack) -> None:
    analyst = sign_in(local_stack, "targeting_analyst")
    hits = requests.get(f"{local_stack.api_url}/consignments", headers=analyst, timeout=10).json()["hits"]
    key = hits[0]["key"]
    seen = requests.get(f"{local_stack.api_url}/consignments/{quote(key, safe='')}", headers=analyst, timeout=10)
    assert seen.status_code == 200, seen.text
    assert "similar" in seen.json()
    assert "party_history" in seen.json()
    trail = requests.get(
        f"{local_stack.api_url}/audit",
        params={"subject": f"consignment:{key}"},
        headers=sign_in(local_stack, "auditor"),
        timeout=10,
    )
    assert trail.status_code == 200, trail.text
    viewer = local_stack.user("targeting_analyst")["username"]
    assert any(e["actor"] == viewer and e["action"] == "view" for e in trail.json()["entries"])


def test_an_administrator_creates_a_user_and_an_analyst_subscribes(local_stack: RunningStack) -> None:
    admin = sign_in(local_stack, "administrator")
    created = requests.post(
        f"{local_stack.api_url}/users",
        json={"username": "new-officer", "email": "new-officer@demo.cts.invalid", "groups": ["examination_officer"]},
        headers=admin,
        timeout=10,
    )
    assert created.status_code == 200, created.text
    assert created.json()["status"] == "FORCE_CHANGE_PASSWORD"
    users = requests.get(f"{local_stack.api_url}/users", headers=admin, timeout=10).json()["users"]
    assert "new-officer" in {u["username"] for u in users}

    analyst = sign_in(local_stack, "targeting_analyst")
    put = requests.put(
        f"{local_stack.api_url}/me/subscriptions",
        json={"ports": ["JMKIN"], "min_level": "red"},
        headers=analyst,
        timeout=10,
    )
    assert put.status_code == 200, put.text
    assert put.json()["email"].endswith("@demo.cts.invalid")
