"""Parity of the census step generated from ``wanmi.workflow.census``: ``wanmi census import|validate|geocode|
locate`` and ``wanmi:import_census|validate_census|assign_components|locate_codes`` give identical stores,
reports, placements and look-ups on the same input, checked against places worked out here, and refuse a bad
input with the same message (issue 14)."""

from __future__ import annotations

import csv
import importlib.util
import sys
import uuid
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from qgis.core import QgsProcessingException, QgsVectorLayer
from shapely.geometry import Point, box

from wanmi.cli import main
from wanmi.core.crs import wgs84_to_gcj02
from wanmi.layers.census_store import GeoPackageStore, PostgisStore

# the PostgreSQL + PostGIS server of tests/layers/conftest.py (loaded by path: the folders have separate conftests)
_spec = importlib.util.spec_from_file_location(
    "wanmi_layers_conftest", Path(__file__).resolve().parents[1] / "layers" / "conftest.py")
_layers = sys.modules.setdefault(_spec.name, importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(_layers)
postgres_dsn = _layers.postgres_dsn

# four components near Tiananmen (true WGS84) recorded in GCJ-02 by a phone app, and one with an unknown class
TRUE_WGS = [(116.3975, 39.9087), (116.3985, 39.9091), (116.3995, 39.9095), (116.4005, 39.9099), (116.401, 39.91)]
CODES = ["011801000001", "011801000002", "011801000003", "040201000001", "991801000009"]
GOOD, BAD = CODES[:4], CODES[4]
HEADER = ["管理部件标识码", "管理部件名称", "主管部门代码", "主管部门名称", "管理部件状态", "初始日期",
          "所在单元网格标识码", "经度", "纬度"]
METRIC = "EPSG:4548"
CELL_A, CELL_B = "110101001001001", "110101002003001"


def _survey(path: Path, codes: list[str] = CODES) -> Path:
    lon, lat = wgs84_to_gcj02(np.array([p[0] for p in TRUE_WGS]), np.array([p[1] for p in TRUE_WGS]))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for code, x, y in zip(codes, lon, lat):
            writer.writerow([code, "部件", "D01", "城管委", "完好", "2024-03-01", CELL_A, f"{x:.9f}", f"{y:.9f}"])
    return path


def _truth() -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(p) for p in TRUE_WGS], crs="EPSG:4326").to_crs(METRIC)


def _cells(path: Path) -> Path:
    """Cell A around the first two true places, cell B around the third, the fourth outside both; stored in
    longitude/latitude (the run works in metres) with the codes in ``grid_code`` (not the default field)."""
    pts = _truth()
    a = box(*pts.iloc[:2].buffer(20).total_bounds)
    b = box(*pts.iloc[2:3].buffer(20).total_bounds)
    assert not a.intersects(b) and not a.contains(pts.iloc[3]) and not b.contains(pts.iloc[3])
    cells = gpd.GeoDataFrame({"grid_code": [CELL_A, CELL_B], "street_code": ["001", "002"],
                              "community_code": ["001", "003"], "district_code": ["110101", "110101"]},
                             geometry=[a, b], crs=METRIC).to_crs("EPSG:4326")
    cells.to_file(path, layer="unit_cells", engine="pyogrio")
    return path


def _expected_cells(path: Path) -> dict[str, str | None]:
    """The cell of each stored component from its true place, worked out here with shapely."""
    cells = gpd.read_file(path).to_crs(METRIC)
    out = {}
    for code, point in zip(GOOD, _truth().iloc[:4]):
        inside = cells[cells.contains(point)]["grid_code"].tolist()
        out[code] = inside[0] if inside else None
    return out



