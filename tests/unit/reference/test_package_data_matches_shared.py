"""The shipped package data is exactly what the builder makes from ../shared/reference.

Skipped when the shared folder is absent. The ``.gz`` tables are compared after decompression (byte for
byte), so a different zlib build cannot fail the test; ``SOURCES.json`` is compared without its build date.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cts.reference.build import build_reference_data

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_REFERENCE = REPO_ROOT.parent / "shared" / "reference"
PACKAGE_DATA = REPO_ROOT / "layers" / "cts" / "reference" / "data"

pytestmark = pytest.mark.skipif(
    not SHARED_REFERENCE.is_dir(),
    reason=f"{SHARED_REFERENCE} is absent: cannot check the shipped reference data against its sources",
)


def _payload(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def test_shipped_reference_data_is_rebuilt_identically_from_shared(tmp_path: Path) -> None:
    build_reference_data(SHARED_REFERENCE, tmp_path)

    shipped = sorted(p.name for p in PACKAGE_DATA.iterdir() if p.is_file())
    assert shipped == sorted(p.name for p in tmp_path.iterdir())
    for name in shipped:
        if name == "SOURCES.json":
            continue
        assert _payload(tmp_path / name) == _payload(PACKAGE_DATA / name), (
            f"{name} differs from a rebuild: run `cts reference build --source ../shared/reference`"
        )

    rebuilt = json.loads((tmp_path / "SOURCES.json").read_text(encoding="utf-8"))
    recorded = json.loads((PACKAGE_DATA / "SOURCES.json").read_text(encoding="utf-8"))
    rebuilt.pop("built_on")
    recorded.pop("built_on")
    assert rebuilt == recorded
