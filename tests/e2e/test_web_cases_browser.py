"""Case work and role limits in a real headless Chromium against the local stack.

An analyst opens an alert raised from an uploaded manifest, reaches its case, claims it (after being told that
someone else changed it meanwhile) and decides an examination; a supervisor records the examination's finding and
closes the case. A carrier is offered no customs screen and its token reads nobody else's data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import expect
from test_web_app_browser import ARTIFACTS, browser, signed_in_page  # noqa: F401  (browser is a fixture)

from running_stack import RunningStack, csv_manifest, sign_in, wait_for

pytestmark = pytest.mark.e2e

SCREENSHOTS = ARTIFACTS / "screenshots"
NUMBER = "WEBCASE0001"
KEY = f"sea:DMLU:{NUMBER}"
ALERT_ID = f"{KEY}#v1"


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def case_url(stack: RunningStack, case_id: str) -> str:
    return f"{stack.api_url}/cases/{quote(case_id, safe='')}"


@pytest.fixture(scope="module")
def alerted_case(local_stack: RunningStack) -> dict[str, Any]:
    """A manifest uploaded to the carrier inbox, scored into an alert whose case the workflow has opened."""
    local_stack.upload(f"inbox/DEMOLINE/{NUMBER.lower()}.csv", csv_manifest(NUMBER))
    local_stack.wait_until_idle(60)
    headers = sign_in(local_stack, "targeting_analyst")

    def opened() -> dict[str, Any] | None:
        answer = requests.get(case_url(local_stack, ALERT_ID), headers=headers, timeout=10)
        return answer.json()["case"] if answer.status_code == 200 else None

    return wait_for(opened, 60)  # type: ignore[no-any-return]


def focused_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def test_an_analyst_claims_the_case_of_an_alert_and_a_supervisor_records_the_examination(
    browser: Any,  # noqa: F811
    local_stack: RunningStack,
    alerted_case: dict[str, Any],
) -> None:
    assert alerted_case["status"] == "new"
    analyst = local_stack.user("targeting_analyst")
    page = signed_in_page(browser, local_stack, "targeting_analyst")
    row = page.get_by_test_id("alert-row").filter(has_text=NUMBER)
    row.wait_for()
    row.get_by_test_id("open-consignment").click()
    page.get_by_test_id("consignment-detail").wait_for(state="visible")
    page.get_by_test_id("itinerary-stop").first.wait_for()
    assert page.get_by_test_id("detail-title").inner_text() == f"Alert: master bill {NUMBER}"
    stops = page.get_by_test_id("itinerary-stop").all_inner_texts()
    assert stops[0].startswith("COCTG")
    assert stops[-1].startswith("JMKIN")
    assert "ETA" in stops[-1]
    assert "Caribe Frutas SAS" in page.get_by_test_id("party-list").inner_text()
    assert "MSKU1234565" in page.get_by_test_id("container-list").inner_text()
    page.get_by_test_id("alert-case-status").filter(has_text="new").wait_for()
    shot(page, "alert-with-case")

    page.get_by_test_id("open-case").press("Enter")  # keyboard only from here to the claim
    page.get_by_test_id("case-status").filter(has_text="new").wait_for()
    expect(page.locator("#case-title")).to_be_focused()
    assert NUMBER in page.get_by_test_id("case-title").inner_text()
    assert "perishable cover load" in page.get_by_test_id("case-reasons").inner_text()  # why it was flagged
    # Only what an analyst may do on a new case: claim it, add a note; never assign or record an examination.
    assert page.get_by_test_id("case-claim").is_visible()
    assert page.get_by_test_id("case-note").is_visible()
    for absent in ("case-assign", "case-examine", "case-override", "case-close", "case-decide"):
        assert page.get_by_test_id(absent).count() == 0, absent

    # Someone else changes the case while it is on screen: the claim is refused (409) and the app says so.
    supervisor_headers = sign_in(local_stack, "supervisor")
    note = requests.post(
        f"{case_url(local_stack, ALERT_ID)}/notes",
        json={"revision": alerted_case["revision"], "text": "Vessel master called about the reefer."},
        headers=supervisor_headers,
        timeout=10,
    )
    assert note.status_code == 200, note.text
    page.get_by_test_id("case-claim").press("Enter")
    message = page.get_by_test_id("case-message")
    message.filter(has_text="Someone else changed this case").wait_for()
    shot(page, "case-conflict")
    expect(page.get_by_test_id("case-reload")).to_be_focused()  # the way out of the conflict has the focus
    page.keyboard.press("Enter")
    page.get_by_test_id("timeline-entry").filter(has_text="Vessel master called").wait_for()

    page.get_by_test_id("case-claim").press("Enter")
    page.get_by_test_id("case-status").filter(has_text="triaged").wait_for()
    assert page.get_by_test_id("case-owner").inner_text() == analyst["username"]
    page.get_by_test_id("decide-choice").select_option("physical_examination")
    page.get_by_test_id("case-decide").click()
    page.get_by_test_id("case-status").filter(has_text="decided").wait_for()
    assert page.get_by_test_id("case-decision").inner_text() == "physical examination"
    assert page.get_by_test_id("case-examine").count() == 0  # analysts do not examine
    shot(page, "case-decided")
    page.close()

    page = signed_in_page(browser, local_stack, "supervisor")
    page.goto(f"{local_stack.api_url}/#/cases/{quote(ALERT_ID, safe='')}")
    page.get_by_test_id("case-status").filter(has_text="decided").wait_for()
    page.get_by_test_id("exam-result").select_option("finding")
    finding = page.get_by_test_id("finding-row").first
    finding.get_by_test_id("finding-category").fill("drugs")
    finding.get_by_test_id("finding-description").fill("packets in the pineapple crates")
    finding.get_by_test_id("finding-quantity").fill("12.5")
    finding.get_by_test_id("finding-unit").fill("kg")
    finding.get_by_test_id("finding-value").fill("250000")
    page.get_by_test_id("exam-remarks").fill("Found in the third row.")
    page.get_by_test_id("case-examine").click()
    page.get_by_test_id("case-status").filter(has_text="examined").wait_for()
    assert "drugs: 12.5 kg, 250000 USD" in page.get_by_test_id("case-examination").inner_text()
    timeline = " ".join(page.get_by_test_id("timeline-entry").all_inner_texts())
    for step in ("claim", "decide", "record examination", "decided → examined"):
        assert step in timeline, step
    page.get_by_test_id("attachment-file").set_input_files(
        files=[{"name": "seizure-report.txt", "mimeType": "text/plain", "buffer": b"12.5 kg in crate 3\n"}]
    )
    page.get_by_test_id("attachment-upload").click()
    attached = page.get_by_test_id("attachment-row").filter(has_text="seizure-report.txt")
    attached.wait_for()
    download = attached.get_by_role("link").get_attribute("href")
    assert requests.get(str(download), timeout=10).content == b"12.5 kg in crate 3\n"
    shot(page, "case-examined")
    page.get_by_test_id("close-reason").fill("Seized and handed to the police.")
    page.get_by_test_id("case-close").click()
    page.get_by_test_id("case-status").filter(has_text="closed").wait_for()
    assert page.get_by_test_id("case-close").count() == 0
    page.close()

    stored = requests.get(case_url(local_stack, ALERT_ID), headers=supervisor_headers, timeout=10).json()["case"]
    assert stored["status"] == "closed"
    assert stored["assignee"] == analyst["username"]
    assert stored["examination"]["result"] == "finding"


def test_the_case_board_lists_open_cases_by_arrival_and_filters_by_status_and_owner(
    browser: Any,  # noqa: F811
    local_stack: RunningStack,
    alerted_case: dict[str, Any],
) -> None:
    page = signed_in_page(browser, local_stack, "supervisor")
    page.get_by_test_id("alert-row").first.wait_for()  # the home screen has loaded
    page.get_by_test_id("nav-cases").click()
    page.get_by_test_id("case-board").wait_for(state="visible")
    expect(page.locator("#case-board-title")).to_be_focused()
    rows = page.get_by_test_id("board-row")
    rows.first.wait_for()
    texts = rows.all_inner_texts()
    demo = [t for t in texts if "DMLU000000" in t]
    assert "DMLU0000002" in demo[0]  # the red demo alert arrives first
    assert all("Closed" not in t for t in texts)  # open cases by default
    shot(page, "case-board")

    page.get_by_test_id("board-status").select_option("all")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"#/cases\?status=all$"))
    closed_or_open = rows.filter(has_text=NUMBER)
    closed_or_open.wait_for()  # the case the other test works on is listed whatever its status
    page.get_by_test_id("board-mine").check()
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"owner=me"))
    page.get_by_test_id("board-empty").wait_for()  # the supervisor owns no case
    assert rows.count() == 0
    page.close()


def test_a_supervisor_assigns_a_case_and_the_officer_works_it_from_its_board(
    browser: Any,  # noqa: F811
    local_stack: RunningStack,
) -> None:
    case_id = "sea:DMLU:DMLU0000003#v1"  # the demo amber alert's case
    officer = local_stack.user("examination_officer")["username"]
    page = signed_in_page(browser, local_stack, "supervisor")
    page.goto(f"{local_stack.api_url}/#/cases/{quote(case_id, safe='')}")
    page.get_by_test_id("case-status").filter(has_text="new").wait_for()
    page.get_by_test_id("assign-officer").fill(officer)
    page.get_by_test_id("case-assign").click()
    page.get_by_test_id("case-status").filter(has_text="triaged").wait_for()
    assert page.get_by_test_id("case-owner").inner_text() == officer
    page.close()

    page = signed_in_page(browser, local_stack, "examination_officer")
    page.get_by_test_id("nav-cases").click()
    page.get_by_test_id("board-mine").check()
    page.get_by_role("button", name="Show").click()
    mine = page.get_by_test_id("board-row").filter(has_text="DMLU0000003")
    mine.wait_for()
    assert f"{officer} (you)" in mine.inner_text()
    mine.get_by_test_id("board-open").click()
    page.get_by_test_id("case-status").filter(has_text="triaged").wait_for()
    page.get_by_test_id("decide-choice").select_option("document_check")
    page.get_by_test_id("case-decide").click()
    page.get_by_test_id("case-status").filter(has_text="decided").wait_for()
    assert page.get_by_test_id("case-close").count() == 0  # a document check waits for its result
    assert page.get_by_test_id("exam-findings").is_hidden()  # "no finding" lists none
    page.get_by_test_id("exam-result").select_option("no_finding")
    page.get_by_test_id("case-examine").click()
    page.get_by_test_id("case-status").filter(has_text="examined").wait_for()
    page.get_by_test_id("case-close").click()
    page.get_by_test_id("case-status").filter(has_text="closed").wait_for()
    assert page.get_by_test_id("case-examination").inner_text() == "no finding"
    page.close()


def test_a_carrier_is_offered_no_customs_screen_and_reads_nobody_elses_data(
    browser: Any,  # noqa: F811
    local_stack: RunningStack,
    alerted_case: dict[str, Any],
    tmp_path: Path,
) -> None:
    page = signed_in_page(browser, local_stack, "carrier")
    page.get_by_test_id("carrier-view").wait_for(state="visible")
    assert page.get_by_test_id("officer-view").is_hidden()
    assert page.get_by_test_id("nav-cases").count() == 0
    assert page.get_by_test_id("nav-risk-profiles").count() == 0
    # Typing a customs screen's address shows nothing of it.
    page.goto(f"{local_stack.api_url}/#/cases/{quote(ALERT_ID, safe='')}")
    page.get_by_test_id("error-banner").filter(has_text="do not allow cases").wait_for()
    assert page.get_by_test_id("case-view").is_hidden()
    page.goto(f"{local_stack.api_url}/#/consignments/{quote(KEY, safe='')}")
    page.get_by_test_id("error-banner").filter(has_text="do not allow consignments").wait_for()
    assert page.get_by_test_id("consignment-detail").is_hidden()
    shot(page, "carrier-refused")
    page.close()

    # The API refuses the carrier's token whatever the app shows.
    carrier = sign_in(local_stack, "carrier")
    api = local_stack.api_url
    for path in (
        "/alerts",
        "/consignments?q=Caribe",
        f"/consignments/{quote(KEY, safe='')}",
        f"/cases/{quote(ALERT_ID, safe='')}",
    ):
        answer = requests.get(api + path, headers=carrier, timeout=10)
        assert answer.status_code == 403, (path, answer.status_code)
        assert answer.json()["code"] == "forbidden"
    claim = requests.post(f"{case_url(local_stack, ALERT_ID)}/claim", json={"revision": 0}, headers=carrier, timeout=10)
    assert claim.status_code == 403

    # Another carrier's receipt is "not found" for this carrier, though an analyst reads it.
    local_stack.upload("inbox/OTHERLINE/other-carrier.csv", csv_manifest("OTHER0000001"))
    local_stack.wait_until_idle(60)
    analyst = sign_in(local_stack, "targeting_analyst")
    receipts = requests.get(f"{api}/receipts", params={"carrier_id": "OTHERLINE"}, headers=analyst, timeout=10).json()
    file_id = receipts["receipts"][0]["file_id"]
    assert requests.get(f"{api}/receipts/{file_id}", headers=analyst, timeout=10).status_code == 200
    theirs = requests.get(f"{api}/receipts/{file_id}", headers=carrier, timeout=10)
    assert theirs.status_code == 404
    mine = requests.get(f"{api}/receipts", headers=carrier, timeout=10).json()["receipts"]
    assert all(r["carrier_id"] == "DEMOLINE" for r in mine)
