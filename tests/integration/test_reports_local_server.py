"""The reports through the local web server, as the browser downloads them: CSV as text, the PDF as bytes."""

from __future__ import annotations

import dataclasses
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fakes_reports import MemoryReportCounters

from cts.domain.reports import ALL, Family
from fakes_api import API_DIR, ROOT, FakeCaseBoard, World, make_world

if str(API_DIR) not in sys.path:
    sys.path.insert(0, str(API_DIR))

from chalicelib.container import set_container
from cts.adapters.local.webserver import LocalWebServer, serve


@pytest.fixture(scope="module")
def world() -> World:
    return make_world()


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[LocalWebServer]:
    from app import app

    counters = MemoryReportCounters()
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    counters.add({(Family.FLOW, ALL, yesterday): {"received": 4, "alerts": 1, "level|red": 1}})
    set_container(dataclasses.replace(world.container, reports=counters, case_board=FakeCaseBoard()))
    running = serve(app, host="127.0.0.1", port=0, static_dir=ROOT / "web")
    yield running
    running.shutdown()
    set_container(None)


def _get(server: LocalWebServer, world: World, path: str) -> tuple[int, dict[str, str], bytes]:
    # what a browser's fetch sends: any type accepted
    headers = {"Authorization": f"Bearer {world.tokens['supervisor']}", "Accept": "*/*"}
    request = urllib.request.Request(f"{server.url}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


def test_the_monthly_pdf_arrives_as_pdf_bytes(server: LocalWebServer, world: World) -> None:
    status, headers, body = _get(server, world, "/reports/monthly.pdf")
    assert status == 200
    assert headers["content-type"] == "application/pdf"
    assert body.startswith(b"%PDF-1.4")
    assert body.rstrip().endswith(b"%%EOF")


def test_a_report_table_arrives_as_a_csv_attachment(server: LocalWebServer, world: World) -> None:
    status, headers, body = _get(server, world, "/reports/overview?format=csv")
    assert status == 200
    assert headers["content-type"].startswith("text/csv")
    assert headers["content-disposition"].startswith("attachment;")
    lines = body.decode().splitlines()
    assert lines[0] == "day,received,assessed,alerts,examinations,findings"
    assert lines[-2].endswith(",4,0,1,0,0")