@pytest.fixture
def stores(provider, tmp_path) -> dict[str, Path]:
    """The same survey imported by the command line and by Processing (reject lists named)."""
    import processing

    survey = _survey(tmp_path / "survey.csv")
    cli = tmp_path / "cli.gpkg"
    assert main(["-q", "census", "import", str(survey), "--store", str(cli), "--coords", "gcj02", "--x", "经度",
                 "--y", "纬度", "--rejects", str(tmp_path / "cli_rejects.csv")]) == 0
    out = processing.run("wanmi:import_census", {
        "INPUT": str(survey), "COORDS": 2, "X_FIELD": "经度", "Y_FIELD": "纬度", "SCHEME": 0,
        "STORE": str(tmp_path / "qgis.gpkg"), "REJECTS": str(tmp_path / "qgis_rejects.csv")})
    assert (out["INSERTED"], out["REJECTED"]) == (4, 1)
    assert out["COMPONENTS"] == f"{tmp_path / 'qgis.gpkg'}|layername=components"
    return {"cli": cli, "qgis": tmp_path / "qgis.gpkg", "cells": _cells(tmp_path / "cells.gpkg")}


def test_cli_and_processing_import_identically(stores, tmp_path):
    a = GeoPackageStore(stores["cli"]).read()
    b = GeoPackageStore(stores["qgis"]).read()
    assert a["code"].tolist() == b["code"].tolist() == GOOD
    fields = [c for c in a.columns if c not in ("geometry", "update_time")]
    pd.testing.assert_frame_equal(pd.DataFrame(a[fields]), pd.DataFrame(b[fields]))
    ga, gb = shapely.get_coordinates(a.geometry.values), shapely.get_coordinates(b.geometry.values)
    assert np.abs(ga - gb).max() < 1e-12
    assert (a.to_crs(METRIC).distance(_truth().iloc[:4].set_axis(a.index), align=False) < 1.0).all()  # GCJ-02 undone
    rejects = [pd.read_csv(tmp_path / f"{k}_rejects.csv", dtype=str, encoding="utf-8-sig") for k in ("cli", "qgis")]
    pd.testing.assert_frame_equal(*rejects)
    assert rejects[0]["管理部件标识码"].tolist() == [BAD] and "major" in rejects[0]["reason"].iloc[0]


def test_both_write_rejects_next_to_the_input_by_default(provider, tmp_path, capsys):
    import processing

    for front in ("cli", "qgis"):
        folder = tmp_path / front
        folder.mkdir()
        survey = _survey(folder / "survey.csv")
        if front == "cli":
            assert main(["-q", "census", "import", str(survey), "--store", str(folder / "s.gpkg"), "--coords",
                         "gcj02"]) == 0
            printed = capsys.readouterr().out
            assert f"created census {folder / 's.gpkg'} (scheme default12, EPSG:4490)" in printed
            assert f"{survey}: 4 record(s) stored in {folder / 's.gpkg'}, 1 rejected" in printed
        else:
            out = processing.run("wanmi:import_census", {"INPUT": str(survey), "COORDS": 2,
                                                         "STORE": str(folder / "s.gpkg")})
            assert out["REJECTS"] == str(folder / "survey.rejects.csv")
        back = pd.read_csv(folder / "survey.rejects.csv", dtype=str, encoding="utf-8-sig")
        assert back["管理部件标识码"].tolist() == [BAD]


def test_cli_and_processing_validate_identically(provider, tmp_path, capsys):
    import processing

    survey = _survey(tmp_path / "survey.csv")
    assert main(["-q", "census", "validate", str(survey), "--coords", "gcj02", "--report",
                 str(tmp_path / "cli.csv")]) == 1  # a record with a problem: exit status 1
    assert f"{survey}: 5 record(s), 1 with problems" in capsys.readouterr().out
    out = processing.run("wanmi:validate_census", {"INPUT": str(survey), "COORDS": 2, "SCHEME": 0,
                                                   "REPORT": str(tmp_path / "qgis.csv"),
                                                   "OUTPUT": str(tmp_path / "problems.gpkg")})
    assert out["PROBLEM_RECORDS"] == 1
    reports = [pd.read_csv(tmp_path / f"{k}.csv", dtype=str, encoding="utf-8-sig") for k in ("cli", "qgis")]
    pd.testing.assert_frame_equal(*reports)
    assert reports[0]["code"].tolist() == [BAD] and reports[0]["problem"].tolist() == ["unknown_class"]
    problems = gpd.read_file(tmp_path / "problems.gpkg")
    assert problems["code"].tolist() == [BAD]
    assert problems.to_crs(METRIC).distance(_truth().iloc[4]).iloc[0] < 1.0  # at its true place

    good = _survey(tmp_path / "good.csv", GOOD)
    assert main(["-q", "census", "validate", str(good), "--coords", "gcj02"]) == 0


