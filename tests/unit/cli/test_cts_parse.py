from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from builders import consignment_data, json_manifest
from cts.cli.main import build_parser, main


def run(argv: list[str]) -> tuple[int, str, str]:
    args = build_parser().parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    code = args.func(args, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_accepted_file_prints_json_lines_and_warnings_on_stderr(tmp_path: Path) -> None:
    bad_box = consignment_data("A2", equipment=[{"number": "CSQU3054384"}])
    path = tmp_path / "m.json"
    path.write_bytes(json_manifest(consignment_data("A1"), bad_box))
    code, out, err = run(["parse", str(path)])
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [c["transport_document"]["number"] for c in lines] == ["A1", "A2"]
    assert "WARNING" in err
    assert "BAD_CONTAINER_CHECK_DIGIT [A2] equipment[0].number" in err
    assert "json: 2 of 2 consignments accepted" in err


def test_rejected_file_exits_1_with_the_offending_line(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("document_number,document_kind,mode,direction\nX1,master_bill,boat,import\n")
    code, out, err = run(["parse", str(path)])
    assert code == 1
    assert out == ""
    assert "ERROR line 2 INVALID_VALUE [X1] mode" in err


def test_unknown_content_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x00\x01 nothing")
    code, _, err = run(["parse", str(path)])
    assert code == 1
    assert "UNKNOWN_FORMAT" in err


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["parse", str(tmp_path / "missing.edi")])[0] == 2
    with pytest.raises(SystemExit) as exc:
        main(["parse"])
    assert exc.value.code == 2
