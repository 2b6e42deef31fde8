"""The life of a risk profile version and of a watch-list entry, as pure rules (docs/profiles.md#lifecycle).

A profile version goes ``draft -> submitted -> approved -> active -> retired``; a reviewer may reject a submitted
version back to ``draft`` (with a reason), and activating a version makes the profile's previously active version
``superseded``. Content is never changed in place: an edit is a new ``draft`` version, made from the version the
editor read (a stale one is refused). Four eyes: neither the author nor the submitter of a version may approve it.
Every step is a :class:`Transition` (who, when, what, why) appended to the version's history.

A watch-list entry is a series of :class:`WatchlistVersion` records: each edit, removal or import is a new version
(an edit names the version it was made from); a removal is a version whose validity ends the day before, so the
history stays and the ruleset simply stops including it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cts.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cts.domain.risk.rules import Profile, ProfileStatus, WatchlistEntry

_Record = ConfigDict(extra="forbid", frozen=True)
MAX_REASON = 2000


class StaleVersion(Conflict):
    """The client changed a version that is no longer the latest (someone else edited meanwhile): re-read."""

    error_code = "stale_version"


class IllegalTransition(Conflict):
    """The step does not apply to the version's status (e.g. approving a draft, activating a submitted version)."""

    error_code = "illegal_transition"


class FourEyes(Forbidden):
    """The caller wrote or submitted the version it tries to approve: a second person must approve it."""

    error_code = "four_eyes"


class Step(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    ACTIVATE = "activate"
    SUPERSEDE = "supersede"  # recorded on the previously active version when another one is activated
    RETIRE = "retire"


class Transition(BaseModel):
    """One step in a version's life: who took it, when, and why."""

    model_config = _Record

    step: Step
    status: ProfileStatus = Field(description="the version's status after the step")
    by: str
    at: datetime
    reason: str = ""


class ProfileVersion(BaseModel):
    """A stored profile version (its status is ``profile.status``) with its history, oldest first."""

    model_config = _Record

    profile: Profile
    history: tuple[Transition, ...] = ()

    @property
    def status(self) -> ProfileStatus:
        return self.profile.status

    @property
    def version(self) -> int:
        return self.profile.version

    @property
    def submitted_by(self) -> str | None:
        return next((t.by for t in reversed(self.history) if t.step is Step.SUBMIT), None)


# step -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[Step, tuple[frozenset[ProfileStatus], ProfileStatus]] = {
    Step.SUBMIT: (frozenset({ProfileStatus.DRAFT}), ProfileStatus.SUBMITTED),
    Step.APPROVE: (frozenset({ProfileStatus.SUBMITTED}), ProfileStatus.APPROVED),
    Step.REJECT: (frozenset({ProfileStatus.SUBMITTED, ProfileStatus.APPROVED}), ProfileStatus.DRAFT),
    Step.ACTIVATE: (frozenset({ProfileStatus.APPROVED}), ProfileStatus.ACTIVE),
    Step.RETIRE: (frozenset({ProfileStatus.ACTIVE}), ProfileStatus.RETIRED),
}
NEEDS_REASON = frozenset({Step.REJECT, Step.RETIRE})
CHANGES_RULES_IN_FORCE = frozenset({Step.ACTIVATE, Step.RETIRE})


def _stamp(
    record: ProfileVersion, step: Step, status: ProfileStatus, by: str, at: datetime, reason: str
) -> ProfileVersion:
    profile = record.profile.model_copy(update={"status": status})
    return ProfileVersion(
        profile=profile, history=(*record.history, Transition(step=step, status=status, by=by, at=at, reason=reason))
    )


def _latest(versions: Sequence[ProfileVersion], profile_id: str) -> ProfileVersion:
    if not versions:
        raise NotFound(f"profile {profile_id}")
    return max(versions, key=lambda v: v.version)


def create(profile: Profile, by: str, at: datetime, existing: Sequence[ProfileVersion] = ()) -> ProfileVersion:
    """Version 1 of a new profile, a draft written by ``by`` (whatever the document said about status or author)."""
    if existing:
        raise Conflict(f"profile {profile.id} exists already: edit it (PUT) instead")
    draft = profile.model_copy(update={"version": 1, "status": ProfileStatus.DRAFT, "author": by})
    return ProfileVersion(
        profile=Profile.model_validate(draft.model_dump()),
        history=(Transition(step=Step.CREATE, status=ProfileStatus.DRAFT, by=by, at=at),),
    )


def edit(
    versions: Sequence[ProfileVersion], edited: int, profile: Profile, by: str, at: datetime, reason: str = ""
) -> ProfileVersion:
    """A new draft version (latest + 1) with ``profile``'s content, made from version ``edited``, which must be the
    latest (else :class:`StaleVersion`). The new version's author is the editor."""
    latest = _latest(versions, profile.id)
    if edited != latest.version:
        raise StaleVersion(
            f"profile {profile.id}: you edited version {edited} but the latest is version {latest.version}; "
            "read it again and re-apply your change"
        )
    update = {"version": latest.version + 1, "status": ProfileStatus.DRAFT, "author": by}
    draft = Profile.model_validate(profile.model_copy(update=update).model_dump())
    step = Transition(
        step=Step.EDIT,
        status=ProfileStatus.DRAFT,
        by=by,
        at=at,
        reason=f"from version {edited}" + (f": {reason.strip()}" if reason.strip() else ""),
    )
    return ProfileVersion(profile=draft, history=(step,))


def find(versions: Sequence[ProfileVersion], profile_id: str, version: int) -> ProfileVersion:
    for record in versions:
        if record.version == version:
            return record
    if not versions:
        raise NotFound(f"profile {profile_id}")
    raise NotFound(f"profile {profile_id} has no version {version}")


