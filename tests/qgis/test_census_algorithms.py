"""The census Processing algorithms in real QGIS: import (GCJ-02 phone coordinates), validate, assign, locate."""

from __future__ import annotations

import csv

import geopandas as gpd
import numpy as np
import pytest
from qgis.core import QgsVectorLayer
from shapely.geometry import Point, box

from wanmi.core.crs import wgs84_to_gcj02
from wanmi.layers.census_store import GeoPackageStore

# three lamps and a tree near Tiananmen (WGS84), and one record with an unknown major class
TRUE_WGS = [(116.3975, 39.9087), (116.3985, 39.9091), (116.3995, 39.9095), (116.4005, 39.9099), (116.401, 39.91)]
CODES = ["011801000001", "011801000002", "011801000003", "040201000001", "991801000009"]


def _survey_csv(path):
    lon, lat = wgs84_to_gcj02(np.array([p[0] for p in TRUE_WGS]), np.array([p[1] for p in TRUE_WGS]))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["管理部件标识码", "管理部件名称", "主管部门代码", "主管部门名称", "管理部件状态", "初始日期",
                    "所在单元网格标识码", "经度", "纬度"])
        for code, x, y in zip(CODES, lon, lat):
            w.writerow([code, "部件", "D01", "城管委", "完好", "2024-03-01", "110101001001001", f"{x:.8f}", f"{y:.8f}"])
    return path


def test_import_census_lands_valid_records_and_rejects_with_reason(provider, tmp_path):
    import processing

    store_path = tmp_path / "census.gpkg"
    rejects = tmp_path / "rejects.csv"
    out = processing.run("wanmi:import_census", {
        "INPUT": str(_survey_csv(tmp_path / "survey.csv")), "COORDS": 2, "X_FIELD": "经度", "Y_FIELD": "纬度",
        "SCHEME": 0, "STORE": str(store_path), "REJECTS": str(rejects)})
    assert (out["INSERTED"], out["REJECTED"]) == (4, 1)
    with open(rejects, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["管理部件标识码"] for r in rows] == ["991801000009"] and "major" in rows[0]["reason"]
    assert rows[0]["source_line"] == "6" and rows[0]["经度"] != ""  # the file's columns and GCJ-02 text, as read
    stored = GeoPackageStore(store_path).read().to_crs("EPSG:4548")
    truth = gpd.GeoSeries([Point(p) for p in TRUE_WGS[:4]], crs="EPSG:4326").to_crs("EPSG:4548")
    assert stored["code"].tolist() == CODES[:4]
    assert (stored.distance(truth.set_axis(stored.index), align=False) < 1.0).all()  # GCJ-02 undone to < 1 m
    layer = QgsVectorLayer(out["COMPONENTS"], "c", "ogr")
    assert layer.isValid() and layer.featureCount() == 4


def test_import_census_stores_nothing_when_the_reject_list_cannot_be_written(provider, tmp_path):
    """Records and their reject list change together: a reject list that cannot be written (here: its folder
    is a file) leaves the store as it was, and a re-run with a writable path rejects nothing as duplicate."""
    import processing
    from qgis.core import QgsProcessingException

    store_path = tmp_path / "census.gpkg"
    (tmp_path / "blocked").write_text("not a folder", encoding="utf-8")
    params = {"INPUT": str(_survey_csv(tmp_path / "survey.csv")), "COORDS": 2, "X_FIELD": "经度", "Y_FIELD": "纬度",
              "SCHEME": 0, "STORE": str(store_path), "REJECTS": str(tmp_path / "blocked" / "rejects.csv")}
    with pytest.raises(QgsProcessingException):
        processing.run("wanmi:import_census", params)
    assert not store_path.exists() or len(GeoPackageStore(store_path).read()) == 0
    out = processing.run("wanmi:import_census", {**params, "REJECTS": str(tmp_path / "rejects.csv")})
    assert (out["INSERTED"], out["REJECTED"]) == (4, 1)


def test_validate_census_outputs_problem_records(provider, tmp_path):
    import processing

    out = processing.run("wanmi:validate_census", {
        "INPUT": str(_survey_csv(tmp_path / "survey.csv")), "COORDS": 2, "SCHEME": 0, "OUTPUT": "memory:"})
    assert out["PROBLEM_RECORDS"] == 1
    feature = next(out["OUTPUT"].getFeatures())
    assert feature["code"] == "991801000009" and feature["problems"] == "unknown_class"


def test_assign_and_locate(provider, tmp_path):
    import processing

    cells = gpd.GeoDataFrame(
        {"code": ["110101001001001", "110101002003001"], "street_code": ["001", "002"],
         "community_code": ["001", "003"], "district_code": ["110101", "110101"]},
        geometry=[box(448000, 4413000, 448100, 4413100), box(448100, 4413000, 448200, 4413100)], crs="EPSG:4548")
    comps = gpd.GeoDataFrame(
        {"code": ["011801000001", "011801000002", "040201000001"], "name": ["a", "b", "c"],
         "status": ["完好", "破损", "完好"], "cell_code": ["110101001001001", None, None]},
        geometry=[Point(448050, 4413050), Point(448150, 4413050), Point(449000, 4413050)], crs="EPSG:4548")
    cells.to_file(tmp_path / "cells.gpkg", layer="unit_cells", engine="pyogrio")
    comps.to_file(tmp_path / "comps.gpkg", layer="components", engine="pyogrio")
    out = processing.run("wanmi:assign_components", {
        "INPUT": f"{tmp_path / 'comps.gpkg'}|layername=components",
        "CELLS": f"{tmp_path / 'cells.gpkg'}|layername=unit_cells", "CODE_FIELD": "code", "SCHEME": 0,
        "OUTPUT": "memory:", "MISMATCHES": "memory:"})
    got = {f["code"]: (f["cell_code"], f["street_code"]) for f in out["OUTPUT"].getFeatures()}
    assert got["011801000001"] == ("110101001001001", "001")
    assert got["011801000002"] == ("110101002003001", "002")
    assert not got["040201000001"][0]  # NULL: outside every cell
    assert out["OUTSIDE"] == 1
    problems = sorted((f["code"], f["problem"]) for f in out["MISMATCHES"].getFeatures())
    assert problems == [("011801000002", "area_mismatch"), ("040201000001", "outside_cells")]

    found = processing.run("wanmi:locate_codes", {
        "INPUT": f"{tmp_path / 'comps.gpkg'}|layername=components", "CODES": "011801000002, 011801000777",
        "SCHEME": 0, "OUTPUT": "memory:"})
    assert found["FOUND"] == 1
    feature = next(found["OUTPUT"].getFeatures())
    assert feature["code"] == "011801000002" and feature["class_name"] == "路灯"
    assert feature.geometry().asPoint().x() == pytest.approx(448150)
