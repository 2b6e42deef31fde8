"""Embedded search engine on SQLite (stdlib ``sqlite3``) for the local stack.

Layout (one database file, WAL mode):

* ``docs``: one narrow row per consignment key with the filter, sort and facet fields (datetimes
  as UTC epoch microseconds; list fields joined with the unit separator), indexed for the filters
  and for each sort order;
* ``bodies``: the full :class:`SearchDocument` as JSON, read only for the page of hits;
* ``vals``: one row per value of a list field (ports, countries, HS codes, profiles), keyed by
  (field, value, rid), for "any of" filters;
* ``fts``: a contentless FTS5 table over party, goods and identifier text (``unicode61`` with
  ``remove_diacritics 2``, prefix indexes of 2 and 3 characters), rowid = ``docs.rid``;
* ``vocab``: the words of party and goods text (4+ characters), bucketed by first letter and
  length; near spellings of a query term are looked up there and ranked with rapidfuzz;
* ``combos``: the (mode, direction, level, status) combinations, by small id (``docs.cid``);
* ``facet_counts``: how many documents have each facet value, per combo, and ``facet_days``: the
  same per combo and arrival day (UTC day of the ETA), updated in every write transaction: totals
  and facets of searches without a selective condition (none, or only mode, direction, level and
  status) are sums over ``facet_counts``, and those of an ETA window with at most those conditions
  sums over ``facet_days`` for its whole days plus corrections at its edges, whatever the size.

Sorting puts missing values last in both directions by sorting on ``coalesce(column, +inf)``
ascending and ``coalesce(column, -inf)`` descending, each backed by an expression index that also
serves ETA ranges. The stdlib's SQLite has no STAT4 statistics, so :meth:`EmbeddedSearchIndex.search`
chooses access paths itself (see :class:`_Where` and the comments there).

Threads: connections are pooled (as many as concurrent callers, reused across short-lived
threads); WAL lets readers run while one writer writes; writes are serialised by a lock and run on
one connection with a large page cache. An in-memory index (``":memory:"``) uses one connection
behind the lock.
"""

# SQL is assembled from this module's fixed fragments and "?" placeholders only; values are always bound.
# ruff: noqa: S608

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from cts.domain.errors import InvalidSearchQuery, SearchUnavailable
from cts.ports.search import UNSET, SearchDocument, SearchQuery, SearchResult, Unset, status_changes, text_terms

__all__ = ["EmbeddedSearchIndex"]

log = logging.getLogger("cts.search")

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO: Final = timedelta(microseconds=1)
_HIGH: Final = 9_223_372_036_854_775_807
_LOW: Final = -9_223_372_036_854_775_808
SCHEMA_VERSION: Final = 6
"""Layout version; a file with an older layout is emptied and recreated (the index is derived data)."""

# list fields stored in ``vals``: field name -> small integer id
_LIST_FIELD_IDS: Final[dict[str, int]] = {"ports": 1, "countries": 2, "hs_codes": 3, "profiles_matched": 4}
# list fields -> docs column (values joined with _SEPARATOR)
_LIST_COLUMNS: Final[dict[str, str]] = {name: name for name in _LIST_FIELD_IDS}
# scalar facet fields -> docs column
_SCALAR_COLUMNS: Final[dict[str, str]] = {
    "mode": "mode",
    "direction": "direction",
    "level": "level",
    "carrier": "carrier",
    "journey_id": "journey",
    "place_of_loading": "place_of_loading",
    "place_of_discharge": "place_of_discharge",
    "alert_status": "alert_status",
    "case_status": "case_status",
    "carrier_id": "carrier_id",
    "status": "status",
}

# every facet field -> small integer id in facet_counts and facet_days
_FACET_FIELD_IDS: Final[dict[str, int]] = {
    name: n for n, name in enumerate([*_SCALAR_COLUMNS, *_LIST_FIELD_IDS], start=1)
}
_MODE_FIELD: Final = _FACET_FIELD_IDS["mode"]
# the docs columns whose combinations ("combos") split the kept facet counts
_COMBO_COLUMNS: Final = ("mode", "direction", "level", "status")
_DAY: Final = 86_400_000_000
"""One UTC day in microseconds: ``facet_days`` counts per arrival day (``eta // _DAY``)."""

_ETA_UP: Final = f"coalesce(d.eta, {_HIGH})"
_ETA_DOWN: Final = f"coalesce(d.eta, {_LOW})"
_RECEIVED_UP: Final = f"coalesce(d.received, {_HIGH})"
_RECEIVED_DOWN: Final = f"coalesce(d.received, {_LOW})"

# sort -> (expression, direction); ties break on key in the same direction
_SORTS: Final[dict[str, tuple[str, str]]] = {
    "eta": (_ETA_UP, "ASC"),
    "-eta": (_ETA_DOWN, "DESC"),
    "score": ("d.score", "ASC"),
    "-score": ("d.score", "DESC"),
    "received": (_RECEIVED_UP, "ASC"),
    "-received": (_RECEIVED_DOWN, "DESC"),
}

_SCHEMA: Final = f"""
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS docs (
    rid INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    mode TEXT NOT NULL,
    direction TEXT NOT NULL,
    level TEXT NOT NULL,
    score INTEGER NOT NULL,
    eta INTEGER,
    etd INTEGER,
    received INTEGER,
    carrier TEXT,
    journey TEXT,
    carrier_id TEXT,
    alert_status TEXT,
    case_status TEXT,
    status TEXT NOT NULL,
    place_of_loading TEXT,
    place_of_discharge TEXT,
    ports TEXT NOT NULL,
    countries TEXT NOT NULL,
    hs_codes TEXT NOT NULL,
    profiles_matched TEXT NOT NULL,
    cid INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bodies (rid INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vals (
    field INTEGER NOT NULL,
    value TEXT NOT NULL,
    rid INTEGER NOT NULL,
    PRIMARY KEY (field, value, rid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS vocab (
    term TEXT PRIMARY KEY,
    head TEXT NOT NULL,
    len INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vocab_by_head ON vocab (head, len);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    parties, goods, ids,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE TABLE IF NOT EXISTS combos (
    cid INTEGER PRIMARY KEY,
    mode TEXT NOT NULL,
    direction TEXT NOT NULL,
    level TEXT NOT NULL,
    status TEXT NOT NULL,
    UNIQUE (mode, direction, level, status)
);
CREATE TABLE IF NOT EXISTS facet_counts (
    field INTEGER NOT NULL,
    value TEXT NOT NULL,
    cid INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (field, value, cid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS facet_days (
    field INTEGER NOT NULL,
    day INTEGER NOT NULL,
    value TEXT NOT NULL,
    cid INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (field, day, value, cid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS docs_eta_up ON docs (
    coalesce(eta, {_HIGH}), key, mode, direction, level, status, score, received,
    alert_status, case_status, carrier, carrier_id, journey, place_of_loading, place_of_discharge
);
CREATE INDEX IF NOT EXISTS docs_eta_down ON docs (
    coalesce(eta, {_LOW}), key, mode, direction, level, status, score, received
);
CREATE INDEX IF NOT EXISTS docs_received_up ON docs (coalesce(received, {_HIGH}), key);
CREATE INDEX IF NOT EXISTS docs_received_down ON docs (coalesce(received, {_LOW}), key);
CREATE INDEX IF NOT EXISTS docs_score ON docs (score, key, mode, direction, level);
CREATE INDEX IF NOT EXISTS docs_etd ON docs (etd);
CREATE INDEX IF NOT EXISTS docs_mode ON docs (mode, direction, level);
CREATE INDEX IF NOT EXISTS docs_direction ON docs (direction, level);
CREATE INDEX IF NOT EXISTS docs_level ON docs (level, score);
CREATE INDEX IF NOT EXISTS docs_carrier ON docs (carrier);
CREATE INDEX IF NOT EXISTS docs_journey ON docs (journey COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS docs_carrier_id ON docs (carrier_id);
CREATE INDEX IF NOT EXISTS docs_alert_status ON docs (alert_status);
CREATE INDEX IF NOT EXISTS docs_case_status ON docs (case_status);
CREATE INDEX IF NOT EXISTS docs_status ON docs (status);
CREATE INDEX IF NOT EXISTS docs_rid_cid ON docs (rid, cid);
"""

