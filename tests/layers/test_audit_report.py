"""Audit report files: Markdown/HTML/CSV agree with the problems; GeoPackage layers typed and styled."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Point, box

from wanmi.core.audit import audit
from wanmi.core.grid import partition
from wanmi.layers.audit_report import write_audit_gpkg, write_audit_report
from wanmi.layers.gpkg import read_styles

X0, Y0 = 500_000.0, 4_400_000.0


@pytest.fixture(scope="module")
def grid():
    comm = gpd.GeoDataFrame(
        {"district_code": ["110101"] * 2, "street_code": ["001"] * 2, "community_code": ["001", "002"]},
        geometry=[box(X0, Y0, X0 + 300, Y0 + 200), box(X0 + 300, Y0, X0 + 600, Y0 + 200)], crs="EPSG:4548")
    return comm, partition(comm).cells


def test_clean_report(grid, tmp_path):
    comm, cells = grid
    result = audit(cells, comm, jurisdiction_name="Test district")
    files = write_audit_report(result, tmp_path / "audit.md")
    md = files["md"].read_text(encoding="utf-8")
    assert "Test district" in md and "No problems found" in md and result.date.isoformat() in md
    assert "No problems found" in files["html"].read_text(encoding="utf-8")
    assert len(pd.read_csv(files["csv"], encoding="utf-8-sig")) == 0
    path = write_audit_gpkg(result, tmp_path / "audit.gpkg")
    layers = dict(pyogrio.list_layers(path))
    assert layers["audit_problems"] == "MultiPolygon" and "audit_points" not in layers
    assert "audit_problems" in read_styles(path)


def test_report_with_problems(grid, tmp_path):
    comm, cells = grid
    cells = cells.copy()
    k = int(np.flatnonzero(shapely.contains_xy(cells.geometry.values, X0 + 5, Y0 + 5))[0])
    cells.loc[k, "geometry"] = cells.geometry.iloc[k].difference(box(X0, Y0, X0 + 10, Y0 + 10))
    cells.loc[0, "code"] = "<bad>"
    pts = gpd.GeoDataFrame({"code": ["010101000001"], "cell_code": [None]}, geometry=[Point(X0 - 5, Y0 - 5)],
                           crs="EPSG:4548")
    result = audit(cells, comm, components=pts)
    assert sorted(result.problems["type"]) == ["component_outside", "gap", "malformed_code"]
    files = write_audit_report(result, tmp_path / "report.html", title="审计 Audit")
    md = files["md"].read_text(encoding="utf-8")
    assert md.startswith("# 审计 Audit")
    assert "| gap | 覆盖缝隙（盲区） | error | cells | 1 | 100.00 |" in md
    html = files["html"].read_text(encoding="utf-8")
    assert "&lt;bad&gt;" in html and "<bad>" not in html
    table = pd.read_csv(files["csv"], encoding="utf-8-sig", dtype={"codes": str})
    assert len(table) == 3 and set(table["type"]) == set(result.problems["type"])
    gap = table[table["type"] == "gap"].iloc[0]
    assert gap["area_m2"] == pytest.approx(100.0)
    assert X0 <= gap["x"] <= X0 + 10 and Y0 <= gap["y"] <= Y0 + 10
    path = write_audit_gpkg(result, tmp_path / "audit.gpkg")
    layers = dict(pyogrio.list_layers(path))
    assert layers["audit_problems"] == "MultiPolygon" and layers["audit_points"] == "Point"
    polys = gpd.read_file(path, layer="audit_problems")
    assert sorted(polys["type"]) == ["gap", "malformed_code"]
    assert polys.loc[polys["type"] == "gap"].area.iloc[0] == pytest.approx(100.0)
    assert set(read_styles(path)) == {"audit_problems", "audit_points"}
