"""Risk profiles through the API: versions, the four-eyes lifecycle and a test against past arrivals.

``draft -> submitted -> approved -> active -> retired`` (docs/profiles.md#lifecycle): editing makes a new draft
version from the version the client read (409 ``stale_version`` when another edit came first), a reviewer other
than the author and the submitter approves (403 ``four_eyes`` otherwise) or rejects, an approved version is
activated (the profile's previously active version is superseded) and an active one retired. Activating and
retiring change the rules in force, so they start re-scoring (the answer's ``rescore``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.http import Call, Routes
from cts.domain.errors import Unavailable, ValidationFailed
from cts.domain.permissions import Action
from cts.domain.risk.rules import ProfileStatus
from cts.domain.rule_lifecycle import MAX_REASON, Step
from cts.services.rules_admin import RulesAdmin
from cts.services.rules_admin_views import (
    ProfileDetail,
    ProfileList,
    ProfileStepAnswer,
    ProfileTestAnswer,
    ProfileVersionView,
)

routes = Routes()

READ = (Action.MANAGE_RULES, Action.APPROVE_RULES, Action.VIEW_AUDIT)
TEST = (Action.MANAGE_RULES, Action.APPROVE_RULES)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileQuery(_Body):
    status: ProfileStatus | None = Field(default=None, description="only profiles whose latest version has it")


class CreateProfile(_Body):
    profile: dict[str, Any] = Field(
        description="the profile document (docs/profiles.md); version/status/author ignored"
    )
    reason: str = Field(default="", max_length=MAX_REASON)


class EditProfile(CreateProfile):
    version: int = Field(ge=1, description="the version the client edited: 409 stale_version unless the latest")


class StepBody(_Body):
    version: int = Field(ge=1, description="the version to act on")
    reason: str = Field(default="", max_length=MAX_REASON, description="required to reject and to retire")


class TestBody(_Body):
    days: int = Field(default=30, ge=1, le=365, description="arrival days to look back over, today included")
    version: int | None = Field(default=None, ge=1, description="a stored version (default: the latest)")
    profile: dict[str, Any] | None = Field(default=None, description="or an unsaved profile document to test")


def admin(call: Call) -> RulesAdmin:
    store = call.container.rules
    if store is None:
        raise Unavailable("rule management is not configured")
    return RulesAdmin(store, store, call.container.consignments, call.container.rescoring)


@routes.api(
    "/profiles",
    action=READ,
    query=ProfileQuery,
    response=ProfileList,
    summary="The latest version of each profile",
)
def list_profiles(call: Call) -> dict[str, Any]:
    return admin(call).list_profiles(call.params(ProfileQuery).status)


@routes.api(
    "/profiles/{profile_id}",
    action=READ,
    response=ProfileDetail,
    summary="Every version of a profile with its history",
)
def profile_detail(call: Call, profile_id: str) -> dict[str, Any]:
    return admin(call).profile_detail(profile_id)


@routes.api("/profiles", methods=("POST",), action=Action.MANAGE_RULES, body=CreateProfile, response=ProfileVersionView)
def create_profile(call: Call) -> dict[str, Any]:
    """A new profile: version 1, a draft whose author is the caller."""
    body = call.body(CreateProfile)
    return admin(call).create_profile(body.profile, call.user.username, body.reason)


@routes.api(
    "/profiles/{profile_id}",
    methods=("PUT",),
    action=Action.MANAGE_RULES,
    body=EditProfile,
    response=ProfileVersionView,
)
def edit_profile(call: Call, profile_id: str) -> dict[str, Any]:
    """A new draft version made from the version the client edited (the latest, else 409 stale_version)."""
    body = call.body(EditProfile)
    return admin(call).edit_profile(profile_id, body.version, body.profile, call.user.username, body.reason)


def _step(call: Call, profile_id: str, step: Step) -> dict[str, Any]:
    body = call.body(StepBody)
    return admin(call).step(profile_id, body.version, step, call.user.username, body.reason)


@routes.api(
    "/profiles/{profile_id}/submit",
    methods=("POST",),
    action=Action.MANAGE_RULES,
    body=StepBody,
    response=ProfileStepAnswer,
)
def submit_profile(call: Call, profile_id: str) -> dict[str, Any]:
    """Submit a draft version for approval."""
    return _step(call, profile_id, Step.SUBMIT)


@routes.api(
    "/profiles/{profile_id}/approve",
    methods=("POST",),
    action=Action.APPROVE_RULES,
    body=StepBody,
    response=ProfileStepAnswer,
)
def approve_profile(call: Call, profile_id: str) -> dict[str, Any]:
    """Approve a submitted version (not its author's or submitter's to approve: 403 four_eyes)."""
    return _step(call, profile_id, Step.APPROVE)


@routes.api(
    "/profiles/{profile_id}/reject",
    methods=("POST",),
    action=Action.APPROVE_RULES,
    body=StepBody,
    response=ProfileStepAnswer,
)
def reject_profile(call: Call, profile_id: str) -> dict[str, Any]:
    """Send a submitted (or approved, not yet active) version back to draft, with a reason."""
    return _step(call, profile_id, Step.REJECT)


@routes.api(
    "/profiles/{profile_id}/activate",
    methods=("POST",),
    action=Action.MANAGE_RULES,
    body=StepBody,
    response=ProfileStepAnswer,
)
def activate_profile(call: Call, profile_id: str) -> dict[str, Any]:
    """Put an approved version in force (the previously active version is superseded) and start re-scoring."""
    return _step(call, profile_id, Step.ACTIVATE)


@routes.api(
    "/profiles/{profile_id}/retire",
    methods=("POST",),
    action=Action.MANAGE_RULES,
    body=StepBody,
    response=ProfileStepAnswer,
)
def retire_profile(call: Call, profile_id: str) -> dict[str, Any]:
    """Take the active version out of force, with a reason, and start re-scoring."""
    return _step(call, profile_id, Step.RETIRE)


@routes.api("/profiles/{profile_id}/test", methods=("POST",), action=TEST, body=TestBody, response=ProfileTestAnswer)
def test_profile(call: Call, profile_id: str) -> dict[str, Any]:
    """What the profile would have selected among the consignments that arrived in the last N days."""
    body = call.body(TestBody)
    if body.version is not None and body.profile is not None:
        raise ValidationFailed("send either a stored `version` or an unsaved `profile` document, not both")
    return admin(call).test_profile(profile_id, body.days, body.version, body.profile, call.user.username)
