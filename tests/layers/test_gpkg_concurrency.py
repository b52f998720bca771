"""GeoPackage stores under concurrency: N importer processes (cases and census, into a new and into an existing
store) store every record exactly once with no duplicate code, and racing status changes keep a consistent
history. Every importer is a forked process running the ``wanmi`` command line; all are released together."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from wanmi.core.errors import InputError
from wanmi.layers.census_store import GeoPackageStore

from .gpkg_procs import cases_csv, census_csv, cli, column, integrity, leftovers, run_parallel

PER_PROCESS = 40
SHARED = [f"S{i}" for i in range(5)]  # in every importer's file: stored once, a duplicate for the others


def _cases_job(src: Path, out: Path, rejects: Path) -> int:
    return cli(["cases", "import", str(src), "--out", str(out), "--rejects", str(rejects)])


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("n", [2, 4])
def test_concurrent_case_importers_store_every_case_once(tmp_path, n, existing):
    out = tmp_path / "cases.gpkg"
    before = []
    if existing:
        before = [f"P{i}" for i in range(3)]
        assert cli(["cases", "import", str(cases_csv(tmp_path / "p.csv", before)), "--out", str(out)]) == 0
    jobs = []
    for k in range(n):
        ids = [f"K{k}-{i}" for i in range(PER_PROCESS)] + SHARED
        jobs.append((cases_csv(tmp_path / f"in{k}.csv", ids, dx=30.0 * k), out, tmp_path / f"rej{k}.csv"))
    assert run_parallel(_cases_job, jobs) == [0] * n
    stored = column(out, "SELECT case_id FROM cases")
    expected = set(before) | set(SHARED) | {f"K{k}-{i}" for k in range(n) for i in range(PER_PROCESS)}
    assert len(stored) == len(expected) and set(stored) == expected  # each once, none lost
    assert column(out, "SELECT value FROM case_metadata WHERE key = 'count'") == [str(len(expected))]
    assert column(out, "SELECT count(*) FROM rtree_cases_geom") == [len(expected)]
    assert column(out, "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'cases'") == [len(expected)]
    # the shared ids were stored by exactly one importer and rejected as duplicates by all the others
    rejected = [line for k in range(n) for line in (tmp_path / f"rej{k}.csv").read_text("utf-8-sig").splitlines()[1:]
                if (tmp_path / f"rej{k}.csv").exists()]
    assert len(rejected) == len(SHARED) * (n - 1)
    assert integrity(out) == "ok"
    keep = ["cases.gpkg", "p.csv", *(f"in{k}.csv" for k in range(n)), *(f"rej{k}.csv" for k in range(n))]
    assert [f for f in leftovers(tmp_path, keep) if f.startswith(".")] == []


def _census_job(src: Path, store: Path, rejects: Path) -> int:
    return cli(["census", "import", str(src), "--store", str(store), "--scheme", "gbt47678-17", "--allocate",
                "--area", "110101", "--rejects", str(rejects)])


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("n", [2, 4])
def test_concurrent_census_importers_never_share_a_code(tmp_path, n, existing):
    store = tmp_path / "census.gpkg"
    n_before = 0
    if existing:
        n_before = 3
        assert _census_job(census_csv(tmp_path / "p.csv", n_before, dx=-500.0), store, tmp_path / "r.csv") == 0
    shared = "11010101001000001"  # a code (another class) in every file: stored once, a duplicate for the others
    jobs = []
    for k in range(n):
        codes = [None] * 20 + [shared]
        jobs.append((census_csv(tmp_path / f"in{k}.csv", 21, dx=200.0 * k, codes=codes), store,
                     tmp_path / f"rej{k}.csv"))
    assert run_parallel(_census_job, jobs) == [0] * n
    codes = column(store, "SELECT code FROM components")
    assert len(codes) == len(set(codes)) == n_before + 20 * n + 1
    allocated = sorted(c for c in codes if c != shared)
    assert allocated == [f"11010101037{s:06d}" for s in range(1, n_before + 20 * n + 1)]  # none lost or skipped
    assert column(store, "SELECT count(*) FROM rtree_components_geom") == [len(codes)]
    rejected = [(tmp_path / f"rej{k}.csv") for k in range(n) if (tmp_path / f"rej{k}.csv").exists()]
    assert len(rejected) == n - 1  # the shared code: one importer stored it, the others rejected it
    assert integrity(store) == "ok"
    assert [f for f in leftovers(tmp_path, []) if f.startswith(".")] == []


def _status_job(store_path: Path, code: str, seed: int, results: Path) -> int:
    store = GeoPackageStore(store_path)
    rng = random.Random(seed)
    done = []
    for i in range(10):
        status = rng.choice(["完好", "破损", "丢失"])
        date = dt.date(2025, 1, 1) + dt.timedelta(days=i * 3 + rng.randint(0, 2))
        try:
            row = store.set_status(code, status, date, note=f"p{seed}-{i}", today=dt.date(2025, 6, 30))
            done.append(row["note"])
        except InputError:  # same status as now, or a date before the last change: refused, nothing written
            pass
    results.write_text("\n".join(done), encoding="utf-8")
    return 0


def test_racing_status_changes_keep_a_consistent_history(tmp_path):
    path = tmp_path / "census.gpkg"
    assert _census_job(census_csv(tmp_path / "p.csv", 1, dx=0.0), path, tmp_path / "r.csv") == 0
    code = column(path, "SELECT code FROM components")[0]
    jobs = [(path, code, seed, tmp_path / f"done{seed}.txt") for seed in range(4)]
    assert run_parallel(_status_job, jobs) == [0] * 4
    done = [n for s in range(4) for n in (tmp_path / f"done{s}.txt").read_text("utf-8").split("\n") if n]
    history = GeoPackageStore(path).history(code)
    assert sorted(history["note"]) == sorted(done)  # every accepted change recorded once, no refused one
    assert len(history) >= 4
    previous, last_date = "完好", None
    for row in history.itertuples():
        assert row.old_status == previous, history
        assert last_date is None or row.change_date >= last_date, history
        previous, last_date = row.new_status, row.change_date
    current = GeoPackageStore(path).get(code)
    assert (current["status"], current["change_date"]) == (previous, last_date)
    assert integrity(path) == "ok"
