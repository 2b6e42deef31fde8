"""Pure rules behind issue 7's resources: audit entries, the case board's order, attachment keys, user groups, and
the DynamoDB page cursors' checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from cts.adapters import dynamodb_cursor
from cts.domain.attachments import AttachmentRequest, case_prefix, object_key, parse_key
from cts.domain.audit import AuditEvent, SubjectKind, from_case_entry, subject
from cts.domain.case_board import NO_ETA, CaseSummary, board_sort
from cts.domain.case_workflow import AuditEntry
from cts.domain.errors import ValidationFailed
from cts.domain.users import NewUser

AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_an_audit_event_needs_a_zoned_time_a_kind_prefixed_subject_and_a_safe_id() -> None:
    good = AuditEvent(event_id="a" * 32, at=AT, actor="ann", action="view", subject=subject("consignment", "sea:X:Y"))
    assert good.subject == "consignment:sea:X:Y"
    assert good.day == AT.date()
    for bad in (
        {"at": AT.replace(tzinfo=None)},
        {"subject": "no-kind"},
        {"event_id": "../../x"},
        {"details": {"k": "v" * 5000}},
    ):
        with pytest.raises(ValidationError):
            AuditEvent.model_validate({**good.model_dump(), **bad})
    with pytest.raises(ValueError, match="is not a valid SubjectKind"):
        subject("spaceship", "1")


def test_a_case_workflow_entry_reads_as_a_system_audit_event_of_its_case() -> None:
    entry = AuditEntry(
        case_id="C#1", revision=2, at=AT, actor="", action="decide", from_status="triaged", to_status="decided"
    )
    event = from_case_entry(entry)
    assert (event.subject, event.actor, event.action) == (subject(SubjectKind.CASE, "C#1"), "workflow", "decide")
    assert event.details == {"from_status": "triaged", "to_status": "decided", "revision": "2"}


def test_the_board_sorts_by_eta_then_case_with_unknown_etas_last() -> None:
    keys = [board_sort(AT + timedelta(hours=2), "B"), board_sort(None, "A"), board_sort(AT, "Z"), board_sort(AT, "C")]
    assert sorted(keys) == [
        board_sort(AT, "C"),
        board_sort(AT, "Z"),
        board_sort(AT + timedelta(hours=2), "B"),
        f"{NO_ETA}#A",
    ]


def test_a_closed_case_is_never_overdue() -> None:
    row = CaseSummary(case_id="C", status="closed", consignment_key="k", due_at=AT, sort_key=board_sort(None, "C"))
    assert row.at(AT + timedelta(days=1)).overdue is False
    assert row.model_copy(update={"status": "triaged"}).at(AT + timedelta(days=1)).overdue is True
    assert row.model_copy(update={"status": "triaged"}).at(AT - timedelta(days=1)).overdue is False


def test_attachment_keys_keep_case_ids_in_one_folder_and_parse_back() -> None:
    key = object_key("sea:MSCU:B1#v1", "f" * 32, "seal photo.jpg")
    assert key == f"{case_prefix('sea:MSCU:B1#v1')}{'f' * 32}/seal_photo.jpg"
    assert key.count("/") == 3
    assert parse_key(key) == ("f" * 32, "seal_photo.jpg")
    assert parse_key("cases/x/not-an-id/file.pdf") is None
    with pytest.raises(ValidationFailed):
        object_key("C", "short", "a.pdf")


def test_an_attachment_request_normalises_the_type_and_keeps_only_the_base_name() -> None:
    request = AttachmentRequest(filename="C:\\scans\\report.pdf", content_type=" Application/PDF ", size=1)
    assert (request.filename, request.content_type) == ("report.pdf", "application/pdf")


def test_a_carrier_user_is_tied_to_one_carrier_and_holds_no_other_group() -> None:
    NewUser(username="msc.ops", email="o@msc.example", groups=("carrier",), carrier_id="msc")
    for groups, carrier in ((("carrier",), None), (("carrier", "auditor"), "msc"), (("auditor",), "msc")):
        with pytest.raises(ValidationError):
            NewUser(username="someone", email="o@msc.example", groups=groups, carrier_id=carrier)


def test_a_dynamodb_cursor_round_trips_and_refuses_another_partition_or_shape() -> None:
    last = {"pk": {"S": "AUDIT#x"}, "sk": {"S": "2026#e"}}
    cursor = dynamodb_cursor.encode(last)
    assert cursor is not None
    assert dynamodb_cursor.decode(cursor, ("pk", "sk"), {"pk": "AUDIT#x"}) == last
    for names, pinned in ((("pk", "sk"), {"pk": "AUDIT#y"}), (("pk", "sk", "gsi1pk"), {})):
        with pytest.raises(ValidationFailed):
            dynamodb_cursor.decode(cursor, names, pinned)
    with pytest.raises(ValidationFailed):
        dynamodb_cursor.decode("x" * 3000, ("pk", "sk"), {})
    assert dynamodb_cursor.encode(None) is None
