"""In-memory fakes of the ports the API uses, and builders for the records they hold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cts.config.resources import ROLES
from cts.domain.alerts import Alert, AlertStatus
from cts.domain.errors import Unauthorized
from cts.domain.model import (
    Carrier,
    Consignment,
    Direction,
    DocumentKind,
    Party,
    PartyRole,
    Provenance,
    SourceFormat,
    TransportDocument,
    TransportMode,
)
from cts.domain.receipt import Receipt, ReceiptStatus
from cts.domain.records import ConsignmentVersion, content_hash, version_status
from cts.domain.risk.engine import Assessment, Hit, Level
from cts.ports.identity import Principal, Tokens
from fakes import FakeAlerts, FakeAssessments, FakeConsignments, FakeObjectStore, FakeReceipts, FakeSearch

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]
API_DIR = ROOT / "functions" / "api"


# ---------------------------------------------------------------- builders


def consignment(
    number: str = "MEDU1234567",
    master: str | None = None,
    eta: datetime | None = None,
    consignee: str = "Kingston Imports Ltd",
) -> Consignment:
    return Consignment(
        mode=TransportMode.SEA,
        direction=Direction.IMPORT,
        transport_document=TransportDocument(
            number=number,
            kind=DocumentKind.HOUSE_BILL if master else DocumentKind.MASTER_BILL,
            master_number=master,
        ),
        carrier=Carrier(code="MSCU"),
        eta=eta,
        parties=[Party(role=PartyRole.CONSIGNEE, name=consignee)],
        provenance=Provenance(object_key="inbox/msc/file.csv", source_format=SourceFormat.CSV),
    )


def version_of(c: Consignment, version: int = 1, carrier_id: str = "msc") -> ConsignmentVersion:
    return ConsignmentVersion(
        key=c.key,
        version=version,
        content_hash=content_hash(c),
        status=version_status(c),
        file_id=f"file-{version}",
        carrier_id=carrier_id,
        stored_at=NOW,
        consignment=c,
    )


def hit(points: int = 40, reason: str = "consignee on watch list") -> Hit:
    return Hit(source="watchlist", ref="w-1", points=points, reason=reason, matched="ACME", category="narcotics")


def assessment_for(key: str, version: int = 1, hits: Sequence[Hit] = ()) -> Assessment:
    score = sum(h.points for h in hits)
    level = Level.RED if score >= 80 else Level.AMBER if score >= 50 else Level.NONE
    return Assessment(
        key=key, version=version, ruleset_version="r1", score=score, level=level, hits=tuple(hits), profiles_matched=()
    )


def alert(key: str, eta: datetime | None, status: AlertStatus = AlertStatus.NEW, score: int = 60) -> Alert:
    return Alert(
        alert_id=f"{key}#v1",
        key=key,
        version=1,
        document_number=key.rsplit(":", 1)[-1],
        score=score,
        level=Level.AMBER,
        hits=(hit(score),),
        eta=eta,
        place_of_discharge="JMKIN",
        raised_at=NOW,
        status=status,
    )


def receipt(file_id: str, carrier_id: str) -> Receipt:
    return Receipt(
        file_id=file_id,
        object_key=f"inbox/{carrier_id}/{file_id}.csv",
        carrier_id=carrier_id,
        source_format=SourceFormat.CSV,
        status=ReceiptStatus.ACCEPTED,
        received_at=NOW,
        processed_at=NOW,
    )


def principal(*roles: str, username: str = "user", carrier_id: str | None = None) -> Principal:
    return Principal(username=username, subject=f"sub-{username}", roles=frozenset(roles), carrier_id=carrier_id)


# ---------------------------------------------------------------- repositories


# ---------------------------------------------------------------- identity


@dataclass
class FakeIdentity:
    """Both identity ports: passwords sign in, tokens are ``token-<username>``."""

    users: dict[str, tuple[str, Principal]] = field(default_factory=dict)

    def add(self, password: str, who: Principal) -> str:
        self.users[who.username] = (password, who)
        return f"token-{who.username}"

    def sign_in(self, username: str, password: str) -> Tokens:
        known = self.users.get(username)
        if known is None or known[0] != password:
            raise Unauthorized("incorrect username or password")
        return Tokens(id_token=f"token-{username}", access_token=f"access-{username}", expires_in=3600)

    def verify(self, token: str) -> Principal:
        username = token.removeprefix("token-")
        if not token.startswith("token-") or username not in self.users:
            raise Unauthorized("the token does not verify")
        return self.users[username][1]


# ---------------------------------------------------------------- a whole API world


@dataclass
class World:
    consignments: FakeConsignments
    assessments: FakeAssessments
    alerts: FakeAlerts
    receipts: FakeReceipts
    inbox: FakeObjectStore
    search: FakeSearch
    identity: FakeIdentity
    container: Any
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def make_world() -> World:
    identity = FakeIdentity()
    tokens = {
        role: identity.add("secret", principal(role, username=role))
        for role in ROLES
        if role != "carrier"  # carriers are added below, each with its own carrier id
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
    from chalicelib.container import StaticContainer  # functions/api must be on sys.path

    container = StaticContainer(country="JM", authenticator=identity, verifier=identity, **parts)  # type: ignore[arg-type]
    return World(identity=identity, container=container, tokens=tokens, **parts)  # type: ignore[arg-type]
