"""The CTS API (Chalice): thin routes over the ports, bearer tokens verified in-app on every route
except ``/health``, ``/openapi.json`` and ``/auth/login``, domain errors answered as ``{"code", "message"}``
JSON. ``GET /openapi.json`` describes the routes (OpenAPI 3.1), generated from them by :mod:`chalicelib.openapi`.

Importing this module opens no AWS client; adapters are built on first use by
:mod:`chalicelib.container`, the function's one composition root.
"""

from __future__ import annotations

import os

from chalice.app import Chalice

from chalicelib import (
    alerts,
    attachments,
    audit,
    auth,
    case_board,
    cases,
    consignments,
    health,
    manifests,
    openapi,
    profiles,
    receipts,
    reports,
    subscriptions,
    uploads,
    users,
    watchlists,
)
from chalicelib.container import get_container

app = Chalice(app_name="cts-api")

for group in (health, openapi, auth, consignments, alerts, cases, receipts, uploads, profiles, watchlists):
    group.routes.register(app)
for group in (case_board, audit, attachments, subscriptions, users, manifests, reports):
    group.routes.register(app)
# The monthly report's PDF leaves as binary (base64 to API Gateway, whose binary media types list it too).
app.api.binary_types.append(reports.PDF)

if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    # Cold start in Lambda: fail now, with the list of missing settings, rather than on a request.
    get_container()
