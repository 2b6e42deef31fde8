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
    """Both identity ports: passwords sign in, tokens are ``token-<username>`` (id) and ``access-<username>``.

    Challenges as Cognito asks them: a user added with ``temporary=True`` must choose a new password (12+
    characters), one in ``totp`` gives a code, and with ``mfa_required`` one without an app sets it up first.
    The right code is always ``CODE``; ``USED_CODE`` is one already used. Sessions are single-use.
    """

    users: dict[str, tuple[str, Principal]] = field(default_factory=dict)
    temporary: set[str] = field(default_factory=set)
    totp: set[str] = field(default_factory=set)
    mfa_required: bool = False
    sessions: dict[str, tuple[str, Any]] = field(default_factory=dict)
    pending_totp: set[str] = field(default_factory=set)
    issued: int = 0

    CODE = "123456"
    USED_CODE = "000000"
    SECRET = "JBSWY3DPEHPK3PXP"

    def add(self, password: str, who: Principal, *, temporary: bool = False) -> str:
        self.users[who.username] = (password, who)
        if temporary:
            self.temporary.add(who.username)
        return f"token-{who.username}"

    def sign_in(self, username: str, password: str) -> Any:
        known = self.users.get(username)
        if known is None or known[0] != password:
            raise Unauthorized("incorrect username or password")
        return self._next(username)

    def _next(self, username: str) -> Any:
        from cts.domain.sign_in import Challenge, ChallengeName

        if username in self.temporary:
            name = ChallengeName.NEW_PASSWORD
        elif username in self.totp:
            name = ChallengeName.TOTP
        elif self.mfa_required:
            name = ChallengeName.MFA_SETUP
        else:
            return Tokens(id_token=f"token-{username}", access_token=f"access-{username}", expires_in=3600)
        self.issued += 1
        session = f"fake-session-{self.issued:08d}"  # Cognito's are 20 to 2048 characters
        self.sessions[session] = (username, name)
        secret = self.SECRET if name is ChallengeName.MFA_SETUP else None
        return Challenge(name=name, session=session, username=username, secret=secret)

    def respond(
        self, username: str, challenge: Any, session: str, *, new_password: str | None = None, code: str | None = None
    ) -> Any:
        from cts.domain.sign_in import ChallengeName, SessionExpired, WeakPassword

        if self.sessions.get(session) != (username, challenge):
            raise SessionExpired("this sign-in has expired or was already used: sign in again")
        if challenge is ChallengeName.NEW_PASSWORD:
            if not new_password or len(new_password) < 12:
                raise WeakPassword("Password does not conform to policy: Password not long enough")
            self.users[username] = (new_password, self.users[username][1])
            self.temporary.discard(username)
        else:
            self._check(code)
            if challenge is ChallengeName.MFA_SETUP:
                self.totp.add(username)
        del self.sessions[session]
        return self._next(username) if challenge is ChallengeName.NEW_PASSWORD else self._tokens(username)

    def _tokens(self, username: str) -> Tokens:
        return Tokens(id_token=f"token-{username}", access_token=f"access-{username}", expires_in=3600)

    def _check(self, code: str | None) -> None:
        from cts.domain.sign_in import CodeExpired, CodeMismatch

        if code == self.USED_CODE:
            raise CodeExpired("the code has expired or was already used")
        if code != self.CODE:
            raise CodeMismatch("the code is not right")

    def mfa_status(self, username: str) -> Any:
        from cts.domain.sign_in import MfaStatus

        return MfaStatus(enabled=username in self.totp, required=self.mfa_required)

    def _owner(self, access_token: str) -> str:
        username = access_token.removeprefix("access-")
        if not access_token.startswith("access-") or username not in self.users:
            raise Unauthorized("the access token is not valid")
        return username

    def start_totp(self, access_token: str) -> str:
        self.pending_totp.add(self._owner(access_token))
        return self.SECRET

    def confirm_totp(self, access_token: str, code: str) -> None:
        from cts.domain.errors import Conflict

        username = self._owner(access_token)
        if username not in self.pending_totp:
            raise Conflict("start the set-up first")
        self._check(code)
        self.pending_totp.discard(username)
        self.totp.add(username)

    def verify(self, token: str) -> Principal:
        for prefix in ("token-", "access-"):
            username = token.removeprefix(prefix)
            if token.startswith(prefix) and username in self.users:
                return self.users[username][1]
        raise Unauthorized("the token does not verify")


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


# ---------------------------------------------------------------- issue 7: audit, case board, attachments, users


