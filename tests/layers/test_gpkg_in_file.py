"""GeoPackage stores are written inside the file, in one transaction: other programs' edits and layers made
during an import survive it, readers holding the file open (rollback journal or WAL) see the new rows and the
file stays sound, a busy store gives one clear message (exit 2), an import that cannot finish changes nothing,
``kill -9`` leaves the store as it was or as it would be, and no temporary file outlives the next run.

Importers are forked processes running the ``wanmi`` command line. They are paused deterministically where a
test needs it: a wrapper around :func:`wanmi.layers.gpkg.transaction` waits on events before taking the
write lock and again after the import's writes, before the commit.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from wanmi.layers import files, gpkg
from wanmi.layers.stores import geopackage as gpkg_store

from .gpkg_procs import CTX, cases_csv, census_csv, cli, column, integrity, leftovers, run_parallel, start

KINDS = ["cases", "census"]
TABLE = {"cases": "cases", "census": "components"}
KEY = {"cases": "case_id", "census": "code"}


def _import_argv(kind: str, src: Path, store: Path, rejects: Path | None = None) -> list[str]:
    if kind == "cases":
        argv = ["cases", "import", str(src), "--out", str(store)]
    else:
        argv = ["census", "import", str(src), "--store", str(store), "--scheme", "gbt47678-17", "--allocate",
                "--area", "110101"]
    return argv + (["--rejects", str(rejects)] if rejects is not None else [])


def _input(kind: str, folder: Path, name: str, n: int, offset: int) -> Path:
    """``n`` valid records; ``offset`` keeps ids and places apart between batches."""
    if kind == "cases":
        return cases_csv(folder / name, [f"C{offset + i}" for i in range(n)], dx=0.5 * offset)
    return census_csv(folder / name, n, dx=3.0 * offset)


def _keys(kind: str, store: Path) -> set[str]:
    return set(column(store, f"SELECT {KEY[kind]} FROM {TABLE[kind]}"))


@pytest.fixture(params=KINDS)
def kind(request) -> str:
    return request.param


@pytest.fixture
def store(kind, tmp_path) -> Path:
    """A store with 5 records, made by the command line."""
    path = tmp_path / "store.gpkg"
    assert cli(_import_argv(kind, _input(kind, tmp_path, "first.csv", 5, 0), path)) == 0
    return path


# ----------------------------------------------------------------------------------------------------
# a paused importer
# ----------------------------------------------------------------------------------------------------


def _paused_import(argv: list[str], ready, go_write, written, go_commit) -> int:
    """The command line with the store transaction paused before the lock and before the commit."""
    real = gpkg.transaction

    @contextmanager
    def paused(path, timeout=None):
        ready.set()
        assert go_write.wait(60)
        with real(path, timeout) as con:
            yield con
            written.set()
            assert go_commit.wait(60)

    gpkg.transaction = paused
    gpkg_store.transaction = paused
    return cli(argv)


class Paused:
    """A forked importer with its pause points as events."""

    def __init__(self, argv: list[str]) -> None:
        self.ready, self.go_write, self.written, self.go_commit = (CTX.Event() for _ in range(4))
        self.proc = start(_paused_import, (argv, self.ready, self.go_write, self.written, self.go_commit))

    def wait(self, event) -> None:
        assert event.wait(60), "the importer did not get there"

    def finish(self) -> int:
        self.go_write.set()
        self.go_commit.set()
        self.proc.join(60)
        return self.proc.exitcode


def _sqlite_edit(path: Path, kind: str, results: list) -> None:
    """Another program's edit: a changed attribute and a new attribute layer, one transaction (a SQLite
    connection with the ST_* functions GDAL's triggers call, as QGIS and GDAL have)."""
    column_name = "supervisor" if kind == "cases" else "note"
    con = gpkg.connect(path, timeout=60)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute(f"UPDATE {TABLE[kind]} SET {column_name} = 'edited by sqlite' WHERE fid = 2")
        con.execute("CREATE TABLE notes_sqlite (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, text TEXT)")
        con.execute("INSERT INTO notes_sqlite (text) VALUES ('hello')")
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier) "
                    "VALUES ('notes_sqlite', 'attributes', 'notes_sqlite')")
        con.execute("COMMIT")
        results.append("ok")
    except Exception as exc:  # pragma: no cover - reported by the test
        results.append(exc)
    finally:
        con.close()


