"""The answers of :class:`cts.services.rules_admin.RulesAdmin`, as typed models (docs/profiles.md, docs/watchlists.md).

``RulesAdmin`` answers the JSON form of these models (plain dicts, as the API sends them); the profile and
watch-list routes declare them as their ``response=`` so that ``GET /openapi.json`` describes the answers, and
``tests/unit/api/test_response_models.py`` checks every answer against its model. A key the model does not know
fails (``extra="forbid"`` throughout), and so does a missing one. Domain records are reused where the answer
carries them as they are: :class:`~cts.domain.risk.rules.Profile` and
:class:`~cts.domain.risk.rules.WatchlistEntry` (dumped without their ``null`` fields),
:class:`~cts.domain.rule_lifecycle.Transition` and :class:`~cts.domain.rule_lifecycle.WatchlistVersion`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import SkipJsonSchema

from cts.domain.risk.assessment import Level
from cts.domain.risk.rules import Profile, ProfileStatus, WatchlistEntry
from cts.domain.rule_lifecycle import Transition, WatchlistVersion

_Answer = ConfigDict(extra="forbid")


def _no_default(schema: dict[str, Any]) -> None:
    """A key the answer leaves out when it does not apply: no ``default: null`` in its schema (never sent)."""
    schema.pop("default", None)


# ---------------------------------------------------------------- re-scoring


class RescoreQueued(BaseModel):
    """The change is stored and the re-scoring of what has not arrived yet is queued."""

    model_config = _Answer

    queued: Literal[True]
    ruleset: str | None = Field(description="the ruleset version the re-scoring applies")


class RescoreNotQueued(BaseModel):
    """The change is stored but no re-scoring was queued (not configured, or the queue failed): run `cts rescore`."""

    model_config = _Answer

    queued: Literal[False]
    message: str = Field(description="why, and what to do")


Rescore = RescoreQueued | RescoreNotQueued


# ---------------------------------------------------------------- profiles


class ProfileSummary(BaseModel):
    """A profile version as listed: its headline fields and the whole profile document."""

    model_config = _Answer

    id: str = Field(description="the profile's id")
    version: int = Field(description="this version's number (1, 2, ...)")
    status: ProfileStatus = Field(description="this version's lifecycle status")
    author: str = Field(description="who wrote this version")
    name: str
    category: str
    valid_from: date | None = Field(description="first day in force when active; null: no start date")
    valid_to: date | None = Field(description="last day in force when active; null: no end date")
    profile: Profile = Field(description="the profile document of this version (fields without a value left out)")


class ProfileVersionView(ProfileSummary):
    """A profile version with its history: every step taken on it (who, when, why), oldest first."""

    history: list[Transition] = Field(description="the version's steps, oldest first")


class ProfileList(BaseModel):
    """``GET /profiles``: the latest version of each profile (those with the asked status)."""

    model_config = _Answer

    profiles: list[ProfileSummary]
    count: int = Field(description="how many profiles are listed")


class ProfileDetail(BaseModel):
    """``GET /profiles/{profile_id}``: every version of a profile with its history."""

    model_config = _Answer

    id: str
    latest_version: int = Field(description="the highest version number")
    in_force_version: int | None = Field(description="the version in force today, if any")
    versions: list[ProfileVersionView] = Field(description="oldest first")


class ProfileStepAnswer(BaseModel):
    """A lifecycle step (submit, approve, reject, activate, retire): the version after it."""

    model_config = _Answer

    profile: ProfileVersionView = Field(description="the version the step acted on, as it is now")
    superseded: list[int] = Field(
        default_factory=list, description="activation only: the previously active versions, now superseded"
    )
    rescore: Rescore | SkipJsonSchema[None] = Field(
        default=None,
        description="activation and retirement only: the re-scoring they started",
        json_schema_extra=_no_default,
    )


class ProfileTestLevels(BaseModel):
    """How many selected consignments the tested profile alone would have put at each risk level."""

    model_config = _Answer

    none: int
    amber: int
    red: int


class ProfileTestSample(BaseModel):
    """One consignment the tested profile would have selected."""

    model_config = _Answer

    key: str = Field(description="the consignment's key")
    version: int = Field(description="the consignment version evaluated")
    eta: datetime | None = Field(description="its estimated arrival")
    score: int = Field(description="the score with the tested profile alone")
    level: Level
    indicators: list[str] = Field(description="the ids of the profile's indicators that fired")
    reasons: list[str] = Field(description="the explanation of every hit")


class _ProfileTestAnswer(BaseModel):
    model_config = _Answer

    profile_id: str
    version: int | None = Field(description="the stored version tested; null for an unsaved document")
    days: int = Field(description="arrival days looked back over, today included")
    evaluated: int = Field(description="consignments evaluated")
    selected: int = Field(description="of which the profile would have selected")
    by_level: ProfileTestLevels = Field(description="the selected ones by risk level")
    cap: int = Field(description="the most consignments one test evaluates")
    truncated: bool = Field(description="whether the cap was reached (older days not evaluated)")
    note: str = Field(description="what the test leaves out, for people")
    sample: list[ProfileTestSample] = Field(description="some of the selected consignments, newest arrival days first")


# ``from`` is a Python keyword: the field is named so on the wire and in the model (as reports' periods are).
_PERIOD: dict[str, Any] = {
    "from": (date, Field(description="the first arrival day looked at (UTC)")),
    "to": (date, Field(description="the last arrival day looked at: today (UTC)")),
}
ProfileTestAnswer = create_model(
    "ProfileTestAnswer",
    __base__=_ProfileTestAnswer,
    __doc__="``POST /profiles/{profile_id}/test``: what the profile would have selected among recent arrivals.",
    **_PERIOD,
)


# ---------------------------------------------------------------- watch lists


class WatchlistEntryView(BaseModel):
    """A watch-list entry's current version."""

    model_config = _Answer

    id: str = Field(description="the entry's id")
    version: int = Field(description="its current version number")
    in_force: bool = Field(description="whether today is within its validity dates")
    entry: WatchlistEntry = Field(description="the entry document (fields without a value left out)")


