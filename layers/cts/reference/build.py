"""Build the compact reference package data from a folder laid out like ``../shared/reference``.

Inputs (paths relative to ``source``):

- ``hs/harmonized-system.csv``: datasets/harmonized-system (UTF-8 with BOM; columns
  ``section,hscode,description,parent,level``).
- ``countries/country-codes.csv``: datasets/country-codes (ISO 3166-1, ISO 4217, M49 regions).
- ``unlocode/``: UN/LOCODE code lists in the UNECE CSV layout (12 columns, no header, Function before
  Status). Official parts are named ``<edition> UNLOCODE CodeListPart<n>.csv`` (space or underscore) and
  are cp1252; full lists named ``unlocode-code-list-<edition>[-optd].csv[.bz2]`` may be UTF-8. Every file
  is decoded as UTF-8 when it is valid UTF-8 and as cp1252 otherwise. Editions are merged newest first:
  a code takes the row of the newest edition that has it, so an older full list fills the parts (or the
  codes) that a newer edition is missing. Each output row records the edition it came from.

Outputs (in ``dest``), all sorted and written deterministically (gzip with ``mtime=0``):

- ``hs.csv.gz``: ``code,section,description`` for every chapter, heading and subheading (without
  UN Comtrade's 99/9999/999999 "not specified" aggregates).
- ``countries.csv``: ``alpha2,alpha3,numeric,name,currencies,region`` (currencies space-separated).
- ``unlocode.csv.gz``: ``locode,name,ascii_name,subdivision,function,status,iata,lat,lon,edition``
  (``ascii_name`` only when it differs from ``name``; ``lat``/``lon`` in decimal degrees).
- ``SOURCES.json``: editions (with the countries each UN/LOCODE edition covers), input files with sha256,
  row counts and the build date.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HS_SOURCE = "hs/harmonized-system.csv"
COUNTRIES_SOURCE = "countries/country-codes.csv"
UNLOCODE_SOURCE_DIR = "unlocode"

HS_FILE = "hs.csv.gz"
COUNTRIES_FILE = "countries.csv"
UNLOCODE_FILE = "unlocode.csv.gz"
SOURCES_FILE = "SOURCES.json"

HS_HEADER = ("code", "section", "description")
COUNTRIES_HEADER = ("alpha2", "alpha3", "numeric", "name", "currencies", "region")
UNLOCODE_HEADER = (
    "locode",
    "name",
    "ascii_name",
    "subdivision",
    "function",
    "status",
    "iata",
    "lat",
    "lon",
    "edition",
)

_PART_NAME = re.compile(r"^(\d{4}-\d+)[ _]UNLOCODE[ _]CodeListPart(\d+)\.csv$", re.IGNORECASE)
_FULL_NAME = re.compile(r"^unlocode-code-list-(\d{4}-\d+)(?:-optd)?\.csv(?:\.bz2|\.gz)?$", re.IGNORECASE)
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}$")
_COORDINATES = re.compile(r"^(\d{2})(\d{2})([NS])\s*(\d{3})(\d{2})([EW])$")
_HS_EDITION = re.compile(r"\bHS\s*(\d{4})\b", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_UNLOCODE_COLUMNS = 12


@dataclass
class _Edition:
    name: str
    files: list[Path] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple[int, int]:
        year, _, issue = self.name.partition("-")
        return int(year), int(issue)


def build_reference_data(source: Path, dest: Path, *, built_on: str | None = None) -> dict[str, int]:
    """Read the code lists under ``source`` and write the compact package data into ``dest``.

    ``built_on`` (an ISO date) defaults to ``SOURCE_DATE_EPOCH`` when set, else today (UTC); it only
    appears in ``SOURCES.json``, so the data files are byte-identical for the same inputs.
    Returns the row counts written.
    """
    source, dest = Path(source), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    hs_rows, hs_edition = _hs_rows(source / HS_SOURCE)
    country_rows = _country_rows(source / COUNTRIES_SOURCE)
    editions = _unlocode_editions(source / UNLOCODE_SOURCE_DIR)
    locode_rows, per_edition, countries_per_edition = _unlocode_rows(editions)

    (dest / HS_FILE).write_bytes(_gzip(_csv_bytes(HS_HEADER, hs_rows)))
    (dest / COUNTRIES_FILE).write_bytes(_csv_bytes(COUNTRIES_HEADER, country_rows))
    (dest / UNLOCODE_FILE).write_bytes(_gzip(_csv_bytes(UNLOCODE_HEADER, locode_rows)))

    counts = {"hs": len(hs_rows), "countries": len(country_rows), "unlocode": len(locode_rows)}
    counts.update({f"unlocode:{name}": n for name, n in per_edition.items()})
    sources = {
        "format": 1,
        "built_on": built_on or _build_date(),
        "hs": {
            "edition": hs_edition,
            "files": [_file_entry(source, source / HS_SOURCE)],
            "rows": len(hs_rows),
            "output": HS_FILE,
        },
        "countries": {
            "files": [_file_entry(source, source / COUNTRIES_SOURCE)],
            "rows": len(country_rows),
            "output": COUNTRIES_FILE,
        },
        "unlocode": {
            "editions": [
                {
                    "edition": ed.name,
                    "files": [_file_entry(source, p) for p in ed.files],
                    "rows": per_edition[ed.name],
                    "countries": " ".join(countries_per_edition[ed.name]),
                }
                for ed in editions
            ],
            "primary_edition": editions[0].name if editions else None,
            "rows": len(locode_rows),
            "output": UNLOCODE_FILE,
        },
    }
    text = json.dumps(sources, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (dest / SOURCES_FILE).write_bytes(text.encode("utf-8"))
    return counts


# --- HS ------------------------------------------------------------------------------------------


def _hs_rows(path: Path) -> tuple[list[tuple[str, ...]], str]:
    rows: dict[str, tuple[str, ...]] = {}
    edition = "unknown"
    for record in csv.DictReader(io.StringIO(_read_text(path), newline="")):
        code = (record.get("hscode") or "").strip()
        level = (record.get("level") or "").strip()
        description = _clean(record.get("description"))
        if code.upper() == "TOTAL":
            found = _HS_EDITION.search(description)
            edition = f"HS {found.group(1)}" if found else edition
            continue
        section = _clean(record.get("section"))
        # Section TOTAL holds UN Comtrade's "not specified according to kind" aggregates (99, 9999,
        # 999999): reporting codes, not HS nomenclature.
        if section.upper() == "TOTAL":
            continue
        if level in ("2", "4", "6") and code.isdigit() and len(code) == int(level):
            rows.setdefault(code, (code, section, description))
    return sorted(rows.values()), edition


# --- countries -----------------------------------------------------------------------------------


def _country_rows(path: Path) -> list[tuple[str, ...]]:
    rows: dict[str, tuple[str, ...]] = {}
    for record in csv.DictReader(io.StringIO(_read_text(path), newline="")):
        alpha2 = _clean(record.get("ISO3166-1-Alpha-2")).upper()
        if not re.fullmatch(r"[A-Z]{2}", alpha2):
            continue
        numeric = _clean(record.get("ISO3166-1-numeric"))
        currencies = re.findall(r"\b[A-Z]{3}\b", record.get("ISO4217-currency_alphabetic_code") or "")
        name = _clean(record.get("official_name_en")) or _clean(record.get("CLDR display name"))
        rows.setdefault(
            alpha2,
            (
                alpha2,
                _clean(record.get("ISO3166-1-Alpha-3")).upper(),
                numeric.zfill(3) if numeric.isdigit() else numeric,
                name,
                " ".join(dict.fromkeys(currencies)),
                _clean(record.get("Region Name")),
            ),
        )
    return sorted(rows.values())


# --- UN/LOCODE -----------------------------------------------------------------------------------


def _unlocode_editions(folder: Path) -> list[_Edition]:
    """The UN/LOCODE editions found in ``folder``, newest first; parts in part order."""
    found: dict[str, list[tuple[int, Path]]] = {}
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        part = _PART_NAME.match(path.name)
        full = _FULL_NAME.match(path.name)
        if part:
            found.setdefault(part.group(1), []).append((int(part.group(2)), path))
        elif full:
            found.setdefault(full.group(1), []).append((0, path))
    editions = [_Edition(name, [p for _, p in sorted(files)]) for name, files in found.items()]
    return sorted(editions, key=lambda ed: ed.sort_key, reverse=True)


def _unlocode_rows(
    editions: Sequence[_Edition],
) -> tuple[list[tuple[str, ...]], dict[str, int], dict[str, list[str]]]:
    rows: dict[str, tuple[str, ...]] = {}
    per_edition: dict[str, int] = {}
    countries: dict[str, list[str]] = {}
    for edition in editions:
        before = len(rows)
        seen_countries: set[str] = set()
        for path in edition.files:
            for row in _unlocode_records(_read_text(path)):
                seen_countries.add(row[0][:2])
                # first row wins: a newer edition over an older one, and within an edition the first of
                # the rows that repeat a code with an alternative name (e.g. GRHER Heraklion/Iraklion).
                rows.setdefault(row[0], (*row, edition.name))
        per_edition[edition.name] = len(rows) - before
        countries[edition.name] = sorted(seen_countries)
    return sorted(rows.values()), per_edition, countries


def _unlocode_records(text: str) -> Iterator[tuple[str, ...]]:
    """Location rows of one UNECE-layout file, without country headers and '=' reference rows."""
    for raw in csv.reader(io.StringIO(text, newline="")):
        row = [_clean(value) for value in raw[:_UNLOCODE_COLUMNS]]
        row += [""] * (_UNLOCODE_COLUMNS - len(row))
        change, country, location, name, ascii_name, subdivision, function, status = row[:8]
        iata, coordinates = row[9], row[10]
        code = (country + location).upper()
        if not location or change == "=" or not _LOCODE.match(code):
            continue
        lat, lon = parse_coordinates(coordinates) or ("", "")
        ascii_name = "" if ascii_name == name else ascii_name
        yield code, name, ascii_name, subdivision, function, status, iata, lat, lon


def parse_coordinates(text: str) -> tuple[str, str] | None:
    """``"0117N 10351E"`` → ``("1.2833", "103.85")``: decimal degrees as short strings, or None."""
    found = _COORDINATES.match(text.strip().upper())
    if not found:
        return None
    lat_d, lat_m, ns, lon_d, lon_m, ew = found.groups()
    if int(lat_m) >= 60 or int(lon_m) >= 60:
        return None
    lat = (int(lat_d) + int(lat_m) / 60) * (-1 if ns == "S" else 1)
    lon = (int(lon_d) + int(lon_m) / 60) * (-1 if ew == "W" else 1)
    if abs(lat) > 90 or abs(lon) > 180:
        return None
    return _decimal(lat), _decimal(lon)


def _decimal(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --- helpers -------------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    """Decode a (possibly bz2/gzip-compressed) file: UTF-8 (BOM dropped) if valid, else cp1252."""
    data = path.read_bytes()
    if path.suffix == ".bz2":
        data = bz2.decompress(data)
    elif path.suffix == ".gz":
        data = gzip.decompress(data)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _clean(value: str | None) -> str:
    """Collapse whitespace (including the newlines some Remarks contain) so every row is one line."""
    return _SPACES.sub(" ", value or "").strip()


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _file_entry(root: Path, path: Path) -> dict[str, str | int]:
    data = path.read_bytes()
    return {"path": path.relative_to(root).as_posix(), "bytes": len(data), "sha256": _sha256(data)}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _build_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
    return moment.date().isoformat()