def test_edits_and_layers_committed_during_an_import_survive(kind, store, tmp_path):
    before = _keys(kind, store)
    batch = _input(kind, tmp_path, "batch.csv", 30, 100)
    imp = Paused(_import_argv(kind, batch, store))
    imp.wait(imp.ready)  # the importer has read its input and is about to write
    column_name = "supervisor" if kind == "cases" else "note"
    gdal = subprocess.run(["ogrinfo", "-q", str(store), "-sql",
                           f"UPDATE {TABLE[kind]} SET {column_name} = 'edited by GDAL' WHERE fid = 1"],
                          capture_output=True, text=True, timeout=60)
    assert gdal.returncode == 0, gdal.stderr
    extra = tmp_path / "extra.geojson"
    gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[shapely.Point(1, 1), shapely.Point(2, 2)],
                     crs="EPSG:4326").to_file(extra)
    gdal = subprocess.run(["ogr2ogr", "-update", "-nln", "added_by_gdal", str(store), str(extra)],
                          capture_output=True, text=True, timeout=60)
    assert gdal.returncode == 0, gdal.stderr
    imp.go_write.set()
    imp.wait(imp.written)  # the import's rows are written inside the file, not yet committed
    probe = sqlite3.connect(store, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        probe.execute("BEGIN IMMEDIATE")  # the importer holds the file's write lock: it writes in place
    probe.close()
    results: list = []
    editor = threading.Thread(target=_sqlite_edit, args=(store, kind, results))
    editor.start()  # waits for the import's commit, then commits
    assert imp.finish() == 0
    editor.join(60)
    assert results == ["ok"]
    after = _keys(kind, store)
    assert before < after and len(after) == len(before) + 30
    edited = column(store, f"SELECT {column_name} FROM {TABLE[kind]} WHERE fid IN (1, 2) ORDER BY fid")
    assert edited == ["edited by GDAL", "edited by sqlite"]
    layers = {name for name, _ in pyogrio.list_layers(store)}
    assert {"added_by_gdal", "notes_sqlite", TABLE[kind]} <= layers
    assert len(gpd.read_file(store, layer="added_by_gdal")) == 2
    assert pyogrio.read_info(store, layer=TABLE[kind])["features"] == len(after)  # GDAL's count is right
    assert integrity(store) == "ok"
    assert [f for f in leftovers(tmp_path, []) if f.startswith(".")] == []


@pytest.mark.parametrize("mode", ["delete", "wal"])
def test_a_reader_holding_the_file_open_sees_the_import(kind, store, tmp_path, mode):
    reader = gpkg.connect(store)  # like QGIS: an open connection (with GDAL's ST_* functions), no transaction
    try:
        assert reader.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0] == mode
        n0 = reader.execute(f"SELECT count(*) FROM {TABLE[kind]}").fetchone()[0]
        for k, n in enumerate((20, 7)):  # two imports: the second one finds a sound file after the first
            assert run_parallel(cli, [(_import_argv(kind, _input(kind, tmp_path, f"b{k}.csv", n, 100 * (k + 1)),
                                                    store),)]) == [0]
        assert reader.execute(f"SELECT count(*) FROM {TABLE[kind]}").fetchone()[0] == n0 + 27
        assert reader.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert reader.execute("PRAGMA journal_mode").fetchone()[0] == mode  # the file was not replaced
        column_name = "supervisor" if kind == "cases" else "note"  # and the reader can still write to it
        reader.execute(f"UPDATE {TABLE[kind]} SET {column_name} = 'reader' WHERE fid = 1")
    finally:
        reader.close()
    assert integrity(store) == "ok"
    assert len(_keys(kind, store)) == 5 + 27
    assert column(store, f"SELECT {column_name} FROM {TABLE[kind]} WHERE fid = 1") == ["reader"]


