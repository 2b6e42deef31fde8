"""CloudFormation custom resource: the OpenSearch fine-grained access control roles of the CTS functions.

Runs as the domain's master user (its IAM role is the domain's ``MasterUserARN``). On Create and Update it writes
each role of ``Roles`` (``PUT _plugins/_security/api/roles/<name>``) and maps the IAM role ARNs of ``Mappings`` to
it as backend roles (``PUT _plugins/_security/api/rolesmapping/<name>``); on Delete it does nothing (the domain is
retained). Requests are SigV4-signed with the function's own credentials (botocore, part of the Lambda runtime).
It answers CloudFormation at the pre-signed ``ResponseURL`` itself: no provider framework, no extra function.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

Send = Callable[[urllib.request.Request], tuple[int, str]]
SECURITY_API = "/_plugins/_security/api"


def _urlopen(request: urllib.request.Request) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - https endpoint from the stack
            return int(response.status), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode("utf-8", "replace")


def _signed(method: str, url: str, body: dict[str, Any], region: str) -> urllib.request.Request:
    if not url.startswith("https://"):
        raise ValueError(f"refusing a non-https OpenSearch endpoint: {url[:80]}")
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.session import Session

    data = json.dumps(body).encode()
    request = AWSRequest(method=method, url=url, data=data, headers={"Content-Type": "application/json"})
    credentials = Session().get_credentials()
    if credentials is None:
        raise RuntimeError("no credentials to sign the OpenSearch request")
    SigV4Auth(credentials.get_frozen_credentials(), "es", region).add_auth(request)
    # the domain's https endpoint, from the stack
    return urllib.request.Request(url, data=data, method=method, headers=dict(request.headers.items()))  # noqa: S310


def apply(properties: dict[str, Any], send: Send, region: str) -> list[str]:
    """Write every role and its mapping; returns what was written. Raises on the first refusal."""
    endpoint = str(properties["Endpoint"]).rstrip("/")
    roles: dict[str, Any] = json.loads(properties["Roles"])
    mappings: dict[str, list[str]] = json.loads(properties["Mappings"])
    written = []
    for name, role in sorted(roles.items()):
        for path, body in (
            (f"{SECURITY_API}/roles/{name}", role),
            (f"{SECURITY_API}/rolesmapping/{name}", {"backend_roles": sorted(mappings.get(name, []))}),
        ):
            status, text = send(_signed("PUT", endpoint + path, body, region))
            if status not in (200, 201):
                raise RuntimeError(f"PUT {path}: {status} {text[:300]}")
            written.append(path)
    return written


def respond(event: dict[str, Any], status: str, reason: str, send: Send) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:1000],
            "PhysicalResourceId": event.get("PhysicalResourceId") or f"search-access-{event['LogicalResourceId']}",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": {},
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - CloudFormation's pre-signed https URL
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    send(request)


def handler(event: dict[str, Any], context: object, send: Send = _urlopen) -> None:
    try:
        reason = "nothing to do on delete (the domain is retained)"
        if event["RequestType"] in ("Create", "Update"):
            written = apply(event["ResourceProperties"], send, os.environ.get("AWS_REGION", ""))
            reason = f"wrote {len(written)} security objects"
        print(json.dumps({"request": event["RequestType"], "result": reason}))
        respond(event, "SUCCESS", reason, send)
    except Exception as error:
        print(json.dumps({"request": event.get("RequestType"), "error": str(error)}))
        respond(event, "FAILED", str(error), send)
