"""THE composition root of the API function: the one place that chooses adapters.

``get_container()`` reads :class:`ApiSettings` once per process (Lambda container) and returns a
:class:`Container` that creates each adapter on first use, so importing the app opens no AWS
client and a missing environment variable fails with the list of what is missing. Tests and
the local stack inject their own container with :func:`set_container` (see
:class:`StaticContainer`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from cts.config.settings import ApiSettings, load_settings
from cts.ports.attachments import AttachmentStore
from cts.ports.audit import AuditLog
from cts.ports.case_board import CaseBoard
from cts.ports.identity import Authenticator, TokenVerifier
from cts.ports.notifications import AlertSchedule, ReadMarkers
from cts.ports.records import (
    AlertRepository,
    AssessmentRepository,
    CaseStore,
    ConsignmentRepository,
    PartyHistoryRepository,
    ReceiptRepository,
)
from cts.ports.reports import ReportCounters
from cts.ports.rules_admin import RescoreTrigger, RulesStore
from cts.ports.search import SearchIndex
from cts.ports.storage import ObjectStore
from cts.ports.subscriptions import SubscriptionRepository
from cts.ports.users import UserDirectory
from cts.ports.workflow import CaseTasks

T = TypeVar("T")


class ApiContainer(Protocol):
    """What the API's handlers may use: ports only, never an adapter class."""

    @property
    def country(self) -> str: ...

    @property
    def consignments(self) -> ConsignmentRepository: ...

    @property
    def assessments(self) -> AssessmentRepository: ...

    @property
    def alerts(self) -> AlertRepository: ...

    @property
    def receipts(self) -> ReceiptRepository: ...

    @property
    def inbox(self) -> ObjectStore: ...

    @property
    def search(self) -> SearchIndex: ...

    @property
    def authenticator(self) -> Authenticator: ...

    @property
    def verifier(self) -> TokenVerifier: ...

    @property
    def read_markers(self) -> ReadMarkers | None:
        """Which alerts each user has read (None: every alert shows as unread)."""
        ...

    @property
    def alert_schedule(self) -> AlertSchedule | None:
        """The alerts by time raised (the web app's live updates); None: not available."""
        ...

    @property
    def audit_log(self) -> AuditLog | None:
        """The append-only system audit trail (None: views are not recorded and GET /audit answers 503)."""
        ...

    @property
    def case_board(self) -> CaseBoard | None:
        """Cases by status or owner, by ETA (None: GET /cases and the report routes answer 503)."""
        ...

    @property
    def attachments(self) -> AttachmentStore | None:
        """Case attachments behind presigned URLs (None: the attachment routes answer 503)."""
        ...

    @property
    def users(self) -> UserDirectory | None:
        """The user directory (None: the user routes and subscriptions answer 503)."""
        ...

    @property
    def subscriptions(self) -> SubscriptionRepository | None:
        """Alert subscriptions (None: the subscription routes answer 503)."""
        ...

    @property
    def party_history(self) -> PartyHistoryRepository | None:
        """First sightings of parties (None: the consignment detail leaves its party history out)."""
        ...

    @property
    def cases(self) -> CaseStore | None:
        """The cases and their audit trails (None: the case routes answer 503)."""
        ...

    @property
    def case_tasks(self) -> CaseTasks | None:
        """The case state machine's waiting steps (None: the case routes that change a case answer 503)."""
        ...

    @property
    def rules(self) -> RulesStore | None:
        """Profile versions and watch-list entries to manage (None: the profile and watch-list routes answer 503)."""
        ...

    @property
    def rescoring(self) -> RescoreTrigger | None:
        """Starts re-scoring after a rules change (None: changes are stored and say that nothing was queued)."""
        ...

    @property
    def reports(self) -> ReportCounters | None:
        """The report counters (None: the report routes answer 503 and case changes are not counted); the reports'
        open cases are the :attr:`case_board`'s."""
        ...


