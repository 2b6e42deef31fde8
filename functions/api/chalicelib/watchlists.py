"""Watch-list entries through the API: list and search, versions with history, bulk import (docs/watchlists.md).

Every change is a new version of the entry (an edit names the version the client read: 409 ``stale_version``
otherwise); removing an entry is a version whose validity ended yesterday, so its history stays. Each change starts
re-scoring (the answer's ``rescore``); an import starts one for the whole file.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import Call, Routes
from chalicelib.profiles import READ, admin
from cts.domain.permissions import Action
from cts.domain.risk.rules import WatchlistKind
from cts.domain.rule_lifecycle import MAX_REASON
from cts.services.rules_admin import MAX_IMPORT_BYTES, MAX_IMPORT_ENTRIES, MAX_PAGE_SIZE
from cts.services.rules_admin_views import (
    WatchlistEntryChange,
    WatchlistEntryDetail,
    WatchlistEntryPage,
    WatchlistImportAnswer,
)

routes = Routes()


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EntryQuery(_Body):
    kind: WatchlistKind | None = None
    q: str | None = Field(default=None, max_length=200, description="text in the id, value, aliases, reason ...")
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)


class CreateEntry(_Body):
    entry: dict[str, Any] = Field(description="a watch-list entry document (docs/profiles.md#watch-list-entries)")
    reason: str = Field(default="", max_length=MAX_REASON, description="why the change (kept in the history)")


class EditEntry(CreateEntry):
    version: int = Field(ge=1, description="the version the client edited")


class RemoveEntry(_Body):
    version: int = Field(ge=1, description="the version the client read")
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class ImportBody(_Body):
    format: Literal["csv", "json"]
    content: str | None = Field(default=None, max_length=MAX_IMPORT_BYTES, description="CSV text or a JSON list")
    entries: list[dict[str, Any]] | None = Field(default=None, max_length=MAX_IMPORT_ENTRIES)
    reason: str = Field(default="", max_length=MAX_REASON)


@routes.api(
    "/watchlists",
    action=READ,
    query=EntryQuery,
    response=WatchlistEntryPage,
    summary="Watch-list entries, filtered and paged",
)
def list_entries(call: Call) -> dict[str, Any]:
    asked = call.params(EntryQuery)
    return admin(call).list_entries(asked.kind, asked.q, asked.page, asked.page_size)


@routes.api(
    "/watchlists/entries/{entry_id}",
    action=READ,
    response=WatchlistEntryDetail,
    summary="A watch-list entry with its version history",
)
def entry_detail(call: Call, entry_id: str) -> dict[str, Any]:
    return admin(call).entry_detail(entry_id)


@routes.api(
    "/watchlists/entries",
    methods=("POST",),
    action=Action.MANAGE_RULES,
    body=CreateEntry,
    response=WatchlistEntryChange,
)
def create_entry(call: Call) -> dict[str, Any]:
    """A new watch-list entry (version 1); starts re-scoring."""
    body = call.body(CreateEntry)
    return admin(call).create_entry(body.entry, call.user.username, body.reason)


@routes.api(
    "/watchlists/entries/{entry_id}",
    methods=("PUT",),
    action=Action.MANAGE_RULES,
    body=EditEntry,
    response=WatchlistEntryChange,
)
def edit_entry(call: Call, entry_id: str) -> dict[str, Any]:
    """A new version of the entry, made from the version the client read; starts re-scoring."""
    body = call.body(EditEntry)
    return admin(call).edit_entry(entry_id, body.version, body.entry, call.user.username, body.reason)


@routes.api(
    "/watchlists/entries/{entry_id}",
    methods=("DELETE",),
    action=Action.MANAGE_RULES,
    body=RemoveEntry,
    response=WatchlistEntryChange,
)
def remove_entry(call: Call, entry_id: str) -> dict[str, Any]:
    """End the entry's validity (a new version; the history stays); starts re-scoring."""
    body = call.body(RemoveEntry)
    return admin(call).remove_entry(entry_id, body.version, call.user.username, body.reason)


@routes.api(
    "/watchlists/import",
    methods=("POST",),
    action=Action.MANAGE_RULES,
    body=ImportBody,
    response=WatchlistImportAnswer,
)
def import_entries(call: Call) -> dict[str, Any]:
    """Add or update many entries from CSV or JSON: counts and line-level errors; one re-scoring at the end."""
    body = call.body(ImportBody)
    return admin(call).import_entries(body.format, body.content, body.entries, call.user.username, body.reason)
