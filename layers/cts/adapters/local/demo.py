"""Demo data for the local stack: users per role, a few rules, and manifests whose vessels arrive soon.

Everything here is invented (names, companies, documents); manifests are generated relative to
now so that their ETAs are always in the future.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cts.domain.model import Direction, TransportMode
from cts.domain.risk.rules import Profile, RandomSelection, Scope, WatchlistEntry
from cts.ports.records import RuleRepository

DEMO_CARRIER = "DEMOLINE"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    carrier_id: str | None = None


def make_password() -> str:
    """Random per run, never stored in the repository; satisfies Cognito's default policy."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(14)) + "aA1!"


def demo_users(roles: tuple[str, ...]) -> list[DemoUser]:
    """One user per role, and a second risk manager: a profile version is approved by someone other than its author
    (four eyes, docs/profiles.md#lifecycle-versions-four-eyes-activation)."""
    users = [
        DemoUser(
            username=role.replace("_", "-"),
            password=make_password(),
            role=role,
            carrier_id=DEMO_CARRIER if role == "carrier" else None,
        )
        for role in roles
    ]
    if "risk_manager" in roles:
        users.append(DemoUser(username="risk-manager-2", password=make_password(), role="risk_manager"))
    return users


PROFILES = (
    Profile(
        id="cocaine-source-routes",
        version=1,
        name="Cocaine: South American loading with perishable cover loads",
        category="drugs",
        status="active",
        author="demo.risk.manager",
        threshold=40,
        indicators=(
            {
                "id": "source-country",
                "description": "loaded in a known source country",
                "fact": "countries",
                "op": "in",
                "values": ("CO", "EC", "PE", "BO"),
                "weight": 30,
            },
            {
                "id": "cover-load",
                "description": "perishable cover load often used for concealment",
                "fact": "goods_text",
                "op": "keyword",
                "values": ("bananas", "pineapples", "fresh fruit"),
                "weight": 25,
            },
        ),
    ),
    Profile(
        id="dual-use-electronics",
        version=1,
        name="Dual-use electronics transshipped through hubs",
        category="security",
        status="active",
        author="demo.risk.manager",
        threshold=50,
        indicators=(
            {
                "id": "hs-8542",
                "description": "integrated circuits (HS 8542)",
                "fact": "hs_codes",
                "op": "prefix",
                "values": ("8542", "8526"),
                "weight": 30,
            },
            {
                "id": "hub-transshipment",
                "description": "routed through a transshipment hub",
                "fact": "ports",
                "op": "in",
                "values": ("AEJEA", "SGSIN", "HKHKG"),
                "weight": 25,
            },
        ),
    ),
)

WATCHLIST = (
    WatchlistEntry(
        id="wl-party-001",
        kind="party",
        value="Shadow Reef Trading Ltd",
        aliases=("Shadow Reef Trading Limited",),
        reason="linked to a 2025 seizure",
        category="drugs",
        source="demo intelligence",
        weight=60,
    ),
    WatchlistEntry(
        id="wl-container-001",
        kind="container",
        value="CSQU 305438-3",
        reason="container reported with altered floor",
        category="drugs",
        source="demo intelligence",
        weight=40,
    ),
)


# 1 % of air imports, whatever their score: the demo manifest (sea) is never drawn, so its alerts stay as they are.
RANDOM_SELECTIONS = (
    RandomSelection(
        id="air-imports-1pct",
        rate=0.01,
        seed="demo",
        scope=Scope(modes=(TransportMode.AIR,), directions=(Direction.IMPORT,)),
        description="1 % of air imports selected at random, to find unknown risks and measure hit rates",
    ),
)


def seed_rules(rules: RuleRepository) -> None:
    for profile in PROFILES:
        if not rules.profile_versions(profile.id):  # seeding again (a restarted stack) leaves stored versions alone
            rules.put_profile(profile)
    for entry in WATCHLIST:
        rules.put_watchlist_entry(entry)
    for selection in RANDOM_SELECTIONS:
        rules.put_random_selection(selection)


def _consignment(number: str, eta: datetime, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "message_function": "original",
        "mode": "sea",
        "direction": "import",
        "transport_document": {"number": number, "kind": "master_bill"},
        "carrier": {"code": "DMLU", "name": "Demo Line"},
        "conveyance": {"journey_id": "024W", "vessel_name": "DEMO STAR", "imo_number": "IMO 9074729"},
        "etd": (eta - timedelta(days=7)).isoformat(),
        "eta": eta.isoformat(),
        "parties": [
            {
                "role": "consignor",
                "name": "Andes Produce Exporters SA",
                "country": "EC",
                "address_lines": ["Av. 9 de Octubre 100"],
                "city": "Guayaquil",
            },
            {
                "role": "consignee",
                "name": "Island Fresh Imports Ltd",
                "country": "JM",
                "address_lines": ["12 Harbour Street"],
                "city": "Kingston",
            },
        ],
        "goods": [
            {
                "sequence": 1,
                "description": "Garden tools",
                "hs_code": "820190",
                "package_count": 100,
                "package_kind": "CT",
                "gross_weight_kg": "1800",
                "container_numbers": ["MSKU1234565"],
            }
        ],
        "equipment": [{"number": "MSKU1234565", "size_type": "22G1", "full_empty": "full", "seals": ["DL123456"]}],
        "itinerary": {"place_of_loading": {"locode": "ECGYE"}, "place_of_discharge": {"locode": "JMKIN"}},
    }
    base.update(extra)
    return base


def demo_manifest(now: datetime | None = None) -> bytes:
    """A cts-json/1 manifest: one clean consignment, one that matches a profile, one on a watch list.

    Filed as a careful carrier would: a day and more before the vessel loads, a week before it arrives."""
    now = (now or datetime.now(UTC)) + timedelta(days=8)
    consignments = [
        _consignment("DMLU0000001", now + timedelta(hours=30)),
        _consignment(
            "DMLU0000002",
            now + timedelta(hours=20),
            goods=[
                {
                    "sequence": 1,
                    "description": "Fresh fruit: bananas, 1200 cartons",
                    "hs_code": "080390",
                    "package_count": 1200,
                    "package_kind": "CT",
                    "gross_weight_kg": "21600",
                    "container_numbers": ["CSQU3054383"],
                }
            ],
            equipment=[{"number": "CSQU3054383", "size_type": "45R1", "full_empty": "full"}],
        ),
        _consignment(
            "DMLU0000003",
            now + timedelta(hours=44),
            parties=[
                {"role": "consignor", "name": "SHADOW REEF TRADING LTD", "country": "PA"},
                {"role": "consignee", "name": "Kingston Hardware Supply", "country": "JM"},
            ],
        ),
    ]
    return json.dumps(
        {"format": "cts-json/1", "message_ref": f"DEMO-{now:%Y%m%d%H%M}", "consignments": consignments}, indent=2
    ).encode()