_DOC_COLUMNS: Final = (
    "key, version, mode, direction, level, score, eta, etd, received, carrier, journey, "
    "carrier_id, alert_status, case_status, status, place_of_loading, place_of_discharge, "
    "ports, countries, hs_codes, profiles_matched, cid"
)
_DOC_VALUES: Final = ", ".join("?" * len(_DOC_COLUMNS.split(",")))
# list fields are also kept in docs, joined with the unit separator, so facets read them in one pass
_SEPARATOR: Final = "\x1f"

# fuzzy expansion: vocabulary words of at least this many characters are kept; query terms of at
# least FUZZY_MIN_LENGTH characters are expanded to at most FUZZY_MAX_EXPANSIONS near words.
VOCAB_MIN_LENGTH: Final = 4
FUZZY_MIN_LENGTH: Final = 5
FUZZY_TWO_EDITS_LENGTH: Final = 8
FUZZY_MAX_EXPANSIONS: Final = 10
_VOCAB_CACHE_LIMIT: Final = 200_000
# a search with a selective condition collects its matches (up to this many) once, and pages from them
_COLLECT_LIMIT: Final = 20_000
# ranking (BM25) costs about a microsecond per match: a text matching more documents than this is
# listed by -received instead (a word that common says little about relevance anyway)
RANK_LIMIT: Final = 50_000
_ANALYZE_MIN_ROWS: Final = 1_000
# the low conditions (mode, direction, level, status) drive a search when they keep this many times fewer
# documents than every other condition (their counts are exact, from the kept facet counts)
_LOW_DRIVES_RATIO: Final = 4
# page caches: readers read through mmap and need little; the one writer connection keeps the index pages a
# batch touches (a write changes a dozen B-trees at random places) so that each is written once per commit
_READ_CACHE_KIB: Final = 65_536
_WRITE_CACHE_KIB: Final = 524_288


def _micros(value: datetime | None) -> int | None:
    return None if value is None else (value - _EPOCH) // _MICRO


def _texts(doc: SearchDocument) -> tuple[str, str, str]:
    """The three FTS columns of a document (recomputed identically to delete its entry)."""
    ids = [
        doc.document_number,
        doc.master_number,
        *doc.container_numbers,
        doc.journey_id,
        doc.vessel_name,
        doc.imo_number,
        doc.carrier,
    ]
    return doc.parties_text, doc.goods_text, " ".join(i for i in ids if i)


def _vocabulary(doc: SearchDocument) -> set[str]:
    words = text_terms(f"{doc.parties_text} {doc.goods_text}", limit=None)
    return {w for w in words if len(w) >= VOCAB_MIN_LENGTH and not w.isdigit()}


def _row(doc: SearchDocument) -> tuple[Any, ...]:
    return (
        doc.key,
        doc.version,
        doc.mode,
        doc.direction,
        doc.level,
        doc.score,
        _micros(doc.eta),
        _micros(doc.etd),
        _micros(doc.received_at),
        doc.carrier,
        doc.journey_id,
        doc.carrier_id,
        doc.alert_status,
        doc.case_status,
        doc.status,
        doc.place_of_loading,
        doc.place_of_discharge,
        *(_SEPARATOR.join(getattr(doc, name)) for name in _LIST_FIELD_IDS),
    )


def _list_values(doc: SearchDocument) -> list[tuple[int, str]]:
    return [(field_id, value) for name, field_id in _LIST_FIELD_IDS.items() for value in getattr(doc, name)]


_Cell = tuple[int, str, int, int | None]
"""(facet field id, value, combo id, arrival day or None): where a document counts in the kept facets."""
_Combo = tuple[str, str, str, str]


def _combo(doc: SearchDocument) -> _Combo:
    return (doc.mode, doc.direction, doc.level, doc.status)


def _day(eta: int | None) -> int | None:
    return None if eta is None else eta // _DAY


def _facet_cells(doc: SearchDocument, cid: int) -> list[_Cell]:
    """Every (facet field, value) of a document, with its combo (mode, direction, level, status) and
    arrival day: its cells in ``facet_counts`` (all days) and ``facet_days`` (documents with an ETA).
    """
    day = _day(_micros(doc.eta))
    cells = [
        (_FACET_FIELD_IDS[name], str(value), cid, day)
        for name in _SCALAR_COLUMNS
        if (value := getattr(doc, name)) is not None
    ]
    cells += [(_FACET_FIELD_IDS[name], value, cid, day) for name in _LIST_FIELD_IDS for value in getattr(doc, name)]
    return cells


