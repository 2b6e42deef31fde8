"""Embedded search engine on SQLite (stdlib ``sqlite3``) for the local stack.

Layout (one database file, WAL mode):

* ``docs``: one narrow row per consignment key with the filter and sort fields (datetimes as
  UTC epoch microseconds), indexed for the filters and for each sort order;
* ``bodies``: the full :class:`SearchDocument` as JSON, read only for the page of hits;
* ``vals``: one row per value of a list field (ports, countries, HS codes, profiles), indexed
  both ways, so "any of" filters and facets on list fields are index lookups;
* ``fts``: a contentless FTS5 table over party, goods and identifier text (``unicode61`` with
  ``remove_diacritics 2``, prefix indexes of 2 and 3 characters), rowid = ``docs.rid``;
* ``vocab``: the words of party and goods text (4+ characters), bucketed by first letter and
  length; near spellings of a query term are looked up there and ranked with rapidfuzz.

Sorting puts missing values last in both directions by sorting on
``coalesce(column, +inf)`` ascending and ``coalesce(column, -inf)`` descending, each backed by
an expression index that also serves ranges on that column.

Threads: each thread gets its own connection (WAL lets readers run while one writer writes);
writes are serialised by a lock. An in-memory index (``":memory:"``) uses one connection
behind the lock.
"""

# SQL is assembled from this module's fixed fragments and "?" placeholders only; values are always bound.
# ruff: noqa: S608

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal

from rapidfuzz import process
from rapidfuzz.distance import OSA

from cts.domain.errors import InvalidSearchQuery, SearchUnavailable
from cts.ports.search import SearchDocument, SearchQuery, SearchResult, text_terms

__all__ = ["EmbeddedSearchIndex"]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO: Final = timedelta(microseconds=1)
_HIGH: Final = 9_223_372_036_854_775_807
_LOW: Final = -9_223_372_036_854_775_808
SCHEMA_VERSION: Final = 1

