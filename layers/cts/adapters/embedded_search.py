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
* ``facet_counts``: how many documents have each facet value, per (mode, direction, level),
  updated in every write transaction: totals and facets of searches without a selective
  condition (none, or only mode, direction and level) are sums over it, whatever the size.

Sorting puts missing values last in both directions by sorting on ``coalesce(column, +inf)``
ascending and ``coalesce(column, -inf)`` descending, each backed by an expression index that also
serves ETA ranges. The stdlib's SQLite has no STAT4 statistics, so :meth:`EmbeddedSearchIndex.search`
chooses access paths itself (see :class:`_Where` and the comments there).

Threads: connections are pooled (as many as concurrent callers, reused across short-lived
threads); WAL lets readers run while one writer writes; writes are serialised by a lock. An
in-memory index (``":memory:"``) uses one connection behind the lock.
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
SCHEMA_VERSION: Final = 3
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
    profiles_matched TEXT NOT NULL
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
CREATE TABLE IF NOT EXISTS facet_counts (
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    mode TEXT NOT NULL,
    direction TEXT NOT NULL,
    level TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (field, value, mode, direction, level)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS docs_eta_up ON docs (coalesce(eta, {_HIGH}), key, mode, direction, level, score);
CREATE INDEX IF NOT EXISTS docs_eta_down ON docs (coalesce(eta, {_LOW}), key, mode, direction, level, score);
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
"""

_DOC_COLUMNS: Final = (
    "key, version, mode, direction, level, score, eta, etd, received, carrier, journey, "
    "carrier_id, alert_status, case_status, status, place_of_loading, place_of_discharge, "
    "ports, countries, hs_codes, profiles_matched"
)
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


_Cell = tuple[str, str, str, str, str]


def _facet_cells(doc: SearchDocument) -> list[_Cell]:
    """Every (facet field, value) of a document, with its mode, direction and level: its cells in
    ``facet_counts``, where facets and totals of searches filtered on those three alone are summed.
    """
    pairs = [(name, str(value)) for name in _SCALAR_COLUMNS if (value := getattr(doc, name)) is not None]
    pairs += [(name, value) for name in _LIST_FIELD_IDS for value in getattr(doc, name)]
    return [(field, value, doc.mode, doc.direction, doc.level) for field, value in pairs]


def _placeholders(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


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

    def add(self, template: str, *params: Any, low: bool = False) -> None:
        """``template`` has ``{p}`` where the index-disabling ``+`` goes."""
        (self._low if low else self._selective).append((template, list(params)))

    def any_of(self, column: str, values: Sequence[str], *, low: bool = False) -> None:
        if values:
            self.add(f"{{p}}{column} IN ({_placeholders(values)})", *values, low=low)
            if low:
                self.low_values[column.removeprefix("d.")] = values

    def cells(self) -> tuple[str, list[Any]]:
        """The conditions on ``facet_counts`` equivalent to this search (only when not selective)."""
        clauses = [f"{column} IN ({_placeholders(values)})" for column, values in self.low_values.items()]
        params = [value for values in self.low_values.values() for value in values]
        return (" AND ".join(clauses) if clauses else "1"), params

    def list_any_of(self, field: str, values: Sequence[str]) -> None:
        if values:
            self.add(
                f"{{p}}d.rid IN (SELECT rid FROM vals WHERE field = ? AND value IN ({_placeholders(values)}))",
                _LIST_FIELD_IDS[field],
                *values,
            )

    def eta_range(self, low: datetime | None, high: datetime | None, *, descending: bool) -> None:
        """An ETA range on the expression of the ETA index the sort walks (missing ETA never matches).

        Only one expression is used: the other is not in that index, and evaluating it would cost a
        table lookup per row of the range.
        """
        if low is None and high is None:
            return
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
    def text_only(self) -> bool:
        return self.match is not None and not self._low and not self._selective

    @property
    def selective(self) -> bool:
        return self.match is not None or bool(self._selective)

    def render(self, *, use_indexes: bool = True, with_match: bool = True) -> tuple[str, list[Any]]:
        """SQL and parameters; ``use_indexes=False`` leaves the table (or a sort index) to be scanned."""
        clauses: list[str] = []
        params: list[Any] = []
        conditions = [(t, p, use_indexes and not self.selective) for t, p in self._low]
        conditions += [(t, p, use_indexes) for t, p in self._selective]
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
        self._ready = False
        self._known_words: set[str] = set()
        self._writes_since_analyze = 0
        self._analyzed_rows = 0

    # -- connections -------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if not self._memory:
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self._path, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        if not self._memory:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA mmap_size = 1073741824")
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA secure_delete = OFF")
        conn.execute("PRAGMA temp_store = MEMORY")
        return conn

    def _borrow(self) -> sqlite3.Connection:
        """An idle connection, or a new one: as many connections as concurrent callers, reused across
        threads (the local web server starts a thread per request). In memory there is one, shared
        behind the write lock.
        """
        with self._pool_lock:
            if self._memory and self._connections:
                return self._connections[0]
            if self._idle:
                return self._idle.pop()
        conn = self._open()
        with self._pool_lock:
            self._connections.append(conn)
        return conn

    def _give_back(self, conn: sqlite3.Connection) -> None:
        if self._memory:
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
                conn = self._borrow()
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
                        conn.execute("INSERT INTO meta VALUES ('facet_counts', 'by mode, direction, level')")
                    analyzed = conn.execute("SELECT value FROM meta WHERE name = 'analyzed_rows'").fetchone()
                    self._analyzed_rows = int(analyzed[0]) if analyzed else 0
                    conn.execute("COMMIT")
                finally:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
            except sqlite3.DatabaseError as error:
                raise SearchUnavailable(f"cannot open embedded search index at {self._path}: {error}") from error
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
        if not docs:
            return
        prepared = [(doc, _row(doc), _texts(doc), _list_values(doc), _vocabulary(doc)) for doc in docs]
        with self._write_lock:  # the known-words cache is updated after the commit, still locked
            new_words: set[str] = set()
            with self._transaction("write") as conn:
                deltas: Counter[_Cell] = Counter()
                for doc, row, texts, values, words in prepared:
                    existing = conn.execute(
                        "SELECT d.rid, d.version, b.body FROM docs d JOIN bodies b ON b.rid = d.rid WHERE d.key = ?",
                        (doc.key,),
                    ).fetchone()
                    if existing is not None:
                        rid, version, body = existing
                        if version > doc.version:
                            continue
                        old = SearchDocument.model_validate_json(body)
                        self._unindex(conn, rid, old)
                        deltas.subtract(_facet_cells(old))
                        conn.execute(
                            f"UPDATE docs SET ({_DOC_COLUMNS}) = ({_placeholders(row)}) WHERE rid = ?", (*row, rid)
                        )
                        conn.execute("UPDATE bodies SET body = ? WHERE rid = ?", (doc.model_dump_json(), rid))
                    else:
                        cursor = conn.execute(f"INSERT INTO docs ({_DOC_COLUMNS}) VALUES ({_placeholders(row)})", row)
                        rid = cursor.lastrowid
                        conn.execute("INSERT INTO bodies (rid, body) VALUES (?, ?)", (rid, doc.model_dump_json()))
                    conn.execute("INSERT INTO fts (rowid, parties, goods, ids) VALUES (?, ?, ?, ?)", (rid, *texts))
                    conn.executemany(
                        "INSERT OR IGNORE INTO vals (rid, field, value) VALUES (?, ?, ?)",
                        [(rid, field, value) for field, value in values],
                    )
                    deltas.update(_facet_cells(doc))
                    new_words |= words - self._known_words
                conn.executemany(
                    "INSERT OR IGNORE INTO vocab (term, head, len) VALUES (?, ?, ?)",
                    [(w, w[0], len(w)) for w in new_words],
                )
                self._apply_facet_deltas(conn, deltas)
                self._maybe_analyze(conn, len(prepared))
            # only once committed: a rolled-back batch must not be taken as known
            if len(self._known_words) + len(new_words) > _VOCAB_CACHE_LIMIT:
                self._known_words.clear()
            self._known_words |= new_words

    def set_statuses(
        self, key: str, *, alert_status: str | Unset | None = UNSET, case_status: str | Unset | None = UNSET
    ) -> bool:
        changes = status_changes(alert_status=alert_status, case_status=case_status)
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
            deltas: Counter[_Cell] = Counter(_facet_cells(new))
            deltas.subtract(_facet_cells(old))
            self._apply_facet_deltas(conn, deltas)
            conn.execute(
                "UPDATE docs SET alert_status = ?, case_status = ? WHERE rid = ?",
                (new.alert_status, new.case_status, rid),
            )
            conn.execute("UPDATE bodies SET body = ? WHERE rid = ?", (new.model_dump_json(), rid))
        return True

    def delete(self, key: str) -> None:
        with self._transaction("write") as conn:
            existing = conn.execute(
                "SELECT d.rid, b.body FROM docs d JOIN bodies b ON b.rid = d.rid WHERE d.key = ?", (key,)
            ).fetchone()
            if existing is None:
                return
            rid, body = existing
            old = SearchDocument.model_validate_json(body)
            self._unindex(conn, rid, old)
            self._apply_facet_deltas(conn, Counter({cell: -1 for cell in _facet_cells(old)}))
            conn.execute("DELETE FROM docs WHERE rid = ?", (rid,))
            conn.execute("DELETE FROM bodies WHERE rid = ?", (rid,))

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
            if not where.selective:
                # no condition, or on mode, direction and level only: sum the kept counts
                total = self._count(conn, where)
                facets = {name: self._stored_facet(conn, name, query.facet_size, where) for name in query.facets}
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
        """Keep ``facet_counts`` in step with the documents (same transaction)."""
        changed = [(*cell, n) for cell, n in deltas.items() if n]
        conn.executemany(
            "INSERT INTO facet_counts (field, value, mode, direction, level, n) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (field, value, mode, direction, level) DO UPDATE SET n = n + excluded.n",
            changed,
        )
        conn.executemany(
            "DELETE FROM facet_counts WHERE field = ? AND value = ? AND mode = ? AND direction = ? AND level = ? "
            "AND n <= 0",
            [cell[:5] for cell in changed if cell[5] < 0],
        )

    @staticmethod
    def _rebuild_facet_counts(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM facet_counts")
        for name, column in _SCALAR_COLUMNS.items():
            conn.execute(
                "INSERT INTO facet_counts (field, value, mode, direction, level, n) "
                f"SELECT ?, {column}, mode, direction, level, count(*) FROM docs WHERE {column} IS NOT NULL "
                f"GROUP BY {column}, mode, direction, level",
                (name,),
            )
        for name, field_id in _LIST_FIELD_IDS.items():
            conn.execute(
                "INSERT INTO facet_counts (field, value, mode, direction, level, n) "
                "SELECT ?, v.value, d.mode, d.direction, d.level, count(*) FROM vals v JOIN docs d ON d.rid = v.rid "
                "WHERE v.field = ? GROUP BY v.value, d.mode, d.direction, d.level",
                (name, field_id),
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
        """The conditions on ``docs d`` and the FTS5 match expression (None without text)."""
        where = _Where(self._match_expression(conn, query.terms))
        where.any_of("d.mode", query.modes, low=True)
        where.any_of("d.direction", query.directions, low=True)
        where.any_of("d.level", query.levels, low=True)
        where.any_of("d.alert_status", query.alert_statuses)
        where.any_of("d.case_status", query.case_statuses)
        where.any_of("d.status", query.statuses)
        where.list_any_of("ports", query.ports)
        where.list_any_of("countries", query.countries)
        if query.profile:
            where.list_any_of("profiles_matched", [query.profile])
        if query.hs_prefix:
            where.add(
                "{p}d.rid IN (SELECT rid FROM vals WHERE field = ? AND value >= ? AND value < ?)",
                _LIST_FIELD_IDS["hs_codes"],
                query.hs_prefix,
                query.hs_prefix + ":",  # ':' sorts right after '9'
            )
        if query.carrier:
            where.add("{p}d.carrier = ?", query.carrier)
        if query.journey_id:
            where.add("{p}d.journey = ? COLLATE NOCASE", query.journey_id)
        if query.carrier_id:
            where.add("{p}d.carrier_id = ?", query.carrier_id)
        if query.score_min is not None:
            where.add("{p}d.score >= ?", query.score_min)
        if query.score_max is not None:
            where.add("{p}d.score <= ?", query.score_max)
        where.eta_range(query.eta_from, query.eta_to, descending=query.effective_sort == "-eta")
        if query.etd_from is not None:
            where.add("{p}d.etd >= ?", _micros(query.etd_from))
        if query.etd_to is not None:
            where.add("{p}d.etd <= ?", _micros(query.etd_to))
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
            sql, params = where.cells()
            row = conn.execute(f"SELECT sum(n) FROM facet_counts WHERE field = 'mode' AND {sql}", params).fetchone()
            return int(row[0] or 0)
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
        elif ranked:  # the rank comes from the FTS table: drive the query from it
            sql, params = where.render(use_indexes=False, with_match=False)
            select = (
                f"SELECT d.rid, {rank} FROM fts f CROSS JOIN docs d ON d.rid = f.rowid "
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
    def _stored_facet(conn: sqlite3.Connection, name: str, size: int, where: _Where) -> dict[str, int]:
        """A facet of a search filtered on mode, direction and level at most, from the kept counts."""
        sql, params = where.cells()
        rows = conn.execute(
            f"SELECT value, sum(n) AS total FROM facet_counts WHERE field = ? AND {sql} "
            "GROUP BY value HAVING total > 0 ORDER BY total DESC, value LIMIT ?",
            [name, *params, size],
        )
        return {str(value): int(n) for value, n in rows}

    @staticmethod
    def _collected_facets(conn: sqlite3.Connection, query: SearchQuery) -> dict[str, dict[str, int]]:
        """Every requested facet over ``temp.hits``, in one pass.

        Counting in Python (``Counter`` over whole columns, in C) beats one SQL ``GROUP BY`` per facet
        (each a sort of the matches) by far once there are tens of thousands of matches.
        """
        names = list(query.facets)
        columns = ", ".join(f"d.{_SCALAR_COLUMNS.get(name) or _LIST_COLUMNS[name]}" for name in names)
        counters: dict[str, Counter[str]] = {name: Counter() for name in names}
        cursor = conn.execute(f"SELECT {columns} FROM temp.hits h CROSS JOIN docs d ON d.rid = h.rid")
        while chunk := cursor.fetchmany(50_000):
            for name, values in zip(names, zip(*chunk, strict=True), strict=True):
                if name in _LIST_COLUMNS:
                    joined = _SEPARATOR.join(filter(None, values))
                    counters[name].update(joined.split(_SEPARATOR) if joined else ())
                else:
                    counters[name].update(values)
        for counter in counters.values():
            counter.pop(None, None)  # type: ignore[call-overload]
        return {
            name: dict(sorted(counter.items(), key=lambda item: (-item[1], item[0]))[: query.facet_size])
            for name, counter in counters.items()
        }

    # -- maintenance -------------------------------------------------------------------------

    def optimize(self) -> None:
        """Merge FTS segments and refresh planner statistics (e.g. after a bulk load)."""
        with self._transaction("write") as conn:
            conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
            conn.execute("PRAGMA analysis_limit = 1000")
            conn.execute("ANALYZE")
