"""The one catalogue of the system's AWS resources.

The CDK stack (``infra/``) and the local stack (``cts.adapters.local``) both build from this
catalogue, so what runs on a laptop and what runs in a country's account cannot drift:
same buckets, queues, tables, indexes, triggers, roles and the same environment variable
names handed to the same handlers. Physical names are never fixed here; CDK generates
them and the local stack derives them from the logical ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Access(StrEnum):
    """What a function may do with a resource: drives least-privilege grants in CDK."""

    READ = "read"
    WRITE = "write"
    READ_WRITE = "read_write"
    SEND = "send"
    START = "start"
    TAG = "tag"  # read and set object tags only (retention tags of legal holds)
    READ_TAG = "read_tag"  # READ plus TAG: objects are read, never rewritten, only their tags set
    TASKS = "tasks"  # complete or fail a state machine's waiting steps (task tokens), nothing else
    READ_PUT = "read_put"  # read and put objects (presigned GET and PUT), never delete or overwrite tags


@dataclass(frozen=True)
class Bucket:
    logical_id: str
    env_var: str
    purpose: str
    versioned: bool = True


@dataclass(frozen=True)
class Queue:
    logical_id: str
    env_var: str
    purpose: str
    visibility_timeout_s: int = 180
    max_receive_count: int = 5


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str | None = None
    # None projects every attribute; a tuple projects the keys plus these attributes (INCLUDE).
    include: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Table:
    logical_id: str
    env_var: str
    purpose: str
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class StateMachine:
    logical_id: str
    env_var: str
    definition: str  # file name under statemachines/
    substitutions: dict[str, str] = field(default_factory=dict)  # placeholder -> logical id


@dataclass(frozen=True)
class SearchDomain:
    """OpenSearch in AWS; the local stack uses the embedded engine instead (same port, same contract)."""

    logical_id: str
    env_var: str


@dataclass(frozen=True)
class UserPool:
    """Cognito user pool; its groups are the roles."""

    logical_id: str
    env_var: str
    client_env_var: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Notification:
    """S3 ObjectCreated under ``prefix`` in ``bucket`` is sent to ``queue``."""

    bucket: str
    prefix: str
    queue: str


class Cadence(StrEnum):
    """When a schedule fires; the country file sets the numbers (``cts.config.country.NotificationSchedule``)."""

    EVERY = "every"  # every ``notifications.escalation_every_minutes`` minutes
    DIGEST_TIMES = "digest_times"  # at each of ``notifications.digest_times`` (the country's local time)


@dataclass(frozen=True)
class Schedule:
    """A function invoked on a cadence with a fixed event (EventBridge rules in AWS, a timer thread locally)."""

    logical_id: str
    function: str
    event: dict[str, str]  # the exact event the function receives
    cadence: Cadence
    purpose: str = ""


@dataclass(frozen=True)
class EmailFeedback:
    """SES bounces and complaints of the e-mails sent: a configuration set (its name handed to the e-mail senders
    in ``env_var``) publishes them to an SNS topic, which delivers the SNS envelope (not raw) to ``queue``."""

    logical_id: str  # the topic
    env_var: str  # the configuration set's name
    queue: str
    events: tuple[str, ...] = ("bounce", "complaint")


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_dir: str  # relative to the repository root
    handler: str
    trigger_queue: str | None
    batch_size: int = 10
    timeout_s: int = 60
    memory_mb: int = 512
    uses: dict[str, Access] = field(default_factory=dict)  # logical id -> access


@dataclass(frozen=True)
class SystemSpec:
    buckets: tuple[Bucket, ...]
    queues: tuple[Queue, ...]
    tables: tuple[Table, ...]
    state_machines: tuple[StateMachine, ...]
    search: SearchDomain
    user_pool: UserPool
    notifications: tuple[Notification, ...]
    functions: tuple[Function, ...]
    schedules: tuple[Schedule, ...] = ()
    email_feedback: EmailFeedback | None = None

    def resource(self, logical_id: str) -> Bucket | Queue | Table | StateMachine | SearchDomain | UserPool:
        for group in (
            self.buckets,
            self.queues,
            self.tables,
            self.state_machines,
            (self.search, self.user_pool),
        ):
            for item in group:
                if item.logical_id == logical_id:
                    return item
        raise KeyError(logical_id)

    def function(self, logical_id: str) -> Function:
        return next(f for f in self.functions if f.logical_id == logical_id)

    def env_vars_for(self, function_id: str) -> list[str]:
        names: list[str] = []
        for logical_id in self.function(function_id).uses:
            res = self.resource(logical_id)
            names.append(res.env_var)
            if isinstance(res, UserPool):
                names.append(res.client_env_var)
        return sorted(names)


INBOX_PREFIX = "inbox/"
RECEIPTS_PREFIX = "receipts/"

# Roles are Cognito groups; the permission matrix that uses them lives with the API.
ROLES = (
    "administrator",
    "risk_manager",
    "targeting_analyst",
    "examination_officer",
    "supervisor",
    "auditor",
    "carrier",
)

SYSTEM = SystemSpec(
    buckets=(
        Bucket("InboxBucket", "CTS_INBOX_BUCKET", "carrier uploads under inbox/<carrier-id>/, never modified"),
        Bucket("ReceiptsBucket", "CTS_RECEIPTS_BUCKET", "one JSON receipt per uploaded file"),
        Bucket(
            "AttachmentsBucket",
            "CTS_ATTACHMENTS_BUCKET",
            "case attachments (examination photos, documents) under cases/<case id>/, uploaded by presigned PUT",
        ),
    ),
    queues=(
        Queue("IngestQueue", "CTS_INGEST_QUEUE_URL", "S3 ObjectCreated events for new uploads"),
        Queue("ScoreQueue", "CTS_SCORE_QUEUE_URL", "consignment versions waiting to be scored, and re-scoring pages"),
        Queue("NotifyQueue", "CTS_NOTIFY_QUEUE_URL", "alerts waiting to be delivered"),
    ),
    tables=(
        Table(
            "RecordsTable",
            "CTS_RECORDS_TABLE",
            "consignments, versions, receipts, assessments, alerts, profiles, watch lists",
            partition_key="pk",
            sort_key="sk",
            indexes=(
                Index("gsi1", "gsi1pk", "gsi1sk"),
                # arrivals by UTC day, for re-scoring what has not arrived yet (docs/data-model.md)
                Index("gsi2", "gsi2pk", "gsi2sk", include=("version",)),
                # overloaded: a carrier file's versions (FILE#) and a voyage or flight's arrivals (JOURNEY#)
                Index("gsi3", "gsi3pk", "gsi3sk", include=("version",)),
                # a port of discharge's arrivals, one partition per port and ETA month (PORT#<locode>#<yyyy-mm>)
                Index("gsi4", "gsi4pk", "gsi4sk", include=("version",)),
                # the case board: one partition per case status, sorted by ETA (CASES#<status> / <eta>#<case id>)
                Index("gsi5", "gsi5pk", "gsi5sk"),
            ),
            ttl_attribute="expires_at",
        ),
        Table(
            "IdempotencyTable",
            "CTS_IDEMPOTENCY_TABLE",
            "Powertools idempotency records for at-least-once event delivery",
            partition_key="id",
            ttl_attribute="expiration",
        ),
    ),
    state_machines=(
        StateMachine(
            "CaseWorkflow",
            "CTS_CASE_STATE_MACHINE_ARN",
            "case.asl.json",
            substitutions={"RecordsTableName": "RecordsTable"},
        ),
    ),
    search=SearchDomain("SearchDomain", "CTS_SEARCH_URL"),
    user_pool=UserPool("UserPool", "CTS_USER_POOL_ID", "CTS_USER_POOL_CLIENT_ID", ROLES),
    notifications=(Notification("InboxBucket", INBOX_PREFIX, "IngestQueue"),),
    functions=(
        Function(
            "IngestFunction",
            "functions/ingest",
            "handler.lambda_handler",
            trigger_queue="IngestQueue",
            batch_size=5,
            timeout_s=120,
            memory_mb=1024,  # a 10 MB manifest becomes ~250 MB of parsed consignments
            uses={
                "InboxBucket": Access.READ_TAG,  # tags each raw file retention=standard when it archives it
                "ReceiptsBucket": Access.WRITE,
                "RecordsTable": Access.READ_WRITE,
                "IdempotencyTable": Access.READ_WRITE,
                "ScoreQueue": Access.SEND,
            },
        ),
        Function(
            "ScoreFunction",
            "functions/score",
            "handler.lambda_handler",
            trigger_queue="ScoreQueue",
            uses={
                "ScoreQueue": Access.SEND,  # re-scoring fans out onto its own queue
                "InboxBucket": Access.TAG,  # legal hold of the raw files of a consignment that alerts
                "ReceiptsBucket": Access.TAG,  # and of their receipts
                "RecordsTable": Access.READ_WRITE,
                "IdempotencyTable": Access.READ_WRITE,
                "NotifyQueue": Access.SEND,
                "SearchDomain": Access.READ_WRITE,
            },
        ),
        Function(
            "NotifyFunction",
            "functions/notify",
            "handler.lambda_handler",
            trigger_queue="NotifyQueue",
            uses={
                "RecordsTable": Access.READ_WRITE,
                "IdempotencyTable": Access.READ_WRITE,
                "CaseWorkflow": Access.START,
            },
        ),
        Function(
            "ApiFunction",
            "functions/api",
            "app.app",
            trigger_queue=None,
            timeout_s=29,
            uses={
                "InboxBucket": Access.WRITE,
                "ReceiptsBucket": Access.READ,
                "RecordsTable": Access.READ_WRITE,
                "SearchDomain": Access.READ,
                "UserPool": Access.READ_WRITE,  # the administrator's user management (GET/POST /users ...)
                "AttachmentsBucket": Access.READ_PUT,  # presigned PUT and GET of case attachments, and listing
                "CaseWorkflow": Access.TASKS,  # people's case changes complete the workflow's waiting steps
                "ScoreQueue": Access.SEND,  # a rules change through the API starts re-scoring (docs/profiles.md)
            },
        ),
    ),
    schedules=(
        Schedule(
            "EscalationSchedule",
            "NotifyFunction",
            {"action": "escalate"},
            Cadence.EVERY,
            "alerts about to miss their arrival, and case escalations the workflow recorded, to the supervisors",
        ),
        Schedule(
            "DigestSchedule",
            "NotifyFunction",
            {"action": "digest"},
            Cadence.DIGEST_TIMES,
            "each subscriber's pending amber and random-selection alerts in one e-mail",
        ),
    ),
    email_feedback=EmailFeedback("EmailFeedbackTopic", "CTS_SES_CONFIGURATION_SET", "NotifyQueue"),
)