class WatchlistEntryPage(BaseModel):
    """``GET /watchlists``: one page of the current entries matching the filters, by id."""

    model_config = _Answer

    entries: list[WatchlistEntryView]
    total: int = Field(description="entries matching the filters, all pages")
    page: int
    page_size: int


class WatchlistEntryDetail(WatchlistEntryView):
    """``GET /watchlists/entries/{entry_id}``: the entry's current version and every version before it."""

    removed: bool = Field(description="whether the current version is a removal")
    history: list[WatchlistVersion] = Field(description="every version, oldest first")


class WatchlistEntryChange(WatchlistEntryView):
    """An entry created, edited or removed: the new version, the change recorded and the re-scoring started."""

    change: WatchlistVersion = Field(description="the version just written, with who, when, how and why")
    rescore: Rescore


class WatchlistImportError(BaseModel):
    """An entry of an import that was not written."""

    model_config = _Answer

    line: int = Field(description="its CSV line, or its position in the JSON list, counted from 1")
    id: str | None = Field(description="its id, when it had one")
    message: str = Field(description="what is wrong with it")


class WatchlistImportAnswer(BaseModel):
    """``POST /watchlists/import``: what the import did, entry by entry counted."""

    model_config = _Answer

    read: int = Field(description="entries read")
    created: int = Field(description="new entries written (version 1)")
    updated: int = Field(description="existing entries given a new version")
    unchanged: int = Field(description="entries identical to their current version, not written")
    rejected: int = Field(description="entries not written because of an error")
    errors: list[WatchlistImportError]
    rescore: Rescore | None = Field(description="the re-scoring started; null when nothing was written")
