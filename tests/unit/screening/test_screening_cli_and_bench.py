from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from cts.bench.screening import bench, scaling
from cts.cli import screen


def run(argv: list[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="cts")
    screen.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    code = args.func(args, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def watchlist(tmp_path: Path) -> Path:
    path = tmp_path / "list.csv"
    path.write_text(
        "id,kind,name,aliases,country,reason,valid_from,valid_to\n"
        "W1,organization,ACME TRADING CO. LTD,Acme Global,CN,test,,\n"
        'W2,person,"AL-RASHEED, Muhammad",,IQ,test,,\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def ofac(tmp_path: Path) -> Path:
    folder = tmp_path / "ofac"
    folder.mkdir()
    (folder / "sdn.csv").write_bytes(b'7,"SEA FALCON","vessel","IRAN",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a')
    return folder


def test_screen_prints_one_json_line_per_name_with_explained_matches(watchlist: Path, ofac: Path) -> None:
    code, out, err = run(
        ["screen", "--watchlist", str(watchlist), "--watchlist", str(ofac), "Acme Trading Company Limited", "Nobody"]
    )
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["query"] == "Acme Trading Company Limited"
    assert [(m["entry_id"], m["score"]) for m in first["matches"]] == [("W1", 1.0)]
    assert sum(p["contribution"] for p in first["matches"][0]["explanation"]) == pytest.approx(1.0)
    assert second == {"query": "Nobody", "matches": []}
    assert "against 3 listed entries" in err


def test_screen_reads_names_from_a_file_and_honours_the_threshold(watchlist: Path, tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("Mohammed Al Rashid\n\nSEA FALCON\n", encoding="utf-8")
    code, out, _ = run(["screen", "--watchlist", str(watchlist), "--names", str(names), "--threshold", "0.99"])
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query"] for line in lines] == ["Mohammed Al Rashid", "SEA FALCON"]
    assert lines[0]["matches"] == []
    code, out, _ = run(["screen", "--watchlist", str(watchlist), "--names", str(names), "--kind", "person"])
    assert json.loads(out.splitlines()[0])["matches"][0]["entry_id"] == "W2"


def test_screen_without_names_or_with_a_missing_list_is_a_usage_error(watchlist: Path, tmp_path: Path) -> None:
    assert run(["screen", "--watchlist", str(watchlist)])[0] == 2
    code, _, err = run(["screen", "--watchlist", str(tmp_path / "nope.csv"), "X"])
    assert code == 2
    assert "cannot read watch list" in err


def test_match_pairs_scores_each_row(tmp_path: Path, watchlist: Path) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text(
        "left,right,kind\nACME TRADING CO LTD,Acme Trading Company Limited,\nJohn Smith,Jane Smith,person\n",
        encoding="utf-8",
    )
    code, out, _ = run(["match-pairs", str(path)])
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["score"] == 1.0
    assert second["kind"] == "person"
    assert second["score"] < 0.8
    assert sum(p["contribution"] for p in second["explanation"]) == pytest.approx(second["score"])
    assert run(["match-pairs", str(path), "--watchlist", str(watchlist)])[0] == 0


def test_match_pairs_refuses_a_file_without_left_and_right(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text("a,b\nx,y\n", encoding="utf-8")
    code, _, err = run(["match-pairs", str(path)])
    assert code == 2
    assert "left,right" in err


def test_bench_reports_its_figures_on_the_list_named_by_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "ofac"
    folder.mkdir()
    rows = [
        f'{i},"{name}","{kind}","TEST",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- '
        for i, (name, kind) in enumerate(
            [
                ("GOLDEN DRAGON SHIPPING CO., LTD.", "-0-"),
                ("NORTHWIND TRADING LLC", "-0-"),
                ("PETROV, Ivan Sergeyevich", "individual"),
                ("GARCIA LOPEZ, Maria", "individual"),
                ("SEA FALCON", "vessel"),
            ]
        )
    ]
    (folder / "sdn.csv").write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    monkeypatch.setenv("CTS_OFAC_DIR", str(folder))
    figures = bench(40, sizes=())
    assert figures["list"] == "ofac"
    assert figures["entries"] == 5
    assert figures["cache_hit_rate_on_repeats"] == 1.0
    assert 0.0 <= figures["auc"] <= 1.0
    assert figures["screenings_per_s"] > 0
    assert figures["scaling"] == []


def test_bench_scaling_reports_each_list_size_from_a_fresh_process() -> None:
    points = scaling((300, 600), queries=50)
    assert [p["names"] for p in points] == [300, 600]
    for point in points:
        assert point["records"] == point["names"]
        assert point["screenings"] == 50
        assert point["screenings_per_s"] > 0
        assert point["index_build_s"] >= 0.0
        assert point["index_rss_mb"] >= 0.0
        assert point["build_peak_rss_mb"] >= point["index_rss_mb"]
        assert 0 < point["candidates_scored_mean"] <= 16
        assert point["candidates_touched_max"] >= point["candidates_touched_p95"] >= 1
