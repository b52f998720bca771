"""``wanmi evaluate`` / ``wanmi render`` end to end on a small GeoPackage (values checked by hand)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from wanmi.cli import main
from wanmi.layers.gpkg import read_styles, write_gpkg

T = pd.Timestamp


def _files(tmp_path):
    cells = gpd.GeoDataFrame({"code": ["110101001001001", "110101001001002", "110101001002001"],
                              "district_code": "110101", "street_code": "001",
                              "community_code": ["001", "001", "002"], "area_m2": 10_000.0},
                             geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100),
                                       shapely.box(200, 0, 300, 100)], crs="EPSG:4548")
    n = 8  # cell 1: 4 cases, 3 closed on time; cell 2: 4 cases, 1 closed late; cell 3: none
    reg = [T("2025-03-03 09:00")] * n
    deadline = [T("2025-03-04 09:00")] * n
    closed = [T("2025-03-03 12:00")] * 3 + [pd.NaT] + [T("2025-03-05 12:00")] + [pd.NaT] * 3
    cases = gpd.GeoDataFrame({
        "case_id": [f"C{i}" for i in range(n)], "kind": "事件", "class_code": "06010", "source": "监督员",
        "dept_code": ["D1"] * 4 + ["D2"] * 4, "dept_name": ["环卫"] * 4 + ["园林"] * 4, "supervisor": "S1",
        "reported_at": reg, "registered_at": reg, "disposed_at": closed, "closed_at": closed, "deadline": deadline,
        "rework_count": 0, "state": ["已结案" if not pd.isna(c) else "办理中" for c in closed]},
        geometry=gpd.points_from_xy([50] * 4 + [150] * 4, [50] * n), crs="EPSG:4548")
    write_gpkg(tmp_path / "cells.gpkg", {"unit_cells": cells})
    write_gpkg(tmp_path / "cases.gpkg", {"cases": cases})
    return tmp_path / "cells.gpkg", tmp_path / "cases.gpkg"


def test_evaluate_and_render_cli(tmp_path, capsys):
    cells, cases = _files(tmp_path)
    out = tmp_path / "scores.gpkg"
    assert main(["-q", "evaluate", str(cases), "--cells", str(cells), "--by", "cell_code", "--period", "2025-03",
                 "--out", str(out)]) == 0
    scores = gpd.read_file(out, layer="scores").set_index("code")
    assert scores["closure_rate"].round(2).tolist()[:2] == [75.0, 25.0]
    assert scores["grade"].iloc[2] == "无数据" and scores["score"].isna().iloc[2]
    assert "<category" in read_styles(out)["scores"]
    assert main(["render", str(out), "--out", str(tmp_path / "map.png"), "--pdf", "--title", "测试"]) == 0
    assert (tmp_path / "map.png").stat().st_size > 20_000 and (tmp_path / "map.pdf").exists()
    depts = tmp_path / "depts.gpkg"
    assert main(["-q", "evaluate", str(cases), "--by", "dept_code", "--period", "2025-03", "--out", str(depts)]) == 0
    table = pyogrio.read_dataframe(depts, layer="scores", read_geometry=False).set_index("code")
    assert table.loc["D1", "closure_rate"] == 75.0 and table.loc["D2", "on_time_closure_rate"] == 0.0
    assert main(["render", str(depts), "--out", str(tmp_path / "rank.png")]) == 0
    assert (tmp_path / "rank.png").stat().st_size > 10_000
    text = capsys.readouterr().out
    assert "无数据: 1" in text


def test_evaluate_cli_reports_bad_weights(tmp_path, capsys):
    cells, cases = _files(tmp_path)
    bad = tmp_path / "w.json"
    bad.write_text('{"kinds": {"region": {"closure_rate": {"weight": 0.7}}}}')
    rc = main(["-q", "evaluate", str(cases), "--cells", str(cells), "--out", str(tmp_path / "s.gpkg"),
               "--weights", str(bad)])
    assert rc == 2 and "add up to 0.7" in capsys.readouterr().err
    assert not (tmp_path / "s.gpkg").exists()