# list fields stored in ``vals``: field name -> small integer id
_LIST_FIELD_IDS: Final[dict[str, int]] = {"ports": 1, "countries": 2, "hs_codes": 3, "profiles_matched": 4}
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
    place_of_loading TEXT,
    place_of_discharge TEXT
);
CREATE TABLE IF NOT EXISTS bodies (rid INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vals (
    rid INTEGER NOT NULL,
    field INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (rid, field, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vals_by_value ON vals (field, value, rid);
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
CREATE INDEX IF NOT EXISTS docs_eta_up ON docs (coalesce(eta, {_HIGH}), key);
CREATE INDEX IF NOT EXISTS docs_eta_down ON docs (coalesce(eta, {_LOW}), key);
CREATE INDEX IF NOT EXISTS docs_received_up ON docs (coalesce(received, {_HIGH}), key);
CREATE INDEX IF NOT EXISTS docs_received_down ON docs (coalesce(received, {_LOW}), key);
CREATE INDEX IF NOT EXISTS docs_score ON docs (score, key);
CREATE INDEX IF NOT EXISTS docs_etd ON docs (etd);
CREATE INDEX IF NOT EXISTS docs_mode ON docs (mode, direction, level);
CREATE INDEX IF NOT EXISTS docs_direction ON docs (direction, level);
CREATE INDEX IF NOT EXISTS docs_level ON docs (level, score);
CREATE INDEX IF NOT EXISTS docs_carrier ON docs (carrier);
CREATE INDEX IF NOT EXISTS docs_journey ON docs (journey COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS docs_carrier_id ON docs (carrier_id);
CREATE INDEX IF NOT EXISTS docs_alert_status ON docs (alert_status);
CREATE INDEX IF NOT EXISTS docs_case_status ON docs (case_status);
CREATE INDEX IF NOT EXISTS docs_discharge ON docs (place_of_discharge);
CREATE INDEX IF NOT EXISTS docs_loading ON docs (place_of_loading);
"""

_DOC_COLUMNS: Final = (
    "key, version, mode, direction, level, score, eta, etd, received, carrier, journey, "
    "carrier_id, alert_status, case_status, place_of_loading, place_of_discharge"
)

# fuzzy expansion: vocabulary words of at least this many characters are kept; query terms of at
# least FUZZY_MIN_LENGTH characters are expanded to at most FUZZY_MAX_EXPANSIONS near words.
VOCAB_MIN_LENGTH: Final = 4
FUZZY_MIN_LENGTH: Final = 5
FUZZY_TWO_EDITS_LENGTH: Final = 8
FUZZY_MAX_EXPANSIONS: Final = 10
_VOCAB_CACHE_LIMIT: Final = 200_000
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
        doc.place_of_loading,
        doc.place_of_discharge,
    )


def _list_values(doc: SearchDocument) -> list[tuple[int, str]]:
    return [(field_id, value) for name, field_id in _LIST_FIELD_IDS.items() for value in getattr(doc, name)]


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
        self._selective: list[tuple[str, list[Any]]] = []

    def add(self, template: str, *params: Any, low: bool = False) -> None:
        """``template`` has ``{p}`` where the index-disabling ``+`` goes."""
        (self._low if low else self._selective).append((template, list(params)))

    def any_of(self, column: str, values: Sequence[str], *, low: bool = False) -> None:
        if values:
            self.add(f"{{p}}{column} IN ({_placeholders(values)})", *values, low=low)

    def list_any_of(self, field: str, values: Sequence[str]) -> None:
        if values:
            self.add(
                f"{{p}}d.rid IN (SELECT rid FROM vals WHERE field = ? AND value IN ({_placeholders(values)}))",
                _LIST_FIELD_IDS[field],
                *values,
            )

    def date_range(self, up: str, down: str, low: datetime | None, high: datetime | None) -> None:
        """Both sort expressions are constrained so either expression index can serve the range."""
        low_us, high_us = _micros(low), _micros(high)
        if low_us is not None:
            self.add(f"{{p}}{down} >= ?", low_us)
            self.add(f"{{p}}{up} >= ?", low_us)
        if high_us is not None:
            self.add(f"{{p}}{up} <= ?", high_us)
            self.add(f"{{p}}{down} <= ?", high_us)

    @property
    def empty(self) -> bool:
        return self.match is None and not self._low and not self._selective

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
        with self._write_lock:
            if self._ready:
                return
            try:
                conn.executescript(_SCHEMA)
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                stored = conn.execute("SELECT value FROM meta WHERE name = 'schema_version'").fetchone()[0]
                if int(stored) != SCHEMA_VERSION:
                    raise SearchUnavailable(
                        f"{self._path} holds search schema v{stored}, this code needs v{SCHEMA_VERSION}: "
                        "delete the file and re-index"
                    )
                conn.execute("INSERT INTO fts (fts, rank) VALUES ('rank', 'bm25(2.0, 1.0, 3.0)')")
                analyzed = conn.execute("SELECT value FROM meta WHERE name = 'analyzed_rows'").fetchone()
                self._analyzed_rows = int(analyzed[0]) if analyzed else 0
            except sqlite3.DatabaseError as error:
                raise SearchUnavailable(f"cannot open embedded search index at {self._path}: {error}") from error
            self._ready = True

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
        with self._transaction("write") as conn:
            for doc, row, texts, values, words in prepared:
                existing = conn.execute(
                    "SELECT d.rid, d.version, b.body FROM docs d JOIN bodies b ON b.rid = d.rid WHERE d.key = ?",
                    (doc.key,),
                ).fetchone()
                if existing is not None:
                    rid, version, body = existing
                    if version > doc.version:
                        continue
                    self._unindex(conn, rid, SearchDocument.model_validate_json(body))
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
                self._remember_words(conn, words)
            self._writes_since_analyze += len(prepared)
            self._maybe_analyze(conn)

    def delete(self, key: str) -> None:
        with self._transaction("write") as conn:
            existing = conn.execute(
                "SELECT d.rid, b.body FROM docs d JOIN bodies b ON b.rid = d.rid WHERE d.key = ?", (key,)
            ).fetchone()
            if existing is None:
                return
            rid, body = existing
            self._unindex(conn, rid, SearchDocument.model_validate_json(body))
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
        query.check()
        with self._transaction("read") as conn:
            where = self._where(conn, query)
            # facets need the matching set several times: collect it once into a temp table
            collected = bool(query.facets) and not where.empty
            total = self._collect(conn, where) if collected else self._count(conn, where)
            hits = self._page(conn, query, where, total, collected) if total > query.offset else []
            facets = {name: self._facet(conn, name, query.facet_size, collected) for name in query.facets}
        return SearchResult(total=total, hits=hits, facets=facets)

    # -- writing -----------------------------------------------------------------------------

    @staticmethod
    def _unindex(conn: sqlite3.Connection, rid: int, old: SearchDocument) -> None:
        conn.execute(
            "INSERT INTO fts (fts, rowid, parties, goods, ids) VALUES ('delete', ?, ?, ?, ?)", (rid, *_texts(old))
        )
        conn.execute("DELETE FROM vals WHERE rid = ?", (rid,))

    def _remember_words(self, conn: sqlite3.Connection, words: set[str]) -> None:
        new = words - self._known_words
        if not new:
            return
        conn.executemany(
            "INSERT OR IGNORE INTO vocab (term, head, len) VALUES (?, ?, ?)", [(w, w[0], len(w)) for w in new]
        )
        if len(self._known_words) + len(new) > _VOCAB_CACHE_LIMIT:
            self._known_words.clear()
        self._known_words |= new

    def _maybe_analyze(self, conn: sqlite3.Connection) -> None:
        """Refresh the planner's statistics whenever the index has doubled since the last time."""
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
        where.date_range(_ETA_UP, _ETA_DOWN, query.eta_from, query.eta_to)
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
    def _count(conn: sqlite3.Connection, where: _Where) -> int:
        sql, params = where.render()
        return int(conn.execute(f"SELECT count(*) FROM docs d WHERE {sql}", params).fetchone()[0])

    @staticmethod
    def _collect(conn: sqlite3.Connection, where: _Where) -> int:
        """Put the rids of the matching documents in ``temp.hits``; return how many there are."""
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS hits (rid INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.hits")
        sql, params = where.render()
        return conn.execute(f"INSERT INTO temp.hits (rid) SELECT d.rid FROM docs d WHERE {sql}", params).rowcount

    @staticmethod
    def _page(
        conn: sqlite3.Connection, query: SearchQuery, where: _Where, total: int, collected: bool
    ) -> list[SearchDocument]:
        limit, offset = query.page_size, query.offset
        sort = query.effective_sort
        if sort == "relevance":
            # the rank comes from the FTS table: drive the query from it
            sql, params = where.render(use_indexes=False, with_match=False)
            rows = conn.execute(
                "SELECT d.rid FROM fts f CROSS JOIN docs d ON d.rid = f.rowid "
                f"WHERE f.fts MATCH ? AND {sql} ORDER BY f.rank, d.key LIMIT ? OFFSET ?",
                [where.match, *params, limit, offset],
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
    def _facet(conn: sqlite3.Connection, name: str, size: int, collected: bool) -> dict[str, int]:
        """Counts over ``temp.hits`` when collected, else over every document (the query has no filter)."""
        if name in _LIST_FIELD_IDS:
            field_id = _LIST_FIELD_IDS[name]
            if collected:
                sql = (
                    "SELECT v.value, count(*) AS n FROM temp.hits h CROSS JOIN vals v ON v.rid = h.rid "
                    "WHERE v.field = ? GROUP BY v.value ORDER BY n DESC, v.value LIMIT ?"
                )
            else:  # everything: count straight from the (field, value) index
                sql = (
                    "SELECT value, count(*) AS n FROM vals WHERE field = ? "
                    "GROUP BY value ORDER BY n DESC, value LIMIT ?"
                )
            rows = conn.execute(sql, (field_id, size))
        else:
            column = _SCALAR_COLUMNS[name]
            source = "temp.hits h CROSS JOIN docs d ON d.rid = h.rid" if collected else "docs d"
            rows = conn.execute(
                f"SELECT d.{column}, count(*) AS n FROM {source} WHERE d.{column} IS NOT NULL "
                f"GROUP BY d.{column} ORDER BY n DESC, d.{column} LIMIT ?",
                (size,),
            )
        return {str(value): int(n) for value, n in rows}

    # -- maintenance -------------------------------------------------------------------------

    def optimize(self) -> None:
        """Merge FTS segments and refresh planner statistics (e.g. after a bulk load)."""
        with self._transaction("write") as conn:
            conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
            conn.execute("PRAGMA analysis_limit = 1000")
            conn.execute("ANALYZE")