def test_cli_and_processing_geocode_identically(stores, tmp_path):
    """Cells in longitude/latitude with their codes in another field: both front ends work in metres and read
    the named field (the command line did neither before), and place every component where it truly is."""
    import processing

    assert main(["-q", "census", "geocode", "--store", str(stores["cli"]), "--cells", str(stores["cells"]),
                 "--code-field", "grid_code", "--out", str(tmp_path / "placed.gpkg"),
                 "--report", str(tmp_path / "mismatches.csv")]) == 0
    cli = gpd.read_file(tmp_path / "placed.gpkg", layer="components")
    cli_mismatches = gpd.read_file(tmp_path / "placed.gpkg", layer="code_mismatches")
    out = processing.run("wanmi:assign_components", {
        "INPUT": f"{stores['cli']}|layername=components", "CELLS": f"{stores['cells']}|layername=unit_cells",
        "CODE_FIELD": "grid_code", "SCHEME": 0, "OUTPUT": str(tmp_path / "q.gpkg"),
        "MISMATCHES": str(tmp_path / "q_mismatches.gpkg")})
    qgis = gpd.read_file(tmp_path / "q.gpkg")
    expected = _expected_cells(stores["cells"])
    assert expected == {GOOD[0]: CELL_A, GOOD[1]: CELL_A, GOOD[2]: CELL_B, GOOD[3]: None}
    for frame in (cli, qgis):
        got = {code: cell if isinstance(cell, str) else None for code, cell in zip(frame["code"], frame["cell_code"])}
        assert got == expected
        assert frame.crs.to_epsg() == 4490  # the census keeps its CRS
    assert np.abs(shapely.get_coordinates(cli.geometry.values) - shapely.get_coordinates(qgis.geometry.values)).max() \
        < 1e-12
    assert out["OUTSIDE"] == 1
    qgis_mismatches = gpd.read_file(tmp_path / "q_mismatches.gpkg")
    pairs = [sorted(zip(m["code"], m["problem"])) for m in (cli_mismatches, qgis_mismatches)]
    assert pairs[0] == pairs[1] and out["MISMATCH_COUNT"] == len(pairs[0])
    assert (GOOD[3], "outside_cells") in pairs[0] and not [p for p in pairs[0] if p[0] in GOOD[:2]]
    report = pd.read_csv(tmp_path / "mismatches.csv", dtype=str, encoding="utf-8-sig")
    assert sorted(zip(report["code"], report["problem"])) == pairs[0]


