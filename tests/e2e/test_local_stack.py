"""The local stack end to end: upload to the S3 inbox, see consignments stored, scored, alerted and served."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

import pytest
import requests

from cts.adapters.local.demo import DEMO_CARRIER
from running_stack import RunningStack, csv_manifest, sign_in, wait_for

pytestmark = pytest.mark.e2e


def test_health_answers_on_loopback(local_stack: RunningStack) -> None:
    response = requests.get(f"{local_stack.api_url}/health", timeout=5)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert local_stack.api_url.startswith("http://127.0.0.1:")


def test_connection_facts_are_written_for_scripts_and_tests(local_stack: RunningStack) -> None:
    facts = json.loads((local_stack.data_dir / "stack.json").read_text())
    assert facts["api_url"] == local_stack.api_url
    assert facts["aws_endpoint"] == local_stack.aws_endpoint
    assert {u["role"] for u in facts["users"]} >= {"targeting_analyst", "carrier", "administrator"}
    assert facts["user_pool_id"]
    assert facts["user_pool_client_id"]


def test_demo_manifest_raises_alerts_ordered_by_arrival(local_stack: RunningStack) -> None:
    response = requests.get(
        f"{local_stack.api_url}/alerts", headers=sign_in(local_stack, "targeting_analyst"), timeout=10
    )
    assert response.status_code == 200, response.text
    alerts = response.json()["alerts"]
    demo = [a for a in alerts if a["document_number"].startswith("DMLU")]  # other tests upload more
    assert [a["document_number"] for a in demo] == ["DMLU0000002", "DMLU0000003"]
    assert demo[0]["level"] == "red"
    etas = [a["eta"] for a in alerts]
    assert etas == sorted(etas)


def test_an_upload_to_the_s3_inbox_is_stored_scored_and_searchable(local_stack: RunningStack) -> None:
    local_stack.upload(f"inbox/{DEMO_CARRIER}/e2e-upload.csv", csv_manifest("E2E0000001"))
    local_stack.wait_until_idle(60)
    key = "sea:DMLU:E2E0000001"
    table = local_stack.client("dynamodb")
    item = table.get_item(
        TableName=local_stack.env["CTS_RECORDS_TABLE"],
        Key={"pk": {"S": f"CONS#{key}"}, "sk": {"S": "LATEST"}},
    ).get("Item")
    assert item is not None
    headers = sign_in(local_stack, "targeting_analyst")
    detail = requests.get(f"{local_stack.api_url}/consignments/{quote(key, safe='')}", headers=headers, timeout=10)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["assessment"]["score"] >= 55  # Colombian loading + pineapples: the demo cocaine profile
    found = requests.get(
        f"{local_stack.api_url}/consignments", params={"q": "Caribe Frutas"}, headers=headers, timeout=10
    )
    assert found.status_code == 200, found.text
    assert any(hit["key"] == key for hit in found.json()["hits"])


def test_red_alert_opens_a_case_through_step_functions(local_stack: RunningStack) -> None:
    sfn = local_stack.client("stepfunctions")
    arn = local_stack.env["CTS_CASE_STATE_MACHINE_ARN"]
    ddb = local_stack.client("dynamodb")

    def opened() -> list[dict[str, Any]]:
        # A case waits on its first human step (a task token), so its execution keeps running.
        runs = sfn.list_executions(stateMachineArn=arn)["executions"]
        return [r for r in runs if r["status"] in ("RUNNING", "SUCCEEDED")]

    def stored_case() -> dict[str, Any] | None:
        found: dict[str, Any] | None = ddb.get_item(
            TableName=local_stack.env["CTS_RECORDS_TABLE"],
            Key={"pk": {"S": "CASE#sea:DMLU:DMLU0000002#v1"}, "sk": {"S": "CASE"}},
        ).get("Item")
        return found

    wait_for(lambda: len(opened()) >= 2)
    case = wait_for(stored_case)
    assert case["status"]["S"] == "new"
    assert case["level"]["S"] == "red"


def test_alert_emails_go_to_the_duty_mailbox_from_the_country_sender(local_stack: RunningStack) -> None:
    sent = requests.get(f"{local_stack.aws_endpoint}/moto-api/data.json", timeout=10).json()["ses"]
    assert sent  # moto keeps every e-mail it accepted
    messages = local_stack.client("ses").get_send_statistics()["SendDataPoints"]
    assert sum(p["DeliveryAttempts"] for p in messages) >= 2


def test_a_carrier_sees_its_own_receipts_only(local_stack: RunningStack) -> None:
    headers = sign_in(local_stack, "carrier")
    mine = requests.get(f"{local_stack.api_url}/receipts", headers=headers, timeout=10)
    assert mine.status_code == 200, mine.text
    assert {r["carrier_id"] for r in mine.json()["receipts"]} == {DEMO_CARRIER}
    other = requests.get(
        f"{local_stack.api_url}/receipts", params={"carrier_id": "SOMEONE"}, headers=headers, timeout=10
    )
    assert other.status_code == 403
    alerts = requests.get(f"{local_stack.api_url}/alerts", headers=headers, timeout=10)
    assert alerts.status_code == 403


def test_cts_upload_sends_a_file_as_a_carrier_and_prints_its_receipt(local_stack: RunningStack, tmp_path) -> None:
    import subprocess
    import sys

    path = tmp_path / "cli-manifest.csv"
    path.write_bytes(csv_manifest("CLI0000001"))
    carrier = local_stack.user("carrier")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CTS_"))}
    env["CTS_PASSWORD"] = carrier["password"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cts.cli.main",
            "upload",
            str(path),
            "--api",
            local_stack.api_url,
            "--username",
            carrier["username"],
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    receipt = json.loads(result.stdout)
    assert receipt["status"] == "accepted"
    assert receipt["carrier_id"] == DEMO_CARRIER
    assert receipt["object_key"].startswith(f"inbox/{DEMO_CARRIER}/")
    assert [c["document_number"] for c in receipt["consignments"]] == ["CLI0000001"]


def test_cts_rescore_re_scores_what_has_not_arrived_without_alerting_twice(local_stack: RunningStack) -> None:
    import subprocess
    import sys

    local_stack.wait_until_idle(60)
    headers = sign_in(local_stack, "targeting_analyst")

    def alert_ids() -> list[str]:
        response = requests.get(f"{local_stack.api_url}/alerts", headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        return sorted(a["alert_id"] for a in response.json()["alerts"])

    before = alert_ids()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CTS_"))}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cts.cli.main",
            "rescore",
            "--local",
            "--facts",
            str(local_stack.data_dir / "stack.json"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    start = json.loads(result.stdout)
    assert start["rescore"] == "start"
    assert start["ruleset"]
    local_stack.wait_until_idle(60)
    assert alert_ids() == before
