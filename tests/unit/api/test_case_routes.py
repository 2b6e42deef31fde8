"""The case routes over CaseService with in-memory ports: the permission gate, the workflow's own rules, revisions,
input validation and percent-encoded case ids (they are alert ids, with ``#``)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import quote

import pytest
from chalice.test import Client

from chalicelib.container import set_container
from cts.config.resources import ROLES
from cts.domain.permissions import PERMISSIONS, Action
from fakes_api import World
from fakes_cases import MemoryCaseStore, RecordingTasks

CASE_ID = "sea:MSCU:MEDU1234567#v1"
PATH = f"/cases/{quote(CASE_ID, safe='')}"
JSON = {"Content-Type": "application/json"}
JUSTIFICATION = "The scan image was reviewed by the regional team: nothing to examine."
FINDING = {"category": "drugs", "description": "cocaine in the reefer", "quantity": "12.5", "unit": "KGM"}

WRITES: list[tuple[str, Action]] = [
    ("claim", Action.WORK_CASES),
    ("assign", Action.SUPERVISE_CASES),
    ("decide", Action.WORK_CASES),
    ("examination", Action.WORK_CASES),
    ("close", Action.WORK_CASES),
    ("notes", Action.WORK_CASES),
]


@dataclasses.dataclass
class Cases:
    world: World
    store: MemoryCaseStore
    tasks: RecordingTasks

    def post(self, client: Client, who: str, action: str, payload: Any, case_path: str = PATH) -> Any:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return client.http.post(f"{case_path}/{action}", headers={**JSON, **self.world.auth(who)}, body=raw)

    def get(self, client: Client, who: str, case_path: str = PATH) -> Any:
        return client.http.get(case_path, headers=self.world.auth(who))

    @property
    def case(self) -> Any:
        return self.store.cases[CASE_ID]

    def step(self) -> None:
        """The state machine waits on the next step: it stores a new token."""
        self.store.cases[CASE_ID] = self.case.model_copy(update={"task_token": f"T{self.case.revision}"})


@pytest.fixture
def cases(world: World) -> Cases:
    store, tasks = MemoryCaseStore(), RecordingTasks()
    store.open(CASE_ID)
    set_container(dataclasses.replace(world.container, cases=store, case_tasks=tasks))
    return Cases(world, store, tasks)


def body(response: Any) -> Any:
    return json.loads(response.body)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.body
    data: dict[str, Any] = body(response)
    assert data["code"] == code
    assert data["message"]
    return data


def claimed(cases: Cases, client: Client, who: str = "examination_officer") -> dict[str, Any]:
    response = cases.post(client, who, "claim", {"revision": cases.case.revision})
    assert response.status_code == 200, response.body
    cases.step()
    data: dict[str, Any] = body(response)
    return data


def decided(cases: Cases, client: Client, decision: str, who: str = "examination_officer") -> dict[str, Any]:
    claimed(cases, client, who)
    response = cases.post(client, who, "decide", {"revision": cases.case.revision, "decision": decision})
    assert response.status_code == 200, response.body
    cases.step()
    data: dict[str, Any] = body(response)
    return data


# ---------------------------------------------------------------- reading


def test_the_case_detail_decodes_the_id_and_shows_the_case_its_trail_and_the_callers_actions(
    cases: Cases, client: Client
) -> None:
    cases.post(client, "supervisor", "notes", {"revision": 0, "text": "asked the broker for the invoice"})
    data = body(cases.get(client, "examination_officer"))
    assert data["case"]["case_id"] == CASE_ID
    assert data["case"]["revision"] == 1
    assert "task_token" not in data["case"]
    assert [(a["action"], a["actor"], a["reason"]) for a in data["audit"]] == [
        ("note", "supervisor", "asked the broker for the invoice")
    ]
    assert data["allowed_actions"] == ["claim", "note", "report_blocked"]


def test_an_auditor_reads_the_audit_trail_but_changes_nothing(cases: Cases, client: Client) -> None:
    claimed(cases, client)
    data = body(cases.get(client, "auditor"))
    assert [(a["action"], a["from_status"], a["to_status"]) for a in data["audit"]] == [("claim", "new", "triaged")]
    assert data["allowed_actions"] == []
    for action, _ in WRITES:
        assert_error(cases.post(client, "auditor", action, {"revision": 1, "text": "x"}), 403, "forbidden")
    assert cases.case.revision == 1


def test_an_unknown_case_is_404_to_read_and_to_change(cases: Cases, client: Client) -> None:
    other = f"/cases/{quote('sea:X:Y#v9', safe='')}"
    assert_error(cases.get(client, "supervisor", other), 404, "not_found")
    assert_error(cases.post(client, "supervisor", "claim", {"revision": 0}, other), 404, "not_found")


def test_the_case_routes_answer_503_when_case_work_is_not_configured(client: Client, world: World) -> None:
    assert_error(client.http.get(PATH, headers=world.auth("supervisor")), 503, "unavailable")
    response = client.http.post(
        f"{PATH}/claim", headers={**JSON, **world.auth("supervisor")}, body=json.dumps({"revision": 0}).encode()
    )
    assert_error(response, 503, "unavailable")


# ---------------------------------------------------------------- each change


def test_claiming_a_case_assigns_it_to_the_caller_and_hands_the_step_back(cases: Cases, client: Client) -> None:
    data = claimed(cases, client)
    assert (data["status"], data["assignee"], data["revision"]) == ("triaged", "examination_officer", 1)
    assert "task_token" not in data
    assert cases.tasks.completed == [("T0", {"status": "triaged", "revision": 1, "action": "claim"})]


def test_a_supervisor_assigns_a_case_to_an_officer(cases: Cases, client: Client) -> None:
    response = cases.post(client, "supervisor", "assign", {"revision": 0, "officer": " olive "})
    assert response.status_code == 200, response.body
    assert (body(response)["assignee"], body(response)["status"]) == ("olive", "triaged")
    assert_error(
        cases.post(client, "examination_officer", "assign", {"revision": 1, "officer": "me"}), 403, "forbidden"
    )


def test_the_owner_decides_and_closes_a_released_case(cases: Cases, client: Client) -> None:
    data = decided(cases, client, "release")
    assert (data["status"], data["decision"]) == ("decided", "release")
    response = cases.post(client, "examination_officer", "close", {"revision": 2, "reason": "documents in order"})
    assert response.status_code == 200, response.body
    assert body(response)["status"] == "closed"
    assert body(response)["closed_at"]
    assert cases.store.audit_trail(CASE_ID)[-1].reason == "documents in order"


def test_a_supervisor_overrides_a_decision_with_a_justification(cases: Cases, client: Client) -> None:
    decided(cases, client, "physical_examination")
    payload = {"revision": 2, "decision": "release", "justification": JUSTIFICATION}
    response = cases.post(client, "supervisor", "decide", payload)
    assert response.status_code == 200, response.body
    data = body(response)
    assert data["decision"] == "release"
    assert (data["override"]["by"], data["override"]["replaced"]) == ("supervisor", "physical_examination")


def test_an_officer_may_not_override_and_a_short_justification_is_refused(cases: Cases, client: Client) -> None:
    decided(cases, client, "physical_examination")
    payload = {"revision": 2, "decision": "release", "justification": JUSTIFICATION}
    assert_error(cases.post(client, "examination_officer", "decide", payload), 403, "forbidden")
    short = {"revision": 2, "decision": "release", "justification": "ok"}
    assert_error(cases.post(client, "supervisor", "decide", short), 400, "validation_failed")
    assert cases.case.revision == 2


def test_the_examination_result_is_recorded_with_its_findings(cases: Cases, client: Client) -> None:
    decided(cases, client, "physical_examination")
    payload = {"revision": 2, "result": "seizure", "findings": [FINDING], "remarks": "container sealed"}
    response = cases.post(client, "examination_officer", "examination", payload)
    assert response.status_code == 200, response.body
    data = body(response)
    assert data["status"] == "examined"
    assert data["examination"]["findings"][0]["category"] == "drugs"
    assert data["examination"]["findings"][0]["quantity"] == "12.5"


@pytest.mark.parametrize(
    "payload",
    [
        {"revision": 2, "result": "seizure"},  # a seizure lists what was seized
        {"revision": 2, "result": "no_finding", "findings": [FINDING]},
        {"revision": 2, "result": "found_it"},
        {"revision": 2, "result": "finding", "findings": [{**FINDING, "quantity": "-1"}]},
        {"revision": 2, "result": "finding", "findings": [{**FINDING, "quantity": "NaN"}]},
        {"revision": 2, "result": "finding", "findings": [{**FINDING, "category": ""}]},
        {"revision": 2, "result": "finding", "findings": [FINDING] * 51},
    ],
)
def test_an_examination_that_breaks_the_rules_is_400(cases: Cases, client: Client, payload: Any) -> None:
    decided(cases, client, "physical_examination")
    assert_error(cases.post(client, "examination_officer", "examination", payload), 400, "validation_failed")
    assert cases.case.status == "decided"


def test_a_note_is_added_to_the_trail_without_moving_the_case(cases: Cases, client: Client) -> None:
    response = cases.post(client, "targeting_analyst", "notes", {"revision": 0, "text": "same consignee as last week"})
    assert response.status_code == 200, response.body
    assert (body(response)["status"], body(response)["revision"]) == ("new", 1)
    assert cases.tasks.completed == []
    assert cases.store.audit_trail(CASE_ID)[0].reason == "same consignee as last week"


# ---------------------------------------------------------------- refusals


def test_a_stale_revision_is_a_conflict_and_changes_nothing(cases: Cases, client: Client) -> None:
    claimed(cases, client)
    stale = {"revision": 0, "decision": "release"}
    data = assert_error(cases.post(client, "examination_officer", "decide", stale), 409, "conflict")
    assert "revision 1" in data["message"]
    assert (cases.case.status, cases.case.revision) == ("triaged", 1)


def test_a_step_the_workflow_does_not_allow_is_refused(cases: Cases, client: Client) -> None:
    # wrong status: a new case is claimed before it is decided
    assert_error(
        cases.post(client, "examination_officer", "decide", {"revision": 0, "decision": "release"}), 409, "conflict"
    )
    # wrong role for the step: an analyst does not record examinations
    decided(cases, client, "document_check", who="targeting_analyst")
    payload = {"revision": 2, "result": "no_finding"}
    assert_error(cases.post(client, "targeting_analyst", "examination", payload), 403, "forbidden")
    # not the owner: another officer's case
    assert_error(cases.post(client, "examination_officer", "close", {"revision": 2}), 403, "forbidden")
    assert cases.case.revision == 2


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        ("decide", {"revision": 0, "decision": "shrug"}),
        ("decide", {"revision": 0}),
        ("notes", {"revision": 0, "text": "x" * 2001}),
        ("notes", {"revision": 0, "text": ""}),
        ("notes", {"revision": 0, "text": "   "}),
        ("notes", {"text": "no revision"}),
        ("notes", {"revision": -1, "text": "negative"}),
        ("notes", {"revision": "one", "text": "not a number"}),
        ("notes", {"revision": 0, "text": "x", "extra": True}),
        ("claim", {}),
        ("claim", b""),
        ("claim", b"{not json"),
        ("claim", b"[0]"),
        ("assign", {"revision": 0}),
        ("assign", {"revision": 0, "officer": ""}),
        ("assign", {"revision": 0, "officer": "  "}),
        ("assign", {"revision": 0, "officer": "o" * 129}),
        ("close", {"revision": 0, "reason": "r" * 2001}),
    ],
)
def test_bad_input_is_a_400_not_a_500(cases: Cases, client: Client, action: str, payload: Any) -> None:
    assert_error(cases.post(client, "supervisor", action, payload), 400, "validation_failed")
    assert cases.case.revision == 0


# ---------------------------------------------------------------- the permission gate, role by role


CALLERS = [*sorted(ROLES), "other_carrier", "unlinked_carrier", "nobody"]


def _may(who: str, action: Action) -> bool:
    world_roles = {"other_carrier": "carrier", "unlinked_carrier": "carrier", "nobody": "visitor"}
    return world_roles.get(who, who) in PERMISSIONS[action]


@pytest.mark.parametrize("who", CALLERS)
def test_every_role_reads_a_case_only_with_view_cases(cases: Cases, client: Client, who: str) -> None:
    response = cases.get(client, who)
    if _may(who, Action.VIEW_CASES):
        assert response.status_code == 200, response.body
    else:
        assert_error(response, 403, "forbidden")


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize(("action", "permission"), WRITES)
def test_every_role_passes_the_gate_of_a_case_change_only_with_its_permission(
    cases: Cases, client: Client, who: str, action: str, permission: Action
) -> None:
    # An empty body: past the gate it is a 400, at the gate a 403; the case never changes.
    response = cases.post(client, who, action, {})
    if _may(who, permission):
        assert_error(response, 400, "validation_failed")
    else:
        assert_error(response, 403, "forbidden")
    assert cases.case.revision == 0


def test_a_carrier_is_refused_every_case_route(cases: Cases, client: Client) -> None:
    assert_error(cases.get(client, "carrier"), 403, "forbidden")
    for action, _ in WRITES:
        assert_error(cases.post(client, "carrier", action, {"revision": 0, "text": "hi"}), 403, "forbidden")


@pytest.mark.parametrize("header", [None, "Bearer token-forged", "Bearer", "Basic dXNlcjpwYXNz"])
@pytest.mark.parametrize("route", ["", *(f"/{action}" for action, _ in WRITES)])
def test_the_case_routes_need_a_valid_bearer_token(
    cases: Cases, client: Client, header: str | None, route: str
) -> None:
    headers = {**JSON, **({"Authorization": header} if header else {})}
    method = "GET" if not route else "POST"
    response = client.http.request(method, f"{PATH}{route}", headers=headers, body=b'{"revision": 0}')
    assert_error(response, 401, "unauthorized")
    assert cases.case.revision == 0
