"""A manifest (one uploaded carrier file): its receipt and the consignment versions it stored.

Same rule as receipts: customs roles that read all receipts see any file; a carrier only its own, and another
carrier's file answers 404 (it cannot learn that the file exists)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import Call, Routes
from cts.domain.errors import NotFound
from cts.domain.permissions import Action, may_read_receipt
from cts.domain.receipt import Receipt
from cts.services.manifests import page as manifest_page

routes = Routes()


class ManifestQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=200, ge=1, le=500)
    cursor: str | None = Field(default=None, max_length=2048, description="the previous page's cursor")


class StoredVersion(BaseModel):
    key: str
    version: int


class Manifest(BaseModel):
    file_id: str
    receipt: Receipt
    consignments: list[StoredVersion] = Field(description="the versions the file stored, by key")
    cursor: str | None = Field(description="pass it back for the next page; null at the end")


@routes.api(
    "/manifests/{file_id}",
    action=(Action.VIEW_RECEIPTS_ALL, Action.VIEW_OWN_RECEIPTS),
    query=ManifestQuery,
    response=Manifest,
)
def manifest(call: Call, file_id: str) -> Manifest:
    """The file's receipt and one page of the consignments it stored (key and version), by key."""
    receipt = call.container.receipts.get(file_id)
    if receipt is None or not may_read_receipt(call.user.roles, call.user.carrier_id, receipt.carrier_id):
        raise NotFound(f"no manifest {file_id}")
    asked = call.params(ManifestQuery)
    refs, cursor = manifest_page(call.container.consignments, file_id, asked.cursor, asked.limit)
    return Manifest(
        file_id=file_id,
        receipt=receipt,
        consignments=[StoredVersion(key=key, version=version) for key, version in refs],
        cursor=cursor,
    )
