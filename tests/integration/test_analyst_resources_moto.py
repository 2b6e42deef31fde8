"""Issue 7's adapters under moto: the append-only audit log, the case board written by the real state machine
and moved by the case store, case attachments through presigned URLs (a real HTTP PUT to a moto server on
127.0.0.1, as in the local stack), and the Cognito user directory."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core.config import default_user_config
from moto.server import ThreadedMotoServer

from cts.adapters import aws as aws_clients
from cts.adapters import dynamodb_case_board as case_board_adapter
from cts.adapters.cognito_users import CognitoUserDirectory
from cts.adapters.dynamodb_audit import DynamoAuditLog
from cts.adapters.dynamodb_case_board import DynamoCaseBoard
from cts.adapters.dynamodb_cases import DynamoCaseStore
from cts.adapters.local.bootstrap import LocalResources
from cts.adapters.s3_attachments import S3AttachmentStore
from cts.adapters.stepfunctions import StepFunctionsCaseWorkflow
from cts.config.resources import ROLES
from cts.domain.attachments import AttachmentRequest, case_prefix, object_key
from cts.domain.audit import AuditEvent
from cts.domain.case_board import OPEN_STATUSES, board_partition, board_sort
from cts.domain.case_workflow import Actor, CaseAction, Command, apply, workflow_input
from cts.domain.cases import CaseStatus
from cts.domain.errors import Conflict, NotFound, Unavailable, ValidationFailed
from cts.domain.roles import Role
from cts.domain.users import NewUser

AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


# ---------------------------------------------------------------- audit log


def _event(n: int, actor: str = "ann", subject: str = "consignment:sea:MSCU:B1", at: datetime = AT) -> AuditEvent:
    return AuditEvent(
        event_id=f"event-{n:04d}", at=at + timedelta(seconds=n), actor=actor, action="view", subject=subject
    )


def test_an_audit_entry_is_never_overwritten(resources: LocalResources) -> None:
    log = DynamoAuditLog(resources.env["CTS_RECORDS_TABLE"])
    log.record(_event(1))
    with pytest.raises(Conflict):
        log.record(_event(1).model_copy(update={"actor": "mallory"}))
    (stored,) = log.query(subject="consignment:sea:MSCU:B1").events
    assert stored.actor == "ann"
    assert not any(hasattr(log, name) for name in ("update", "delete", "remove"))


def test_the_audit_log_answers_by_subject_actor_and_day_newest_first_in_pages(resources: LocalResources) -> None:
    log = DynamoAuditLog(resources.env["CTS_RECORDS_TABLE"])
    for n in range(5):
        log.record(_event(n))
    log.record(_event(6, actor="bob", subject="profile:P1", at=AT + timedelta(days=1)))
    first = log.query(actor="ann", limit=3)
    assert [e.event_id for e in first.events] == ["event-0004", "event-0003", "event-0002"]
    rest = log.query(actor="ann", limit=3, cursor=first.cursor)
    assert [e.event_id for e in rest.events] == ["event-0001", "event-0000"]
    assert [e.actor for e in log.query(day=(AT + timedelta(days=1)).date()).events] == ["bob"]
    assert [e.event_id for e in log.query(day=AT.date(), limit=2).events] == ["event-0004", "event-0003"]
    assert len(log.query(subject="consignment:sea:MSCU:B1").events) == 5


def test_a_cursor_for_another_partition_or_forged_is_refused(resources: LocalResources) -> None:
    log = DynamoAuditLog(resources.env["CTS_RECORDS_TABLE"])
    for n in range(3):
        log.record(_event(n))
    cursor = log.query(actor="ann", limit=1).cursor
    with pytest.raises(ValidationFailed):
        log.query(actor="bob", cursor=cursor)
    with pytest.raises(ValidationFailed):
        log.query(actor="ann", cursor="not-a-cursor")


# ---------------------------------------------------------------- case board


@pytest.fixture
def executing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(default_user_config, "stepfunctions", {"execute_state_machine": True})


def _until(probe: Callable[[], Any], what: str, timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


@pytest.fixture
def started(executing: None, resources: LocalResources) -> Iterator[list[str]]:
    arns: list[str] = []
    yield arns
    sfn = boto3.client("stepfunctions")
    for arn in arns:
        if sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            sfn.stop_execution(executionArn=arn)


def test_the_state_machine_puts_cases_on_the_board_by_eta_and_a_claim_moves_them(
    started: list[str], resources: LocalResources
) -> None:
    """``started`` first: moto executes only state machines created after execution is switched on."""
    table = resources.env["CTS_RECORDS_TABLE"]
    workflow = StepFunctionsCaseWorkflow(resources.env["CTS_CASE_STATE_MACHINE_ARN"])
    store, board = DynamoCaseStore(table), DynamoCaseBoard(table)
    etas = {"C-late": AT + timedelta(days=2), "C-soon": AT + timedelta(hours=3), "C-none": None}
    for case_id, eta in etas.items():
        started.append(
            workflow.start(f"case-{case_id}", workflow_input(case_id, case_id, f"sea:{case_id}", "red", eta, score=90))
        )
    legacy = {k: v for k, v in workflow_input("C-old", "C-old", "sea:C-old", "amber", None).items() if k != "board"}
    started.append(workflow.start("case-C-old", legacy))  # an input from before the board: sorts last
    for case_id in [*etas, "C-old"]:
        _until(lambda c=case_id: (case := store.get(c)) is not None and case.task_token, f"{case_id} waits")

    page = board.board(OPEN_STATUSES)
    assert [r.case_id for r in page.cases] == ["C-soon", "C-late", "C-none", "C-old"]
    soon = page.cases[0]
    assert (soon.status, soon.eta, soon.score, soon.level) == ("new", etas["C-soon"], 90, "red")
    assert soon.due_at is not None
    assert soon.due_at > soon.opened_at

    first = board.board(OPEN_STATUSES, limit=1)
    assert [r.case_id for r in first.cases] == ["C-soon"]
    second = board.board(OPEN_STATUSES, limit=1, after=first.cursor)
    assert [r.case_id for r in second.cases] == ["C-late"]

    officer = Actor("olive", frozenset({Role.EXAMINATION_OFFICER.value}))
    case = store.get("C-late")
    assert case is not None
    change = apply(case, officer, Command(CaseAction.CLAIM), AT)
    store.save(change.case, change.audit, expected_token=case.task_token, complete_step=change.moves_on)
    assert [r.case_id for r in board.board((CaseStatus.NEW,)).cases] == ["C-soon", "C-none", "C-old"]
    (mine,) = board.board((CaseStatus.TRIAGED,), owner="olive").cases
    assert (mine.case_id, mine.owner, mine.status) == ("C-late", "olive", "triaged")
    assert board.board(OPEN_STATUSES, owner="someone-else").cases == ()
    assert [r.case_id for r in board.board(OPEN_STATUSES, owner="olive").cases] == ["C-late"]  # gsi1 OFFICER#
    assert board.board((CaseStatus.NEW,), owner="olive").cases == ()
    assert board.board((CaseStatus.CLOSED,), owner="olive").cases == ()  # a filter on the closed partition


class _SideBySide:
    """The DynamoDB client, but each query waits until ``parties`` queries are in flight at once (a board that asked
    its partitions one after another would break the barrier: ``BrokenBarrierError``), and a query of ``failing``
    partition is throttled."""

    def __init__(self, parties: int, failing: str | None = None) -> None:
        self._real = aws_clients.client("dynamodb")
        self._barrier = threading.Barrier(parties, timeout=5)
        self._failing = failing
        self.partitions: list[str] = []

    def query(self, **params: Any) -> Any:
        partition = params["ExpressionAttributeValues"][":p"]["S"]
        self.partitions.append(partition)
        self._barrier.wait()
        if partition == self._failing:
            error = {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}
            raise ClientError({"Error": error}, "Query")
        return self._real.query(**params)


def test_the_board_queries_its_status_partitions_side_by_side_and_merges_them_by_eta(
    resources: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = resources.env["CTS_RECORDS_TABLE"]
    cases = [
        ("N1", "new", AT + timedelta(hours=1)),
        ("T1", "triaged", AT + timedelta(hours=2)),
        ("D1", "decided", AT + timedelta(hours=3)),
        ("E1", "examined", AT + timedelta(hours=4)),
        ("N2", "new", AT + timedelta(hours=5)),
        ("T2", "triaged", None),  # no ETA: last
        ("X1", "closed", AT),  # not open
    ]
    for case_id, status, eta in cases:
        keys = {"pk": f"CASE#{case_id}", "sk": "CASE", "gsi5pk": board_partition(status)}
        fields = {**keys, "gsi5sk": board_sort(eta, case_id), "status": status, "consignment_key": f"sea:{case_id}"}
        boto3.client("dynamodb").put_item(TableName=table, Item={k: {"S": v} for k, v in fields.items()})
    together = _SideBySide(parties=len(OPEN_STATUSES))
    monkeypatch.setattr(case_board_adapter, "client", lambda service, region=None: together)
    board = DynamoCaseBoard(table)

    first = board.board(OPEN_STATUSES, limit=4)
    assert [r.case_id for r in first.cases] == ["N1", "T1", "D1", "E1"]
    assert first.cursor == board_sort(AT + timedelta(hours=4), "E1")
    rest = board.board(OPEN_STATUSES, limit=4, after=first.cursor)
    assert [r.case_id for r in rest.cases] == ["N2", "T2"]
    assert rest.cursor is None
    whole = board.board(OPEN_STATUSES)
    assert [r.case_id for r in whole.cases] == ["N1", "T1", "D1", "E1", "N2", "T2"]
    assert whole.cursor is None
    assert sorted(together.partitions) == sorted([board_partition(s) for s in OPEN_STATUSES] * 3)

    throttled = _SideBySide(parties=len(OPEN_STATUSES), failing="CASES#triaged")
    monkeypatch.setattr(case_board_adapter, "client", lambda service, region=None: throttled)
    with pytest.raises(Unavailable, match="list triaged cases"):
        board.board(OPEN_STATUSES)


# ---------------------------------------------------------------- attachments (moto server on 127.0.0.1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    aws_clients.reset_clients()
    try:
        yield endpoint
    finally:
        aws_clients.reset_clients()
        server.stop()


def _put(url: str, body: bytes, content_type: str) -> int:
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return int(answer.status)


def test_a_presigned_attachment_upload_lands_in_the_local_moto_bucket_and_downloads_back(moto_server: str) -> None:
    s3 = boto3.client("s3", endpoint_url=moto_server)
    s3.create_bucket(Bucket="attachments")
    store = S3AttachmentStore("attachments", "us-east-1")
    case_id = "sea:MSCU:B1#v1"
    body = b"%PDF-1.7 examination report"
    request = AttachmentRequest(filename="report.pdf", content_type="application/pdf", size=len(body))
    key = object_key(case_id, "a" * 32, request.filename)

    url = store.upload_url(key, request.content_type, request.size, expires_s=300)
    assert url.startswith(f"{moto_server}/")  # the local stack's moto, not AWS
    signed = parse_qs(urlparse(url).query)["X-Amz-SignedHeaders"][0].split(";")
    assert {"content-type", "content-length"} <= set(signed)  # S3 refuses another type or size
    assert _put(url, body, "application/pdf") == 200

    (listed,) = store.list(case_prefix(case_id))
    assert (listed.filename, listed.size, listed.attachment_id) == ("report.pdf", len(body), "a" * 32)
    download = store.download_url(listed.key, listed.filename, expires_s=300)
    with urllib.request.urlopen(download, timeout=10) as answer:
        assert answer.read() == body
        assert "attachment" in answer.headers.get("Content-Disposition", "")
    assert store.list(case_prefix("another-case")) == []


# ---------------------------------------------------------------- Cognito users


@pytest.fixture
def pool(aws_env: None) -> str:
    idp = boto3.client("cognito-idp")
    pool_id = str(
        idp.create_user_pool(
            PoolName="cts", Schema=[{"Name": "carrier_id", "AttributeDataType": "String", "Mutable": True}]
        )["UserPool"]["Id"]
    )
    for role in ROLES:
        idp.create_group(UserPoolId=pool_id, GroupName=role)
    return pool_id


def test_users_are_created_in_groups_regrouped_and_disabled_in_cognito(pool: str) -> None:
    users = CognitoUserDirectory(pool, "us-east-1")
    created = users.create(NewUser(username="olive", email="olive@customs.example", groups=("examination_officer",)))
    assert (created.groups, created.email, created.enabled) == (("examination_officer",), "olive@customs.example", True)
    assert created.status == "FORCE_CHANGE_PASSWORD"
    carrier = users.create(NewUser(username="msc.ops", email="ops@msc.example", groups=("carrier",), carrier_id="msc"))
    assert carrier.carrier_id == "msc"
    with pytest.raises(Conflict):
        users.create(NewUser(username="olive", email="o2@customs.example", groups=("auditor",)))

    changed = users.set_groups("olive", ("supervisor", "auditor"))
    assert changed.groups == ("auditor", "supervisor")
    assert users.disable("olive").enabled is False
    listed = {u.username: u for u in users.list_users().users}
    assert set(listed) == {"olive", "msc.ops"}
    assert listed["olive"].enabled is False
    assert users.get("nobody") is None
    with pytest.raises(NotFound):
        users.set_groups("nobody", ("auditor",))
    with pytest.raises(NotFound):
        users.disable("nobody")


def test_users_are_listed_in_pages_and_a_cursor_this_api_did_not_give_is_refused(pool: str) -> None:
    users = CognitoUserDirectory(pool, "us-east-1")
    for n in range(3):
        users.create(NewUser(username=f"user{n}", email=f"u{n}@customs.example", groups=("auditor",)))
    first = users.list_users(limit=2)
    assert len(first.users) == 2
    assert first.cursor is not None
    rest = users.list_users(limit=2, cursor=first.cursor)
    assert {u.username for u in (*first.users, *rest.users)} == {"user0", "user1", "user2"}
    for forged in ("null", "Y3RzLXVzZXJzOmp1bms"):  # junk, and a well-formed wrapper of a token Cognito never gave
        with pytest.raises(ValidationFailed):
            users.list_users(cursor=forged)
