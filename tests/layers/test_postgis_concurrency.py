"""PostGIS census store under concurrency: importer processes, racing status changes, lock timeouts, schema names.

Everything runs against the session cluster of tests/layers/conftest.py; the CLI runs connect as the role with a
password (``secret_role``) through a DSN that carries it, and the password must never be shown.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
import time

import geopandas as gpd
import psycopg
import pytest
import shapely

from wanmi.core.errors import InputError, WanmiError
from wanmi.layers.census_store import PostgisStore
from wanmi.layers.stores import base as store_base
from wanmi.layers.stores.postgis import LOCK_TIMEOUT_S, StoreBusyError, _PgSession

from .pg_cli import assert_secret_absent, run_all, run_one, survey_csv

pytestmark = pytest.mark.postgis

PER_PROCESS = 6  # records per importer: 3 with a code, 3 allocated
SHARED = "011801900001"  # in every importer's file: stored once, rejected as a duplicate by the others


@pytest.fixture
def schema(secret_role, postgres_dsn, pg_schema):
    """A schema name that ``pg_schema`` drops afterwards (the role's tables go with it)."""
    return pg_schema


def _schema_exists(dsn: str, name: str) -> bool:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (name,)).fetchone() is not None


def _import_cmd(csv_path, dsn: str, schema: str, *extra: str) -> list[str]:
    return ["census", "import", str(csv_path), "--store", dsn, "--schema", schema, "--x", "lon", "--y", "lat",
            "--allocate", "--rejects", str(csv_path.with_suffix(".rej.csv")), *extra]


def _files(tmp_path, n: int) -> tuple[list, list[str]]:
    """``n`` survey files (own codes, class-only records, the shared code) and the codes they name."""
    files, named = [], [SHARED]
    for k in range(n):
        own = [f"011801{500_000 + 100 * k + i:06d}" for i in range(1, 4)]
        named += own
        files.append(survey_csv(tmp_path / f"survey{k}.csv", [SHARED, *own, None, None, None], row=2 * k + 1))
    return files, named


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("n", [2, 4])
def test_concurrent_cli_importers_store_every_record_once(secret_role, postgres_dsn, schema, tmp_path, n,
                                                          existing):
    if existing:
        PostgisStore(secret_role.dsn, schema).create("default12")
    files, named = _files(tmp_path, n)
    runs = run_all([_import_cmd(f, secret_role.uri if k % 2 else secret_role.dsn, schema)
                    for k, f in enumerate(files)])
    for run in runs:
        assert run.returncode == 0 and "Traceback" not in run.text, run.text
    assert sum("created census" in r.stdout for r in runs) == (0 if existing else 1)
    stored = PostgisStore(postgres_dsn, schema).read()
    codes = stored["code"].tolist()
    assert len(codes) == len(set(codes)) == n * (PER_PROCESS + 1) - (n - 1)  # every record exactly once
    assert set(named) <= set(codes)
    assert len(set(codes) - set(named)) == 3 * n  # the allocated ones
    rejected = sum(len(f.with_suffix(".rej.csv").read_text(encoding="utf-8-sig").splitlines()) - 1
                   for f in files if f.with_suffix(".rej.csv").exists())
    assert rejected == n - 1  # the shared record, once per importer that came second
    assert_secret_absent(secret_role.password, runs, [tmp_path])


# ----------------------------------------------------------------------------------------------------
# Status changes
# ----------------------------------------------------------------------------------------------------

STATUS_CYCLE = ["破损", "完好", "丢失", "完好"]


def _status_worker(args) -> tuple[int, int]:
    dsn, schema, k, pause = args
    store = PostgisStore(dsn, schema)
    if pause:
        real = store_base.change_status

        def slow(*a, **kw):
            time.sleep(pause)
            return real(*a, **kw)

        store_base.change_status = slow
    done = refused = 0
    for i in range(10):
        when = dt.date(2025, 1, 1) + dt.timedelta(days=4 * i + k)
        try:
            store.set_status("011801000001", STATUS_CYCLE[(i + k) % 4], when, note=f"p{k} #{i}",
                             today=dt.date(2025, 6, 30))
            done += 1
        except InputError:  # already in that status, or a date before the last change: refused, fine
            refused += 1
    return done, refused


def _one_lamp() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": ["011801000001"], "name": ["路灯"], "dept_code": ["D"], "dept_name": ["城管委"],
                             "cell_code": ["110101001001001"], "status": ["完好"], "initial_date": ["2024-05-01"]},
                            geometry=[shapely.Point(116.3975, 39.9087)], crs="EPSG:4326")