def _day_span(low: int | None, high: int | None) -> tuple[int, int, list[tuple[int, int, int]]] | None:
    """An ETA window (inclusive, microseconds) as whole arrival days plus corrections at its edges.

    Returns ``(first day, last day, segments)``: the window holds the documents of days ``first`` to
    ``last``, plus (sign +1) or minus (sign -1) the documents with an ETA in each segment
    ``(sign, from, to)``. A partial day at an edge is either added by its part inside the window or
    counted whole less its part outside, whichever is the shorter time, so a correction costs at most
    half a day of documents. None when the window holds no whole day (collect it instead).
    """
    first = _LOW if low is None else -(-low // _DAY)
    last = _HIGH if high is None else (high + 1) // _DAY - 1
    if first > last:
        return None
    segments: list[tuple[int, int, int]] = []
    if low is not None and low < first * _DAY:  # day first - 1 is partly inside
        start = (first - 1) * _DAY
        if first * _DAY - low <= low - start:
            segments.append((1, low, first * _DAY - 1))
        else:
            first -= 1
            segments.append((-1, start, low - 1))
    if high is not None and high >= (last + 1) * _DAY:  # day last + 1 is partly inside
        start, end = (last + 1) * _DAY, (last + 2) * _DAY - 1
        if high - start + 1 <= end - high:
            segments.append((1, start, high))
        else:
            last += 1
            segments.append((-1, high + 1, end))
    return first, last, segments


def _placeholders(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def _count_columns(names: Sequence[str], cursor: sqlite3.Cursor) -> dict[str, Counter[str]]:
    """The values of each facet column of ``cursor``'s rows (list columns split), missing values left out."""
    counters: dict[str, Counter[str]] = {name: Counter() for name in names}
    while chunk := cursor.fetchmany(50_000):
        for name, values in zip(names, zip(*chunk, strict=True), strict=True):
            if name in _LIST_COLUMNS:
                joined = _SEPARATOR.join(filter(None, values))
                counters[name].update(joined.split(_SEPARATOR) if joined else ())
            else:
                counters[name].update(values)
    for counter in counters.values():
        counter.pop(None, None)  # type: ignore[call-overload]
    return counters


def _top(counter: Counter[str], size: int) -> dict[str, int]:
    """The ``size`` largest positive counts, largest first, then by value."""
    return dict(sorted(((v, n) for v, n in counter.items() if n > 0), key=lambda item: (-item[1], item[0]))[:size])


def _kept(conn: sqlite3.Connection, field: str, how: Literal["IN", "RANGE"], values: Sequence[str]) -> int:
    """How many documents have any of these values (or a value in ``[values[0], values[1])``) in a facet
    field: an exact count for one value, an upper bound for several values of a list field."""
    condition = f"value IN ({_placeholders(values)})" if how == "IN" else "value >= ? AND value < ?"
    row = conn.execute(
        f"SELECT sum(n) FROM facet_counts WHERE field = ? AND {condition}", [_FACET_FIELD_IDS[field], *values]
    ).fetchone()
    return int(row[0] or 0)


class _Where:
    """Conditions on ``docs d``, the FTS5 match expression if any, and how to render them.

    Without STAT4 statistics SQLite cannot tell that ``mode = 'sea'`` keeps 60% of the rows while
    a 7-day ETA window keeps 2%, so the access path is chosen here: a condition rendered with a
    leading ``+`` cannot use an index. Conditions on low-cardinality columns (mode, direction,
    level) use their index only when nothing more selective is present.
    """

    def __init__(self, match: str | None) -> None:
        self.match = match
        self._low: list[tuple[str, list[Any]]] = []
        self.low_values: dict[str, Sequence[str]] = {}  # docs column -> any of these values
        self._selective: list[tuple[str, list[Any]]] = []
        self._checks: dict[int, str] = {}  # selective condition -> how to check it row by row, if not "+"
        self.eta_window: tuple[int | None, int | None] | None = None  # (from, to) in microseconds
        self._eta_conditions = 0
        self.estimates: list[int | None] = []  # per selective condition: how many documents it keeps at most
        self.low_drives = False  # the low conditions keep far fewer documents: they drive, the others check
        self.cids: list[int] | None = None  # the combos the low conditions keep (None: no low condition)

    def add(self, template: str, *params: Any, low: bool = False, check: str | None = None) -> None:
        """``template`` has ``{p}`` where the index-disabling ``+`` goes; ``check`` replaces it where the
        condition is checked row by row instead."""
        if not low and check is not None:
            self._checks[len(self._selective)] = check
        (self._low if low else self._selective).append((template, list(params)))

    def any_of(self, column: str, values: Sequence[str], *, low: bool = False) -> None:
        if values:
            self.add(f"{{p}}{column} IN ({_placeholders(values)})", *values, low=low)
            if low:
                self.low_values[column.removeprefix("d.")] = values

    @classmethod
    def low_only(cls, where: _Where) -> _Where:
        """The low conditions of ``where`` alone."""
        low = cls(None)
        low._low, low.low_values = where._low, where.low_values
        return low

    def combo_ids(self, conn: sqlite3.Connection) -> list[int] | None:
        """The combos (mode, direction, level, status) the low conditions keep; None when they keep all."""
        if not self.low_values:
            return None
        wanted = [(_COMBO_COLUMNS.index(column), set(values)) for column, values in self.low_values.items()]
        return [
            row[0]
            for row in conn.execute(f"SELECT cid, {', '.join(_COMBO_COLUMNS)} FROM combos")
            if all(row[1 + position] in values for position, values in wanted)
        ]

    def render_low(self) -> tuple[str, list[Any]]:
        """The low conditions alone, without their indexes (with an ETA range that drives the query)."""
        clauses = [template.replace("{p}", "+") for template, _ in self._low]
        params = [value for _, values in self._low for value in values]
        return (" AND ".join(clauses) if clauses else "1"), params

    @property
    def eta_window_only(self) -> bool:
        """No text, and no condition beyond an ETA window and the low ones: counts are sums per day."""
        return self.match is None and self.eta_window is not None and len(self._selective) == self._eta_conditions

    def list_any_of(self, field: str, values: Sequence[str]) -> None:
        if values:
            where = f"field = ? AND value IN ({_placeholders(values)})"
            self.add(
                f"{{p}}d.rid IN (SELECT rid FROM vals WHERE {where})",
                _LIST_FIELD_IDS[field],
                *values,
                check=f"EXISTS (SELECT 1 FROM vals WHERE {where} AND rid = d.rid)",
            )

    def eta_range(self, low: datetime | None, high: datetime | None, *, descending: bool) -> None:
        """An ETA range on the expression of the ETA index the sort walks (missing ETA never matches).

        Only one expression is used: the other is not in that index, and evaluating it would cost a
        table lookup per row of the range.
        """
        if low is None and high is None:
            return
        self.eta_window = (_micros(low), _micros(high))
        before = len(self._selective)
        self._add_eta_conditions(low, high, descending=descending)
        self._eta_conditions = len(self._selective) - before

    def _add_eta_conditions(self, low: datetime | None, high: datetime | None, *, descending: bool) -> None:
        expression, missing = (_ETA_DOWN, _LOW) if descending else (_ETA_UP, _HIGH)
        if low is not None:
            self.add(f"{{p}}{expression} >= ?", _micros(low))
        elif descending:
            self.add(f"{{p}}{expression} > ?", missing)
        if high is not None:
            self.add(f"{{p}}{expression} <= ?", _micros(high))
        elif not descending:
            self.add(f"{{p}}{expression} < ?", missing)

    @property
    def empty(self) -> bool:
        return self.match is None and not self._low and not self._selective

    @property
    def text_and_low_only(self) -> bool:
        return self.match is not None and bool(self._low) and not self._selective

    @property
    def text_only(self) -> bool:
        return self.match is not None and not self._low and not self._selective

    @property
    def selective(self) -> bool:
        return self.match is not None or bool(self._selective)

    def render(
        self, *, use_indexes: bool = True, with_match: bool = True, by_rid: bool = False
    ) -> tuple[str, list[Any]]:
        """SQL and parameters; ``use_indexes=False`` leaves the table (or a sort index) to be scanned.

        ``by_rid``: the rows are reached by rid (from the text index), so the low conditions are checked
        as one condition on the combo in the narrow ``(rid, cid)`` index rather than in the table.
        """
        clauses: list[str] = []
        params: list[Any] = []
        low = self._low
        if by_rid and self.cids is not None:
            low = [(f"{{p}}d.cid IN ({_placeholders(self.cids)})" if self.cids else "0", list(self.cids))]
        conditions = [(t, p, use_indexes and (self.low_drives or not self.selective)) for t, p in low]
        conditions += [
            (t if indexed or n not in self._checks else self._checks[n], p, indexed)
            for n, (t, p) in enumerate(self._selective)
            for indexed in [use_indexes and not self.low_drives]
        ]
        if with_match and self.match is not None:
            conditions.append(("{p}d.rid IN (SELECT rowid FROM fts WHERE fts MATCH ?)", [self.match], use_indexes))
        for template, values, indexed in conditions:
            clauses.append(template.replace("{p}", "" if indexed else "+"))
            params.extend(values)
        return (" AND ".join(clauses) if clauses else "1"), params


class EmbeddedSearchIndex:
    """:class:`cts.ports.search.SearchIndex` on a SQLite file (or in memory, for tests)."""

    def __init__(self, path: Path | str = ":memory:", *, fuzzy: bool = True) -> None:
        self._memory = str(path) == ":memory:"
        self._path = ":memory:" if self._memory else str(Path(path))
        self._fuzzy = fuzzy
        self._write_lock = threading.RLock()
        self._pool_lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []  # every connection opened
        self._idle: list[sqlite3.Connection] = []  # those not lent out
        self._writer: sqlite3.Connection | None = None  # the one connection that writes
        self._ready = False
        self._known_words: set[str] = set()
        self._combos: dict[_Combo, int] = {}  # committed combos (never removed, ids never reused)
        self._writes_since_analyze = 0
        self._analyzed_rows = 0

    # -- connections -------------------------------------------------------------------------

    def _open(self, *, writer: bool = False) -> sqlite3.Connection:
        if not self._memory:
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self._path, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        if not self._memory:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA mmap_size = 1073741824")
            conn.execute("PRAGMA journal_size_limit = 67108864")  # the WAL shrinks back after a bulk load
        conn.execute(f"PRAGMA cache_size = -{_WRITE_CACHE_KIB if writer or self._memory else _READ_CACHE_KIB}")
        conn.execute("PRAGMA secure_delete = OFF")
        conn.execute("PRAGMA temp_store = MEMORY")
        return conn

    def _borrow(self, *, writer: bool = False) -> sqlite3.Connection:
        """An idle connection, or a new one: as many connections as concurrent callers, reused across
        threads (the local web server starts a thread per request). Writes (serialised by the write
        lock) always use one connection with a large page cache. In memory there is one connection,
        shared behind the write lock.
        """
        with self._pool_lock:
            if self._memory and self._connections:
                return self._connections[0]
            if writer and self._writer is not None:
                return self._writer
            if not writer and self._idle:
                return self._idle.pop()
        conn = self._open(writer=writer)
        with self._pool_lock:
            self._connections.append(conn)
            if writer:
                self._writer = conn
        return conn

    def _give_back(self, conn: sqlite3.Connection) -> None:
        if self._memory or conn is self._writer:
            return
        with self._pool_lock:
            if conn in self._connections:  # not closed meanwhile
                self._idle.append(conn)

    @contextlib.contextmanager
    def _transaction(self, kind: Literal["read", "write"]) -> Iterator[sqlite3.Connection]:
        """A transaction on a pooled connection; SQLite errors become domain errors.

        Reads see one snapshot (WAL), so a page and its total agree; writes are serialised.
        """
        lock: contextlib.AbstractContextManager[Any] = (
            self._write_lock if kind == "write" or self._memory else contextlib.nullcontext()
        )
        try:
            with lock:
                conn = self._borrow(writer=kind == "write")
                try:
                    if not self._ready:
                        self._create_schema(conn)
                    conn.execute("BEGIN IMMEDIATE" if kind == "write" else "BEGIN")
                    try:
                        yield conn
                        conn.execute("COMMIT")
                    finally:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                finally:
                    self._give_back(conn)
        except sqlite3.OperationalError as error:
            if "fts5" in str(error):
                raise InvalidSearchQuery(f"cannot search for that text: {error}") from error
            raise SearchUnavailable(f"embedded search index at {self._path}: {error}") from error
        except sqlite3.DatabaseError as error:
            raise SearchUnavailable(f"embedded search index at {self._path}: {error}") from error

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        """Create what is missing (idempotent, safe when several processes open the file at once)."""
        with self._write_lock:
            if self._ready:
                return
            try:
                self._drop_outdated_layout(conn)
                conn.executescript(_SCHEMA)
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                    conn.execute("INSERT INTO fts (fts, rank) VALUES ('rank', 'bm25(2.0, 1.0, 3.0)')")
                    if conn.execute("SELECT 1 FROM meta WHERE name = 'facet_counts'").fetchone() is None:
                        self._rebuild_facet_counts(conn)
                        conn.execute(
                            "INSERT INTO meta VALUES ('facet_counts', 'by mode, direction, level, status; and per day')"
                        )
                    analyzed = conn.execute("SELECT value FROM meta WHERE name = 'analyzed_rows'").fetchone()
                    self._analyzed_rows = int(analyzed[0]) if analyzed else 0
                    conn.execute("COMMIT")
                finally:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
            except sqlite3.DatabaseError as error:
                raise SearchUnavailable(f"cannot open embedded search index at {self._path}: {error}") from error
            self._combos.clear()
            self._ready = True

    def _drop_outdated_layout(self, conn: sqlite3.Connection) -> None:
        """Empty a file written with an older layout; refuse one written by newer code."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
            row = conn.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone() if has_meta else None
            stored = int(row[0]) if row else SCHEMA_VERSION
            if stored > SCHEMA_VERSION:
                raise SearchUnavailable(
                    f"{self._path} holds search layout v{stored}, newer than this code's v{SCHEMA_VERSION}"
                )
            if stored < SCHEMA_VERSION:
                log.warning(
                    "search index %s has layout v%s, this code needs v%s: emptying it (re-index to fill it)",
                    self._path,
                    stored,
                    SCHEMA_VERSION,
                )
                tables = conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                    "AND name NOT LIKE 'fts_%'"
                ).fetchall()
                for (name,) in tables:
                    conn.execute(f'DROP TABLE IF EXISTS "{name}"')
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    def close(self) -> None:
        """Close every connection this index opened; it reopens on next use."""
        with self._pool_lock:
            connections, self._connections, self._idle = self._connections, [], []
            self._writer = None
        for conn in connections:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._ready = False

    def __enter__(self) -> EmbeddedSearchIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- SearchIndex -------------------------------------------------------------------------

    def ensure_ready(self) -> None:
        with self._transaction("read"):
            pass

    def refresh(self) -> None:
        """Writes are visible as soon as they commit."""

    def index(self, docs: Sequence[SearchDocument]) -> None:
        """Write a batch in one transaction, with one statement per table (``executemany``)."""
        if not docs:
            return
        latest: dict[str, SearchDocument] = {}  # per key the highest version (of equal ones, the last)
        for doc in docs:
            kept = latest.get(doc.key)
            if kept is None or doc.version >= kept.version:
                latest[doc.key] = doc
        with self._write_lock:  # the caches are updated after the commit, still locked
            new_words: set[str] = set()
            new_combos: dict[_Combo, int] = {}
            with self._transaction("write") as conn:
                existing = self._existing(conn, list(latest))
                deltas: Counter[_Cell] = Counter()
                replaced: list[tuple[int, SearchDocument, SearchDocument]] = []  # rid, old, new
                added: list[SearchDocument] = []
                for doc in latest.values():
                    found = existing.get(doc.key)
                    if found is None:
                        added.append(doc)
                        continue
                    rid, version, body = found
                    if version > doc.version:
                        continue  # an older version arriving late
                    old = SearchDocument.model_validate_json(body)
                    deltas.subtract(_facet_cells(old, self._combo_id(conn, _combo(old), new_combos)))
                    replaced.append((rid, old, doc))
                cids = {
                    doc.key: self._combo_id(conn, _combo(doc), new_combos)
                    for doc in [*added, *(doc for _rid, _old, doc in replaced)]
                }
                next_rid = int(conn.execute("SELECT coalesce(max(rid), 0) + 1 FROM docs").fetchone()[0])
                written = [(rid, doc) for rid, _old, doc in replaced]
                written += [(next_rid + n, doc) for n, doc in enumerate(added)]
                if replaced:
                    conn.executemany(
                        "INSERT INTO fts (fts, rowid, parties, goods, ids) VALUES ('delete', ?, ?, ?, ?)",
                        [(rid, *_texts(old)) for rid, old, _doc in replaced],
                    )
                    conn.executemany(
                        "DELETE FROM vals WHERE field = ? AND value = ? AND rid = ?",
                        [(field, value, rid) for rid, old, _doc in replaced for field, value in _list_values(old)],
                    )
                    conn.executemany(
                        f"UPDATE docs SET ({_DOC_COLUMNS}) = ({_DOC_VALUES}) WHERE rid = ?",
                        [(*_row(doc), cids[doc.key], rid) for rid, _old, doc in replaced],
                    )
                    conn.executemany(
                        "UPDATE bodies SET body = ? WHERE rid = ?",
                        [(doc.model_dump_json(), rid) for rid, _old, doc in replaced],
                    )
                if added:
                    conn.executemany(
                        f"INSERT INTO docs (rid, {_DOC_COLUMNS}) VALUES (?, {_DOC_VALUES})",
                        [(next_rid + n, *_row(doc), cids[doc.key]) for n, doc in enumerate(added)],
                    )
                    conn.executemany(
                        "INSERT INTO bodies (rid, body) VALUES (?, ?)",
                        [(next_rid + n, doc.model_dump_json()) for n, doc in enumerate(added)],
                    )
                conn.executemany(
                    "INSERT INTO fts (rowid, parties, goods, ids) VALUES (?, ?, ?, ?)",
                    [(rid, *_texts(doc)) for rid, doc in written],
                )
                conn.executemany(
                    "INSERT OR IGNORE INTO vals (field, value, rid) VALUES (?, ?, ?)",
                    sorted((field, value, rid) for rid, doc in written for field, value in _list_values(doc)),
                )
                for _rid, doc in written:
                    deltas.update(_facet_cells(doc, cids[doc.key]))
                    new_words |= _vocabulary(doc) - self._known_words
                conn.executemany(
                    "INSERT OR IGNORE INTO vocab (term, head, len) VALUES (?, ?, ?)",
                    [(w, w[0], len(w)) for w in sorted(new_words)],
                )
                self._apply_facet_deltas(conn, deltas)
                self._maybe_analyze(conn, len(written))
            # only once committed: a rolled-back batch must not be taken as known
            if len(self._known_words) + len(new_words) > _VOCAB_CACHE_LIMIT:
                self._known_words.clear()
            self._known_words |= new_words
            self._combos.update(new_combos)

    @staticmethod
    def _existing(conn: sqlite3.Connection, keys: Sequence[str]) -> dict[str, tuple[int, int, str]]:
        """key -> (rid, version, body) of the indexed documents among ``keys``."""
        found: dict[str, tuple[int, int, str]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for key, rid, version, body in conn.execute(
                "SELECT d.key, d.rid, d.version, b.body FROM docs d JOIN bodies b ON b.rid = d.rid "
                f"WHERE d.key IN ({_placeholders(chunk)})",
                chunk,
            ):
                found[key] = (rid, version, body)
        return found

    def _combo_id(self, conn: sqlite3.Connection, combo: _Combo, new: dict[_Combo, int]) -> int:
        """The id of a (mode, direction, level, status) combination, added if new (within the write
        transaction: ``new`` joins the cache only once committed)."""
        cid = self._combos.get(combo) or new.get(combo)
        if cid is None:
            row = conn.execute(
                "SELECT cid FROM combos WHERE mode = ? AND direction = ? AND level = ? AND status = ?", combo
            ).fetchone()
            if row is None:
                row = conn.execute(
                    "INSERT INTO combos (mode, direction, level, status) VALUES (?, ?, ?, ?) RETURNING cid", combo
                ).fetchall()[0]
            cid = new[combo] = int(row[0])
        return cid

    def set_statuses(
        self, key: str, *, alert_status: str | Unset | None = UNSET, case_status: str | Unset | None = UNSET
    ) -> bool:
        changes = status_changes(alert_status=alert_status, case_status=case_status)
        with self._write_lock:
            new_combos: dict[_Combo, int] = {}
            with self._transaction("write") as conn:
                existing = conn.execute(
                    "SELECT d.rid, b.body FROM docs d JOIN bodies b ON b.rid = d.rid WHERE d.key = ?", (key,)
                ).fetchone()
                if existing is None:
                    return False
                rid, body = existing
                old = SearchDocument.model_validate_json(body)
                new = old.model_copy(update=changes)
                if new == old:
                    return True
                cid = self._combo_id(conn, _combo(old), new_combos)
                deltas: Counter[_Cell] = Counter(_facet_cells(new, cid))
                deltas.subtract(_facet_cells(old, cid))
                self._apply_facet_deltas(conn, deltas)
                conn.execute(
                    "UPDATE docs SET alert_status = ?, case_status = ? WHERE rid = ?",
                    (new.alert_status, new.case_status, rid),
                )
                conn.execute("UPDATE bodies SET body = ? WHERE rid = ?", (new.model_dump_json(), rid))
            self._combos.update(new_combos)
        return True

    def delete(self, key: str) -> None:
        with self._write_lock:
            new_combos: dict[_Combo, int] = {}
            with self._transaction("write") as conn:
                existing = conn.execute(
                    "SELECT d.rid, b.body FROM docs d JOIN bodies b ON b.rid = d.rid WHERE d.key = ?", (key,)
                ).fetchone()
                if existing is None:
                    return
                rid, body = existing
                old = SearchDocument.model_validate_json(body)
                self._unindex(conn, rid, old)
                cid = self._combo_id(conn, _combo(old), new_combos)
                self._apply_facet_deltas(conn, Counter({cell: -1 for cell in _facet_cells(old, cid)}))
                conn.execute("DELETE FROM docs WHERE rid = ?", (rid,))
                conn.execute("DELETE FROM bodies WHERE rid = ?", (rid,))
            self._combos.update(new_combos)

    def get(self, key: str) -> SearchDocument | None:
        with self._transaction("read") as conn:
            row = conn.execute(
                "SELECT b.body FROM docs d JOIN bodies b ON b.rid = d.rid WHERE d.key = ?", (key,)
            ).fetchone()
        return None if row is None else SearchDocument.model_validate_json(row[0])

    def count(self, query: SearchQuery) -> int:
        query.check()
        with self._transaction("read") as conn:
            return self._count(conn, self._where(conn, query))

    def search(self, query: SearchQuery) -> SearchResult:
        """Choose the cheapest way to the total, the page and the facets for this query's shape."""
        query.check()
        with self._transaction("read") as conn:
            where = self._where(conn, query)
            sort = query.effective_sort
            if sort == "relevance" and self._text_matches(conn, where) > RANK_LIMIT:
                sort = "-received"
            collected = False
            facets: dict[str, dict[str, int]] = {}
            window = self._window(where)
            if not where.selective:
                # no condition, or on mode, direction, level and status only: sum the kept counts
                total = self._count(conn, where)
                facets = {name: self._stored_facet(conn, name, query.facet_size, where) for name in query.facets}
            elif window is not None:
                # an ETA window and those conditions only: sums over whole arrival days, edges counted
                total, facets = self._window_counts(conn, where, window, query.facets, query.facet_size)
            elif query.facets or where.match is not None:
                # collect the matches once (text is matched once) for the total, the page and the facets
                total, collected = self._collect(conn, where, ranked=sort == "relevance"), True
                if query.facets:
                    facets = self._collected_facets(conn, query)
            else:
                # probably few matches: collect them (up to a limit) and page from them
                total = self._collect(conn, where, ranked=False, limit=_COLLECT_LIMIT + 1)
                collected = total <= _COLLECT_LIMIT
                if not collected:
                    total = self._count(conn, where)
            hits = self._page(conn, query, sort, where, total, collected) if total > query.offset else []
        return SearchResult(total=total, hits=hits, facets=facets)

    # -- writing -----------------------------------------------------------------------------

    @staticmethod
    def _unindex(conn: sqlite3.Connection, rid: int, old: SearchDocument) -> None:
        """Remove the text and list entries of the indexed version ``old`` of document ``rid``."""
        conn.execute(
            "INSERT INTO fts (fts, rowid, parties, goods, ids) VALUES ('delete', ?, ?, ?, ?)", (rid, *_texts(old))
        )
        conn.executemany(
            "DELETE FROM vals WHERE field = ? AND value = ? AND rid = ?",
            [(field, value, rid) for field, value in _list_values(old)],
        )

    @staticmethod
    def _apply_facet_deltas(conn: sqlite3.Connection, deltas: Counter[_Cell]) -> None:
        """Keep ``facet_counts`` and ``facet_days`` in step with the documents (same transaction)."""
        totals: Counter[tuple[int, str, int]] = Counter()
        days: list[tuple[int, int, str, int, int]] = []
        for (field, value, cid, day), n in deltas.items():
            if n:
                totals[(field, value, cid)] += n
                if day is not None:
                    days.append((field, day, value, cid, n))
        changed = sorted((*cell, n) for cell, n in totals.items() if n)
        conn.executemany(
            "INSERT INTO facet_counts (field, value, cid, n) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (field, value, cid) DO UPDATE SET n = n + excluded.n",
            changed,
        )
        conn.executemany(
            "DELETE FROM facet_counts WHERE field = ? AND value = ? AND cid = ? AND n <= 0",
            [cell[:3] for cell in changed if cell[3] < 0],
        )
        days.sort()
        conn.executemany(
            "INSERT INTO facet_days (field, day, value, cid, n) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (field, day, value, cid) DO UPDATE SET n = n + excluded.n",
            days,
        )
        conn.executemany(
            "DELETE FROM facet_days WHERE field = ? AND day = ? AND value = ? AND cid = ? AND n <= 0",
            [cell[:4] for cell in days if cell[4] < 0],
        )

    @staticmethod
    def _rebuild_facet_counts(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM facet_counts")
        conn.execute("DELETE FROM facet_days")
        columns = ", ".join(_COMBO_COLUMNS)
        conn.execute(f"INSERT OR IGNORE INTO combos ({columns}) SELECT DISTINCT {columns} FROM docs")
        combo = " AND ".join(f"c.{column} = d.{column}" for column in _COMBO_COLUMNS)
        day = f"CASE WHEN d.eta >= 0 THEN d.eta / {_DAY} ELSE -((-d.eta - 1) / {_DAY}) - 1 END"  # floor
        sources: list[tuple[str, str, str, tuple[int, ...]]] = [
            (name, f"d.{column}", f"docs d JOIN combos c ON {combo} WHERE d.{column} IS NOT NULL", ())
            for name, column in _SCALAR_COLUMNS.items()
        ]
        sources += [
            (name, "v.value", f"vals v JOIN docs d ON d.rid = v.rid JOIN combos c ON {combo} WHERE v.field = ?", (fid,))
            for name, fid in _LIST_FIELD_IDS.items()
        ]
        for name, value, source, params in sources:
            field = _FACET_FIELD_IDS[name]
            conn.execute(
                f"INSERT INTO facet_counts (field, value, cid, n) SELECT ?, {value}, c.cid, count(*) FROM {source} "
                f"GROUP BY {value}, c.cid",
                (field, *params),
            )
            conn.execute(
                f"INSERT INTO facet_days (field, day, value, cid, n) SELECT ?, {day}, {value}, c.cid, count(*) "
                f"FROM {source} AND d.eta IS NOT NULL GROUP BY 2, 3, 4",
                (field, *params),
            )

    def _maybe_analyze(self, conn: sqlite3.Connection, written: int) -> None:
        """Refresh the planner's statistics whenever the index has doubled since the last time."""
        self._writes_since_analyze += written
        if self._writes_since_analyze < max(_ANALYZE_MIN_ROWS, self._analyzed_rows):
            return
        rows = conn.execute("SELECT max(rid) FROM docs").fetchone()[0] or 0
        conn.execute("PRAGMA analysis_limit = 1000")
        conn.execute("ANALYZE docs")
        conn.execute("ANALYZE vals")
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('analyzed_rows', ?)", (str(rows),))
        self._analyzed_rows = rows
        self._writes_since_analyze = 0

    # -- reading -----------------------------------------------------------------------------

    def _where(self, conn: sqlite3.Connection, query: SearchQuery) -> _Where:
        """The conditions on ``docs d`` and the FTS5 match expression (None without text), with how many
        documents each selective condition keeps at most (from the kept facet counts, when they know)."""
        where = _Where(self._match_expression(conn, query.terms))
        estimates = where.estimates
        where.any_of("d.mode", query.modes, low=True)
        where.any_of("d.direction", query.directions, low=True)
        where.any_of("d.level", query.levels, low=True)
        where.any_of("d.status", query.statuses, low=True)
        where.cids = where.combo_ids(conn)
        for column, field, values in (
            ("d.alert_status", "alert_status", query.alert_statuses),
            ("d.case_status", "case_status", query.case_statuses),
        ):
            if values:
                where.any_of(column, values)
                estimates.append(_kept(conn, field, "IN", values))
        for field, values in (("ports", query.ports), ("countries", query.countries)):
            if values:
                where.list_any_of(field, values)
                estimates.append(_kept(conn, field, "IN", values))
        if query.profile:
            where.list_any_of("profiles_matched", [query.profile])
            estimates.append(_kept(conn, "profiles_matched", "IN", [query.profile]))
        if query.hs_prefix:
            bounds = [query.hs_prefix, query.hs_prefix + ":"]  # ':' sorts right after '9'
            where.add(
                "{p}d.rid IN (SELECT rid FROM vals WHERE field = ? AND value >= ? AND value < ?)",
                _LIST_FIELD_IDS["hs_codes"],
                *bounds,
                check="EXISTS (SELECT 1 FROM vals WHERE field = ? AND value >= ? AND value < ? AND rid = d.rid)",
            )
            estimates.append(_kept(conn, "hs_codes", "RANGE", bounds))
        if query.carrier:
            where.add("{p}d.carrier = ?", query.carrier)
            estimates.append(_kept(conn, "carrier", "IN", [query.carrier]))
        if query.journey_id:
            where.add("{p}d.journey = ? COLLATE NOCASE", query.journey_id)
            estimates.append(None)
        if query.carrier_id:
            where.add("{p}d.carrier_id = ?", query.carrier_id)
            estimates.append(_kept(conn, "carrier_id", "IN", [query.carrier_id]))
        if query.score_min is not None or query.score_max is not None:
            if query.score_min is not None:
                where.add("{p}d.score >= ?", query.score_min)
            if query.score_max is not None:
                where.add("{p}d.score <= ?", query.score_max)
            estimates.append(None)
        where.eta_range(query.eta_from, query.eta_to, descending=query.effective_sort == "-eta")
        if where.eta_window is not None:
            low, high = where.eta_window
            first, last = (_LOW if low is None else low // _DAY), (_HIGH if high is None else high // _DAY)
            row = conn.execute(
                "SELECT sum(n) FROM facet_days WHERE field = ? AND day BETWEEN ? AND ?", (_MODE_FIELD, first, last)
            ).fetchone()
            estimates.append(int(row[0] or 0))
        if query.etd_from is not None or query.etd_to is not None:
            if query.etd_from is not None:
                where.add("{p}d.etd >= ?", _micros(query.etd_from))
            if query.etd_to is not None:
                where.add("{p}d.etd <= ?", _micros(query.etd_to))
            estimates.append(None)
        if where.low_values and where.match is None and estimates and None not in estimates:
            # e.g. level "high" and a country: the few high-level documents are checked for the country
            kept = self._count(conn, _Where.low_only(where))
            where.low_drives = kept * _LOW_DRIVES_RATIO < min(e for e in estimates if e is not None)
        return where

    def _match_expression(self, conn: sqlite3.Connection, terms: Sequence[str]) -> str | None:
        """``("term"* OR "near1" OR ...) AND (...)``: each term as a prefix, plus near spellings."""
        groups = []
        for term in terms:
            options = [f'"{term}"*' if len(term) > 1 else f'"{term}"']
            if self._fuzzy and len(term) >= FUZZY_MIN_LENGTH and not term.isdigit():
                options += [f'"{near}"' for near in self._near_words(conn, term)]
            groups.append("(" + " OR ".join(options) + ")")
        return " AND ".join(groups) if groups else None

    @staticmethod
    def _near_words(conn: sqlite3.Connection, term: str) -> list[str]:
        """Vocabulary words within 1 edit of ``term`` (2 from 8 characters), same first letter."""
        edits = 2 if len(term) >= FUZZY_TWO_EDITS_LENGTH else 1
        candidates = [
            row[0]
            for row in conn.execute(
                "SELECT term FROM vocab WHERE head = ? AND len BETWEEN ? AND ?",
                (term[0], len(term) - edits, len(term) + edits),
            )
        ]
        found = process.extract(term, candidates, scorer=OSA.distance, score_cutoff=edits, limit=None)
        ranked = sorted((distance, word) for word, distance, _index in found if word != term)
        return [word for _distance, word in ranked[:FUZZY_MAX_EXPANSIONS]]

    @staticmethod
    def _text_matches(conn: sqlite3.Connection, where: _Where) -> int:
        """How many documents the text matches, before any other condition."""
        if where.match is None:
            return 0
        return int(conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (where.match,)).fetchone()[0])

    @classmethod
    def _count(cls, conn: sqlite3.Connection, where: _Where) -> int:
        if where.text_only:
            return cls._text_matches(conn, where)
        if not where.selective:  # every document has one mode: its cells count the documents
            sql, params = cls._combo_condition(conn, where)
            row = conn.execute(
                f"SELECT sum(n) FROM facet_counts WHERE field = ? AND {sql}", [_MODE_FIELD, *params]
            ).fetchone()
            return int(row[0] or 0)
        window = cls._window(where)
        if window is not None:
            return cls._window_counts(conn, where, window, (), 0)[0]
        if where.text_and_low_only:
            sql, params = where.render(use_indexes=False, with_match=False, by_rid=True)
            row = conn.execute(
                "SELECT count(*) FROM fts f CROSS JOIN docs d INDEXED BY docs_rid_cid ON d.rid = f.rowid "
                f"WHERE f.fts MATCH ? AND {sql}",
                [where.match, *params],
            ).fetchone()
            return int(row[0])
        sql, params = where.render()
        return int(conn.execute(f"SELECT count(*) FROM docs d WHERE {sql}", params).fetchone()[0])

    @staticmethod
    def _collect(conn: sqlite3.Connection, where: _Where, *, ranked: bool, limit: int = -1) -> int:
        """Put the matching rids (with their text rank when ``ranked``) in ``temp.hits``; return how many."""
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS hits (rid INTEGER PRIMARY KEY, rank REAL)")
        conn.execute("DELETE FROM temp.hits")
        rank = "f.rank" if ranked else "NULL"
        if where.text_only:
            select = f"SELECT f.rowid, {rank} FROM fts f WHERE f.fts MATCH ? LIMIT ?"
            params = [where.match, limit]
        elif ranked or where.text_and_low_only:
            # the rank comes from the FTS table, and text with mode, direction, level or status is
            # checked fastest in the narrow (rid, cid) index: drive the query from the text
            by_rid = where.text_and_low_only
            sql, params = where.render(use_indexes=False, with_match=False, by_rid=by_rid)
            docs = "docs d INDEXED BY docs_rid_cid" if by_rid else "docs d"
            select = (
                f"SELECT d.rid, {rank} FROM fts f CROSS JOIN {docs} ON d.rid = f.rowid "
                f"WHERE f.fts MATCH ? AND {sql} LIMIT ?"
            )
            params = [where.match, *params, limit]
        else:
            sql, params = where.render()
            select = f"SELECT d.rid, NULL FROM docs d WHERE {sql} LIMIT ?"
            params = [*params, limit]
        return int(conn.execute(f"INSERT INTO temp.hits (rid, rank) {select}", params).rowcount)

    @staticmethod
    def _page(
        conn: sqlite3.Connection, query: SearchQuery, sort: str, where: _Where, total: int, collected: bool
    ) -> list[SearchDocument]:
        limit, offset = query.page_size, query.offset
        if sort == "relevance":  # text queries are always collected, with their rank
            # rank ties break on key: read keys only for the rows up to the page's last rank
            last = conn.execute(
                "SELECT rank FROM temp.hits ORDER BY rank LIMIT 1 OFFSET ?", (offset + limit - 1,)
            ).fetchone()
            rows = conn.execute(
                "SELECT d.rid FROM temp.hits h CROSS JOIN docs d ON d.rid = h.rid WHERE h.rank <= ? "
                "ORDER BY h.rank, d.key LIMIT ? OFFSET ?",
                (last[0] if last else float("inf"), limit, offset),
            )
        else:
            expression, direction = _SORTS[sort]
            # walking the sort index visits about (offset + limit) * docs / total rows; sorting the
            # matches costs about total: take the cheaper (without statistics SQLite cannot tell)
            docs = int(conn.execute("SELECT coalesce(max(rid), 0) FROM docs").fetchone()[0])
            by_sort_index = total * total >= (offset + limit) * docs
            if by_sort_index and not collected and sort in ("received", "-received") and where.eta_window:
                # files arrive days before the goods: receipt and arrival go together, so a walk down the
                # receipts may pass every document outside an ETA window before the first match. Reading
                # the window once in its ETA index (which carries `received`) costs its size instead.
                by_sort_index = 2 * total >= docs
            order = f"{'' if by_sort_index else '+'}{expression} {direction}, d.key {direction}"
            if collected:
                source = "docs d WHERE +d.rid IN (SELECT rid FROM temp.hits)"
                if not by_sort_index:
                    source = "temp.hits h CROSS JOIN docs d ON d.rid = h.rid"
                rows = conn.execute(f"SELECT d.rid FROM {source} ORDER BY {order} LIMIT ? OFFSET ?", (limit, offset))
            else:
                sql, params = where.render(use_indexes=not by_sort_index)
                rows = conn.execute(
                    f"SELECT d.rid FROM docs d WHERE {sql} ORDER BY {order} LIMIT ? OFFSET ?",
                    [*params, limit, offset],
                )
        rids = [row[0] for row in rows]
        if not rids:
            return []
        bodies = dict(conn.execute(f"SELECT rid, body FROM bodies WHERE rid IN ({_placeholders(rids)})", rids))
        return [SearchDocument.model_validate_json(bodies[rid]) for rid in rids]

    @staticmethod
    def _combo_condition(conn: sqlite3.Connection, where: _Where) -> tuple[str, list[Any]]:
        """The condition on the kept counts' ``cid`` equivalent to the low conditions."""
        cids = where.combo_ids(conn)
        if cids is None:
            return "1", []
        return f"cid IN ({_placeholders(cids)})" if cids else "0", list(cids)

    @classmethod
    def _stored_facet(cls, conn: sqlite3.Connection, name: str, size: int, where: _Where) -> dict[str, int]:
        """A facet of a search filtered on mode, direction, level and status at most, from the kept counts."""
        sql, params = cls._combo_condition(conn, where)
        rows = conn.execute(
            f"SELECT value, sum(n) AS total FROM facet_counts WHERE field = ? AND {sql} "
            "GROUP BY value HAVING total > 0 ORDER BY total DESC, value LIMIT ?",
            [_FACET_FIELD_IDS[name], *params, size],
        )
        return {str(value): int(n) for value, n in rows}

    @staticmethod
    def _window(where: _Where) -> tuple[int, int, list[tuple[int, int, int]]] | None:
        """The whole days and edge segments of the search's ETA window, when counts can be summed per day."""
        if not where.eta_window_only or where.eta_window is None:
            return None
        return _day_span(*where.eta_window)

    @classmethod
    def _window_counts(
        cls,
        conn: sqlite3.Connection,
        where: _Where,
        window: tuple[int, int, list[tuple[int, int, int]]],
        names: Sequence[str],
        size: int,
    ) -> tuple[int, dict[str, dict[str, int]]]:
        """Total and facets of an ETA window (with mode, direction, level and status conditions at most):
        sums over ``facet_days`` for the whole days, plus or minus the documents of the edge segments.
        """
        first, last, segments = window
        combo_sql, combo_params = cls._combo_condition(conn, where)
        fields = list(dict.fromkeys(["mode", *names]))
        counters: dict[str, Counter[str]] = {name: Counter() for name in fields}
        for name in fields:
            rows = conn.execute(
                f"SELECT value, sum(n) FROM facet_days WHERE field = ? AND day BETWEEN ? AND ? AND {combo_sql} "
                "GROUP BY value",
                [_FACET_FIELD_IDS[name], first, last, *combo_params],
            )
            counters[name].update(dict(rows))
        low_sql, low_params = where.render_low()
        columns = ", ".join(f"d.{_SCALAR_COLUMNS.get(name) or _LIST_COLUMNS[name]}" for name in fields)
        for sign, start, end in segments:
            cursor = conn.execute(
                f"SELECT {columns} FROM docs d WHERE {_ETA_UP} BETWEEN ? AND ? AND {low_sql}",
                [start, end, *low_params],
            )
            for name, counter in _count_columns(fields, cursor).items():
                if sign > 0:
                    counters[name].update(counter)
                else:
                    counters[name].subtract(counter)
        total = sum(counters["mode"].values())
        return total, {name: _top(counters[name], size) for name in names}

    @staticmethod
    def _collected_facets(conn: sqlite3.Connection, query: SearchQuery) -> dict[str, dict[str, int]]:
        """Every requested facet over ``temp.hits``, in one pass.

        Counting in Python (``Counter`` over whole columns, in C) beats one SQL ``GROUP BY`` per facet
        (each a sort of the matches) by far once there are tens of thousands of matches.
        """
        names = list(query.facets)
        columns = ", ".join(f"d.{_SCALAR_COLUMNS.get(name) or _LIST_COLUMNS[name]}" for name in names)
        cursor = conn.execute(f"SELECT {columns} FROM temp.hits h CROSS JOIN docs d ON d.rid = h.rid")
        counters = _count_columns(names, cursor)
        return {name: _top(counter, query.facet_size) for name, counter in counters.items()}

    # -- maintenance -------------------------------------------------------------------------

    def optimize(self) -> None:
        """Merge FTS segments and refresh planner statistics (e.g. after a bulk load)."""
        with self._transaction("write") as conn:
            conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
            conn.execute("PRAGMA analysis_limit = 1000")
            conn.execute("ANALYZE")