class FakeAuditLog:
    """:class:`cts.ports.audit.AuditLog` in memory: append-only (a second entry with the same key is refused)."""

    def __init__(self) -> None:
        self.entries: list[Any] = []

    def record(self, entry: Any) -> None:
        from cts.domain.errors import Conflict

        if any((e.subject, e.at, e.event_id) == (entry.subject, entry.at, entry.event_id) for e in self.entries):
            raise Conflict(f"audit entry {entry.event_id} is already recorded")
        self.entries.append(entry)

    def query(
        self,
        *,
        subject: str | None = None,
        actor: str | None = None,
        day: Any = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Any:
        from cts.domain.audit import AuditPage
        from cts.domain.errors import ValidationFailed

        if sum(x is not None for x in (subject, actor, day)) != 1:
            raise ValidationFailed("give exactly one of subject, actor or day")
        found = [
            e
            for e in self.entries
            if (subject is None or e.subject == subject)
            and (actor is None or e.actor == actor)
            and (day is None or e.day == day)
        ]
        found.sort(key=lambda e: (e.at, e.event_id), reverse=True)
        if cursor is not None and not cursor.isdigit():
            raise ValidationFailed("the cursor is not one this API gave")
        start = int(cursor or 0)
        page = found[start : start + limit]
        more = start + limit < len(found)
        return AuditPage(events=tuple(page), cursor=str(start + limit) if more else None)


class FakeCaseBoard:
    """:class:`cts.ports.case_board.CaseBoard` over a list of rows, with the DynamoDB adapter's ordering."""

    def __init__(self) -> None:
        self.rows: list[Any] = []
        self.asked: list[dict[str, Any]] = []

    def add(
        self, case_id: str, status: str = "new", owner: str | None = None, eta: datetime | None = None, **kw: Any
    ) -> None:
        from cts.domain.case_board import CaseSummary, board_sort

        self.rows.append(
            CaseSummary(
                case_id=case_id,
                status=status,
                owner=owner,
                consignment_key=kw.pop("consignment_key", f"sea:MSCU:{case_id}"),
                eta=eta,
                sort_key=board_sort(eta, case_id),
                **kw,
            )
        )

    def board(
        self, statuses: Sequence[Any], owner: str | None = None, limit: int = 50, after: str | None = None
    ) -> Any:
        from cts.domain.case_board import BoardPage

        self.asked.append({"statuses": tuple(statuses), "owner": owner, "limit": limit, "after": after})
        wanted = {s.value for s in statuses}
        found = sorted(
            (
                r
                for r in self.rows
                if r.status in wanted and (owner is None or r.owner == owner) and (after is None or r.sort_key > after)
            ),
            key=lambda r: r.sort_key,
        )
        page = found[:limit]
        return BoardPage(cases=tuple(page), cursor=page[-1].sort_key if len(found) > limit else None)


class FakeAttachmentStore:
    """:class:`cts.ports.attachments.AttachmentStore`: URLs name what they were signed for; ``upload`` stores."""

    def __init__(self) -> None:
        self.objects: dict[str, int] = {}
        self.signed: list[tuple[str, str, int, int]] = []

    def upload_url(self, key: str, content_type: str, size: int, expires_s: int) -> str:
        self.signed.append((key, content_type, size, expires_s))
        return f"https://attachments.example/{key}?put&type={content_type}&size={size}"

    def download_url(self, key: str, filename: str, expires_s: int) -> str:
        return f"https://attachments.example/{key}?get&as={filename}"

    def upload(self, key: str, size: int) -> None:
        self.objects[key] = size

    def list(self, prefix: str, limit: int = 200) -> list[Any]:
        from cts.domain.attachments import StoredAttachment, parse_key

        found = []
        for key, size in sorted(self.objects.items()):
            parsed = parse_key(key)
            if key.startswith(prefix) and parsed:
                found.append(StoredAttachment(attachment_id=parsed[0], filename=parsed[1], size=size, key=key))
        return found[:limit]


class FakeUserDirectory:
    """:class:`cts.ports.users.UserDirectory` in memory; new users wait for their first password change."""

    def __init__(self) -> None:
        self.users: dict[str, Any] = {}

    def put(self, username: str, email: str | None, *groups: str, carrier_id: str | None = None) -> None:
        from cts.domain.users import DirectoryUser

        self.users[username] = DirectoryUser(
            username=username, email=email, groups=tuple(sorted(groups)), status="CONFIRMED", carrier_id=carrier_id
        )

    def list_users(self, limit: int = 60, cursor: str | None = None) -> Any:
        from cts.domain.users import UserPage

        names = sorted(self.users)
        start = int(cursor or 0)
        more = start + limit < len(names)
        return UserPage(
            users=tuple(self.users[n] for n in names[start : start + limit]),
            cursor=str(start + limit) if more else None,
        )

    def get(self, username: str) -> Any:
        return self.users.get(username)

    def create(self, user: Any) -> Any:
        from cts.domain.errors import Conflict
        from cts.domain.users import DirectoryUser

        if user.username in self.users:
            raise Conflict(user.username)
        self.users[user.username] = DirectoryUser(
            username=user.username,
            email=user.email,
            groups=user.groups,
            status="FORCE_CHANGE_PASSWORD",
            carrier_id=user.carrier_id,
        )
        return self.users[user.username]

    def set_groups(self, username: str, groups: tuple[str, ...]) -> Any:
        from cts.domain.errors import NotFound

        if username not in self.users:
            raise NotFound(username)
        self.users[username] = self.users[username].model_copy(update={"groups": tuple(sorted(groups))})
        return self.users[username]

    def disable(self, username: str) -> Any:
        from cts.domain.errors import NotFound

        if username not in self.users:
            raise NotFound(username)
        self.users[username] = self.users[username].model_copy(update={"enabled": False})
        return self.users[username]