def _race(dsn: str, schema: str, pause: float = 0.0):
    store = PostgisStore(dsn, schema).create("default12")
    assert store.import_components(_one_lamp(), today=dt.date(2025, 6, 30)).n_inserted == 1
    with multiprocessing.get_context("fork").Pool(4) as pool:
        outcomes = pool.map(_status_worker, [(dsn, schema, k, pause) for k in range(4)])
    return store, store.history("011801000001"), outcomes


def _inconsistencies(history) -> int:
    bad, rows = 0, history.to_dict("records")
    previous_status, previous_date = "完好", dt.date(2024, 5, 1)
    for row in rows:
        bad += row["old_status"] != previous_status
        bad += row["change_date"] < previous_date
        previous_status, previous_date = row["new_status"], row["change_date"]
    return bad


def test_racing_status_changes_keep_a_consistent_history(postgres_dsn, pg_schema):
    store, history, outcomes = _race(postgres_dsn, pg_schema, pause=0.005)
    assert sum(done for done, _ in outcomes) == len(history) >= 4
    assert _inconsistencies(history) == 0
    last = history.iloc[-1]
    record = store.get("011801000001")
    assert (record["status"], record["change_date"]) == (last["new_status"], last["change_date"])


def test_without_the_row_lock_status_changes_would_race(postgres_dsn, pg_schema, monkeypatch):
    """Control for the test above: reading the component without FOR UPDATE, the same race breaks history."""
    real_init = _PgSession.__init__

    def unlocked(self, conn, store, write=False):
        real_init(self, conn, store, False)  # fetch then reads without FOR UPDATE

    monkeypatch.setattr(_PgSession, "__init__", unlocked)
    _, history, _ = _race(postgres_dsn, pg_schema, pause=0.02)
    assert _inconsistencies(history) > 0


# ----------------------------------------------------------------------------------------------------
# A stalled importer, lock timeouts
# ----------------------------------------------------------------------------------------------------


def test_stalled_importer_makes_the_next_fail_within_the_lock_timeout(secret_role, postgres_dsn, schema, tmp_path):
    PostgisStore(secret_role.dsn, schema).create("default12")
    survey = survey_csv(tmp_path / "survey.csv", ["011801000001", None], row=0)
    with psycopg.connect(postgres_dsn) as stalled:  # an importer that took its lock and hangs
        stalled.execute(f'LOCK TABLE "{schema}".components IN SHARE ROW EXCLUSIVE MODE')
        start = time.monotonic()
        run = run_one(*_import_cmd(survey, secret_role.uri, schema), env={"PGOPTIONS": "-c lock_timeout=1500ms"})
        waited = time.monotonic() - start
        stalled.rollback()
    assert run.returncode == 2, run.text
    assert "Traceback" not in run.text
    assert f"the PostGIS census {schema} in" in run.stderr and "is busy" in run.stderr and "1500ms" in run.stderr
    assert waited < 1.5 + 20  # the lock wait plus the start of a Python process on a busy machine
    assert PostgisStore(postgres_dsn, schema).codes() == []  # nothing changed
    assert_secret_absent(secret_role.password, [run], [tmp_path])
    again = run_one(*_import_cmd(survey, secret_role.uri, schema))  # once the lock is gone, it goes through
    assert again.returncode == 0 and PostgisStore(postgres_dsn, schema).codes() == ["011801000001",
                                                                                    "011801000002"]


def test_status_change_on_a_locked_row_is_busy_not_stuck(postgres_dsn, pg_schema):
    store = PostgisStore(postgres_dsn, pg_schema, lock_timeout=0.3).create("default12")
    store.import_components(_one_lamp(), today=dt.date(2025, 6, 30))
    with psycopg.connect(postgres_dsn) as other:
        other.execute(f'SELECT 1 FROM "{pg_schema}".components FOR UPDATE')
        start = time.monotonic()
        with pytest.raises(StoreBusyError, match="is busy"):
            store.set_status("011801000001", "破损", "2025-03-01", today=dt.date(2025, 6, 30))
        assert time.monotonic() - start < 5
    assert store.history().empty


