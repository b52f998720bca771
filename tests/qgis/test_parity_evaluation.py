"""Parity of the evaluation step's front ends (issue 14): ``wanmi evaluate``/``wanmi render`` and
``wanmi:evaluate``/``wanmi:render_map``, generated from one declaration each, give the same scores and grades,
the same images and the same refusals on the same input — checked against counts worked out by hand."""

from __future__ import annotations

import re

import geopandas as gpd
import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from qgis.core import QgsProcessingException, QgsProcessingFeedback

from wanmi.cli import main
from wanmi.layers.gpkg import write_gpkg

T = pd.Timestamp
CRS = "EPSG:4548"
X0, Y0 = 447_000.0, 4_420_000.0
#: cell (column, row) → (cases closed on time, closed late, still open); the other three cells have none
CASES = {(0, 0): (3, 0, 1), (1, 0): (0, 1, 3), (2, 0): (2, 0, 0)}
#: by hand: closure rate (closed / due) and on-time closure rate per cell, in percent
CLOSURE = {(0, 0): (75.0, 75.0), (1, 0): (25.0, 0.0), (2, 0): (100.0, 100.0)}
COLUMNS = ["closure_rate", "on_time_closure_rate", "score", "grade", "n_registered_all"]


class Recorder(QgsProcessingFeedback):
    """Processing feedback that keeps the log lines and warnings."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def pushInfo(self, info):  # noqa: N802 (QGIS API)
        self.lines.append(info)

    def reportError(self, error, fatalError=False):  # noqa: N802, N803 (QGIS API)
        self.lines.append(error)


def _code(i: int, j: int) -> str:
    community = "001" if i < 2 else "002"
    return f"110101001{community}{j * 2 + i % 2 + 1:03d}"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    """3 × 2 cells of 100 m (columns 0–1: community 001, column 2: 002) and the cases of :data:`CASES`, due
    one day after registration in March 2025, in two departments, stored as GeoPackages."""
    folder = tmp_path_factory.mktemp("evaluation")
    cells = gpd.GeoDataFrame(
        {"code": [_code(i, j) for j in range(2) for i in range(3)], "district_code": "110101", "street_code": "001",
         "community_code": ["001" if i < 2 else "002" for j in range(2) for i in range(3)], "area_m2": 10_000.0},
        geometry=[shapely.box(X0 + i * 100, Y0 + j * 100, X0 + i * 100 + 100, Y0 + j * 100 + 100)
                  for j in range(2) for i in range(3)], crs=CRS)
    rows = []
    for (i, j), (on_time, late, open_) in CASES.items():
        for k, closed in enumerate(["2025-03-03 12:00"] * on_time + ["2025-03-05 12:00"] * late + [None] * open_):
            rows.append({"case_id": f"C{i}{j}{k}", "kind": "事件", "class_code": "06010", "source": "监督员",
                         "dept_code": "D1" if i == 0 else "D2", "dept_name": "环卫" if i == 0 else "园林",
                         "supervisor": "S1", "reported_at": T("2025-03-03 09:00"),
                         "registered_at": T("2025-03-03 09:00"), "deadline": T("2025-03-04 09:00"),
                         "disposed_at": T(closed) if closed else pd.NaT, "closed_at": T(closed) if closed else pd.NaT,
                         "rework_count": 0, "state": "已结案" if closed else "办理中",
                         "geometry": shapely.Point(X0 + i * 100 + 10 + k, Y0 + j * 100 + 50)})
    cases = gpd.GeoDataFrame(rows, crs=CRS)
    write_gpkg(folder / "cells.gpkg", {"unit_cells": cells})
    write_gpkg(folder / "cases.gpkg", {"cases": cases})
    return {"cells": str(folder / "cells.gpkg"), "cases": str(folder / "cases.gpkg"), "frame": cases}


def _evaluate_both(inputs, tmp_path, by: str, with_cells: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    import processing

    from wanmi.core.enums import GROUP_KEYS

    argv = ["-q", "evaluate", inputs["cases"], "--by", by, "--period", "2025-03", "--out", str(tmp_path / "cli.gpkg")]
    params = {"INPUT": f"{inputs['cases']}|layername=cases", "BY": GROUP_KEYS.index(by), "PERIOD": "2025-03",
              "OUTPUT": str(tmp_path / "qgis.gpkg")}
    if with_cells:
        argv += ["--cells", inputs["cells"]]
        params["CELLS"] = f"{inputs['cells']}|layername=unit_cells"
    assert main(argv) == 0
    result = processing.run("wanmi:evaluate", params)
    assert result["UNITS"] >= 1
    cli = pyogrio.read_dataframe(tmp_path / "cli.gpkg", layer="scores")
    qgis = pyogrio.read_dataframe(tmp_path / "qgis.gpkg")
    assert result["UNITS"] == len(cli) == len(qgis)
    assert result["NO_DATA"] == int(cli["score"].isna().sum())
    return cli.set_index("code").sort_index(), qgis.set_index("code").sort_index()


def _same(cli: pd.DataFrame, qgis: pd.DataFrame) -> None:
    assert list(cli.index) == list(qgis.index)
    for column in COLUMNS:
        a, b = cli[column], qgis[column]
        if column == "grade":
            assert a.tolist() == b.tolist()
        else:
            assert np.allclose(a.to_numpy(float), b.to_numpy(float), equal_nan=True), column


def test_evaluate_per_cell_gives_the_same_scores_and_grades(provider, inputs, tmp_path):
    cli, qgis = _evaluate_both(inputs, tmp_path, "cell_code", with_cells=True)
    _same(cli, qgis)
    assert len(cli) == 6  # every cell, with or without cases
    for (i, j), (closure, on_time) in CLOSURE.items():
        row = cli.loc[_code(i, j)]
        assert (row["closure_rate"], row["on_time_closure_rate"]) == pytest.approx((closure, on_time))
        assert row["n_registered_all"] == sum(CASES[(i, j)])
    empty = [_code(i, 1) for i in range(3)]
    assert (cli.loc[empty, "grade"] == "无数据").all() and cli.loc[empty, "score"].isna().all()
    assert (cli.drop(index=empty)["grade"] != "无数据").all()
    cli_geoms = gpd.read_file(tmp_path / "cli.gpkg", layer="scores").set_index("code").sort_index().geometry
    qgis_geoms = gpd.read_file(tmp_path / "qgis.gpkg").set_index("code").sort_index().geometry
    assert shapely.equals(cli_geoms.values, qgis_geoms.values).all()


def test_evaluate_per_community_sums_the_cells_identically(provider, inputs, tmp_path):
    cli, qgis = _evaluate_both(inputs, tmp_path, "community_code", with_cells=True)
    _same(cli, qgis)
    assert list(cli.index) == ["110101001001", "110101001002"]
    # community 001: cells (0, 0) and (1, 0): 4 of 8 due cases closed, 3 on time
    assert cli.loc["110101001001", ["closure_rate", "on_time_closure_rate"]].tolist() == pytest.approx([50.0, 37.5])
    assert cli.loc["110101001002", "closure_rate"] == pytest.approx(100.0)


def test_evaluate_per_department_gives_the_same_table(provider, inputs, tmp_path):
    cli, qgis = _evaluate_both(inputs, tmp_path, "dept_code", with_cells=False)
    _same(cli, qgis)
    assert cli.loc["D1", "closure_rate"] == pytest.approx(75.0)  # 3 of 4 closed
    assert cli.loc["D2", "closure_rate"] == pytest.approx(50.0)  # 1 + 2 of 6 closed (the late one counts)
    assert cli.loc["D2", "dept_name"] == qgis.loc["D2", "dept_name"] == "园林"
    for path in (tmp_path / "cli.gpkg", tmp_path / "qgis.gpkg"):
        assert pyogrio.read_info(path)["geometry_type"] is None  # a table, not a layer of empty geometries


def test_bad_weights_are_refused_with_the_same_message(provider, inputs, tmp_path, capsys):
    import processing

    bad = tmp_path / "weights.json"
    bad.write_text('{"kinds": {"region": {"closure_rate": {"weight": 0.7}}}}', encoding="utf-8")
    assert main(["-q", "evaluate", inputs["cases"], "--cells", inputs["cells"], "--weights", str(bad),
                 "--out", str(tmp_path / "cli.gpkg")]) == 2
    cli_message = capsys.readouterr().err
    with pytest.raises(QgsProcessingException) as refused:
        processing.run("wanmi:evaluate", {"INPUT": f"{inputs['cases']}|layername=cases", "WEIGHTS": str(bad),
                                          "CELLS": f"{inputs['cells']}|layername=unit_cells",
                                          "OUTPUT": str(tmp_path / "qgis.gpkg")})
    assert "add up to 0.7" in cli_message and "add up to 0.7" in str(refused.value)
    assert not (tmp_path / "cli.gpkg").exists() and not (tmp_path / "qgis.gpkg").exists()


@pytest.fixture(scope="module")
def scores(inputs, tmp_path_factory) -> str:
    """The per-cell and per-department evaluation of the cases, as the command line writes it."""
    folder = tmp_path_factory.mktemp("scores")
    assert main(["-q", "evaluate", inputs["cases"], "--cells", inputs["cells"], "--period", "2025-03",
                 "--out", str(folder / "cells.gpkg")]) == 0
    assert main(["-q", "evaluate", inputs["cases"], "--by", "dept_code", "--period", "2025-03",
                 "--out", str(folder / "depts.gpkg")]) == 0
    return str(folder)


def _class_lines(lines: list[str]) -> list[str]:
    """The legend classes with their unit counts (``label: n``) among the lines a front end printed."""
    return [line.strip() for line in lines if re.fullmatch(r".+: \d+", line.strip())]


@pytest.mark.parametrize("layer, args, params", [
    ("cells", [], {}),
    ("cells", ["--column", "closure_rate", "--method", "jenks", "--classes", "3"],
     {"FIELD": "closure_rate", "METHOD": 1, "CLASSES": 3}),
    ("depts", [], {}),  # a table: a ranking chart in both
])
def test_render_draws_the_same_image(provider, scores, tmp_path, capsys, layer, args, params):
    import processing

    source = f"{scores}/{layer}.gpkg"
    assert main(["render", source, "--out", str(tmp_path / "cli.png"), "--title", "测试", "--pdf", *args]) == 0
    cli_lines = capsys.readouterr().out.splitlines()
    feedback = Recorder()
    result = processing.run("wanmi:render_map", {"INPUT": f"{source}|layername=scores", "TITLE": "测试", "PDF": True,
                                                 "OUTPUT": str(tmp_path / "qgis.png"), **params}, feedback=feedback)
    assert result["OUTPUT"] == str(tmp_path / "qgis.png") and result["PDF"] == str(tmp_path / "qgis.pdf")
    assert (tmp_path / "cli.pdf").read_bytes().startswith(b"%PDF")
    a, b = mpimg.imread(tmp_path / "cli.png"), mpimg.imread(tmp_path / "qgis.png")
    assert a.shape == b.shape and a.shape[0] > 500
    assert np.mean(np.any(np.abs(a - b) > 0.02, axis=-1)) < 0.01  # the same drawing
    assert _class_lines(cli_lines) == _class_lines(feedback.lines)
    if layer == "cells" and not args:  # the legend counts are the evaluation's: 3 cells with data, 3 without
        counts = pyogrio.read_dataframe(source, layer="scores")["grade"].value_counts()
        assert "无数据: 3" in _class_lines(cli_lines) and counts["无数据"] == 3
        assert sum(int(line.rsplit(": ", 1)[1]) for line in _class_lines(cli_lines)) == 6


def test_render_refuses_a_missing_field_with_the_same_message(provider, scores, tmp_path, capsys):
    import processing

    source = f"{scores}/cells.gpkg"
    assert main(["render", source, "--column", "nosuch", "--out", str(tmp_path / "cli.png")]) == 2
    cli_message = capsys.readouterr().err
    with pytest.raises(QgsProcessingException) as refused:
        processing.run("wanmi:render_map", {"INPUT": f"{source}|layername=scores", "FIELD": "nosuch",
                                            "OUTPUT": str(tmp_path / "qgis.png")})
    assert "no column 'nosuch' to map" in cli_message and "no column 'nosuch' to map" in str(refused.value)
    assert not (tmp_path / "cli.png").exists() and not (tmp_path / "qgis.png").exists()