def test_cli_and_processing_locate_identically(stores, tmp_path, capsys):
    import processing

    assert main(["-q", "census", "locate", GOOD[1], "011801000777", "--store", str(stores["cli"])]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith(f"{GOOD[1]}  路灯") and "011801000777  not found" in printed[1]
    found = processing.run("wanmi:locate_codes", {"INPUT": f"{stores['cli']}|layername=components",
                                                  "CODES": f"{GOOD[1]}, 011801000777", "SCHEME": 0,
                                                  "OUTPUT": str(tmp_path / "located.gpkg")})
    assert found["FOUND"] == 1
    located = gpd.read_file(tmp_path / "located.gpkg")
    assert located["code"].tolist() == [GOOD[1]] and located["class_name"].tolist() == ["路灯"]
    lon, lat = located["lon"].iloc[0], located["lat"].iloc[0]
    assert f"lon/lat {lon:.6f}, {lat:.6f}" in printed[0]
    assert located.to_crs(METRIC).distance(_truth().iloc[1]).iloc[0] < 1.0


def test_cli_and_processing_refuse_an_empty_survey_with_the_same_message(provider, tmp_path, capsys):
    import processing

    survey = tmp_path / "empty.csv"
    survey.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    assert main(["-q", "census", "import", str(survey), "--store", str(tmp_path / "cli.gpkg")]) == 2
    cli_message = capsys.readouterr().err
    with pytest.raises(QgsProcessingException) as refused:
        processing.run("wanmi:import_census", {"INPUT": str(survey), "STORE": str(tmp_path / "qgis.gpkg")})
    for text in (cli_message, str(refused.value)):
        assert f"{survey}" in text and "no records, only the header" in text
    assert not (tmp_path / "cli.gpkg").exists() and not (tmp_path / "qgis.gpkg").exists()


def test_cli_and_processing_refuse_cells_without_the_code_field(stores, tmp_path, capsys):
    import processing

    argv = ["-q", "census", "geocode", "--store", str(stores["cli"]), "--cells", str(stores["cells"]),
            "--out", str(tmp_path / "o.gpkg")]  # the codes are in grid_code, not code
    assert main(argv) == 2
    cli_message = capsys.readouterr().err
    with pytest.raises(QgsProcessingException) as refused:
        processing.run("wanmi:assign_components", {
            "INPUT": f"{stores['cli']}|layername=components", "CELLS": f"{stores['cells']}|layername=unit_cells",
            "OUTPUT": str(tmp_path / "q.gpkg")})
    for text in (cli_message, str(refused.value)):
        assert "no field 'code' with the cell codes" in text
    assert not (tmp_path / "o.gpkg").exists() and not (tmp_path / "q.gpkg").exists()


@pytest.fixture
def two_schemas(postgres_dsn):
    """Two fresh PostGIS schema names (command line, Processing); dropped afterwards."""
    import psycopg

    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    yield names
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.mark.postgis
def test_cli_and_processing_import_into_postgis_and_locate_identically(provider, postgres_dsn, two_schemas,
                                                                       tmp_path, capsys):
    import processing

    cli_schema, qgis_schema = two_schemas
    survey = _survey(tmp_path / "survey.csv")
    assert main(["-q", "census", "import", str(survey), "--store", postgres_dsn, "--schema", cli_schema,
                 "--coords", "gcj02"]) == 0
    assert "4 record(s) stored in" in capsys.readouterr().out
    out = processing.run("wanmi:import_census", {
        "INPUT": str(survey), "COORDS": 2, "STORE": str(tmp_path / "unused.gpkg"), "POSTGIS": postgres_dsn,
        "PG_SCHEMA": qgis_schema, "REJECTS": str(tmp_path / "qgis_rejects.csv")})
    assert (out["INSERTED"], out["REJECTED"], out["STORE"]) == (4, 1, "")
    assert not (tmp_path / "unused.gpkg").exists()
    a, b = PostgisStore(postgres_dsn, cli_schema).read(), PostgisStore(postgres_dsn, qgis_schema).read()
    assert a["code"].tolist() == b["code"].tolist() == GOOD
    assert np.abs(shapely.get_coordinates(a.geometry.values) - shapely.get_coordinates(b.geometry.values)).max() \
        < 1e-12
    assert (a.to_crs(METRIC).distance(_truth().iloc[:4].set_axis(a.index), align=False) < 1.0).all()
    pd.testing.assert_frame_equal(*(pd.read_csv(p, dtype=str, encoding="utf-8-sig")
                                    for p in (tmp_path / "survey.rejects.csv", tmp_path / "qgis_rejects.csv")))

    assert main(["-q", "census", "locate", GOOD[2], "--store", postgres_dsn, "--schema", cli_schema]) == 0
    printed = capsys.readouterr().out
    layer = QgsVectorLayer(out["COMPONENTS"], "census", "postgres")  # the layer the import hands to QGIS
    assert layer.isValid() and layer.featureCount() == 4
    found = processing.run("wanmi:locate_codes", {"INPUT": layer, "CODES": GOOD[2],
                                                  "OUTPUT": str(tmp_path / "located.gpkg")})
    assert found["FOUND"] == 1
    located = gpd.read_file(tmp_path / "located.gpkg")
    assert located["code"].tolist() == [GOOD[2]]
    assert f"lon/lat {located['lon'].iloc[0]:.6f}, {located['lat'].iloc[0]:.6f}" in printed
