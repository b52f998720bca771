"""Census stores: GeoPackage and PostGIS behave identically, imports are atomic, allocation is race-free.

PostGIS tests run against the session cluster of tests/layers/conftest.py. The test batch is placed at
known metre offsets inside the Dongcheng sample district, with one problem per rejected row written down by
hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from wanmi.core.census import validate_components as real_validate
from wanmi.core.errors import InputError
from wanmi.layers import SAMPLE_DIR, schema
from wanmi.layers.census_store import CensusStoreError, GeoPackageStore, PostgisStore
from wanmi.layers.gpkg import read_styles
from wanmi.layers.stores import base as store_base
from wanmi.layers.stores.geopackage import _GpkgSession
from wanmi.layers.stores.postgis import _PgSession

TODAY = dt.date(2025, 6, 30)
BACKENDS = ["gpkg", "postgis"]


@pytest.fixture(scope="module")
def district() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE_DIR / "dongcheng.gpkg", layer="district")


@pytest.fixture(scope="module")
def origin(district) -> tuple[float, float]:
    p = district.geometry.iloc[0].representative_point()
    return p.x, p.y


def code(cls: str, serial: int) -> str:
    return f"110101{cls}{serial:06d}"


def batch(origin, rows: list[dict]) -> gpd.GeoDataFrame:
    """Records with ``dx``/``dy`` metre offsets from ``origin`` (EPSG:4548), delivered in WGS 84."""
    x0, y0 = origin
    base = {"name": "路灯", "dept_code": "11110101MB1234567X", "dept_name": "东城区城市管理委员会",
            "cell_code": "110101001001001", "status": "完好", "initial_date": "2024-05-01"}
    recs = [{**base, **{k: v for k, v in r.items() if k not in ("dx", "dy")}} for r in rows]
    geoms = [shapely.Point(x0 + r.get("dx", 0.0), y0 + r.get("dy", 0.0)) for r in rows]
    frame = gpd.GeoDataFrame(pd.DataFrame(recs), geometry=geoms, crs="EPSG:4548")
    return frame.to_crs("EPSG:4326")


def first_batch(origin) -> gpd.GeoDataFrame:
    return batch(origin, [
        {"code": code("01037", 1), "dx": 0},  # 0 valid
        {"code": code("01037", 2), "dx": 20},  # 1 valid
        {"code": code("01001", 1), "name": "供水井盖", "dx": 40},  # 2 valid
        {"code": "1101010103700000X", "dx": 60},  # 3 bad code
        {"code": code("01037", 1), "dx": 80},  # 4 duplicate of row 0
        {"code": code("01037", 3), "dx": 0.3},  # 5 within 0.3 m of row 0, same class
        {"code": code("01037", 5), "dx": 30_000},  # 6 outside the district
        {"code": code("01037", 6), "status": "坏", "dx": 100},  # 7 bad status
        {"code": None, "class_code": "01037", "dx": 120},  # 8 allocated
        {"code": code("01037", 7), "dx": 140, "change_date": "2025-01-02", "status": "破损",
         "owner_name": "北京市路灯管理中心", "note": "灯杆倾斜"},  # 9 valid
    ])


EXPECTED_REJECTED = {3: "bad_code", 4: "duplicate_code", 5: "too_close", 6: "outside_jurisdiction",
                     7: "bad_status"}
# row 8 gets the serial after the largest written in the batch (7, row 9), not a reused one
EXPECTED_INSERTED = [code("01037", 1), code("01037", 2), code("01001", 1), code("01037", 8), code("01037", 7)]


@pytest.fixture
def make_store(request, tmp_path):
    made = []

    def make(kind: str, scheme: str = "gbt47678-17", create: bool = True, **kwargs):
        if kind == "gpkg":
            store = GeoPackageStore(tmp_path / f"census{len(made)}.gpkg")
        else:
            dsn = request.getfixturevalue("postgres_dsn")
            schema_name = request.getfixturevalue("pg_schema") + (f"_{len(made)}" if made else "")
            store = PostgisStore(dsn, schema=schema_name)
        made.append(store)
        return store.create(scheme, **kwargs) if create else store

    yield make
    for store in made:
        if isinstance(store, PostgisStore):
            import psycopg

            with psycopg.connect(store.dsn, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{store.schema}" CASCADE')


def import_first(store, origin, district):
    return store.import_components(first_batch(origin), district, allocate=True, today=TODAY)


# ----------------------------------------------------------------------------------------------------
# Creation and basic API
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BACKENDS)
def test_create_loads_class_table_and_metadata(make_store, kind):
    store = make_store(kind)
    assert store.exists() and store.codes() == [] and store.read().empty
    assert store.scheme.name == "gbt47678-17" and store.srid == 4490 and store.geometry_type == "Point"
    assert list(store.read().columns) == [*schema.field_names(), "geometry"]
    with pytest.raises(InputError, match="already holds"):
        store.create("gbt47678-17")


def _class_count(store) -> int:
    if isinstance(store, GeoPackageStore):
        with sqlite3.connect(store.path) as con:
            return con.execute("SELECT count(*) FROM component_class").fetchone()[0]
    import psycopg

    with psycopg.connect(store.dsn) as conn:
        return conn.execute(f'SELECT count(*) FROM "{store.schema}".component_class').fetchone()[0]


@pytest.mark.parametrize("kind", BACKENDS)
def test_class_table_has_the_directory(make_store, kind):
    assert _class_count(make_store(kind)) == 153  # GB/T 47678.5 附录A: "153 部件" (docs/standards.md)
    # docs/standards.md#23-class-directories: 01 ×38, 02 ×17, 03 ×10, 04 ×10, 05 ×3, 06 ×5, two 21xx = 85
    assert _class_count(make_store(kind, "cjt214-16")) == 85


@pytest.mark.parametrize("kind", BACKENDS)
def test_import_inserts_valid_rejects_invalid(make_store, kind, origin, district):
    store = make_store(kind)
    result = import_first(store, origin, district)
    assert result.inserted == EXPECTED_INSERTED
    assert result.allocated == [code("01037", 8)]
    assert result.rejected["problems"].to_dict() == EXPECTED_REJECTED
    assert store.codes() == sorted(EXPECTED_INSERTED)
    got = store.get(code("01037", 7))
    assert got["status"] == "破损" and got["change_date"] == dt.date(2025, 1, 2)
    assert got["owner_name"] == "北京市路灯管理中心" and got["class_code"] == "01037"
    assert store.get("11010101037999999") is None
    assert store.read({"status": ["破损"]})["code"].tolist() == [code("01037", 7)]
    intact = sorted(set(EXPECTED_INSERTED) - {code("01037", 7)})
    assert store.read("status = '完好'")["code"].tolist() == intact
    # positions survive: row 2 is 40 m east of the origin
    p = store.get(code("01001", 1)).geometry
    x = gpd.GeoSeries([p], crs=store.crs).to_crs("EPSG:4548").iloc[0]
    assert x.distance(shapely.Point(origin[0] + 40, origin[1])) < 1e-6


@pytest.mark.parametrize("kind", BACKENDS)
def test_second_import_checks_against_stored_components(make_store, kind, origin, district):
    store = make_store(kind)
    import_first(store, origin, district)
    second = batch(origin, [
        {"code": code("01037", 1), "dx": 500},  # already stored
        {"code": code("01037", 20), "dx": 20.2},  # 0.2 m from stored 000002
        {"code": code("01001", 20), "name": "供水井盖", "dx": 20.2},  # same place, other class: fine
        {"code": None, "class_code": "01037", "dx": 600},  # next serial after everything ever used
    ])
    result = store.import_components(second, district, allocate=True, today=TODAY)
    assert result.rejected["problems"].to_dict() == {0: "duplicate_code", 1: "too_close"}
    assert "existing component 11010101037000002" in result.rejected.loc[1, "reason"]
    assert result.inserted == [code("01001", 20), code("01037", 21)]


@pytest.mark.parametrize("kind", BACKENDS)
def test_reject_csv(make_store, kind, origin, district, tmp_path):
    result = import_first(make_store(kind), origin, district)
    path = result.write_rejects(tmp_path / "rejects.csv")
    back = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    assert back["row"].tolist() == ["3", "4", "5", "6", "7"]
    assert back["problems"].tolist() == list(EXPECTED_REJECTED.values())
    assert "'serial'" in back.loc[0, "reason"] and "non-digit" in back.loc[0, "reason"]
    assert back.loc[4, "status"] == "坏"
    assert abs(float(back.loc[0, "lon"]) - 116.4) < 0.1 and abs(float(back.loc[0, "lat"]) - 39.9) < 0.1


# ----------------------------------------------------------------------------------------------------
# Same results from both backends
# ----------------------------------------------------------------------------------------------------


def test_geopackage_and_postgis_agree(make_store, origin, district):
    gpkg, pg = make_store("gpkg"), make_store("postgis")
    results = [import_first(s, origin, district) for s in (gpkg, pg)]
    assert results[0].inserted == results[1].inserted == EXPECTED_INSERTED
    assert results[0].allocated == results[1].allocated
    pd.testing.assert_frame_equal(results[0].problems, results[1].problems)
    pd.testing.assert_frame_equal(results[0].rejected.drop(columns="geometry"),
                                  results[1].rejected.drop(columns="geometry"))
    for s in (gpkg, pg):
        s.set_status(code("01037", 1), "丢失", "2025-03-01", note="被盗", today=TODAY)
    a, b = gpkg.read(), pg.read()
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    assert a.crs == b.crs
    assert shapely.to_wkb(a.geometry.to_numpy()).tolist() == shapely.to_wkb(b.geometry.to_numpy()).tolist()
    ha, hb = gpkg.history(), pg.history()
    pd.testing.assert_frame_equal(ha.drop(columns="recorded_at"), hb.drop(columns="recorded_at"))
    assert gpkg.allocate_codes("01037", "110101", 2) == pg.allocate_codes("01037", "110101", 2)


# ----------------------------------------------------------------------------------------------------
# Atomicity
# ----------------------------------------------------------------------------------------------------


def _snapshot(store):
    state = {"read": store.read(), "history": store.history()}
    if isinstance(store, GeoPackageStore):
        state["bytes"] = hashlib.sha256(store.path.read_bytes()).hexdigest()
        state["files"] = sorted(p.name for p in store.path.parent.iterdir())
    return state


def _assert_unchanged(store, before):
    after = _snapshot(store)
    pd.testing.assert_frame_equal(after["read"], before["read"])
    pd.testing.assert_frame_equal(after["history"], before["history"])
    if "bytes" in before:
        assert after["bytes"] == before["bytes"]
        assert after["files"] == before["files"]  # no temporary copy left behind


@pytest.mark.parametrize("kind", BACKENDS)
def test_exception_mid_insert_leaves_store_unchanged(make_store, kind, origin, district, monkeypatch):
    store = make_store(kind)
    import_first(store, origin, district)
    before = _snapshot(store)
    session_class = _GpkgSession if kind == "gpkg" else _PgSession
    original = session_class.insert
    inserted_half = []

    def failing_insert(self, rows, wkb):
        half = len(rows) // 2
        original(self, rows[:half], wkb[:half])
        inserted_half.append(half)
        raise RuntimeError("disk full (injected)")

    monkeypatch.setattr(session_class, "insert", failing_insert)
    fresh = batch(origin, [{"code": code("01037", 30 + i), "dx": 200 + 5 * i} for i in range(6)]
                  + [{"code": None, "class_code": "01037", "dx": 400}])
    with pytest.raises(RuntimeError, match="injected"):
        store.import_components(fresh, district, allocate=True, today=TODAY)
    assert inserted_half == [3]  # the failure really happened after rows were written
    _assert_unchanged(store, before)
    monkeypatch.undo()
    # the allocation made inside the failed transaction was rolled back too
    assert store.allocate_codes("01037", "110101", 1) == [code("01037", 9)]


@pytest.mark.parametrize("kind", BACKENDS)
def test_constraint_violation_rolls_back_the_whole_import(make_store, kind, origin, district, monkeypatch):
    store = make_store(kind)
    import_first(store, origin, district)
    before = _snapshot(store)

    def trusting_validate(*args, **kwargs):  # pretend everything is valid: the database must object
        report = real_validate(*args, **kwargs)
        report.valid_mask[:] = True
        return report

    monkeypatch.setattr(store_base, "validate_components", trusting_validate)
    bad = batch(origin, [
        {"code": code("01037", 40), "dx": 300},
        {"code": code("01037", 41), "dx": 305},
        {"code": code("01037", 42), "dx": 310, "status": "坏"},  # CHECK (status IN …)
        {"code": code("01037", 43), "dx": 315},
    ])
    with pytest.raises(CensusStoreError, match="rolled back") as err:
        store.import_components(bad, district, today=TODAY)
    assert "status" in str(err.value).lower() or "check" in str(err.value).lower()
    _assert_unchanged(store, before)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"code": "1101010103700004"}, "code"),  # 16 digits: format CHECK
        ({"code": code("01999", 1), "class_code": "01999"}, "class"),  # FOREIGN KEY to component_class
        ({"code": code("01037", 1)}, "unique|code"),  # UNIQUE
        ({"class_code": "01001"}, "class"),  # class must match the code's class segments
        ({"change_date": "2020-01-01"}, "date"),  # before initial_date
    ],
)
@pytest.mark.parametrize("kind", BACKENDS)
def test_database_constraints(make_store, kind, origin, district, change, match):
    store = make_store(kind)
    import_first(store, origin, district)
    row = {"code": code("01037", 50), "class_code": "01037", "name": "路灯", "dept_code": "D",
           "dept_name": "城管委", "cell_code": "110101001001001", "status": "完好",
           "initial_date": "2024-05-01", "change_date": None, **change}
    cols = list(row)
    if kind == "gpkg":
        from wanmi.layers.stores.geopackage import connect, encode_blobs

        wkb = shapely.to_wkb(shapely.Point(116.4, 39.9), byte_order=1)
        blob = encode_blobs([wkb], np.array([shapely.Point(116.4, 39.9)]), 4490)[0]
        con = connect(store.path)
        with pytest.raises(sqlite3.IntegrityError):
            marks = ", ".join("?" * len(cols))
            con.execute(f"INSERT INTO components ({', '.join(cols)}, geom) VALUES ({marks}, ?)",
                        [*row.values(), blob])
        con.close()
    else:
        import psycopg

        marks = ", ".join(["%s"] * len(cols))
        with psycopg.connect(store.dsn) as conn, \
                pytest.raises(psycopg.errors.IntegrityError, match=f"(?i){match}"):
            conn.execute(f'INSERT INTO "{store.schema}".components ({", ".join(cols)}, geom) '
                         f"VALUES ({marks}, ST_SetSRID(ST_MakePoint(116.4, 39.9), 4490))",
                         list(row.values()))


def test_postgis_schema_matches_the_field_table(make_store):
    import psycopg

    store = make_store("postgis")
    with psycopg.connect(store.dsn) as conn:
        rows = conn.execute(
            "SELECT column_name, data_type, character_maximum_length, is_nullable "
            "FROM information_schema.columns WHERE table_schema = %s AND table_name = 'components' "
            "ORDER BY ordinal_position",
            (store.schema,)).fetchall()
        indexes = {r[0] for r in conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = %s",
                                              (store.schema,)).fetchall()}
    columns = {r[0]: r for r in rows}
    assert [r[0] for r in rows] == ["fid", *schema.field_names(), "geom"]
    lengths = schema.max_lengths("17")
    for f in schema.COMPONENT_FIELDS:
        _, data_type, length, nullable = columns[f.name]
        if f.type == "date":
            assert data_type == "date"
        else:
            assert (data_type, length) == ("character varying", lengths[f.name]), f.name
        assert (nullable == "NO") == (f.mandatory or f.name == "class_code"), f.name
    assert any("USING gist (geom)" in d for d in indexes)


def test_geopackage_layout_for_qgis(make_store, origin, district):
    import pyogrio

    store = make_store("gpkg")
    import_first(store, origin, district)
    info = pyogrio.read_info(store.path, layer="components")
    assert info["features"] == 5 and info["geometry_type"] == "Point" and info["crs"] == "EPSG:4490"
    assert list(info["fields"]) == schema.field_names()
    assert info["capabilities"]["fast_spatial_filter"]  # R-tree present
    with sqlite3.connect(store.path) as con:
        assert con.execute("SELECT count(*) FROM rtree_components_geom").fetchone()[0] == 5
        index_sql = con.execute("SELECT sql FROM sqlite_master "
                                "WHERE name = 'components_code_uq'").fetchone()[0]
        contents = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
        extent = con.execute("SELECT min_x, max_x FROM gpkg_contents "
                             "WHERE table_name = 'components'").fetchone()
    assert "UNIQUE" in index_sql
    assert contents["component_history"] == "attributes" and contents["components"] == "features"
    assert 116.3 < extent[0] < extent[1] < 116.5
    styles = read_styles(store.path)
    assert "components" in styles and 'attr="status"' in styles["components"]
    for status in schema.STATUS:
        assert f'value="{status}"' in styles["components"]
    # GDAL sees what sqlite3 wrote: same codes, and its R-tree filter finds features by location
    assert sorted(pyogrio.read_dataframe(store.path, layer="components")["code"]) == sorted(EXPECTED_INSERTED)
    target = store.get(code("01001", 1)).geometry
    box = (target.x - 1e-6, target.y - 1e-6, target.x + 1e-6, target.y + 1e-6)
    found = pyogrio.read_dataframe(store.path, layer="components", bbox=box)
    assert found["code"].tolist() == [code("01001", 1)]
    store.set_status(code("01001", 1), "破损", "2025-01-01", today=TODAY)  # UPDATE runs GDAL's triggers
    with sqlite3.connect(store.path) as con:
        assert con.execute("SELECT count(*) FROM rtree_components_geom").fetchone()[0] == 5
        assert con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE 'rtree_components_geom_%'").fetchone()[0] >= 5


def test_geopackage_census_joins_an_existing_project_file(tmp_path):
    import pyogrio

    path = tmp_path / "project.gpkg"
    path.write_bytes((SAMPLE_DIR / "dongcheng.gpkg").read_bytes())
    store = GeoPackageStore(path).create("17")
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {"district", "streets", "communities", "components", "component_history"} <= layers
    assert len(gpd.read_file(path, layer="communities")) == 169
    store.create("16", overwrite=True)
    assert GeoPackageStore(path).scheme.name == "cjt214-16"
    assert len(gpd.read_file(path, layer="communities")) == 169


def test_style_file_colours_match_schema():
    qml = (Path(schema.__file__).parent / "styles" / "components.qml").read_text(encoding="utf-8")
    assert 'type="categorizedSymbol"' in qml and 'attr="status"' in qml
    for status, color in schema.STATUS_COLORS.items():
        assert f'value="{status}"' in qml
        rgb = ",".join(str(int(color[i : i + 2], 16)) for i in (1, 3, 5))
        assert rgb in qml, status


# ----------------------------------------------------------------------------------------------------
# Status changes
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BACKENDS)
def test_set_status_sets_change_date_and_history(make_store, kind, origin, district):
    store = make_store(kind)
    import_first(store, origin, district)
    c = code("01037", 2)
    store.set_status(c, "破损", "2025-02-01", note="灯罩缺失", today=TODAY)
    store.set_status(c, "移除", dt.date(2025, 3, 1), today=TODAY)
    got = store.get(c)
    assert (got["status"], got["change_date"]) == ("移除", dt.date(2025, 3, 1))
    assert got["initial_date"] == dt.date(2024, 5, 1)
    hist = store.history(c)
    assert hist[["old_status", "new_status", "change_date", "note"]].values.tolist() == [
        ["完好", "破损", dt.date(2025, 2, 1), "灯罩缺失"], ["破损", "移除", dt.date(2025, 3, 1), None]]
    assert store.history(code("01037", 1)).empty
    before = _snapshot(store)
    with pytest.raises(InputError, match="before its change_date"):
        store.set_status(c, "完好", "2025-02-15", today=TODAY)
    with pytest.raises(InputError, match="no component"):
        store.set_status("11010101037999999", "破损", today=TODAY)
    _assert_unchanged(store, before)
    # a removed component keeps its code: allocation never reissues it
    assert store.allocate_codes("01037", "110101", 1) == [code("01037", 9)]


# ----------------------------------------------------------------------------------------------------
# Concurrency
# ----------------------------------------------------------------------------------------------------


def _allocate_in_threads(store, n_threads=6, rounds=4, per_call=5) -> list[str]:
    out: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    start = threading.Barrier(n_threads)

    def work():
        try:
            start.wait()
            for _ in range(rounds):
                codes = store.allocate_codes("01037", "110101", per_call)
                with lock:
                    out.extend(codes)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return out


@pytest.mark.parametrize("kind", BACKENDS)
def test_concurrent_allocators_never_share_a_code(make_store, kind, monkeypatch):
    store = make_store(kind)
    monkeypatch.setattr(type(store), "_allocation_pause", 0.01)  # widen the read-modify-write window
    codes = _allocate_in_threads(store)
    assert len(codes) == 120 and len(set(codes)) == 120
    assert sorted(codes) == [code("01037", i) for i in range(1, 121)]


def test_without_the_row_lock_allocators_would_collide(make_store, monkeypatch):
    """Control for the test above: with the counter lock removed, the same harness finds duplicates."""
    store = make_store("postgis")
    assert store.allocate_codes("01037", "110101", 1) == [code("01037", 1)]  # the counter row now exists
    monkeypatch.setattr(PostgisStore, "_allocation_pause", 0.01)

    def unlocked_floor(self, class_code, area):  # the same read as counter_floor, without FOR UPDATE
        row = self.conn.execute(f"SELECT last_serial FROM {self.q}.code_counters WHERE class_code = %s "
                                f"AND area = %s", (class_code, area)).fetchone()
        return int(row[0])

    monkeypatch.setattr(_PgSession, "lock_counters", lambda self, groups: None)
    monkeypatch.setattr(_PgSession, "counter_floor", unlocked_floor)
    codes = _allocate_in_threads(store, n_threads=4, rounds=2, per_call=3)
    assert len(set(codes)) < len(codes)


def _import_worker(args):
    kind, target, schema_name, n, dx0 = args
    import geopandas as gpd
    import shapely

    from wanmi.layers.census_store import GeoPackageStore, PostgisStore

    store = GeoPackageStore(target) if kind == "gpkg" else PostgisStore(target, schema_name)
    store._allocation_pause = 0.005
    x0, y0 = 503_000.0, 4_420_000.0
    recs = [{"class_code": "01037", "name": "路灯", "dept_code": "D", "dept_name": "城管委",
             "cell_code": "110101001001001", "status": "完好", "initial_date": "2024-05-01"}
            for _ in range(n)]
    frame = gpd.GeoDataFrame(recs, geometry=[shapely.Point(x0 + dx0 + 3.0 * i, y0) for i in range(n)],
                             crs="EPSG:4548")
    result = store.import_components(frame, allocate=True, today=dt.date(2025, 6, 30))
    return result.inserted


@pytest.mark.parametrize("kind", BACKENDS)
def test_concurrent_importer_processes_allocate_distinct_codes(make_store, kind):
    store = make_store(kind)
    target = str(store.path) if kind == "gpkg" else store.dsn
    schema_name = None if kind == "gpkg" else store.schema
    jobs = [(kind, target, schema_name, 10, 1000.0 * k) for k in range(4)]
    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.map(_import_worker, jobs)
    codes = [c for r in results for c in r]
    assert all(len(r) == 10 for r in results)
    assert len(set(codes)) == 40
    assert store.codes() == [code("01037", i) for i in range(1, 41)]  # nothing lost, nothing skipped


def test_twelve_digit_store_allocates_by_street(make_store, origin, district):
    store = make_store("gpkg", "default12")
    recs = batch(origin, [
        {"code": "011801000003", "dx": 0},
        {"code": None, "class_code": "0118", "dx": 10},  # street 01 from cell 110101001…
        {"code": None, "class_code": "0118", "dx": 20, "cell_code": "110101002001001"},  # street 02
    ])
    result = store.import_components(recs, district, allocate=True, today=TODAY)
    assert result.inserted == ["011801000003", "011801000004", "011802000001"]
    assert store.allocate_codes("0118", 1, 1) == ["011801000005"]


@pytest.mark.qgis
def test_qgis_opens_the_census_with_its_style_and_constraints(make_store, origin, district, request):
    qgis_core = pytest.importorskip("qgis.core", reason="PyQGIS (Debian python3-qgis) is not installed")
    request.getfixturevalue("qgis_app")
    store = make_store("gpkg")
    import_first(store, origin, district)
    layer = qgis_core.QgsVectorLayer(f"{store.path}|layername=components", "components", "ogr")
    assert layer.isValid() and layer.featureCount() == 5 and layer.crs().authid() == "EPSG:4490"
    assert layer.geometryType() == qgis_core.QgsWkbTypes.PointGeometry
    _, ok = layer.loadDefaultStyle()  # from layer_styles
    assert ok and layer.renderer().type() == "categorizedSymbol"
    assert [c.value() for c in layer.renderer().categories()][:5] == list(schema.STATUS)
    assert layer.attributeAlias(layer.fields().indexOf("code")) == "管理部件标识码"
    assert layer.fields().field("initial_date").typeName() == "Date"
    # an edit made in QGIS meets the same CHECK constraints
    feature = qgis_core.QgsFeature(layer.fields())
    feature.setGeometry(qgis_core.QgsGeometry.fromPointXY(qgis_core.QgsPointXY(116.41, 39.92)))
    values = {"code": code("01037", 60), "class_code": "01037", "name": "路灯", "dept_code": "D",
              "dept_name": "城管委", "cell_code": "110101001001001", "status": "坏",
              "initial_date": "2024-05-01"}
    for key, value in values.items():
        feature.setAttribute(key, value)
    layer.startEditing()
    layer.addFeature(feature)
    assert not layer.commitChanges()
    layer.rollBack()
    del layer
    assert code("01037", 60) not in store.codes()


@pytest.mark.parametrize("kind", BACKENDS)
def test_point_store_rejects_lines_geometry_store_keeps_them(make_store, kind, origin, district):
    recs = batch(origin, [{"code": code("01037", 1), "dx": 0},
                          {"code": code("04013", 1), "name": "绿地", "dx": 50}])
    line = shapely.LineString([(116.40, 39.91), (116.401, 39.911)])
    recs.loc[1, "geometry"] = line
    point_store = make_store(kind)
    result = point_store.import_components(recs, today=TODAY)
    assert result.inserted == [code("01037", 1)]
    assert "this record is a LineString" in result.rejected.loc[1, "reason"]
    mixed = make_store(kind, geometry_type="Geometry")
    result = mixed.import_components(recs, today=TODAY)
    assert result.inserted == [code("01037", 1), code("04013", 1)]
    assert mixed.get(code("04013", 1)).geometry.equals_exact(line, 1e-12)


# ----------------------------------------------------------------------------------------------------
# Code registry: a code that ever existed is never issued again
# ----------------------------------------------------------------------------------------------------


def _outside_sql(store, *statements: tuple[str, tuple]) -> None:
    """Run SQL as another program would (QGIS, psql): its own connection, committed."""
    if isinstance(store, GeoPackageStore):
        from wanmi.layers.gpkg import connect

        con = connect(store.path)  # with the ST_* functions GDAL's R-tree triggers call
        con.execute("PRAGMA foreign_keys = OFF")  # like GDAL/QGIS: foreign keys not enforced
        try:
            for text, params in statements:
                con.execute(text.replace("%s", "?"), params)
            con.commit()
        finally:
            con.close()
    else:
        import psycopg

        with psycopg.connect(store.dsn, autocommit=True) as conn:
            for text, params in statements:
                conn.execute(text.replace("components", f'"{store.schema}".components'), params)


@pytest.mark.parametrize("kind", BACKENDS)
def test_codes_of_deleted_components_are_never_issued_again(make_store, kind, origin, district):
    store = make_store(kind)
    import_first(store, origin, district)  # class 01037: serials 1, 2, 7, 8 stored; the counter at 8
    # another program renames 01037-2 to 01037-20, then deletes it and 01037-7 (no history for either)
    _outside_sql(store, ("UPDATE components SET code = %s WHERE code = %s", (code("01037", 20), code("01037", 2))),
                 ("DELETE FROM components WHERE code IN (%s, %s)", (code("01037", 20), code("01037", 7))))
    assert set(store.codes()) == {code("01037", 1), code("01037", 8), code("01001", 1)}
    # an offline block reserved before: reserved codes are not retired ones and import fine
    block = store.allocate_codes("01037", "110101", 2)
    assert block == [code("01037", 21), code("01037", 22)]  # after the largest serial ever stored (20)
    again = batch(origin, [{"code": code("01037", 2), "dx": 500}, {"code": code("01037", 7), "dx": 520},
                           {"code": code("01037", 20), "dx": 540}, {"code": block[0], "dx": 560},
                           {"code": None, "class_code": "01037", "dx": 580}])
    result = store.import_components(again, district, allocate=True, today=TODAY)
    assert result.inserted == [block[0], code("01037", 23)]
    assert result.rejected["reason"].str.contains("was retired; retired codes are never reused").all()
    assert sorted(result.rejected["code"]) == [code("01037", n) for n in (2, 7, 20)]


@pytest.mark.parametrize("kind", BACKENDS)
def test_removed_and_deleted_components_with_history_keep_their_codes(make_store, kind, origin, district):
    store = make_store(kind)
    import_first(store, origin, district)
    store.set_status(code("01037", 8), "移除", "2025-03-01", today=TODAY)  # removed: the row stays
    if kind == "gpkg":  # QGIS does not enforce the history's foreign key: the row can go entirely
        _outside_sql(store, ("DELETE FROM components WHERE code = %s", (code("01037", 8),)))
    assert store.allocate_codes("01037", "110101", 1) == [code("01037", 9)]
    result = store.import_components(batch(origin, [{"code": code("01037", 8), "dx": 500}]), district,
                                     today=TODAY)
    assert result.inserted == [] and result.rejected["problems"].tolist() == ["duplicate_code"]
    reason = "was retired; retired codes are never reused" if kind == "gpkg" else "already exists in the census"
    assert reason in result.rejected["reason"].iloc[0]


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_store_made_before_the_registry_gets_it_on_its_first_write(make_store, kind, origin, district):
    store = make_store(kind)
    import_first(store, origin, district)
    if kind == "gpkg":
        _outside_sql(store, ("DROP TRIGGER code_registry_insert", ()), ("DROP TRIGGER code_registry_code_update", ()),
                     ("DROP TABLE code_registry", ()),
                     ("DELETE FROM gpkg_contents WHERE table_name = 'code_registry'", ()))
    else:
        _outside_sql(store, (f'DROP TABLE "{store.schema}".code_registry', ()),
                     (f'DROP FUNCTION "{store.schema}".register_component_codes CASCADE', ()))
    store.set_status(code("01037", 1), "破损", "2025-02-01", today=TODAY)  # any write adds the registry
    _outside_sql(store, ("DELETE FROM components WHERE code = %s", (code("01037", 2),)))
    assert store.allocate_codes("01037", "110101", 1) == [code("01037", 9)]
    result = store.import_components(batch(origin, [{"code": code("01037", 2), "dx": 500}]), district,
                                     today=TODAY)
    assert "was retired" in result.rejected["reason"].iloc[0]
