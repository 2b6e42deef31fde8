"""Lookups in the reference code lists shipped with the package: HS 2022, ISO 3166 countries, UN/LOCODE.

The data is read from ``cts/reference/data`` (built by :mod:`cts.reference.build`) through
:mod:`importlib.resources`, lazily and once per :class:`ReferenceData` instance; use
:func:`default_reference` for the process-wide instance. Each table loads on first use: HS and countries
in a few milliseconds, all UN/LOCODEs in about 0.1 s and 30 MB (rows are kept as text and parsed
when looked up).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

_HS_FILE = "hs.csv.gz"
_COUNTRIES_FILE = "countries.csv"
_UNLOCODE_FILE = "unlocode.csv.gz"
_SOURCES_FILE = "SOURCES.json"
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")
_HS_SEPARATORS = re.compile(r"[\s.]")


@dataclass(frozen=True, slots=True)
class HsEntry:
    """An HS chapter (2 digits), heading (4) or subheading (6)."""

    code: str
    description: str
    section: str

    @property
    def level(self) -> int:
        return len(self.code)

    @property
    def parent(self) -> str | None:
        return self.code[:-2] or None

    @property
    def chapter(self) -> str:
        return self.code[:2]


@dataclass(frozen=True, slots=True)
class Country:
    """ISO 3166-1 country with its ISO 4217 currencies (first one listed first) and UN M49 region."""

    alpha2: str
    alpha3: str
    numeric: str
    name: str
    currencies: tuple[str, ...]
    region: str

    @property
    def currency(self) -> str | None:
        return self.currencies[0] if self.currencies else None


@dataclass(frozen=True, slots=True)
class Location:
    """A UN/LOCODE entry; ``edition`` says which UN/LOCODE release the row comes from."""

    locode: str
    name: str
    ascii_name: str
    subdivision: str
    function: str
    status: str
    iata: str
    latitude: float | None
    longitude: float | None
    edition: str

    @property
    def country(self) -> str:
        return self.locode[:2]

    @property
    def coordinates(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude

    def has_function(self, flag: str) -> bool:
        """Function classifier: 1 port, 2 rail, 3 road, 4 airport, 5 postal, 6 multimodal,
        7 fixed installation, 8 inland water port, B border crossing, 0 not officially functional."""
        return flag in self.function

    @property
    def is_port(self) -> bool:
        return self.has_function("1")

    @property
    def is_rail_terminal(self) -> bool:
        return self.has_function("2")

    @property
    def is_road_terminal(self) -> bool:
        return self.has_function("3")

    @property
    def is_airport(self) -> bool:
        return self.has_function("4")

    @property
    def is_postal_centre(self) -> bool:
        return self.has_function("5")

    @property
    def is_multimodal(self) -> bool:
        return self.has_function("6")

    @property
    def is_fixed_installation(self) -> bool:
        return self.has_function("7")

    @property
    def is_inland_port(self) -> bool:
        return self.has_function("8")

    @property
    def is_border_crossing(self) -> bool:
        return self.has_function("B")


class ReferenceData:
    """Read-only lookups over the shipped code lists (or over a folder with the same files)."""

    def __init__(self, data: Traversable | None = None) -> None:
        self._data = data if data is not None else files("cts.reference").joinpath("data")

    # --- provenance ------------------------------------------------------------------------------

    @cached_property
    def sources(self) -> dict[str, Any]:
        """The parsed ``SOURCES.json``: editions, input checksums, row counts."""
        loaded: dict[str, Any] = json.loads(self._data.joinpath(_SOURCES_FILE).read_text(encoding="utf-8"))
        return loaded

    @property
    def hs_edition(self) -> str:
        return str(self.sources.get("hs", {}).get("edition", "unknown"))

    @property
    def unlocode_edition(self) -> str | None:
        """The newest UN/LOCODE edition in the data (rows of other editions are fallbacks)."""
        edition = self.sources.get("unlocode", {}).get("primary_edition")
        return str(edition) if edition else None

    @cached_property
    def _edition_countries(self) -> dict[str, frozenset[str]]:
        editions = self.sources.get("unlocode", {}).get("editions", [])
        return {str(e["edition"]): frozenset(str(e.get("countries", "")).split()) for e in editions}

    def is_superseded(self, location: Location) -> bool:
        """True for a fallback row whose country the newest edition covers: the code was dropped since."""
        primary = self.unlocode_edition
        if primary is None or location.edition == primary:
            return False
        return location.country in self._edition_countries.get(primary, frozenset())

    # --- HS --------------------------------------------------------------------------------------

    @cached_property
    def _hs(self) -> dict[str, HsEntry]:
        rows = _csv_rows(self._read_gzip_text(_HS_FILE))
        return {row[0]: HsEntry(code=row[0], section=row[1], description=row[2]) for row in rows}

    def hs_code(self, code: str) -> HsEntry | None:
        """The chapter, heading or subheading for a 2, 4 or 6 digit code; for 7 to 10 digits (national
        tariff lines extend HS) the entry of its 6-digit prefix. Dots and spaces are ignored."""
        digits = _HS_SEPARATORS.sub("", code or "")
        if not digits.isdigit() or not 2 <= len(digits) <= 10:
            return None
        if len(digits) > 6:
            digits = digits[:6]
        return self._hs.get(digits)

    def is_known_hs(self, code: str) -> bool:
        return self.hs_code(code) is not None

    # --- countries and currencies ----------------------------------------------------------------

    @cached_property
    def _countries(self) -> dict[str, Country]:
        text = self._data.joinpath(_COUNTRIES_FILE).read_bytes().decode("utf-8")
        countries = {}
        for alpha2, alpha3, numeric, name, currencies, region in _csv_rows(text):
            countries[alpha2] = Country(alpha2, alpha3, numeric, name, tuple(currencies.split()), region)
        return countries

    @cached_property
    def currencies(self) -> frozenset[str]:
        """Every ISO 4217 code used by some country in the list."""
        return frozenset(code for country in self._countries.values() for code in country.currencies)

    def country(self, alpha2: str) -> Country | None:
        return self._countries.get((alpha2 or "").strip().upper())

    def is_known_country(self, alpha2: str) -> bool:
        return self.country(alpha2) is not None

    def is_known_currency(self, code: str) -> bool:
        return (code or "").strip().upper() in self.currencies

    # --- UN/LOCODE -------------------------------------------------------------------------------

    @cached_property
    def _locodes(self) -> dict[str, str]:
        """LOCODE → its CSV line, parsed only when looked up (keeps loading fast and memory modest)."""
        lines = self._read_gzip_text(_UNLOCODE_FILE).split("\n")
        return {line[:5]: line for line in lines[1:] if len(line) > 5}

    def location(self, locode: str) -> Location | None:
        """The UN/LOCODE entry for ``locode`` (separators such as in "NL RTM" are ignored)."""
        line = self._locodes.get(_NOT_ALNUM.sub("", locode or "").upper())
        return _location(line) if line is not None else None

    def is_known_locode(self, locode: str) -> bool:
        return _NOT_ALNUM.sub("", locode or "").upper() in self._locodes

    @property
    def locode_count(self) -> int:
        return len(self._locodes)

    # --- helpers ---------------------------------------------------------------------------------

    def _read_gzip_text(self, name: str) -> str:
        return gzip.decompress(self._data.joinpath(name).read_bytes()).decode("utf-8")


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))[1:]


def _location(line: str) -> Location:
    fields = line.split(",") if '"' not in line else next(csv.reader([line]))
    code, name, ascii_name, subdivision, function, status, iata, lat, lon, edition = fields
    return Location(
        locode=code,
        name=name,
        ascii_name=ascii_name or name,
        subdivision=subdivision,
        function=function,
        status=status,
        iata=iata,
        latitude=float(lat) if lat else None,
        longitude=float(lon) if lon else None,
        edition=edition,
    )


@cache
def default_reference() -> ReferenceData:
    """The process-wide reference data read from the package (loaded lazily, once)."""
    return ReferenceData()
