from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
for extra in (ROOT / "functions" / "api", ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from chalice.test import Client  # noqa: E402
from fakes_api import (  # noqa: E402
    FakeAlerts,
    FakeAssessments,
    FakeConsignments,
    FakeIdentity,
    FakeObjectStore,
    FakeReceipts,
    FakeSearch,
    principal,
)

from chalicelib.container import StaticContainer, set_container  # noqa: E402

API_DIR = ROOT / "functions" / "api"


@dataclass
class World:
    consignments: FakeConsignments
    assessments: FakeAssessments
    alerts: FakeAlerts
    receipts: FakeReceipts
    inbox: FakeObjectStore
    search: FakeSearch
    identity: FakeIdentity
    container: StaticContainer
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def make_world() -> World:
    identity = FakeIdentity()
    tokens = {
        role: identity.add("secret", principal(role, username=role))
        for role in (
            "administrator",
            "risk_manager",
            "targeting_analyst",
            "examination_officer",
            "supervisor",
            "auditor",
        )
    }
    tokens["carrier"] = identity.add("secret", principal("carrier", username="carrier", carrier_id="msc"))
    tokens["other_carrier"] = identity.add(
        "secret", principal("carrier", username="other_carrier", carrier_id="maersk")
    )
    tokens["unlinked_carrier"] = identity.add("secret", principal("carrier", username="unlinked_carrier"))
    tokens["nobody"] = identity.add("secret", principal("visitor", username="nobody"))
    parts = {
        "consignments": FakeConsignments(),
        "assessments": FakeAssessments(),
        "alerts": FakeAlerts(),
        "receipts": FakeReceipts(),
        "inbox": FakeObjectStore(),
        "search": FakeSearch(),
    }
    container = StaticContainer(country="JM", authenticator=identity, verifier=identity, **parts)  # type: ignore[arg-type]
    return World(identity=identity, container=container, tokens=tokens, **parts)  # type: ignore[arg-type]


@pytest.fixture
def world() -> Iterator[World]:
    w = make_world()
    set_container(w.container)
    yield w
    set_container(None)


@pytest.fixture
def client(world: World) -> Client:
    from app import app

    return Client(app, project_dir=str(API_DIR))
