"""The profile lifecycle and watch-list versions as pure rules: four eyes, stale versions, illegal steps."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from cts.domain import rule_lifecycle as lc
from cts.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cts.domain.risk.rules import Profile, ProfileStatus, WatchlistEntry
from cts.domain.rule_lifecycle import FourEyes, IllegalTransition, ProfileVersion, StaleVersion, Step

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DOC: dict[str, Any] = {
    "id": "tools-from-nl",
    "version": 1,
    "name": "Tools from the Netherlands",
    "category": "revenue",
    "author": "ignored",
    "threshold": 10,
    "indicators": [{"id": "nl", "description": "NL", "fact": "countries", "op": "in", "values": ["NL"], "weight": 10}],
}


def doc(**overrides: Any) -> Profile:
    return Profile.model_validate({**DOC, **overrides})


def apply(versions: list[ProfileVersion], changes: list[tuple[ProfileVersion, ProfileVersion]]) -> list[ProfileVersion]:
    changed = {after.version: after for _, after in changes}
    return [changed.get(v.version, v) for v in versions]


def walk(versions: list[ProfileVersion], version: int, *steps: tuple[Step, str]) -> list[ProfileVersion]:
    for step, by in steps:
        versions = apply(versions, lc.transition(versions, "tools-from-nl", version, step, by, AT, "because"))
    return versions


def created(by: str = "alice") -> list[ProfileVersion]:
    return [lc.create(doc(), by, AT)]


def test_a_new_profile_is_a_draft_version_one_written_by_the_caller() -> None:
    (record,) = created()
    assert (record.version, record.status, record.profile.author) == (1, ProfileStatus.DRAFT, "alice")
    assert [(t.step, t.by, t.at) for t in record.history] == [(Step.CREATE, "alice", AT)]


def test_creating_a_profile_that_exists_conflicts() -> None:
    with pytest.raises(Conflict):
        lc.create(doc(), "bob", AT, created())


def test_the_full_lifecycle_records_who_did_what_when_and_why() -> None:
    versions = walk(created(), 1, (Step.SUBMIT, "alice"), (Step.APPROVE, "bob"), (Step.ACTIVATE, "alice"))
    (record,) = versions
    assert record.status is ProfileStatus.ACTIVE
    assert record.profile.in_force(date(2026, 11, 25))
    assert [(t.step, t.status, t.by) for t in record.history] == [
        (Step.CREATE, ProfileStatus.DRAFT, "alice"),
        (Step.SUBMIT, ProfileStatus.SUBMITTED, "alice"),
        (Step.APPROVE, ProfileStatus.APPROVED, "bob"),
        (Step.ACTIVATE, ProfileStatus.ACTIVE, "alice"),
    ]
    retired = walk(versions, 1, (Step.RETIRE, "carol"))[0]
    assert retired.status is ProfileStatus.RETIRED
    assert not retired.profile.in_force(date(2026, 11, 25))
    assert retired.history[-1].reason == "because"


def test_the_author_may_not_approve_their_own_version() -> None:
    versions = walk(created("alice"), 1, (Step.SUBMIT, "alice"))
    with pytest.raises(FourEyes) as raised:
        lc.transition(versions, "tools-from-nl", 1, Step.APPROVE, "alice", AT)
    assert isinstance(raised.value, Forbidden)
    assert raised.value.error_code == "four_eyes"


def test_the_submitter_may_not_approve_the_version_they_submitted() -> None:
    versions = walk(created("alice"), 1, (Step.SUBMIT, "bob"))
    with pytest.raises(FourEyes):
        lc.transition(versions, "tools-from-nl", 1, Step.APPROVE, "bob", AT)
    approved = apply(versions, lc.transition(versions, "tools-from-nl", 1, Step.APPROVE, "carol", AT))
    assert approved[0].status is ProfileStatus.APPROVED


@pytest.mark.parametrize(
    ("steps", "illegal"),
    [
        ((), Step.APPROVE),  # a draft is not approved before it is submitted
        ((), Step.ACTIVATE),  # nor activated
        ((Step.SUBMIT,), Step.ACTIVATE),  # a submitted version needs approval first
        ((Step.SUBMIT,), Step.SUBMIT),
        ((Step.SUBMIT, Step.APPROVE), Step.RETIRE),  # only an active version is retired
        ((Step.SUBMIT, Step.APPROVE, Step.ACTIVATE), Step.ACTIVATE),
        ((Step.SUBMIT, Step.APPROVE, Step.ACTIVATE), Step.REJECT),
        ((Step.SUBMIT, Step.APPROVE, Step.ACTIVATE, Step.RETIRE), Step.ACTIVATE),  # retired is final
    ],
)
def test_a_step_the_status_does_not_allow_is_an_illegal_transition(steps: tuple[Step, ...], illegal: Step) -> None:
    actors = {Step.APPROVE: "bob"}
    versions = walk(created("alice"), 1, *((s, actors.get(s, "alice")) for s in steps))
    with pytest.raises(IllegalTransition) as raised:
        lc.transition(versions, "tools-from-nl", 1, illegal, "dave", AT, "reason")
    assert isinstance(raised.value, Conflict)
    assert raised.value.error_code == "illegal_transition"


def test_rejecting_sends_the_version_back_to_draft_and_needs_a_reason() -> None:
    versions = walk(created("alice"), 1, (Step.SUBMIT, "alice"))
    with pytest.raises(ValidationFailed):
        lc.transition(versions, "tools-from-nl", 1, Step.REJECT, "bob", AT, "  ")
    rejected = apply(versions, lc.transition(versions, "tools-from-nl", 1, Step.REJECT, "bob", AT, "weights too high"))
    assert rejected[0].status is ProfileStatus.DRAFT
    assert (rejected[0].history[-1].step, rejected[0].history[-1].reason) == (Step.REJECT, "weights too high")
    resubmitted = walk(rejected, 1, (Step.SUBMIT, "alice"))
    assert resubmitted[0].status is ProfileStatus.SUBMITTED


def test_retiring_needs_a_reason() -> None:
    versions = walk(created("alice"), 1, (Step.SUBMIT, "alice"), (Step.APPROVE, "bob"), (Step.ACTIVATE, "alice"))
    with pytest.raises(ValidationFailed):
        lc.transition(versions, "tools-from-nl", 1, Step.RETIRE, "alice", AT, "")


def test_an_edit_is_a_new_draft_version_by_the_editor_and_leaves_the_edited_one_alone() -> None:
    versions = walk(created("alice"), 1, (Step.SUBMIT, "alice"), (Step.APPROVE, "bob"), (Step.ACTIVATE, "alice"))
    edited = lc.edit(versions, 1, doc(threshold=5), "bob", AT, "lower threshold")
    assert (edited.version, edited.status, edited.profile.author, edited.profile.threshold) == (
        2,
        ProfileStatus.DRAFT,
        "bob",
        5,
    )
    assert edited.history[0].step is Step.EDIT
    assert "from version 1" in edited.history[0].reason
    assert versions[0].status is ProfileStatus.ACTIVE


def test_an_edit_of_a_version_that_is_not_the_latest_is_stale() -> None:
    versions = [*created("alice")]
    versions.append(lc.edit(versions, 1, doc(threshold=5), "bob", AT))
    with pytest.raises(StaleVersion) as raised:
        lc.edit(versions, 1, doc(threshold=7), "carol", AT)
    assert raised.value.error_code == "stale_version"
    with pytest.raises(NotFound):
        lc.edit([], 1, doc(), "carol", AT)


def test_activating_a_version_supersedes_the_previously_active_one() -> None:
    versions = walk(created("alice"), 1, (Step.SUBMIT, "alice"), (Step.APPROVE, "bob"), (Step.ACTIVATE, "alice"))
    versions.append(lc.edit(versions, 1, doc(threshold=5), "bob", AT))
    versions = walk(versions, 2, (Step.SUBMIT, "bob"), (Step.APPROVE, "alice"))
    changes = lc.transition(versions, "tools-from-nl", 2, Step.ACTIVATE, "bob", AT)
    assert [(before.version, after.status) for before, after in changes] == [
        (2, ProfileStatus.ACTIVE),
        (1, ProfileStatus.SUPERSEDED),
    ]
    after = apply(versions, changes)
    assert [v.version for v in after if v.profile.in_force(date(2026, 11, 25))] == [2]
    assert after[0].history[-1].step is Step.SUPERSEDE
    assert "version 2" in after[0].history[-1].reason


def test_an_unknown_version_is_not_found() -> None:
    with pytest.raises(NotFound):
        lc.transition(created(), "tools-from-nl", 9, Step.SUBMIT, "alice", AT)


ENTRY = WatchlistEntry(id="w1", kind="party", value="ACME TRADING", reason="seized before", category="narcotics")


def test_watchlist_entries_are_versioned_and_an_edit_of_a_stale_version_conflicts() -> None:
    first = lc.new_entry(ENTRY, None, "alice", AT, "tip-off")
    assert (first.version, first.change) == (1, lc.WatchlistChange.CREATE)
    with pytest.raises(Conflict):
        lc.new_entry(ENTRY, first, "bob", AT)
    second = lc.edit_entry(ENTRY.model_copy(update={"weight": 50}), first, 1, "bob", AT)
    assert (second.version, second.entry.weight, second.by) == (2, 50, "bob")
    with pytest.raises(StaleVersion):
        lc.edit_entry(ENTRY, second, 1, "carol", AT)


def test_removing_an_entry_ends_its_validity_yesterday_and_keeps_it() -> None:
    first = lc.new_entry(ENTRY, None, "alice", AT)
    with pytest.raises(ValidationFailed):
        lc.remove_entry(first, "w1", 1, "bob", AT, "")
    removed = lc.remove_entry(first, "w1", 1, "bob", AT, "cleared by investigation")
    assert removed.version == 2
    assert removed.removed
    assert removed.entry.valid_to == date(2026, 11, 24)
    assert removed.entry.in_force(date(2026, 11, 24))
    assert not removed.entry.in_force(date(2026, 11, 25))
    with pytest.raises(IllegalTransition):
        lc.remove_entry(removed, "w1", 2, "bob", AT, "again")


def test_an_import_writes_a_version_only_for_new_or_changed_entries() -> None:
    first = lc.imported_entry(ENTRY, None, "alice", AT)
    assert first is not None
    assert first.version == 1
    assert lc.imported_entry(ENTRY, first, "alice", AT) is None
    changed = lc.imported_entry(ENTRY.model_copy(update={"weight": 20}), first, "alice", AT)
    assert changed is not None
    assert changed.version == 2
