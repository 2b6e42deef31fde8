"""The REST API mirrors the Chalice app's routes; only the app's public routes skip Cognito."""

from __future__ import annotations

from cts.config.resources import SYSTEM
from infra.components.api import STAGE, load_routes
from infra.stack import REPO_ROOT
from infra_testkit import Synthesised


def _path_of(synth: Synthesised, resource_id: str) -> str:
    parts = []
    resources = synth.of_type("AWS::ApiGateway::Resource")
    while resource_id in resources:
        props = resources[resource_id]["Properties"]
        parts.append(props["PathPart"])
        parent = props["ParentId"]
        resource_id = parent.get("Ref", "") if isinstance(parent, dict) and "Ref" in parent else ""
    return "/" + "/".join(reversed(parts))


def test_every_chalice_route_is_a_method_proxied_to_the_api_function(jm: Synthesised) -> None:
    routes = load_routes(REPO_ROOT, SYSTEM.function("ApiFunction"))
    assert routes, "the Chalice app declares no routes"
    function = jm.logical_id(jm.stack.functions["ApiFunction"])
    methods = {}
    for method in jm.of_type("AWS::ApiGateway::Method").values():
        props = method["Properties"]
        path = _path_of(jm, props["ResourceId"]["Ref"]) if "Ref" in props["ResourceId"] else "/"
        methods[(props["HttpMethod"], path)] = props
        assert props["Integration"]["Type"] == "AWS_PROXY"
        assert function in str(props["Integration"]["Uri"])
    assert set(methods) == {(r.method, r.path) for r in routes}
    for route in routes:
        expected = "NONE" if route.public else "COGNITO_USER_POOLS"
        assert methods[(route.method, route.path)]["AuthorizationType"] == expected, route


def test_only_sign_in_its_challenges_health_and_the_api_description_are_public(jm: Synthesised) -> None:
    public = {(r.method, r.path) for r in load_routes(REPO_ROOT, SYSTEM.function("ApiFunction")) if r.public}
    # A sign-in challenge (new password, MFA code) is answered before the user holds a token.
    assert public == {
        ("GET", "/health"),
        ("POST", "/auth/login"),
        ("POST", "/auth/challenge"),
        ("GET", "/openapi.json"),
    }


def test_the_stage_is_traced_logged_and_throttled(jm: Synthesised) -> None:
    (stage,) = jm.of_type("AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == STAGE
    assert props["TracingEnabled"] is True
    assert "DestinationArn" in props["AccessLogSetting"]
    (settings,) = props["MethodSettings"]
    assert settings["LoggingLevel"] == "INFO"
    assert settings["DataTraceEnabled"] is False
    assert settings["ThrottlingRateLimit"] > 0
    (authorizer,) = jm.of_type("AWS::ApiGateway::Authorizer").values()
    assert authorizer["Properties"]["Type"] == "COGNITO_USER_POOLS"


def test_api_gateways_own_errors_are_in_the_apps_error_shape(jm: Synthesised) -> None:
    import json

    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in jm.of_type("AWS::ApiGateway::GatewayResponse").values()
    }
    assert set(responses) >= {
        "UNAUTHORIZED",
        "ACCESS_DENIED",
        "MISSING_AUTHENTICATION_TOKEN",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
    }
    for kind, props in responses.items():
        template = props["ResponseTemplates"]["application/json"]
        rendered = json.loads(template.replace("$context.error.messageString", '"an error"'))
        assert set(rendered) == {"code", "message"}, kind
        assert props["ResponseParameters"]["gatewayresponse.header.Cache-Control"] == "'no-store'"
    assert (
        json.loads(
            responses["UNAUTHORIZED"]["ResponseTemplates"]["application/json"].replace(
                "$context.error.messageString", '""'
            )
        )["code"]
        == "unauthorized"
    )
    assert responses["UNAUTHORIZED"]["ResponseParameters"]["gatewayresponse.header.WWW-Authenticate"] == "'Bearer'"
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    assert '"code":"no_route"' in responses["MISSING_AUTHENTICATION_TOKEN"]["ResponseTemplates"]["application/json"]


def test_the_monthly_report_pdf_leaves_as_bytes(jm: Synthesised) -> None:
    (rest_api,) = jm.of_type("AWS::ApiGateway::RestApi").values()
    assert "application/pdf" in rest_api["Properties"]["BinaryMediaTypes"]
