"""PostGIS census store: the same tables as the GeoPackage, with the rules enforced by the database.

``layers/sql/postgis_schema.sql`` creates, in one schema: ``components`` (CHECKs on the code format from the
scheme's length, non-zero serial, class/code agreement, cell code, status and dates; UNIQUE codes; FOREIGN
KEY to ``component_class``; GIST index), ``component_class`` (loaded from the scheme's class directory),
``component_history``, ``code_counters`` and ``census_meta``; ``layers/sql/postgis_code_registry.sql`` adds
``code_registry`` (every code ever stored, filled by statement triggers on ``components``; added to an older
store on its first write).

Every write is one transaction. Imports take ``LOCK TABLE components IN SHARE ROW EXCLUSIVE MODE`` (so
concurrent importers queue instead of validating against stale codes; readers are not blocked) and code
allocation locks the ``(class, street/district)`` counter row with ``SELECT … FOR UPDATE``, so concurrent
allocators, in threads or processes, never hand out the same code. Rows read in a write transaction are
locked (``SELECT … FOR UPDATE``), so a status change reads and writes the current status with no other change
in between. Creating a store takes a transaction-level advisory lock on its schema name and checks again.

Every connection waits at most ``lock_timeout`` for a lock (default :data:`LOCK_TIMEOUT_S` s unless the
connection string or ``PGOPTIONS`` sets one, e.g. ``PGOPTIONS='-c lock_timeout=5s'``) and then fails with
:class:`StoreBusyError`; connecting waits at most :data:`CONNECT_TIMEOUT_S` s (``connect_timeout`` /
``PGCONNECT_TIMEOUT`` otherwise). Passwords are left to libpq (``.pgpass``, services, ``PGPASSWORD``) and never
shown: see :mod:`wanmi.layers.dsn`. Needs psycopg 3.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import string
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd

from ...core.census import RECORD_FIELDS, STATUSES, area_segments
from ...core.codes import CodeScheme
from ...core.errors import InputError, StoreBusyError
from .. import LAYERS_DIR
from ..dsn import canonical, check_dsn, redact, scrub
from .base import REGISTRY, CensusStore, CensusStoreError, Session

__all__ = ["SCHEMA_SQL", "PostgisStore", "StoreBusyError", "StoreConnectionError", "check_schema_name",
           "render_schema_sql"]

#: Seconds a statement waits for a lock before the store reports itself busy (unless the connection sets one).
LOCK_TIMEOUT_S = 60
#: Seconds to wait for the server when connecting (unless ``connect_timeout``/``PGCONNECT_TIMEOUT`` is set).
CONNECT_TIMEOUT_S = 15
#: Longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes); longer names are silently truncated by it.
MAX_IDENTIFIER_BYTES = 63
_SCHEMA_NAME = re.compile(r"[^\W\d]\w*")  # a letter (any script) or _, then letters, digits or _

SCHEMA_SQL = LAYERS_DIR / "sql" / "postgis_schema.sql"
REGISTRY_SQL = LAYERS_DIR / "sql" / "postgis_code_registry.sql"
TABLES = ("components", "component_class", "component_history", "code_counters", "census_meta")


class StoreConnectionError(CensusStoreError):
    """The PostgreSQL server could not be reached or refused the connection (message without password)."""


def check_schema_name(name: str) -> str:
    """``name`` when it can be a census schema: a letter or ``_`` then letters, digits or ``_`` (any script),
    at most 63 bytes in UTF-8 (PostgreSQL would truncate a longer one), not ``pg_…`` (reserved)."""
    text = str(name)
    if not _SCHEMA_NAME.fullmatch(text):
        raise InputError(f"PostgreSQL schema name {text!r}: use a letter or _ followed by letters, digits or _")
    size = len(text.encode("utf-8"))
    if size > MAX_IDENTIFIER_BYTES:
        raise InputError(f"PostgreSQL schema name {text!r} is {size} bytes in UTF-8; PostgreSQL keeps only "
                         f"{MAX_IDENTIFIER_BYTES} and would silently cut it (so two names could share one "
                         f"schema): choose a shorter name")
    if text.lower().startswith("pg_"):
        raise InputError(f"PostgreSQL schema name {text!r}: names starting with pg_ are reserved for the system")
    return text


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError("the PostGIS store needs psycopg 3 (on the system libpq): pip install psycopg") from exc
    return psycopg


def render_schema_sql(scheme: CodeScheme, schema: str, srid: int, geometry_type: str = "Point",
                      template: Any = SCHEMA_SQL) -> str:
    """The schema SQL (or another ``template`` file) for ``scheme`` with every placeholder filled."""
    from psycopg import sql

    major, minor = (scheme.segment(n) for n in scheme.class_segments)
    serial = scheme.segment_of_kind("serial")
    width = major.width + minor.width

    def lit(value: Any) -> str:
        return sql.Literal(value).as_string(None)

    values = {
        "schema": sql.Identifier(schema).as_string(None),
        "srid": str(int(srid)),
        "geometry_type": {"Point": "Point", "Geometry": "Geometry"}[geometry_type],
        "code_length": str(scheme.length),
        "code_regex": lit(f"^[0-9]{{{scheme.length}}}$"),
        "class_width": str(width),
        "class_regex": lit(f"^[0-9]{{{width}}}$"),
        "major_width": str(major.width),
        "minor_width": str(minor.width),
        "class_expr": f"(substr(code, {major.start + 1}, {major.width}) || "
                      f"substr(code, {minor.start + 1}, {minor.width}))",
        "serial_expr": f"substr(code, {serial.start + 1}, {serial.width})",
        "zero_serial": lit("0" * serial.width),
        "statuses": ", ".join(lit(s) for s in STATUSES),
    }
    return string.Template(template.read_text(encoding="utf-8")).substitute(values)


class _PgSession(Session):
    ph = "%s"

    def __init__(self, conn: Any, store: PostgisStore, write: bool = False) -> None:
        self.conn = conn
        self.store = store
        self.q = store._q
        self.write = write

    def _rows(self, sql_text: str, params: Sequence[Any]) -> tuple[list[tuple], list[bytes | None]]:
        rows = self.conn.execute(sql_text, list(params)).fetchall()
        return [tuple(r[:-1]) for r in rows], [bytes(r[-1]) if r[-1] is not None else None for r in rows]

    def _select(self) -> str:
        return ", ".join(RECORD_FIELDS) + ", ST_AsBinary(geom)"

    def fetch(self, where: str = "", params: Sequence[Any] = ()) -> tuple[list[tuple], list[bytes | None]]:
        # in a write transaction the rows read stay locked until it ends: read-modify-write (status changes)
        # cannot interleave with another writer's
        sql_text = (f"SELECT {self._select()} FROM {self.q}.components" + (f" WHERE {where}" if where else "")
                    + " ORDER BY code" + (" FOR UPDATE" if self.write else ""))
        return self._rows(sql_text, params)

    def near(self, bounds: tuple[float, float, float, float]) -> tuple[list[tuple], list[bytes | None]]:
        sql_text = (f"SELECT {self._select()} FROM {self.q}.components "
                    f"WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, {self.store.srid}) ORDER BY code")
        return self._rows(sql_text, bounds)

    def codes(self) -> list[str]:
        return [r[0] for r in self.conn.execute(f"SELECT code FROM {self.q}.components ORDER BY code")]

    def retired_codes(self) -> list[str]:
        return [r[0] for r in self.conn.execute(
            f"SELECT code FROM {self.q}.{REGISTRY} UNION SELECT code FROM {self.q}.component_history "
            f"EXCEPT SELECT code FROM {self.q}.components ORDER BY 1")]

    def lock_components(self) -> None:
        self.conn.execute(f"LOCK TABLE {self.q}.components IN SHARE ROW EXCLUSIVE MODE")

    def lock_counters(self, groups: Sequence[tuple[str, str]]) -> None:
        groups = sorted(set(groups))
        if not groups:
            return
        with self.conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {self.q}.code_counters (class_code, area) VALUES (%s, %s) "
                            f"ON CONFLICT DO NOTHING", groups)
            for class_code, area in groups:  # one row at a time, in sorted order: no lock-order deadlocks
                cur.execute(f"SELECT last_serial FROM {self.q}.code_counters "
                            f"WHERE class_code = %s AND area = %s FOR UPDATE", (class_code, area))

    def counter_floor(self, class_code: str, area: str) -> int:
        stored = self.conn.execute(f"SELECT last_serial FROM {self.q}.code_counters "
                                   f"WHERE class_code = %s AND area = %s FOR UPDATE",
                                   (class_code, area)).fetchone()
        area_expr, serial = self.store._code_parts()
        used = [self.conn.execute(f"SELECT max({serial}) FROM {self.q}.{table} "
                                  f"WHERE class_code = %s AND {area_expr} = %s", (class_code, area)).fetchone()[0]
                for table in ("components", REGISTRY)]  # deleted components' codes count too
        return max([int(stored[0]) if stored else 0, *(int(u) for u in used if u)])

    def set_counter(self, class_code: str, area: str, serial: int) -> None:
        self.conn.execute(f"UPDATE {self.q}.code_counters SET last_serial = greatest(last_serial, %s) "
                          f"WHERE class_code = %s AND area = %s", (serial, class_code, area))

    def insert(self, rows: list[tuple], wkb: list[bytes]) -> None:
        if not rows:
            return
        srid = self.store.srid
        cols = ", ".join((*RECORD_FIELDS, "geom"))
        with self.conn.cursor() as cur, cur.copy(f"COPY {self.q}.components ({cols}) FROM STDIN") as copy:
            for row, blob in zip(rows, wkb):
                copy.write_row((*row, _ewkb_hex(blob, srid)))

    def update_status(self, code: str, status: str, change_date: dt.date) -> None:
        self.conn.execute(f"UPDATE {self.q}.components SET status = %s, change_date = %s WHERE code = %s",
                          (status, change_date, code))

    def add_history(self, row: Mapping[str, Any]) -> None:
        self.conn.execute(f"INSERT INTO {self.q}.component_history "
                          f"(code, old_status, new_status, change_date, note) VALUES (%s, %s, %s, %s, %s)",
                          (row["code"], row["old_status"], row["new_status"], row["change_date"],
                           row.get("note")))

    def history(self, code: str | None) -> pd.DataFrame:
        sql_text = (f"SELECT code, old_status, new_status, change_date, note, recorded_at "
                    f"FROM {self.q}.component_history" + (" WHERE code = %s" if code is not None else "")
                    + " ORDER BY id")
        rows = self.conn.execute(sql_text, [code] if code is not None else []).fetchall()
        cols = ["code", "old_status", "new_status", "change_date", "note", "recorded_at"]
        return pd.DataFrame({c: pd.Series([r[i] for r in rows], dtype=object) for i, c in enumerate(cols)})

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute(f"SELECT key, value FROM {self.q}.census_meta").fetchall())


def _ewkb_hex(wkb: bytes, srid: int) -> str:
    """Hex EWKB (little-endian ISO WKB with the SRID flag) that PostGIS accepts as geometry text input."""
    import struct

    if wkb[0] != 1:
        raise InputError("internal: expected little-endian WKB")
    type_id = struct.unpack("<I", wkb[1:5])[0]
    return (wkb[:1] + struct.pack("<I", type_id | 0x20000000) + struct.pack("<i", srid) + wkb[5:]).hex()


class PostgisStore(CensusStore):
    """Component census in a PostgreSQL/PostGIS schema (default ``wanmi``).

    ``dsn`` is a libpq connection string or URI (``"host=/run/postgresql dbname=gis"``,
    ``"postgresql://user@host/db"``, ``"service=census"``); it is checked here (an unreadable one, or one that
    names no database, is refused) and only ever shown redacted. A connection is opened per operation.
    ``lock_timeout``: seconds to wait for a lock (default :data:`LOCK_TIMEOUT_S`, or what the connection sets).
    """

    def __init__(self, dsn: str, schema: str = "wanmi", lock_timeout: float | None = None) -> None:
        super().__init__()
        self._params = check_dsn(dsn)
        self.dsn = canonical(dsn)
        self.schema = check_schema_name(schema)
        self.lock_timeout = lock_timeout
        from psycopg import sql

        self._q = sql.Identifier(self.schema).as_string(None)

    def __repr__(self) -> str:
        return f"PostgisStore({redact(self.dsn)!r}, schema={self.schema!r})"

    def _connect(self) -> Any:
        """A connection (not in autocommit) whose ``lock_timeout`` is set; errors without the password."""
        psycopg = _psycopg()
        extra = {}
        if "connect_timeout" not in self._params and not os.environ.get("PGCONNECT_TIMEOUT"):
            extra["connect_timeout"] = CONNECT_TIMEOUT_S
        try:
            conn = psycopg.connect(self.dsn, autocommit=True, **extra)
        except psycopg.Error as exc:
            raise StoreConnectionError(f"cannot connect to the PostGIS census {redact(self.dsn)!r}: "
                                       f"{scrub(str(exc).strip(), self.dsn)}") from None
        try:
            if self.lock_timeout is not None:
                conn.execute("SELECT set_config('lock_timeout', %s, false)", (f"{int(self.lock_timeout * 1000)}ms",))
            elif conn.execute("SELECT current_setting('lock_timeout')").fetchone()[0] in ("0", "0ms"):
                conn.execute("SELECT set_config('lock_timeout', %s, false)", (f"{LOCK_TIMEOUT_S}s",))
            conn.autocommit = False
        except BaseException:
            conn.close()
            raise
        return conn

    def _busy(self, conn: Any) -> StoreBusyError:
        try:
            waited = conn.execute("SELECT current_setting('lock_timeout')").fetchone()[0]
        except Exception:  # the message matters more than the number
            waited = "lock_timeout"
        return StoreBusyError(
            f"the PostGIS census {self.schema} in {redact(self.dsn)!r} is busy: another program has held a lock "
            f"on it for more than {waited} (lock_timeout); nothing was changed. Try again when it has finished, "
            f"or wait longer with PGOPTIONS='-c lock_timeout=5min'")

    @contextmanager
    def _guard(self, conn: Any) -> Iterator[None]:
        """Lock timeouts → :class:`StoreBusyError`, lost connections → :class:`StoreConnectionError`."""
        psycopg = _psycopg()
        try:
            yield
        except psycopg.errors.LockNotAvailable:
            conn.rollback()
            raise self._busy(conn) from None
        except psycopg.OperationalError as exc:
            if not (conn.closed or conn.broken):
                raise
            raise StoreConnectionError(f"the connection to the PostGIS census {redact(self.dsn)!r} failed "
                                       f"and nothing was changed: {scrub(str(exc).strip(), self.dsn)}") from None

    def exists(self) -> bool:
        conn = self._connect()
        try:
            with self._guard(conn):
                found = conn.execute("SELECT to_regclass(%s)", (f"{self._q}.census_meta",)).fetchone()[0]
                conn.rollback()
        finally:
            conn.close()
        return found is not None

    def _code_parts(self) -> tuple[str, str]:
        scheme = self.scheme
        parts = [f"substr(code, {s.start + 1}, {s.width})" for s in area_segments(scheme)]
        serial = scheme.segment_of_kind("serial")
        return ("(" + " || ".join(parts) + ")") if parts else "''", \
            f"substr(code, {serial.start + 1}, {serial.width})"

    @contextmanager
    def _session(self, write: bool) -> Iterator[_PgSession]:
        conn = self._connect()
        try:
            with self._guard(conn), conn.transaction():
                if not write:
                    conn.execute("SET TRANSACTION READ ONLY")
                else:
                    self._ensure_registry(conn)
                yield _PgSession(conn, self, write)
        finally:
            conn.close()

    def _create(self, meta: Mapping[str, str], scheme: CodeScheme, classes: pd.DataFrame,
                overwrite: bool) -> None:
        conn = self._connect()
        try:
            with self._guard(conn), conn.transaction():
                # one creator per schema name at a time (and per database for the extension): the loser waits,
                # then sees the winner's tables below instead of colliding with them (UniqueViolation)
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('wanmi census store'), hashtext(%s))",
                             (self.schema,))
                if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone() is None:
                    conn.execute("SELECT pg_advisory_xact_lock(hashtext('wanmi postgis extension'))")
                    conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                self._create_tables(conn, meta, scheme, classes, overwrite)
        finally:
            conn.close()

    def _ensure_registry(self, conn: Any) -> None:
        """Add the code registry to a store made before it (once, under the store's creation lock)."""
        def missing() -> bool:
            return conn.execute("SELECT to_regclass(%s)", (f"{self._q}.{REGISTRY}",)).fetchone()[0] is None

        if missing():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('wanmi census store'), hashtext(%s))",
                         (self.schema,))
            if missing():
                conn.execute(render_schema_sql(self.scheme, self.schema, self.srid, self.geometry_type,
                                               REGISTRY_SQL))

    def _create_tables(self, conn: Any, meta: Mapping[str, str], scheme: CodeScheme, classes: pd.DataFrame,
                       overwrite: bool) -> None:
        present = [t for t in TABLES if conn.execute("SELECT to_regclass(%s)",
                                                     (f"{self._q}.{t}",)).fetchone()[0] is not None]
        if present and not overwrite:
            raise InputError(f"schema {self.schema} already holds a component census "
                             f"(tables {present}); open it with PostgisStore(dsn, schema) "
                             f"or pass overwrite=True")
        for table in (REGISTRY, "component_history", "code_counters", "census_meta", "components",
                      "component_class"):
            conn.execute(f"DROP TABLE IF EXISTS {self._q}.{table} CASCADE")
        for template in (SCHEMA_SQL, REGISTRY_SQL):
            conn.execute(render_schema_sql(scheme, self.schema, int(meta["srid"]), meta["geometry_type"], template))
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {self._q}.census_meta (key, value) VALUES (%s, %s)",
                            sorted(meta.items()))
            cur.executemany(
                f"INSERT INTO {self._q}.component_class "
                f"(class_code, major, minor, name_zh, major_name_zh) VALUES (%s, %s, %s, %s, %s)",
                list(classes[["code", "major", "minor", "name_zh", "major_name_zh"]]
                     .itertuples(index=False, name=None)))