@dataclass(frozen=True)
class StaticContainer:
    """Ready-made ports: for tests (fakes) and for a local stack that builds its own adapters."""

    country: str
    consignments: ConsignmentRepository
    assessments: AssessmentRepository
    alerts: AlertRepository
    receipts: ReceiptRepository
    inbox: ObjectStore
    search: SearchIndex
    authenticator: Authenticator
    verifier: TokenVerifier
    read_markers: ReadMarkers | None = None
    alert_schedule: AlertSchedule | None = None
    audit_log: AuditLog | None = None
    case_board: CaseBoard | None = None
    attachments: AttachmentStore | None = None
    users: UserDirectory | None = None
    subscriptions: SubscriptionRepository | None = None
    party_history: PartyHistoryRepository | None = None
    cases: CaseStore | None = None
    case_tasks: CaseTasks | None = None
    rules: RulesStore | None = None
    rescoring: RescoreTrigger | None = None
    reports: ReportCounters | None = None


class Container:
    """The AWS (or moto) adapters for :class:`ApiSettings`, each built once, on first use."""

    def __init__(self, settings: ApiSettings, endpoint_url: str | None = None) -> None:
        self.settings = settings
        self._endpoint_url = endpoint_url
        self._built: dict[str, Any] = {}
        self._lock = threading.RLock()

    def _once(self, name: str, build: Callable[[], T]) -> T:
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            value: T = self._built[name]
            return value

    @property
    def country(self) -> str:
        return self.settings.country

    def _records_model(self) -> Any:
        from cts.adapters.dynamodb import bind_table

        s = self.settings
        return self._once("records_model", lambda: bind_table(s.records_table, s.region))

    @property
    def consignments(self) -> ConsignmentRepository:
        from cts.adapters.dynamodb import DynamoConsignments

        return self._once("consignments", lambda: DynamoConsignments(self._records_model()))

    @property
    def assessments(self) -> AssessmentRepository:
        from cts.adapters.dynamodb import DynamoAssessments

        return self._once("assessments", lambda: DynamoAssessments(self._records_model()))

    @property
    def alerts(self) -> AlertRepository:
        from cts.adapters.dynamodb import DynamoAlerts

        return self._once("alerts", lambda: DynamoAlerts(self._records_model()))

    @property
    def read_markers(self) -> ReadMarkers | None:
        from cts.adapters.dynamodb_inbox import DynamoReadMarkers

        return self._once("read_markers", lambda: DynamoReadMarkers(self._records_model()))

    @property
    def alert_schedule(self) -> AlertSchedule | None:
        from cts.adapters.dynamodb_inbox import DynamoAlertSchedule

        return self._once("alert_schedule", lambda: DynamoAlertSchedule(self._records_model()))

    @property
    def audit_log(self) -> AuditLog | None:
        from cts.adapters.dynamodb_audit import DynamoAuditLog

        s = self.settings
        return self._once("audit_log", lambda: DynamoAuditLog(s.records_table, s.region))

    @property
    def case_board(self) -> CaseBoard | None:
        from cts.adapters.dynamodb_case_board import DynamoCaseBoard

        s = self.settings
        return self._once("case_board", lambda: DynamoCaseBoard(s.records_table, s.region))

    @property
    def attachments(self) -> AttachmentStore | None:
        from cts.adapters.s3_attachments import S3AttachmentStore

        bucket = self.settings.attachments_bucket
        if not bucket:
            return None
        return self._once("attachments", lambda: S3AttachmentStore(bucket, self.settings.region))

    @property
    def users(self) -> UserDirectory | None:
        from cts.adapters.cognito_users import CognitoUserDirectory

        s = self.settings
        return self._once("users", lambda: CognitoUserDirectory(s.user_pool_id, s.region))

    @property
    def subscriptions(self) -> SubscriptionRepository | None:
        from cts.adapters.dynamodb_subscriptions import DynamoSubscriptions

        return self._once("subscriptions", lambda: DynamoSubscriptions(self._records_model()))

    @property
    def party_history(self) -> PartyHistoryRepository | None:
        from cts.adapters.dynamodb import DynamoPartyHistory

        return self._once("party_history", lambda: DynamoPartyHistory(self._records_model()))

    @property
    def cases(self) -> CaseStore | None:
        from cts.adapters.dynamodb_cases import DynamoCaseStore

        s = self.settings
        return self._once("cases", lambda: DynamoCaseStore(s.records_table, s.region))

    @property
    def reports(self) -> ReportCounters | None:
        from cts.adapters.dynamodb_reports import DynamoReportCounters

        s = self.settings
        return self._once("reports", lambda: DynamoReportCounters(s.records_table, s.region))

    @property
    def case_tasks(self) -> CaseTasks | None:
        from cts.adapters.stepfunctions import StepFunctionsCaseWorkflow

        arn = self.settings.case_state_machine_arn
        if not arn:
            return None
        return self._once("case_tasks", lambda: StepFunctionsCaseWorkflow(arn, self.settings.region))

    @property
    def rules(self) -> RulesStore | None:
        from cts.adapters.dynamodb_rules import DynamoRulesAdmin

        return self._once("rules", lambda: DynamoRulesAdmin(self._records_model()))

    @property
    def rescoring(self) -> RescoreTrigger | None:
        url = self.settings.score_queue_url
        if not url:
            return None

        def build() -> RescoreTrigger:
            from cts.adapters.dynamodb import DynamoRules
            from cts.adapters.sqs import SqsWorkQueue
            from cts.services.rescoring import RescoringService

            queue = SqsWorkQueue(url, self.settings.region)
            return RescoringService(self.consignments, DynamoRules(self._records_model()), queue)

        return self._once("rescoring", build)

    @property
    def receipts(self) -> ReceiptRepository:
        from cts.adapters.dynamodb import DynamoReceipts

        return self._once("receipts", lambda: DynamoReceipts(self._records_model()))

    @property
    def inbox(self) -> ObjectStore:
        from cts.adapters.s3 import S3ObjectStore

        s = self.settings
        return self._once("inbox", lambda: S3ObjectStore(s.inbox_bucket, s.region))

    @property
    def search(self) -> SearchIndex:
        from cts.adapters.search import make_search_index

        s = self.settings
        return self._once("search", lambda: make_search_index(url=s.search_url, path=s.search_path, region=s.region))

    @property
    def authenticator(self) -> Authenticator:
        from cts.adapters.aws import client
        from cts.adapters.cognito import CognitoAuthenticator

        s = self.settings
        return self._once(
            "authenticator",
            lambda: CognitoAuthenticator(
                s.user_pool_id, s.user_pool_client_id, lambda: client("cognito-idp", s.region)
            ),
        )

    @property
    def verifier(self) -> TokenVerifier:
        from cts.adapters.cognito import CognitoTokenVerifier, jwks_url

        s = self.settings
        url = jwks_url(s.region, s.user_pool_id, self._endpoint_url)
        return self._once(
            "verifier", lambda: CognitoTokenVerifier(s.user_pool_id, s.user_pool_client_id, s.region, url)
        )


_lock = threading.Lock()
_container: ApiContainer | None = None


def build_container(environ: Mapping[str, str] | None = None) -> Container:
    """Validate the configuration now (cold start); adapters come later, on first use."""
    env = os.environ if environ is None else environ
    return Container(load_settings(ApiSettings, env), endpoint_url=env.get("AWS_ENDPOINT_URL") or None)


def get_container() -> ApiContainer:
    global _container
    with _lock:
        if _container is None:
            _container = build_container()
        return _container


def set_container(container: ApiContainer | None) -> None:
    """Inject a container (tests, local stack); ``None`` goes back to building one from the environment."""
    global _container
    with _lock:
        _container = container