def test_a_busy_store_gives_one_clear_message(kind, store, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(gpkg, "BUSY_TIMEOUT_S", 0.5)
    before = _keys(kind, store)
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a stalled writer
    try:
        capsys.readouterr()
        started = time.monotonic()
        assert cli(_import_argv(kind, _input(kind, tmp_path, "b.csv", 4, 50), store, tmp_path / "r.csv")) == 2
        assert time.monotonic() - started < 20
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert "is busy" in err and "nothing was changed" in err and "Traceback" not in err
    assert _keys(kind, store) == before
    assert not (tmp_path / "r.csv").exists()
    assert [f for f in leftovers(tmp_path, []) if f.startswith(".")] == []


# ----------------------------------------------------------------------------------------------------
# imports that cannot finish change nothing
# ----------------------------------------------------------------------------------------------------


def _empty_geojson(path: Path) -> Path:
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    return path


def test_an_import_that_fails_early_leaves_no_store(kind, tmp_path, capsys):
    out = tmp_path / "new.gpkg"
    garbage = tmp_path / "garbage.gpkg"
    garbage.write_bytes(bytes(range(256)) * 40)
    for src in (tmp_path / "missing.csv", _empty_geojson(tmp_path / "empty.geojson"), garbage):
        assert cli(_import_argv(kind, src, out)) == 2, src
        assert not out.exists(), src
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no such file" in err
    assert leftovers(tmp_path, ["empty.geojson", "garbage.gpkg"]) == []


def test_rejects_that_cannot_be_written_store_nothing(kind, store, tmp_path, capsys):
    before = _keys(kind, store)
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the rejects folder should be", encoding="utf-8")
    src = _input(kind, tmp_path, "mixed.csv", 6, 200)
    frame = pd.read_csv(src, dtype=str, encoding="utf-8-sig")
    if kind == "cases":
        frame.loc[0, "小类代码"] = "9999"  # one rejected record
    else:
        frame.loc[0, "status"] = "坏"
    frame.to_csv(src, index=False, encoding="utf-8-sig")
    assert cli(_import_argv(kind, src, store, blocker / "rejects.csv")) == 2
    assert "reject" in capsys.readouterr().err
    assert _keys(kind, store) == before  # not committed without its reject list
    assert integrity(store) == "ok"
    good = tmp_path / "rejects.csv"
    assert cli(_import_argv(kind, src, store, good)) == 0
    assert len(_keys(kind, store)) == len(before) + 5
    assert len(pd.read_csv(good, dtype=str, encoding="utf-8-sig")) == 1


# ----------------------------------------------------------------------------------------------------
# crashes
# ----------------------------------------------------------------------------------------------------


def test_kill_inside_the_transaction_leaves_the_store_as_before(kind, store, tmp_path):
    before = _keys(kind, store)
    imp = Paused(_import_argv(kind, _input(kind, tmp_path, "b.csv", 40, 100), store, tmp_path / "r.csv"))
    imp.go_write.set()
    imp.wait(imp.written)  # rows written into the file, not committed
    imp.proc.kill()
    imp.proc.join(30)
    assert (tmp_path / "store.gpkg-journal").exists()  # SQLite's hot journal: the next opener rolls it back
    if kind == "cases":  # the staged new rows of the killed run
        assert [f for f in leftovers(tmp_path, []) if f.startswith(".wanmi-")]
    # the next run (not the test) meets the crashed one's journal and temporary files
    assert cli(_import_argv(kind, _input(kind, tmp_path, "c.csv", 3, 300), store)) == 0
    after = _keys(kind, store)
    assert before < after and len(after) == len(before) + 3  # none of the killed run's 40 records
    assert integrity(store) == "ok"
    assert [f for f in leftovers(tmp_path, []) if f.startswith(".") or f.endswith("-journal")] == []


def test_kill_9_at_random_moments_leaves_before_or_after(kind, store, tmp_path):
    rng = random.Random(13)
    current = _keys(kind, store)
    t0 = time.monotonic()
    assert run_parallel(cli, [(_import_argv(kind, _input(kind, tmp_path, "t.csv", 60, 1000), store),)]) == [0]
    duration = time.monotonic() - t0
    current = _keys(kind, store)
    outcomes = []
    for k in range(8):
        src = _input(kind, tmp_path, f"k{k}.csv", 60, 2000 + 100 * k)
        proc = start(cli, (_import_argv(kind, src, store, tmp_path / f"r{k}.csv"),))
        time.sleep(rng.uniform(0.0, 1.2 * duration))  # a random moment, not a synchronisation
        proc.kill()
        proc.join(30)
        after = _keys(kind, store)
        assert after == current or (len(after) == len(current) + 60 and current < after), k
        outcomes.append("after" if after != current else "before")
        current = after
        assert integrity(store) == "ok"
    assert cli(_import_argv(kind, _input(kind, tmp_path, "z.csv", 3, 9000), store)) == 0
    assert len(_keys(kind, store)) == len(current) + 3
    assert [f for f in leftovers(tmp_path, []) if f.startswith(".") or f.endswith("-journal")] == [], outcomes


def _exit_now() -> int:
    return 0


def test_orphans_of_crashed_runs_are_cleaned_and_nothing_else(tmp_path):
    store = tmp_path / "cases.gpkg"
    assert cli(_import_argv("cases", _input("cases", tmp_path, "a.csv", 3, 0), store)) == 0
    dead = start(_exit_now, ())
    dead.join(30)
    live = start(time.sleep, (60,))
    try:
        old = time.time() - 7200
        doomed = [".cases-ab12cd34.gpkg", ".cases-ab12cd34.gpkg-journal", ".r-zz99yy88.csv",
                  files.temp_path(store).name.replace(f"-{os.getpid()}-", f"-{dead.pid}-"), "cases.gpkg.lock"]
        kept = [".cases-young123.gpkg", ".notes-ab12cd34.gpkg", ".mine.gpkg",
                files.temp_path(store).name.replace(f"-{os.getpid()}-", f"-{live.pid}-"), "notes.gpkg.lock"]
        (tmp_path / "r.csv").write_text("row\n", encoding="utf-8")
        for name in doomed + kept:
            (tmp_path / name).write_bytes(b"" if name.endswith(".lock") else b"x")  # old versions' empty locks
        for name in [*doomed[:3], doomed[4], *kept[1:3], kept[4]]:
            os.utime(tmp_path / name, (old, old))
        assert cli(_import_argv("cases", _input("cases", tmp_path, "b.csv", 2, 10), store)) == 0
        remaining = {p.name for p in tmp_path.iterdir()}
        assert not set(doomed) & remaining
        assert set(kept) <= remaining  # a young copy, one with no store beside it, a user's file, a live run's
    finally:
        live.kill()
        live.join()


# ----------------------------------------------------------------------------------------------------
# grid outputs into a file
# ----------------------------------------------------------------------------------------------------


def _grid(name: str, n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": [f"{name}{i}" for i in range(n)]},
                            geometry=[shapely.box(i, 0, i + 1, 1) for i in range(n)], crs="EPSG:4548")


def _write_one(path: Path, name: str) -> int:
    gpkg.write_gpkg(path, {name: _grid(name, 5)})
    return 0


def test_grid_output_into_an_existing_file_keeps_the_rest(tmp_path):
    path = tmp_path / "project.gpkg"
    assert run_parallel(_write_one, [(path, f"layer{k}",) for k in range(4)]) == [0] * 4  # new file, 4 writers
    assert {name for name, _ in pyogrio.list_layers(path)} == {f"layer{k}" for k in range(4)}
    reader = gpkg.connect(path)  # another program, with the ST_* functions GDAL's triggers call
    try:
        reader.execute("PRAGMA journal_mode = wal")
        reader.execute("UPDATE layer1 SET code = 'kept' WHERE fid = 1")
        gpkg.write_gpkg(path, {"layer0": _grid("new", 7)}, styles=None)
        assert reader.execute("SELECT count(*) FROM layer0").fetchone()[0] == 7
        assert reader.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        reader.close()
    assert gpd.read_file(path, layer="layer0")["code"].tolist() == [f"new{i}" for i in range(7)]
    assert gpd.read_file(path, layer="layer1")["code"].iloc[0] == "kept"
    box = gpd.read_file(path, layer="layer0", bbox=(3.2, 0.2, 3.8, 0.8))
    assert box["code"].tolist() == ["new3"]  # the copied R-tree answers
    assert [f for f in leftovers(tmp_path, []) if f.startswith(".")] == []


def test_a_store_that_is_not_a_geopackage_is_refused_untouched(kind, tmp_path, capsys):
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(bytes(range(256)) * 40)
    plain = tmp_path / "plain.gpkg"
    con = sqlite3.connect(plain)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    digests = {p: p.read_bytes() for p in (junk, plain)}
    for target in (junk, plain):
        assert cli(_import_argv(kind, _input(kind, tmp_path, "a.csv", 2, 0), target)) == 2
        assert target.read_bytes() == digests[target]
    assert capsys.readouterr().err.count("is not a GeoPackage") == 2
    assert leftovers(tmp_path, ["junk.gpkg", "plain.gpkg", "a.csv"]) == []


@pytest.mark.parametrize("mode", ["delete", "wal"])
def test_a_long_read_transaction(kind, store, tmp_path, mode, monkeypatch, capsys):
    """Rollback journal: a reader inside a transaction keeps the writer from committing; the import waits,
    then gives up with the busy message and changes nothing. WAL: the import goes through, the reader keeps
    its snapshot until its transaction ends."""
    monkeypatch.setattr(gpkg, "BUSY_TIMEOUT_S", 0.5)
    before = _keys(kind, store)
    reader = sqlite3.connect(store, isolation_level=None)
    try:
        reader.execute(f"PRAGMA journal_mode = {mode}")
        reader.execute("BEGIN")
        n0 = reader.execute(f"SELECT count(*) FROM {TABLE[kind]}").fetchone()[0]
        capsys.readouterr()
        status = cli(_import_argv(kind, _input(kind, tmp_path, "b.csv", 4, 50), store))
        assert reader.execute(f"SELECT count(*) FROM {TABLE[kind]}").fetchone()[0] == n0
        reader.execute("COMMIT")
        n1 = reader.execute(f"SELECT count(*) FROM {TABLE[kind]}").fetchone()[0]
    finally:
        reader.close()
    if mode == "wal":
        assert status == 0 and n1 == n0 + 4 and len(_keys(kind, store)) == len(before) + 4
    else:
        assert status == 2 and "is busy" in capsys.readouterr().err
        assert n1 == n0 and _keys(kind, store) == before
    assert integrity(store) == "ok"
    assert [f for f in leftovers(tmp_path, []) if f.startswith(".") or f.endswith("-journal")] == []
