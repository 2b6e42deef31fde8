"""Rules managed through the API on the local stack: a profile written by one risk manager, approved by another,
activated, and the re-scoring it starts alerting on a consignment already stored that did not alert before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from cts.adapters.local.demo import DEMO_CARRIER
from running_stack import RunningStack, sign_in, wait_for

pytestmark = pytest.mark.e2e

NUMBER = "RULESE2E001"
PROFILE: dict[str, Any] = {
    "id": "e2e-garden-furniture",
    "name": "Garden furniture from the e2e test",
    "category": "revenue",
    "threshold": 50,
    "indicators": [
        {
            "id": "zzqx",
            "description": "goods described as zzqx furniture",
            "fact": "goods_text",
            "op": "keyword",
            "values": ["zzqx"],
            "weight": 90,
        }
    ],
}


def manifest() -> bytes:
    eta = (datetime.now(UTC) + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
    header = (
        "document_number,document_kind,mode,direction,carrier_code,vessel_name,place_of_loading,place_of_discharge,"
        "eta,consignor_name,consignor_country,consignee_name,consignee_country,description,hs_code,package_count,"
        "gross_weight_kg\n"
    )
    row = (
        f"{NUMBER},master_bill,sea,import,DMLU,DEMO STAR,NLRTM,JMKIN,{eta},Tuinmeubel BV,NL,"
        "Montego Home Ltd,JM,ZZQX garden furniture,940179,40,1200\n"
    )
    return (header + row).encode()


def second_risk_manager(stack: RunningStack) -> dict[str, str]:
    user = next(u for u in stack.facts["users"] if u["username"] == "risk-manager-2")
    response = requests.post(
        f"{stack.api_url}/auth/login", json={"username": user["username"], "password": user["password"]}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['id_token']}"}


def alerted(stack: RunningStack, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = requests.get(f"{stack.api_url}/alerts", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return [a for a in response.json()["alerts"] if a["document_number"] == NUMBER]


def test_activating_an_approved_profile_rescores_and_alerts_on_stored_consignments(local_stack: RunningStack) -> None:
    analyst = sign_in(local_stack, "targeting_analyst")
    local_stack.upload(f"inbox/{DEMO_CARRIER}/rules-e2e.csv", manifest())
    local_stack.wait_until_idle(60)
    assert alerted(local_stack, analyst) == []  # nothing in force matches it yet

    author, reviewer = sign_in(local_stack, "risk_manager"), second_risk_manager(local_stack)
    api = local_stack.api_url
    created = requests.post(f"{api}/profiles", json={"profile": PROFILE}, headers=author, timeout=10)
    assert created.status_code == 200, created.text
    path = f"{api}/profiles/{PROFILE['id']}"
    assert requests.post(f"{path}/submit", json={"version": 1}, headers=author, timeout=10).status_code == 200
    own = requests.post(f"{path}/approve", json={"version": 1}, headers=author, timeout=10)
    assert (own.status_code, own.json()["code"]) == (403, "four_eyes")
    approved = requests.post(f"{path}/approve", json={"version": 1}, headers=reviewer, timeout=10)
    assert approved.status_code == 200, approved.text

    tested = requests.post(f"{path}/test", json={"days": 1}, headers=author, timeout=30)
    assert tested.status_code == 200, tested.text
    assert tested.json()["evaluated"] >= 0  # arrivals of the last day: the upload arrives in four days

    activated = requests.post(f"{path}/activate", json={"version": 1}, headers=author, timeout=10)
    assert activated.status_code == 200, activated.text
    assert activated.json()["rescore"]["queued"] is True

    (alert,) = wait_for(lambda: alerted(local_stack, analyst), timeout_s=60)
    assert any(PROFILE["id"] in hit["ref"] for hit in alert["hits"])