def test_default_lock_timeout_unless_the_connection_sets_one(postgres_dsn, pg_schema, monkeypatch):
    store = PostgisStore(postgres_dsn, pg_schema)
    with store._connect() as conn:
        assert conn.execute("SHOW lock_timeout").fetchone()[0] == f"{LOCK_TIMEOUT_S // 60}min"
    monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=7s")
    with store._connect() as conn:
        assert conn.execute("SHOW lock_timeout").fetchone()[0] == "7s"


# ----------------------------------------------------------------------------------------------------
# Schema names, early failures, creation
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a" * 64, "普查" * 11, "bad-name", "1census", "pg_census", ""])
def test_bad_schema_names_are_refused(postgres_dsn, name):
    with pytest.raises(InputError, match="schema name"):
        PostgisStore(postgres_dsn, name)


def test_longest_schema_names_are_kept_whole(postgres_dsn):
    for name in ("a" * 63, "普查" * 10 + "_"):  # 63 bytes each
        store = PostgisStore(postgres_dsn, name).create("default12")
        try:
            assert _schema_exists(postgres_dsn, name) and store.exists()
        finally:
            with psycopg.connect(postgres_dsn, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{name}" CASCADE')


def test_cli_refuses_a_64_byte_schema_and_creates_nothing(secret_role, postgres_dsn, tmp_path):
    survey = survey_csv(tmp_path / "survey.csv", ["011801000001"], row=0)
    run = run_one(*_import_cmd(survey, secret_role.dsn, "s" * 64))
    assert run.returncode == 2 and "64 bytes" in run.stderr and "Traceback" not in run.text
    assert not _schema_exists(postgres_dsn, "s" * 63)
    assert_secret_absent(secret_role.password, [run], [tmp_path])


def test_an_import_that_fails_early_leaves_no_schema(secret_role, postgres_dsn, schema, tmp_path):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "undecodable.csv").write_bytes(b"\xff\xfe\x00\xd8code\x81\x82\n\x80\x81")
    runs = [run_one(*_import_cmd(tmp_path / name, secret_role.dsn, schema))
            for name in ("missing.csv", "empty.csv", "undecodable.csv")]
    for run in runs:
        assert run.returncode != 0, run.text
    assert "no such file" in runs[0].stderr and "cannot decode" in runs[2].stderr
    assert not _schema_exists(postgres_dsn, schema)
    assert_secret_absent(secret_role.password, runs, [tmp_path])


def test_concurrent_creators_of_one_store(postgres_dsn, pg_schema):
    """API level: of four processes creating the same store, one wins, the others get the clear 'already
    holds' refusal (no UniqueViolation), and the store is whole."""
    with multiprocessing.get_context("fork").Pool(4) as pool:
        outcomes = pool.map(_create_worker, [(postgres_dsn, pg_schema)] * 4)
    assert sorted(outcomes) == ["already holds"] * 3 + ["created"]
    store = PostgisStore(postgres_dsn, pg_schema)
    assert store.scheme.name == "default12" and store.codes() == []


def _create_worker(args) -> str:
    dsn, schema = args
    try:
        PostgisStore(dsn, schema).create("default12")
        return "created"
    except WanmiError as exc:
        return "already holds" if "already holds" in str(exc) else f"error: {exc}"
    except Exception as exc:  # a traceback-worthy error: reported in the assertion
        return f"{type(exc).__name__}: {exc}"


def test_a_server_that_never_answers_fails_within_the_connect_timeout(monkeypatch):
    """A listener that accepts and then says nothing (a hung server, a firewall that swallows packets)."""
    import socket

    from wanmi.layers.stores import postgis

    monkeypatch.delenv("PGCONNECT_TIMEOUT", raising=False)
    monkeypatch.setattr(postgis, "CONNECT_TIMEOUT_S", 2)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        store = PostgisStore(f"host=127.0.0.1 port={port} dbname=x user=u password=Quiet-Secret-1", "s")
        raised: list[BaseException] = []

        def connect() -> None:
            try:
                store.exists()
            except BaseException as exc:
                raised.append(exc)

        worker = threading.Thread(target=connect, daemon=True)
        worker.start()
        worker.join(timeout=10)  # without a connect timeout libpq would wait here for ever
        assert not worker.is_alive(), "still connecting after 10 s"
    assert len(raised) == 1 and isinstance(raised[0], postgis.StoreConnectionError), raised
    assert "cannot connect" in str(raised[0]) and "timeout" in str(raised[0]).lower()
    assert "Quiet-Secret-1" not in str(raised[0]) and "password=***" in str(raised[0])