def transition(
    versions: Sequence[ProfileVersion],
    profile_id: str,
    version: int,
    step: Step,
    by: str,
    at: datetime,
    reason: str = "",
) -> list[tuple[ProfileVersion, ProfileVersion]]:
    """Take ``step`` on version ``version``: the ``(before, after)`` pairs of every version it changes (the version
    itself, and for an activation the previously active version, now superseded). Raises :class:`IllegalTransition`
    for a step the status does not allow, :class:`FourEyes` when the author or submitter approves,
    :class:`ValidationFailed` when a rejection or retirement gives no reason."""
    if step not in TRANSITIONS:
        raise ValidationFailed(
            f"{step.value} is not a lifecycle step; use one of {', '.join(s.value for s in TRANSITIONS)}"
        )
    record = find(versions, profile_id, version)
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"the reason is longer than {MAX_REASON} characters")
    origins, target = TRANSITIONS[step]
    if record.status not in origins:
        allowed = ", ".join(sorted(s.value for s in origins))
        raise IllegalTransition(
            f"profile {profile_id} version {version} is {record.status.value}: {step.value} applies only to a "
            f"version that is {allowed}"
        )
    if step in NEEDS_REASON and not reason:
        raise ValidationFailed(f"{step.value} needs a reason")
    if step is Step.APPROVE and by in (record.profile.author, record.submitted_by):
        raise FourEyes(
            f"profile {profile_id} version {version} was written or submitted by {by}: another person must approve it"
        )
    changes = [(record, _stamp(record, step, target, by, at, reason))]
    if step is Step.ACTIVATE:
        for other in versions:
            if other.version != version and other.status is ProfileStatus.ACTIVE:
                why = f"version {version} activated"
                changes.append((other, _stamp(other, Step.SUPERSEDE, ProfileStatus.SUPERSEDED, by, at, why)))
    return changes


def latest_versions(versions: Sequence[ProfileVersion]) -> dict[str, ProfileVersion]:
    """The latest version of each profile, by profile id."""
    latest: dict[str, ProfileVersion] = {}
    for record in versions:
        known = latest.get(record.profile.id)
        if known is None or record.version > known.version:
            latest[record.profile.id] = record
    return latest


# ---------------------------------------------------------------- watch-list entries


class WatchlistChange(StrEnum):
    CREATE = "create"
    EDIT = "edit"
    REMOVE = "remove"
    IMPORT = "import"


class WatchlistVersion(BaseModel):
    """One version of a watch-list entry: its content, and who changed it how, when and why."""

    model_config = _Record

    entry: WatchlistEntry
    version: int = Field(ge=1)
    change: WatchlistChange
    by: str
    at: datetime
    reason: str = ""

    @property
    def removed(self) -> bool:
        return self.change is WatchlistChange.REMOVE


def new_entry(
    entry: WatchlistEntry, current: WatchlistVersion | None, by: str, at: datetime, reason: str = ""
) -> WatchlistVersion:
    if current is not None:
        raise Conflict(f"watch-list entry {entry.id} exists already (version {current.version}): edit it instead")
    return WatchlistVersion(entry=entry, version=1, change=WatchlistChange.CREATE, by=by, at=at, reason=reason)


def _check_current(current: WatchlistVersion | None, entry_id: str, edited: int) -> WatchlistVersion:
    if current is None:
        raise NotFound(f"watch-list entry {entry_id}")
    if edited != current.version:
        raise StaleVersion(
            f"watch-list entry {entry_id}: you edited version {edited} but the latest is version {current.version}; "
            "read it again and re-apply your change"
        )
    return current


def edit_entry(
    entry: WatchlistEntry, current: WatchlistVersion | None, edited: int, by: str, at: datetime, reason: str = ""
) -> WatchlistVersion:
    latest = _check_current(current, entry.id, edited)
    return WatchlistVersion(
        entry=entry, version=latest.version + 1, change=WatchlistChange.EDIT, by=by, at=at, reason=reason
    )


def remove_entry(
    current: WatchlistVersion | None, entry_id: str, edited: int, by: str, at: datetime, reason: str
) -> WatchlistVersion:
    """A new version whose validity ended yesterday (``at``'s UTC day is the first it is no longer in force)."""
    latest = _check_current(current, entry_id, edited)
    if latest.removed:
        raise IllegalTransition(f"watch-list entry {entry_id} was removed already (version {latest.version})")
    if not reason.strip():
        raise ValidationFailed("removing a watch-list entry needs a reason")
    end = at.date() - timedelta(days=1)
    valid_to = min(end, latest.entry.valid_to) if latest.entry.valid_to is not None else end
    ended = latest.entry.model_copy(update={"valid_to": valid_to})
    return WatchlistVersion(
        entry=ended, version=latest.version + 1, change=WatchlistChange.REMOVE, by=by, at=at, reason=reason.strip()
    )


def imported_entry(
    entry: WatchlistEntry, current: WatchlistVersion | None, by: str, at: datetime, reason: str = ""
) -> WatchlistVersion | None:
    """The version an import writes for ``entry``: a first version, the next one, or None when unchanged."""
    if current is None:
        return WatchlistVersion(entry=entry, version=1, change=WatchlistChange.IMPORT, by=by, at=at, reason=reason)
    if current.entry == entry and not current.removed:
        return None
    return WatchlistVersion(
        entry=entry, version=current.version + 1, change=WatchlistChange.IMPORT, by=by, at=at, reason=reason
    )


def in_force(record: WatchlistVersion, on: date) -> bool:
    return not record.removed and record.entry.in_force(on)
