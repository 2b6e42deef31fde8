from __future__ import annotations

from builders import make_receipt
from cts.domain.model import DataQualityIssue, Severity
from cts.domain.receipt import ConsignmentOutcome, ReceiptStatus


def _outcome(n: int, status: ReceiptStatus = ReceiptStatus.ACCEPTED, issue: bool = False) -> ConsignmentOutcome:
    issues = [DataQualityIssue(code="HS_MISSING", message=f"line {n}: no HS code", severity=Severity.WARNING)]
    return ConsignmentOutcome(
        document_number=f"BL{n:08d}",
        key=f"sea:ACME:BL{n:08d}",
        status=status,
        version=1,
        issues=issues if issue else [],
    )


def test_a_receipt_that_fits_is_kept_whole() -> None:
    receipt = make_receipt([_outcome(n) for n in range(10)])
    assert receipt.within(350_000) is receipt


def test_a_large_file_keeps_its_outcomes_with_something_to_say_and_its_totals() -> None:
    outcomes = [_outcome(n) for n in range(10_000)]
    outcomes[17] = _outcome(17, ReceiptStatus.REJECTED, issue=True)
    outcomes[9_000] = _outcome(9_000, ReceiptStatus.ACCEPTED_WITH_WARNINGS, issue=True)
    receipt = make_receipt(outcomes)
    assert len(receipt.model_dump_json()) > 1_000_000

    summary = receipt.within(350_000)

    assert len(summary.model_dump_json().encode()) <= 350_000
    assert [o.document_number for o in summary.consignments] == ["BL00000017", "BL00009000"]
    assert summary.consignments_total == 10_000
    assert summary.issues_total is None
    assert summary.model_copy(update={"consignments": [], "consignments_total": None}) == receipt.model_copy(
        update={"consignments": []}
    )


def test_a_summary_lists_as_many_noted_outcomes_and_file_issues_as_fit_in_file_order() -> None:
    file_issues = [
        DataQualityIssue(code="SEGMENT", message=f"line {n}: ünreadable", severity=Severity.ERROR) for n in range(3_000)
    ]
    outcomes = [_outcome(n, ReceiptStatus.ACCEPTED_WITH_WARNINGS, issue=True) for n in range(5_000)]
    receipt = make_receipt(outcomes, file_issues)

    summary = receipt.within(100_000)

    assert len(summary.model_dump_json().encode()) <= 100_000
    assert summary.issues == file_issues[: len(summary.issues)]
    assert summary.issues_total == 3_000
    assert 0 < len(summary.issues) < 3_000
    assert summary.consignments == []
    assert summary.consignments_total == 5_000
    roomy = receipt.within(1_000_000)
    assert roomy.issues == file_issues
    assert roomy.issues_total is None
    assert roomy.consignments == outcomes[: len(roomy.consignments)]
    assert 0 < len(roomy.consignments) < 5_000
