"""Parity of the cases step's front ends (issue 14): ``wanmi cases import|overlay`` and ``wanmi:import_cases`` /
``wanmi:overlay_cases``, generated from one declaration each (``wanmi.workflow.cases``), give identical outputs
and the same refusals on the same input — checked against independent expectations (point-in-polygon with
GeoPandas, the records' own coordinates), not against stored outputs. ``wanmi cases synth`` is command-line only.

Data: three real Dongcheng communities of the bundled sample, partitioned into unit cells with ``wanmi
partition``, and SYNTHETIC cases made over them with ``wanmi cases synth``.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from qgis.core import QgsApplication, QgsProcessingException, QgsVectorLayer

from wanmi.cli import main
from wanmi.layers.case_store import read_case_metadata, read_case_store

from .conftest import ROOT

SAMPLE = ROOT / "layers" / "sample" / "dongcheng.gpkg"
HEADER = ["案卷编号", "案卷类型", "小类代码", "部件编码", "案卷来源", "上报时间", "立案时间", "案卷状态", "经度",
          "纬度"]
TIMES = ["2025-03-01 08:00", "2025-03-01 08:10"]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, Path]:
    """Three communities, their unit cells (all, and those of the first two), SYNTHETIC cases over all cells."""
    folder = tmp_path_factory.mktemp("cases_parity")
    communities = gpd.read_file(SAMPLE, layer="communities").head(3)
    files = {"communities": folder / "communities.gpkg", "cells": folder / "cells.gpkg",
             "cells2": folder / "cells2.gpkg", "store": folder / "synthetic.gpkg"}
    communities.to_file(files["communities"], layer="communities", engine="pyogrio")
    assert main(["-q", "partition", str(files["communities"]), "--out", str(files["cells"])]) == 0
    cells = gpd.read_file(files["cells"], layer="unit_cells")
    first_two = cells["community_code"].isin(communities["community_code"].iloc[:2])
    cells[first_two].to_file(files["cells2"], layer="unit_cells", engine="pyogrio")
    assert main(["-q", "cases", "synth", str(files["cells"]), "--n", "600", "--seed", "7", "--start", "2025-01-01",
                 "--end", "2025-04-01", "--out", str(files["store"])]) == 0
    return files


def _expected_cells(cases: gpd.GeoDataFrame, cells_path: Path) -> dict[str, str | None]:
    """case_id → code of the cell containing the case (None outside every cell), by GeoPandas."""
    cells = gpd.read_file(cells_path, layer="unit_cells")
    joined = gpd.sjoin(cases[["case_id", "geometry"]], cells[["code", "geometry"]], predicate="within", how="left")
    assert not joined["case_id"].duplicated().any()  # random points: none on a shared edge
    return {cid: (code if isinstance(code, str) else None) for cid, code in zip(joined["case_id"], joined["code"])}


def _codes(frame: pd.DataFrame) -> dict[str, str | None]:
    return {cid: (code if isinstance(code, str) else None) for cid, code in zip(frame["case_id"], frame["cell_code"])}


def _refusals(capsys, argv: list[str], algorithm: str, parameters: dict) -> tuple[str, str]:
    """(CLI error text, Processing error text) of a refused run; the CLI exits with status 2."""
    import processing

    assert main(argv) == 2
    cli_message = capsys.readouterr().err
    with pytest.raises(QgsProcessingException) as refused:
        processing.run(algorithm, parameters)
    return cli_message, str(refused.value)


# --- overlay -------------------------------------------------------------------------------------------------------
def test_overlay_per_community_of_a_period_is_identical_and_right(provider, data, tmp_path):
    import processing

    out = tmp_path / "overlay.gpkg"
    assert main(["-q", "cases", "overlay", str(data["store"]), str(data["cells2"]), "--out", str(out),
                 "--period", "2025-02", "--by", "community_code", "--no-class"]) == 0
    res = processing.run("wanmi:overlay_cases", {
        "CASES": f"{data['store']}|layername=cases", "CELLS": f"{data['cells2']}|layername=unit_cells",
        "PERIOD": "2025-02", "BY": 1, "BY_CLASS": False, "OUTPUT": str(tmp_path / "q_cases.gpkg"),
        "COUNTS": str(tmp_path / "q_counts.gpkg")})
    cases = gpd.read_file(data["store"], layer="cases")
    feb = cases[(cases["reported_at"] >= "2025-02-01") & (cases["reported_at"] < "2025-03-01")]
    expected = _expected_cells(feb, data["cells2"])
    inside = sum(code is not None for code in expected.values())
    assert 0 < inside < len(feb)  # cases in the third community lie outside the two communities' cells
    cli_cases, qgis_cases = gpd.read_file(out, layer="cases"), gpd.read_file(tmp_path / "q_cases.gpkg")
    assert _codes(cli_cases) == _codes(qgis_cases) == expected
    assert (res["CASE_COUNT"], res["INSIDE"]) == (len(feb), inside)
    cli_counts = gpd.read_file(out, layer="case_counts_community").set_index("community_code").sort_index()
    qgis_counts = gpd.read_file(tmp_path / "q_counts.gpkg").set_index("community_code").sort_index()
    per_community = Counter(code[:12] for code in expected.values() if code is not None)
    assert cli_counts["cases"].to_dict() == qgis_counts["cases"].to_dict() == dict(per_community)
    assert list(cli_counts.columns) == list(qgis_counts.columns)
    assert not [c for c in cli_counts.columns if c.startswith(("bj_", "sj_"))]  # --no-class / BY_CLASS false
    assert (cli_counts["area_m2"] - qgis_counts["area_m2"]).abs().max() < 1e-6
    meta = read_case_metadata(out)
    assert (meta["period"], meta["count_by"], meta["synthetic"], meta["seed"]) == ("2025-02", "community_code",
                                                                                    True, "7")


def test_overlay_per_cell_with_class_columns_is_identical_and_right(provider, data, tmp_path):
    import processing

    out = tmp_path / "overlay.gpkg"
    assert main(["-q", "cases", "overlay", str(data["store"]), str(data["cells"]), "--out", str(out)]) == 0
    processing.run("wanmi:overlay_cases", {
        "CASES": f"{data['store']}|layername=cases", "CELLS": f"{data['cells']}|layername=unit_cells",
        "OUTPUT": str(tmp_path / "q_cases.gpkg"), "COUNTS": str(tmp_path / "q_counts.gpkg")})
    expected = Counter(_expected_cells(gpd.read_file(data["store"], layer="cases"), data["cells"]).values())
    cli = gpd.read_file(out, layer="case_counts_cell").set_index("cell_code").sort_index()
    qgis = gpd.read_file(tmp_path / "q_counts.gpkg").set_index("cell_code").sort_index()
    counts = [c for c in cli.columns if c not in ("geometry", "area_m2", "cases_per_ha")]
    assert list(cli.columns) == list(qgis.columns)
    pd.testing.assert_frame_equal(cli[counts], qgis[counts], check_dtype=False)
    assert cli["cases"].to_dict() == {code: expected.get(code, 0) for code in cli.index}
    classes = [c for c in counts if c.startswith(("bj_", "sj_"))]
    assert classes and (cli[classes].sum(axis=1) == cli["cases"]).all()
    assert all(a.equals_exact(b, 1e-6) for a, b in zip(cli.geometry, qgis.geometry))


def test_overlay_refusals_are_the_same(provider, data, tmp_path, capsys):
    cells = gpd.read_file(data["cells"], layer="unit_cells").rename(columns={"code": "cell"})
    cells.to_file(tmp_path / "nocode.gpkg", layer="unit_cells", engine="pyogrio")
    out = str(tmp_path / "o.gpkg")
    argv = ["-q", "cases", "overlay", str(data["store"]), str(tmp_path / "nocode.gpkg"), "--out", out]
    params = {"CASES": f"{data['store']}|layername=cases", "OUTPUT": str(tmp_path / "q.gpkg"),
              "CELLS": f"{tmp_path / 'nocode.gpkg'}|layername=unit_cells"}
    for message in _refusals(capsys, argv, "wanmi:overlay_cases", params):
        assert "The cells have no code field 'code'" in message
    argv = ["-q", "cases", "overlay", str(data["store"]), str(data["cells"]), "--out", out, "--period", "spring"]
    params = {**params, "CELLS": f"{data['cells']}|layername=unit_cells", "PERIOD": "spring"}
    for message in _refusals(capsys, argv, "wanmi:overlay_cases", params):
        assert "period 'spring' is not understood" in message
    assert not (tmp_path / "o.gpkg").exists() and not (tmp_path / "q.gpkg").exists()


# --- import --------------------------------------------------------------------------------------------------------
@pytest.fixture
def records(data, tmp_path) -> dict[str, Path]:
    """A case export (CSV, Chinese headers, lon/lat) over the three communities, the jurisdiction (the first
    two) and a census of one component (a vector file, not a census store)."""
    communities = gpd.read_file(data["communities"], layer="communities")
    inner = gpd.GeoSeries(communities.geometry.representative_point().to_numpy(), crs=communities.crs)
    lonlat = inner.to_crs(4326)
    census = gpd.GeoDataFrame({"code": ["110101001001000001"], "class_code": ["0101"]},
                              geometry=[shapely.Point(inner.iloc[0].x + 5, inner.iloc[0].y + 5)], crs=communities.crs)
    files = {"csv": tmp_path / "cases.csv", "jurisdiction": tmp_path / "jurisdiction.gpkg",
             "census": tmp_path / "census.gpkg"}
    communities.head(2).to_file(files["jurisdiction"], layer="communities", engine="pyogrio")
    census.to_file(files["census"], layer="components", engine="pyogrio")

    def at(k: int) -> list[str]:
        return [f"{lonlat.iloc[k].x:.8f}", f"{lonlat.iloc[k].y:.8f}"]

    rows = [["A1", "事件", "0102", "", "监督员", *TIMES, "办理中", *at(0)],                       # stored
            ["A2", "事件", "0102", "", "监督员", *TIMES, "办理中", *at(2)],                       # outside
            ["A3", "事件", "9999", "", "监督员", *TIMES, "办理中", *at(1)],                       # unknown class
            ["A4", "部件", "0101", "110101001001000001", "监督员", *TIMES, "办理中", "", ""],     # at the component
            ["A5", "部件", "0101", "110101009999000001", "监督员", *TIMES, "办理中", "", ""],     # not in the census
            ["A6", "事件", "0102", "", "监督员", TIMES[1], TIMES[0], "办理中", *at(1)]]           # time order
    with open(files["csv"], "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    files["points"] = inner  # the communities' inner points (EPSG:4548), where A1 must land
    files["component"] = census.geometry.iloc[0]
    return files


def _problems(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8-sig") as fh:
        return {row["案卷编号"]: row["problems"] for row in csv.DictReader(fh)}


def test_import_stores_and_rejects_identically(provider, records, tmp_path, capsys):
    import processing

    cli_store, qgis_store = tmp_path / "cli.gpkg", tmp_path / "qgis.gpkg"
    assert main(["-q", "cases", "import", str(records["csv"]), "--out", str(cli_store), "--components",
                 str(records["census"]), "--jurisdiction", str(records["jurisdiction"]),
                 "--rejects", str(tmp_path / "cli.csv")]) == 0
    assert "2 case(s) stored" in capsys.readouterr().out
    res = processing.run("wanmi:import_cases", {
        "INPUT": str(records["csv"]), "COORDS": 0, "COMPONENTS": f"{records['census']}|layername=components",
        "JURISDICTION": f"{records['jurisdiction']}|layername=communities", "STORE": str(qgis_store),
        "REJECTS": str(tmp_path / "qgis.csv")})
    assert (res["WRITTEN"], res["REJECTED"]) == (2, 4)
    cli, qgis = read_case_store(cli_store), read_case_store(qgis_store)
    assert cli["case_id"].tolist() == qgis["case_id"].tolist() == ["A1", "A4"]
    assert cli["located_by"].tolist() == qgis["located_by"].tolist() == ["coordinates", "component"]
    assert cli.crs.equals(qgis.crs)
    assert all(a.equals_exact(b, 1e-9) for a, b in zip(cli.geometry, qgis.geometry))
    metric = cli.to_crs(records["points"].crs).geometry
    assert metric.iloc[0].distance(records["points"].iloc[0]) < 0.01  # the record's own lon/lat
    assert metric.iloc[1].distance(records["component"]) < 0.01  # placed at its component
    expected = {"A2": "outside_jurisdiction", "A3": "unknown_class", "A6": "time_order"}
    for problems in (_problems(tmp_path / "cli.csv"), _problems(tmp_path / "qgis.csv")):
        assert set(problems) == {"A2", "A3", "A5", "A6"}
        assert {k: problems[k] for k in expected} == expected and "unknown_component" in problems["A5"]
    assert (tmp_path / "cli.csv").read_bytes() == (tmp_path / "qgis.csv").read_bytes()
    assert read_case_metadata(cli_store)["data_source"] == read_case_metadata(qgis_store)["data_source"]
    layer = QgsVectorLayer(res["CASES"], "cases", "ogr")
    assert layer.isValid() and layer.featureCount() == 2
    del layer


def test_import_projected_xy_with_a_crs_in_both(provider, records, tmp_path):
    """x/y in metres (CGCS2000 Gauss-Krüger): --coords-crs on the command line, COORDS_CRS in Processing."""
    import processing

    points = records["points"]
    path = tmp_path / "xy.csv"
    pd.DataFrame({"case_id": ["X1", "X2"], "kind": "事件", "class_code": "0102", "source": "监督员",
                  "reported_at": TIMES[0], "state": "办理中", "x": points.x.iloc[:2], "y": points.y.iloc[:2]}
                 ).to_csv(path, index=False)
    assert main(["-q", "cases", "import", str(path), "--out", str(tmp_path / "cli.gpkg"), "--coords-crs",
                 "EPSG:4548", "--x", "x", "--y", "y"]) == 0
    processing.run("wanmi:import_cases", {"INPUT": str(path), "COORDS_CRS": "EPSG:4548", "X_FIELD": "x", "Y_FIELD": "y",
                                          "STORE": str(tmp_path / "qgis.gpkg")})
    for store in ("cli.gpkg", "qgis.gpkg"):
        stored = read_case_store(tmp_path / store).to_crs(points.crs)
        assert stored["case_id"].tolist() == ["X1", "X2"]
        assert max(a.distance(b) for a, b in zip(stored.geometry, points.iloc[:2])) < 0.01


def test_import_refusals_are_the_same(provider, records, tmp_path, capsys):
    argv = ["-q", "cases", "import", str(records["csv"]), "--out", str(tmp_path / "c.gpkg"), "--strict",
            "--jurisdiction", str(records["jurisdiction"])]
    params = {"INPUT": str(records["csv"]), "STRICT": True, "STORE": str(tmp_path / "q.gpkg"),
              "JURISDICTION": f"{records['jurisdiction']}|layername=communities"}
    for message in _refusals(capsys, argv, "wanmi:import_cases", params):
        assert "case records rejected (nothing written); first: row" in message
    argv = ["-q", "cases", "import", str(records["csv"]), "--out", str(tmp_path / "c.gpkg"),
            "--jurisdiction", str(records["census"])]
    params = {"INPUT": str(records["csv"]), "STORE": str(tmp_path / "q.gpkg"),
              "JURISDICTION": f"{records['census']}|layername=components"}
    for message in _refusals(capsys, argv, "wanmi:import_cases", params):
        assert "the jurisdiction must be Polygon or MultiPolygon geometries, the layer has Point" in message
    assert not (tmp_path / "c.gpkg").exists() and not (tmp_path / "q.gpkg").exists()


# --- synthetic cases: command line only ------------------------------------------------------------------------------
def test_synth_is_seeded_labelled_inside_the_cells_and_command_line_only(provider, data, tmp_path, capsys):
    assert QgsApplication.processingRegistry().algorithmById("wanmi:synthetic_cases") is None
    again = tmp_path / "again.gpkg"
    assert main(["-q", "cases", "synth", str(data["cells"]), "--n", "600", "--seed", "7", "--start", "2025-01-01",
                 "--end", "2025-04-01", "--out", str(again)]) == 0
    first, second = read_case_store(data["store"]), read_case_store(again)
    assert len(first) == 600 and first["case_id"].tolist() == second["case_id"].tolist()
    assert all(a.equals(b) for a, b in zip(first.geometry, second.geometry))
    cells = gpd.read_file(data["cells"], layer="unit_cells")
    assert first.geometry.within(cells.union_all().buffer(1e-6)).all()
    assert first["reported_at"].min() >= pd.Timestamp("2025-01-01") > first["reported_at"].max() - pd.Timedelta(
        days=90)
    meta = read_case_metadata(again)
    assert meta["synthetic"] is True and meta["seed"] == "7" and (second["synthetic"] == 1).all()
    assert [name for name, _ in pyogrio.list_layers(again)] == ["cases", "case_metadata"]
    assert main(["-q", "cases", "synth", str(data["cells"]), "--start", "spring", "--out",
                 str(tmp_path / "x.gpkg")]) == 2
    assert "start 'spring' is not a date" in capsys.readouterr().err and not (tmp_path / "x.gpkg").exists()
