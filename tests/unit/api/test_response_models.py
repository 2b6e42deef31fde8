"""The answers of the consignment-detail, profile and watch-list routes are what their ``response=`` models say.

One scenario (:func:`answers`) calls every one of these routes through the Chalice test client over the in-memory
ports, in the states that shape their answers differently (a consignment with and without an assessment, parties'
history and similar consignments; a lifecycle step with and without re-scoring, a superseded version; a test of a
stored version and of an unsaved document; an import that writes nothing; re-scoring configured or not). Each
200 answer must then validate against its route's declared model (``Model.model_validate``; every model reachable
from it forbids unknown keys: checked too) and against the 200 schema ``GET /openapi.json`` publishes, which also
holds the JSON types exactly (what Schemathesis' ``response_schema_conformance`` checks on the local stack). A
view whose output drifts from its model (a key added, renamed or dropped, a type changed) fails here.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from chalice.test import Client
from fakes_rules import ENTRY_DOC, PROFILE_DOC, MemoryRulesStore, RecordingRescore
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from chalicelib.container import set_container
from cts.adapters.local.demo import demo_manifest
from cts.domain.model import MessageFunction
from cts.domain.parsers.base import ParseContext
from cts.domain.parsers.registry import parse
from cts.domain.parties import PartyPair
from cts.domain.search_view import SearchDocument
from fakes import FakePartyHistory
from fakes_api import API_DIR, assessment_for, consignment, hit, make_world, principal, version_of

JSON = {"Content-Type": "application/json"}
ROUTES = (
    ("GET", "/consignments/{key}"),
    ("GET", "/profiles"),
    ("POST", "/profiles"),
    ("GET", "/profiles/{profile_id}"),
    ("PUT", "/profiles/{profile_id}"),
    ("POST", "/profiles/{profile_id}/submit"),
    ("POST", "/profiles/{profile_id}/approve"),
    ("POST", "/profiles/{profile_id}/reject"),
    ("POST", "/profiles/{profile_id}/activate"),
    ("POST", "/profiles/{profile_id}/retire"),
    ("POST", "/profiles/{profile_id}/test"),
    ("GET", "/watchlists"),
    ("POST", "/watchlists/entries"),
    ("GET", "/watchlists/entries/{entry_id}"),
    ("PUT", "/watchlists/entries/{entry_id}"),
    ("DELETE", "/watchlists/entries/{entry_id}"),
    ("POST", "/watchlists/import"),
)
PROFILE: dict[str, Any] = {**PROFILE_DOC, "valid_from": "2025-01-01", "scope": {"modes": ["sea"]}}
ENTRY: dict[str, Any] = {**ENTRY_DOC, "aliases": ["ACME TRDG"], "valid_to": "2099-12-31"}


@dataclasses.dataclass
class Answer:
    method: str
    route: str
    path: str
    body: bytes


@dataclasses.dataclass
class Scenario:
    client: Client
    tokens: dict[str, str]
    answers: list[Answer] = dataclasses.field(default_factory=list)

    def ok(self, method: str, route: str, who: str, payload: Any = None, query: str = "", **params: str) -> Any:
        path = route.format(**{name: quote(value, safe="") for name, value in params.items()}) + query
        headers = {"Authorization": f"Bearer {self.tokens[who]}", **(JSON if payload is not None else {})}
        raw = b"" if payload is None else json.dumps(payload).encode()
        response = self.client.http.request(method, path, headers=headers, body=raw)
        assert response.status_code == 200, (method, path, response.body)
        self.answers.append(Answer(method, route, path, response.body))
        return json.loads(response.body)


@pytest.fixture(scope="module")
def answers() -> Iterator[list[Answer]]:
    """Every route of :data:`ROUTES` called in the states that shape its answer, the 200 answers kept."""
    world = make_world()
    world.tokens["second_risk_manager"] = world.identity.add("secret", principal("risk_manager", username="rm2"))
    store, rescore, parties = MemoryRulesStore(), RecordingRescore(), FakePartyHistory()
    configured = dataclasses.replace(world.container, rules=store, rescoring=rescore, party_history=parties)
    set_container(configured)
    from app import app

    s = Scenario(Client(app, project_dir=str(API_DIR)), world.tokens)
    try:
        _consignments(s, world, parties)
        _profiles(s, world)
        _watchlists(s)
        set_container(dataclasses.replace(configured, rescoring=None))  # re-scoring not configured: not queued
        s.ok("POST", "/watchlists/entries", "risk_manager", {"entry": {**ENTRY, "id": "wl-unqueued"}})
        s.ok("POST", "/profiles/{profile_id}/retire", "risk_manager", {"version": 2, "reason": "done"}, profile_id=_P)
        yield s.answers
    finally:
        set_container(None)


_P = "kingston-imports"


def _consignments(s: Scenario, world: Any, parties: FakePartyHistory) -> None:
    now = datetime.now(UTC)
    # A whole consignment as the parser makes it from the demo manifest: goods, equipment, itinerary, provenance.
    context = ParseContext(object_key="inbox/demo/manifest.json", carrier_id="demo", received_at=now)
    original = next(p.consignment for p in parse(demo_manifest(now), context).consignments if p.consignment)
    amended = original.model_copy(update={"message_function": MessageFunction.AMENDMENT})
    world.consignments.add_version(version_of(original))
    world.consignments.add_version(version_of(amended, version=2))
    world.assessments.put(assessment_for(original.key, 2, [hit(60)]))
    parties.record("sea:MSCU:FIRST", PartyPair.of(original), date(2024, 5, 1))
    for n, key in enumerate([original.key, "sea:MSCU:OLD1"]):
        world.search.docs[key] = SearchDocument(
            key=key,
            version=1,
            mode="sea",
            direction="import",
            document_number=f"D{n}",
            consignee_name="Island Fresh Imports Ltd",
            hs_codes=("820190",),
            eta=now - timedelta(days=30),
            parties_text="Island Fresh Imports Ltd",
        )
    detail = s.ok("GET", "/consignments/{key}", "targeting_analyst", key=original.key)
    assert detail["assessment"]
    assert detail["party_history"]
    assert detail["similar"]
    assert len(detail["versions"]) == 2
    bare = consignment("MEDU2222222", consignee="***")  # no usable consignee name, never scored
    world.consignments.add_version(version_of(bare))
    detail = s.ok("GET", "/consignments/{key}", "targeting_analyst", key=bare.key)
    assert detail["assessment"] is None
    assert detail["party_history"] is None


def _profiles(s: Scenario, world: Any) -> None:
    now = datetime.now(UTC)
    for n, name in enumerate(["Kingston Imports Ltd", "Montego Supplies"]):
        c = consignment(f"MSCU{n:07d}", eta=now - timedelta(days=1), consignee=name)
        world.consignments.add_version(version_of(c))
    s.ok("POST", "/profiles", "risk_manager", {"profile": PROFILE, "reason": "new intelligence"})
    s.ok("GET", "/profiles", "auditor")
    s.ok("POST", "/profiles/{profile_id}/submit", "risk_manager", {"version": 1}, profile_id=_P)
    s.ok(
        "POST", "/profiles/{profile_id}/reject", "second_risk_manager", {"version": 1, "reason": "why?"}, profile_id=_P
    )
    for step, who in (("submit", "risk_manager"), ("approve", "second_risk_manager"), ("activate", "risk_manager")):
        s.ok("POST", f"/profiles/{{profile_id}}/{step}", who, {"version": 1}, profile_id=_P)
    edited = {**PROFILE, "match": {"all": ["cnee"]}, "valid_to": "2099-12-31"}
    s.ok("PUT", "/profiles/{profile_id}", "risk_manager", {"version": 1, "profile": edited}, profile_id=_P)
    for step, who in (("submit", "risk_manager"), ("approve", "second_risk_manager")):
        s.ok("POST", f"/profiles/{{profile_id}}/{step}", who, {"version": 2}, profile_id=_P)
    activated = s.ok("POST", "/profiles/{profile_id}/activate", "risk_manager", {"version": 2}, profile_id=_P)
    assert activated["superseded"] == [1]
    assert activated["rescore"]["queued"] is True
    s.ok("GET", "/profiles", "risk_manager", query="?status=active")
    s.ok("GET", "/profiles/{profile_id}", "auditor", profile_id=_P)
    tested = s.ok("POST", "/profiles/{profile_id}/test", "risk_manager", {"days": 7, "version": 1}, profile_id=_P)
    assert tested["sample"]
    assert tested["version"] == 1
    unsaved = {**PROFILE, "indicators": [{**PROFILE["indicators"][0], "values": ["montego"]}]}
    tested = s.ok("POST", "/profiles/{profile_id}/test", "risk_manager", {"profile": unsaved}, profile_id=_P)
    assert tested["version"] is None


def _watchlists(s: Scenario) -> None:
    s.ok("POST", "/watchlists/entries", "risk_manager", {"entry": ENTRY, "reason": "tip-off"})
    port = {"id": "wl-port", "kind": "port", "value": "NLRTM", "reason": "r", "category": "c", "valid_to": "2020-01-01"}
    s.ok("POST", "/watchlists/entries", "risk_manager", {"entry": port})
    s.ok("GET", "/watchlists", "supervisor")
    s.ok("GET", "/watchlists", "risk_manager", query="?kind=party&q=acme&page=1&page_size=1")
    s.ok("PUT", "/watchlists/entries/{entry_id}", "administrator", {"version": 1, "entry": ENTRY}, entry_id="wl-acme")
    s.ok("GET", "/watchlists/entries/{entry_id}", "auditor", entry_id="wl-acme")
    removal = {"version": 2, "reason": "cleared"}
    s.ok("DELETE", "/watchlists/entries/{entry_id}", "risk_manager", removal, entry_id="wl-acme")
    removed = s.ok("GET", "/watchlists/entries/{entry_id}", "auditor", entry_id="wl-acme")
    assert removed["removed"] is True
    content = (
        "id,kind,value,aliases,category,weight,reason,source,valid_from,valid_to\n"
        "wl-port,port,NLRTM,,c,100,r,,,2020-01-01\n"  # unchanged
        "wl-new,company,NEW CO,NEWCO;NEW COMPANY,weapons,50,intel,police,2025-01-01,\n"
        "wl-bad,container,MSKU1234560,,smuggling,50,bad check digit,,,\n"
    )
    imported = s.ok("POST", "/watchlists/import", "risk_manager", {"format": "csv", "content": content})
    assert imported["errors"]
    assert imported["rescore"]["queued"] is True
    nothing = s.ok("POST", "/watchlists/import", "risk_manager", {"format": "json", "entries": [{"id": "x"}]})
    assert nothing["rescore"] is None


# ---------------------------------------------------------------- the checks


def _route(method: str, path: str) -> Any:
    from app import app

    entry = app.routes[path][method]
    return entry.view_function.cts_route


def _spec() -> dict[str, Any]:
    from app import app

    from chalicelib.openapi import document

    return document(app)


def _models(model: Any, seen: set[type]) -> Iterator[type]:
    """Every pydantic model and dataclass reachable from ``model``'s fields (the answer's every level)."""
    if isinstance(model, type) and (issubclass(model, BaseModel) or dataclasses.is_dataclass(model)):
        if model in seen:
            return
        seen.add(model)
        yield model
        fields = (
            [f.annotation for f in model.model_fields.values()]
            if issubclass(model, BaseModel)
            else list(typing.get_type_hints(model).values())
        )
        for annotation in fields:
            yield from _models(annotation, seen)
    for argument in typing.get_args(model):
        yield from _models(argument, seen)


def _forbids_extra(model: type) -> bool:
    config = model.model_config if issubclass(model, BaseModel) else getattr(model, "__pydantic_config__", {})
    return config.get("extra") == "forbid"


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_the_route_declares_a_response_model_that_refuses_unknown_keys_at_every_level(method: str, path: str) -> None:
    model = _route(method, path).response
    assert model is not None, f"{method} {path} declares no response model"
    lax = [m.__name__ for m in _models(model, set()) if not _forbids_extra(m)]
    assert lax == [], f"{method} {path}: these models of its answer accept unknown keys: {lax}"


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_every_answer_validates_against_the_routes_model_and_the_published_schema(
    answers: list[Answer], method: str, path: str
) -> None:
    model = _route(method, path).response
    assert model is not None
    mine = [a for a in answers if (a.method, a.route) == (method, path)]
    assert mine, f"the scenario never called {method} {path}"
    spec = _spec()
    success = spec["paths"][path][method.lower()]["responses"]["200"]["content"]["application/json"]["schema"]
    published = Draft202012Validator({**success, "components": spec["components"]})
    for answer in mine:
        try:
            model.model_validate(json.loads(answer.body))
        except ValidationError as exc:
            pytest.fail(f"{method} {answer.path} answered what {model.__name__} does not describe:\n{exc}")
        problems = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in published.iter_errors(json.loads(answer.body))
        ]
        assert problems == [], f"{method} {answer.path} does not match its published 200 schema: {problems}"


def test_the_published_schemas_are_the_models_own(answers: list[Answer]) -> None:
    """No two models share a component name: each route's 200 schema in the document is its model's schema."""
    spec = _spec()
    ref = "#/components/schemas/{model}"
    for method, path in ROUTES:
        model = _route(method, path).response
        own = model.model_json_schema(ref_template=ref, mode="serialization")
        for name, definition in {**own.pop("$defs", {}), model.__name__: own}.items():
            assert spec["components"]["schemas"][name] == definition, f"{method} {path}: component {name}"


@pytest.mark.parametrize(
    ("method", "path", "where"),
    [
        ("GET", "/consignments/{key}", ("latest", "consignment")),
        ("POST", "/profiles/{profile_id}/activate", ("profile", "profile")),
        ("GET", "/watchlists/entries/{entry_id}", ("history", 0, "entry")),
        ("POST", "/watchlists/import", ()),
    ],
)
def test_a_key_the_model_does_not_know_fails_the_check(
    answers: list[Answer], method: str, path: str, where: tuple[str | int, ...]
) -> None:
    answer = next(a for a in answers if (a.method, a.route) == (method, path))
    body = json.loads(answer.body)
    node = body
    for step in where:
        node = node[step]
    node["unexpected"] = 1
    with pytest.raises(ValidationError, match="unexpected"):
        _route(method, path).response.model_validate(body)
