"""Receipts for uploaded files: customs roles read any; a carrier reads only its own."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from chalicelib.http import Call, Routes
from cts.domain.errors import Forbidden, NotFound, ValidationFailed
from cts.domain.permissions import Action, allowed, may_read_receipt
from cts.domain.receipt import Receipt

routes = Routes()

_ANY_RECEIPTS = (Action.VIEW_RECEIPTS_ALL, Action.VIEW_OWN_RECEIPTS)


class ReceiptList(BaseModel):
    carrier_id: str | None = Field(
        default=None, max_length=64, description="required for customs roles; a carrier sees only its own"
    )
    limit: int = Field(default=50, ge=1, le=200)


class Receipts(BaseModel):
    carrier_id: str
    receipts: list[Receipt]


@routes.api("/receipts", action=_ANY_RECEIPTS, query=ReceiptList, response=Receipts)
def list_receipts(call: Call) -> dict[str, Any]:
    params = call.params(ReceiptList)
    user, asked = call.user, params.carrier_id
    if allowed(user.roles, Action.VIEW_RECEIPTS_ALL):
        if asked is None:
            raise ValidationFailed("carrier_id is required")
        carrier_id = asked
    else:
        if user.carrier_id is None:
            raise Forbidden("your account is not linked to a carrier")
        if asked is not None and asked != user.carrier_id:
            raise Forbidden("a carrier can only see its own receipts")
        carrier_id = user.carrier_id
    receipts = call.container.receipts.for_carrier(carrier_id, limit=params.limit)
    return {"carrier_id": carrier_id, "receipts": [r.model_dump(mode="json") for r in receipts]}


@routes.api("/receipts/{file_id}", action=_ANY_RECEIPTS, response=Receipt)
def get_receipt(call: Call, file_id: str) -> dict[str, Any]:
    receipt = call.container.receipts.get(file_id)
    # Another carrier's receipt is "not found": a carrier cannot even learn that it exists.
    if receipt is None or not may_read_receipt(call.user.roles, call.user.carrier_id, receipt.carrier_id):
        raise NotFound(f"no receipt {file_id}")
    return receipt.model_dump(mode="json")
