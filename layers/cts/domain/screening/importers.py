"""Watch-list importers: pure parsers from files to :class:`ScreeningEntry` lists.

- :func:`load_ofac_legacy`: the OFAC SDN list in its legacy CSV layout (``sdn.csv``, ``alt.csv``, ``add.csv``; no
  header; ``-0-`` for empty; a trailing ``\\x1a`` end-of-file byte).
- :func:`load_cts_csv`: the project's own CSV (see docs/watchlists.md).
- :func:`parse_un_consolidated`: the UN Security Council consolidated list XML (``CONSOLIDATED_LIST``).
- :func:`parse_opensanctions_ftm`: OpenSanctions FollowTheMoney entities, one JSON object per line.
- :func:`load_watchlist`: any of them, detected from the path (a folder holding ``sdn.csv``; a ``.xml`` file;
  a ``.json``/``.jsonl``/``.ftm`` file; otherwise a CTS CSV file).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

from cts.domain.parsers.cargoxml.xmltree import Node, XmlRejected, parse_xml
from cts.domain.screening.model import EntryKind, ScreeningEntry

OFAC_EMPTY = "-0-"
OFAC_KINDS = {"individual": EntryKind.PERSON, "vessel": EntryKind.VESSEL, "aircraft": EntryKind.OTHER}
CTS_COLUMNS = ("id", "kind", "name", "aliases", "country", "reason", "valid_from", "valid_to")


class WatchlistError(ValueError):
    """A watch-list file that cannot be read as the format it claims."""


def _ofac_rows(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8", errors="replace").replace("\x1a", "")
    rows = []
    for row in csv.reader(io.StringIO(text)):
        cells = [cell.strip() for cell in row]
        if not cells or not any(cells):
            continue
        rows.append(["" if cell == OFAC_EMPTY else cell for cell in cells])
    return rows


def load_ofac_legacy(folder: Path | str) -> list[ScreeningEntry]:
    """Entries of an OFAC legacy CSV folder: ``sdn.csv`` names, ``alt.csv`` aliases, first ``add.csv`` country.

    ``ent_num`` becomes the id ``OFAC-<ent_num>``; ``SDN_Type`` the kind (``-0-`` is an organisation); the reason is
    the programme list. ``alt.csv`` and ``add.csv`` are optional.
    """
    folder = Path(folder)
    sdn = folder / "sdn.csv"
    if not sdn.is_file():
        raise WatchlistError(f"{folder}: no sdn.csv")
    aliases: dict[str, list[str]] = defaultdict(list)
    if (folder / "alt.csv").is_file():
        for row in _ofac_rows(folder / "alt.csv"):
            if len(row) >= 4 and row[3]:
                aliases[row[0]].append(row[3])
    countries: dict[str, str] = {}
    if (folder / "add.csv").is_file():
        for row in _ofac_rows(folder / "add.csv"):
            if len(row) >= 5 and row[4] and row[0] not in countries:
                countries[row[0]] = row[4]
    entries = []
    for row in _ofac_rows(sdn):
        if len(row) < 4 or not row[0] or not row[1]:
            continue
        ent_num, name, sdn_type, program = row[0], row[1], row[2].lower(), row[3]
        names = tuple(dict.fromkeys([name, *aliases.get(ent_num, [])]))
        entries.append(
            ScreeningEntry(
                id=f"OFAC-{ent_num}",
                kind=OFAC_KINDS.get(sdn_type, EntryKind.ORGANIZATION),
                names=names,
                country=countries.get(ent_num),
                source="OFAC-SDN",
                reason=program,
            )
        )
    return entries


def _kind(value: str, line: int) -> EntryKind:
    text = value.strip().lower() or "other"
    aliases = {
        "individual": "person",
        "entity": "organization",
        "organisation": "organization",
        "company": "organization",
    }
    try:
        return EntryKind(aliases.get(text, text))
    except ValueError:
        raise WatchlistError(f"line {line}: unknown kind {value!r}") from None


def load_cts_csv(path: Path | str) -> list[ScreeningEntry]:
    """Entries of a CTS watch-list CSV (UTF-8, header row; columns in :data:`CTS_COLUMNS`, ``aliases`` ``;``-separated).

    Only ``id`` and ``name`` are required; a missing ``kind`` is ``other``. Blank lines are skipped.
    """
    path = Path(path)
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = {"id", "name"} - set(reader.fieldnames or ())
    if missing:
        raise WatchlistError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    entries = []
    for line, row in enumerate(reader, start=2):
        values = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(values.values()):
            continue
        if not values.get("id") or not values.get("name"):
            raise WatchlistError(f"{path}: line {line}: id and name are required")
        aliases = [a.strip() for a in values.get("aliases", "").split(";") if a.strip()]
        entries.append(
            ScreeningEntry(
                id=values["id"],
                kind=_kind(values.get("kind", ""), line),
                names=tuple(dict.fromkeys([values["name"], *aliases])),
                country=values.get("country") or None,
                source=path.name,
                reason=values.get("reason", ""),
                valid_from=values.get("valid_from") or None,
                valid_to=values.get("valid_to") or None,
            )
        )
    return entries


def _children(node: Node, name: str) -> list[Node]:
    return [c for c in node.children if c.name == name]


def _text(node: Node, name: str) -> str:
    found = _children(node, name)
    return found[0].text if found else ""


def parse_un_consolidated(raw: bytes) -> list[ScreeningEntry]:
    """Entries of the UN Security Council consolidated list XML.

    ``INDIVIDUAL`` elements are persons named ``FIRST_NAME SECOND_NAME THIRD_NAME FOURTH_NAME``, ``ENTITY`` elements
    organisations named ``FIRST_NAME``; ``*_ALIAS/ALIAS_NAME`` and ``NAME_ORIGINAL_SCRIPT`` are aliases. The id is
    ``UN-<REFERENCE_NUMBER>`` (``UN-<DATAID>`` without one), the reason the ``UN_LIST_TYPE``, ``valid_from`` the
    ``LISTED_ON`` date, the country the first nationality or address country.
    """
    try:
        root = parse_xml(raw)
    except XmlRejected as exc:
        raise WatchlistError(f"UN consolidated list: {exc}") from None
    if root.name != "CONSOLIDATED_LIST":
        raise WatchlistError(f"UN consolidated list: root element is {root.name}, not CONSOLIDATED_LIST")
    entries = []
    for group, item, kind in (
        ("INDIVIDUALS", "INDIVIDUAL", EntryKind.PERSON),
        ("ENTITIES", "ENTITY", EntryKind.ORGANIZATION),
    ):
        for container in _children(root, group):
            for node in _children(container, item):
                parts = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
                name = " ".join(t for t in (_text(node, p) for p in parts) if t)
                if not name:
                    continue
                aliases = [_text(a, "ALIAS_NAME") for a in _children(node, f"{item}_ALIAS")]
                aliases.append(_text(node, "NAME_ORIGINAL_SCRIPT"))
                countries = [_text(n, "VALUE") for n in _children(node, "NATIONALITY")]
                countries += [_text(a, "COUNTRY") for a in _children(node, f"{item}_ADDRESS")]
                reference = _text(node, "REFERENCE_NUMBER") or _text(node, "DATAID")
                entries.append(
                    ScreeningEntry(
                        id=f"UN-{reference}",
                        kind=kind,
                        names=tuple(dict.fromkeys([name, *(a for a in aliases if a)])),
                        country=next((c for c in countries if c), None),
                        source="UN-SC",
                        reason=_text(node, "UN_LIST_TYPE"),
                        valid_from=_text(node, "LISTED_ON") or None,
                    )
                )
    return entries


FTM_KINDS = {
    "Person": EntryKind.PERSON,
    "Company": EntryKind.ORGANIZATION,
    "Organization": EntryKind.ORGANIZATION,
    "LegalEntity": EntryKind.ORGANIZATION,
    "PublicBody": EntryKind.ORGANIZATION,
    "Vessel": EntryKind.VESSEL,
    "Airplane": EntryKind.OTHER,
}


def parse_opensanctions_ftm(raw: bytes) -> list[ScreeningEntry]:
    """Entries of OpenSanctions FollowTheMoney JSON lines (``{"id", "schema", "properties": {...}}`` per line).

    Only party schemata are kept (:data:`FTM_KINDS`; addresses, sanctions, identifiers... are skipped). Names are
    ``name`` then ``alias``, ``previousName`` and ``weakAlias``; the country is the first ``country`` or
    ``nationality``; the reason the ``topics``.
    """
    entries = []
    for line_number, line in enumerate(raw.decode("utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entity = json.loads(line)
        except json.JSONDecodeError as exc:
            raise WatchlistError(f"line {line_number}: not JSON: {exc.msg}") from None
        if not isinstance(entity, dict) or entity.get("schema") not in FTM_KINDS:
            continue
        props = entity.get("properties") or {}

        def values(key: str, props: dict[str, object] = props) -> list[str]:
            found = props.get(key) or []
            return [str(v).strip() for v in found if str(v).strip()] if isinstance(found, list) else []

        names = [*values("name"), *values("alias"), *values("previousName"), *values("weakAlias")]
        if not names or not entity.get("id"):
            continue
        entries.append(
            ScreeningEntry(
                id=str(entity["id"]),
                kind=FTM_KINDS[entity["schema"]],
                names=tuple(dict.fromkeys(names)),
                country=next(iter(values("country") + values("nationality")), None),
                source="OpenSanctions",
                reason=", ".join(values("topics")),
                valid_from=(entity.get("first_seen") or None),
            )
        )
    return entries


def load_watchlist(path: Path | str) -> list[ScreeningEntry]:
    """An OFAC legacy folder (holding ``sdn.csv``), a UN ``.xml``, an FtM ``.json``/``.jsonl``, or a CTS CSV."""
    path = Path(path)
    if path.is_dir():
        return load_ofac_legacy(path)
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".xml":
            return parse_un_consolidated(path.read_bytes())
        if suffix in (".json", ".jsonl", ".ftm", ".ndjson"):
            return parse_opensanctions_ftm(path.read_bytes())
        return load_cts_csv(path)
    raise WatchlistError(f"{path}: no such file or folder")
