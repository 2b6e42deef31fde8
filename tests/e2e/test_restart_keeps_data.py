"""`make run` keeps its data: what was uploaded before Ctrl-C is there, once, after the next start."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from cts.adapters.local.demo import DEMO_CARRIER
from running_stack import RunningStack, csv_manifest, run_local_stack, sign_in, wait_for

pytestmark = pytest.mark.e2e
KEY = "sea:DMLU:KEEP000001"


def alerts(stack: RunningStack) -> list[dict[str, str]]:
    response = requests.get(f"{stack.api_url}/alerts", headers=sign_in(stack, "targeting_analyst"), timeout=10)
    assert response.status_code == 200, response.text
    found: list[dict[str, str]] = response.json()["alerts"]
    return found


def test_records_files_and_search_survive_a_restart(tmp_path: Path) -> None:
    csv_manifest_body = csv_manifest("KEEP000001")
    with run_local_stack(tmp_path) as first:
        first.upload(f"inbox/{DEMO_CARRIER}/keep.csv", csv_manifest_body)
        first.wait_until_idle(60)
        before = wait_for(lambda: [a for a in alerts(first) if a["key"] == KEY] and alerts(first))
    assert (tmp_path / "aws-state" / "tables").is_dir()
    (tmp_path / "stack.json").unlink()  # written again by the next start

    with run_local_stack(tmp_path) as second:
        second.wait_until_idle(60)
        after = alerts(second)
        # The same alerts, once each: restored raw files are not ingested again, the demo is not uploaded again.
        assert sorted(a["alert_id"] for a in after) == sorted(a["alert_id"] for a in before)
        headers = sign_in(second, "targeting_analyst")  # a new password: users are made again each run
        detail = requests.get(f"{second.api_url}/consignments/{quote(KEY, safe='')}", headers=headers, timeout=10)
        assert detail.status_code == 200, detail.text
        assert detail.json()["assessment"]["score"] >= 55
        found = requests.get(
            f"{second.api_url}/consignments", params={"q": "Caribe Frutas"}, headers=headers, timeout=10
        )
        assert any(hit["key"] == KEY for hit in found.json()["hits"])
        inbox = second.client("s3").get_object(
            Bucket=second.env["CTS_INBOX_BUCKET"], Key=f"inbox/{DEMO_CARRIER}/keep.csv"
        )
        assert inbox["Body"].read() == csv_manifest_body
