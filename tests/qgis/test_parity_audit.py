"""Parity of the audit step's front ends (issue 14): ``wanmi responsibility`` / ``wanmi:responsibility`` and
``wanmi audit`` / ``wanmi:audit``, generated from one declaration each, give identical outputs and refusals on
the same input — two streets of the Dongcheng sample, partitioned, with component points made here.

The expectations are independent of the code under test: the areas cover exactly the cells and follow the
responsible parties and workload field given; the audit finds exactly the defects planted (a removed cell's
gap of its area, a wrong cell code, components with a wrong cell_code or outside every cell, areas without a
party)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from qgis.core import QgsProcessingException

from wanmi.cli import main
from wanmi.core.grid import partition

from .conftest import ROOT

SAMPLE = ROOT / "layers" / "sample" / "dongcheng.gpkg"
N = 6


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """unit_cells, communities (code fields renamed: dist/jd/sq) and components (one per cell, cell_code right)."""
    from wanmi.layers.gpkg import write_gpkg

    tmp = tmp_path_factory.mktemp("parity_audit")
    communities = gpd.read_file(SAMPLE, layer="communities")
    communities = communities[communities["street_code"].isin(["006", "011"])].reset_index(drop=True)
    cells = partition(communities, valid_from="2026-01-01").cells
    cells["load"] = np.random.default_rng(14).integers(1, 50, len(cells)).astype(float)
    points = shapely.point_on_surface(cells.geometry.values)
    components = gpd.GeoDataFrame({"cell_code": cells["code"].to_numpy()}, geometry=points, crs=cells.crs)
    renamed = communities.rename(columns={"district_code": "dist", "street_code": "jd", "community_code": "sq"})
    path = tmp / "inputs.gpkg"
    write_gpkg(path, {"unit_cells": cells, "communities": renamed, "components": components})
    return tmp, path, cells, communities, components


def _layer(path, name: str) -> str:
    return f"{path}|layername={name}"


def _same_geometries(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> bool:
    ga = shapely.normalize(np.asarray(a.geometry.values, dtype=object))
    gb = shapely.normalize(np.asarray(b.geometry.values, dtype=object))
    return len(ga) == len(gb) and bool(np.all(shapely.equals_exact(ga, gb, tolerance=1e-6)))


def test_responsibility_cli_and_processing_build_the_same_areas(provider, inputs):
    import processing

    tmp, path, cells, _, _ = inputs
    parties = [f"监督员 {k}" for k in range(1, N + 1)]
    assert main(["-q", "responsibility", str(path), "--n", str(N), "--weight", "mix", "--mix", "area=1,components=2",
                 "--components", str(path), "--responsible", ",".join(parties),
                 "--out", str(tmp / "resp_cli.gpkg")]) == 0
    out = processing.run("wanmi:responsibility", {
        "INPUT": _layer(path, "unit_cells"), "N": N, "WEIGHT": 4, "MIX": "area=1,components=2",
        "COMPONENTS": _layer(path, "components"), "RESPONSIBLE": ",".join(parties),
        "OUTPUT": str(tmp / "resp_q.gpkg"), "CELLS_OUTPUT": str(tmp / "resp_q_cells.gpkg")})
    cli = gpd.read_file(tmp / "resp_cli.gpkg", layer="responsibility_areas").sort_values("area_code")
    qgis = gpd.read_file(tmp / "resp_q.gpkg").sort_values("area_code")
    assert out["AREA_COUNT"] == N and len(cli) == N
    assert cli["area_code"].tolist() == qgis["area_code"].tolist()
    assert cli["responsible"].tolist() == qgis["responsible"].tolist() == parties  # in area-code order
    assert _same_geometries(cli, qgis)
    cli_cells = gpd.read_file(tmp / "resp_cli.gpkg", layer="unit_cells").set_index("code")["area_code"]
    q_cells = gpd.read_file(tmp / "resp_q_cells.gpkg").set_index("code")["area_code"]
    assert cli_cells.sort_index().to_dict() == q_cells.sort_index().to_dict()
    # independent: the areas are the dissolved cells, one street each
    by_code = cells.set_index("code")
    for row in cli.itertuples():
        members = by_code.loc[cli_cells.index[cli_cells == row.area_code]]
        assert members["street_code"].nunique() == 1
        assert row.geometry.area == pytest.approx(members.geometry.area.sum(), rel=1e-9)
    assert cli.area.sum() == pytest.approx(cells.area.sum(), rel=1e-9)


def test_responsibility_defaults_and_workload_field_agree(provider, inputs):
    """N left at its default is the practice reference (about 12 cells per area) in both front ends; a
    numeric cell field (CLI --weight, Processing WEIGHT_FIELD) is the workload the areas report."""
    import processing

    tmp, path, cells, _, _ = inputs
    assert main(["-q", "responsibility", str(path), "--out", str(tmp / "ref_cli.gpkg")]) == 0
    ref = processing.run("wanmi:responsibility", {"INPUT": _layer(path, "unit_cells"), "OUTPUT": "memory:"})
    assert len(gpd.read_file(tmp / "ref_cli.gpkg", layer="responsibility_areas")) == ref["AREA_COUNT"]
    assert abs(ref["AREA_COUNT"] - len(cells) / 12) < len(cells) / 24

    assert main(["-q", "responsibility", str(path), "--n", str(N), "--weight", "load",
                 "--out", str(tmp / "load_cli.gpkg")]) == 0
    processing.run("wanmi:responsibility", {"INPUT": _layer(path, "unit_cells"), "N": N, "WEIGHT_FIELD": "load",
                                            "OUTPUT": str(tmp / "load_q.gpkg")})
    cli = gpd.read_file(tmp / "load_cli.gpkg", layer="responsibility_areas").sort_values("area_code")
    qgis = gpd.read_file(tmp / "load_q.gpkg").sort_values("area_code")
    assert _same_geometries(cli, qgis)
    members = gpd.read_file(tmp / "load_cli.gpkg", layer="unit_cells").set_index("code")["area_code"]
    load = cells.set_index("code")["load"].groupby(members).sum()
    assert cli.set_index("area_code")["workload"].to_dict() == pytest.approx(load.to_dict())


@pytest.mark.parametrize("argv, params, expected", [
    (["--weight", "components"], {"WEIGHT": 1}, "needs the components point layer"),
    (["--n", "4", "--responsible", "A,B"], {"N": 4, "RESPONSIBLE": "A,B"}, "name 2 parties for 4 areas"),
    (["--weight", "mix", "--mix", "area=x"], {"WEIGHT": 4, "MIX": "area=x"}, "'area=x' is not name=number"),
])
def test_responsibility_refusals_are_the_same(provider, inputs, capsys, argv, params, expected):
    import processing

    tmp, path, _, _, _ = inputs
    assert main(["-q", "responsibility", str(path), *argv, "--out", str(tmp / "refused.gpkg")]) == 2
    assert expected in capsys.readouterr().err
    with pytest.raises(QgsProcessingException, match=expected):
        processing.run("wanmi:responsibility", {"INPUT": _layer(path, "unit_cells"), "OUTPUT": "memory:", **params})
    assert not (tmp / "refused.gpkg").exists()


@pytest.fixture(scope="module")
def defects(inputs):
    """The planted defects: one cell removed, one cell code pointing at another community, three components
    with a wrong cell_code and one outside every cell, areas of which two have no party."""
    from wanmi.core.responsibility import build_responsibility
    from wanmi.layers.gpkg import write_gpkg

    tmp, _, cells, communities, components = inputs
    removed = cells.iloc[10]
    bad = cells.drop(index=cells.index[10]).reset_index(drop=True)
    foreign = communities.iloc[-1]
    k = int(np.flatnonzero(bad["community_code"] != foreign["community_code"])[0])
    bad.loc[k, "code"] = f"{foreign['district_code']}{foreign['street_code']}{foreign['community_code']}999"
    comps = components[components["cell_code"] != removed["code"]].reset_index(drop=True)
    comps.loc[[0, 1, 2], "cell_code"] = comps.loc[[3, 4, 5], "cell_code"].to_numpy()
    x0, y0, _, _ = communities.total_bounds
    outside = gpd.GeoDataFrame({"cell_code": ["x"]}, geometry=[shapely.Point(x0 - 500, y0 - 500)], crs=comps.crs)
    comps = pd.concat([comps, outside], ignore_index=True)
    areas = build_responsibility(cells, N).areas
    areas["responsible"] = ["", "", *[f"P{i}" for i in range(N - 2)]]
    path = tmp / "defects.gpkg"
    write_gpkg(path, {"unit_cells": bad, "components": comps, "responsibility_areas": areas})
    expected = {"gap": 1, "code_mismatch": 1, "component_cell_mismatch": 3, "component_outside": 1,
                "no_responsible": 2}
    return path, expected, removed.geometry.area


FIELDS = ["--district-field", "dist", "--street-field", "jd", "--community-field", "sq"]
QFIELDS = {"DISTRICT_FIELD": "dist", "STREET_FIELD": "jd", "COMMUNITY_FIELD": "sq"}


def test_audit_cli_and_processing_find_the_same_problems(provider, inputs, defects, capsys):
    import processing

    tmp, path, _, _, _ = inputs
    bad, expected, gap_area = defects
    argv = ["-q", "audit", str(bad), "--jurisdiction", str(path), "--jurisdiction-layer", "communities", *FIELDS,
            "--components", str(bad), "--areas", str(bad), "--name", "东城 parity", "--as-of", "2026-06-01",
            "--out", str(tmp / "audit_cli.gpkg"), "--report", str(tmp / "report_cli.md")]
    assert main(argv) == 0
    assert main([*argv, "--strict"]) == 1
    assert "audit: 8 errors" in capsys.readouterr().out
    res = processing.run("wanmi:audit", {
        "INPUT": _layer(bad, "unit_cells"), "JURISDICTION": _layer(path, "communities"), **QFIELDS,
        "COMPONENTS": _layer(bad, "components"), "AREAS": _layer(bad, "responsibility_areas"),
        "JURISDICTION_NAME": "东城 parity", "AS_OF": "2026-06-01", "OUTPUT": str(tmp / "audit_q.gpkg"),
        "POINTS": str(tmp / "audit_q_points.gpkg"), "REPORT": str(tmp / "report_q.html")})
    cli = gpd.read_file(tmp / "audit_cli.gpkg", layer="audit_problems")
    cli_points = gpd.read_file(tmp / "audit_cli.gpkg", layer="audit_points")
    both = pd.concat([cli, cli_points], ignore_index=True)
    assert both["type"].value_counts().to_dict() == expected
    assert res["ERRORS"] == sum(expected.values()) and res["WARNINGS"] == 0
    assert cli.loc[cli["type"] == "gap", "area_m2"].sum() == pytest.approx(gap_area, rel=1e-9)

    qgis = gpd.read_file(tmp / "audit_q.gpkg")
    q_points = gpd.read_file(tmp / "audit_q_points.gpkg")
    for a, b in ((cli, qgis), (cli_points, q_points)):
        a, b = a.sort_values(["type", "codes"]), b.sort_values(["type", "codes"])
        assert a[["type", "severity", "layer", "codes", "detail"]].values.tolist() == \
            b[["type", "severity", "layer", "codes", "detail"]].values.tolist()
        assert a["area_m2"].fillna(-1).tolist() == pytest.approx(b["area_m2"].fillna(-1).tolist())
        assert _same_geometries(a, b)
    for suffix in (".md", ".csv", ".html"):
        assert (tmp / f"report_cli{suffix}").read_bytes() == (tmp / f"report_q{suffix}").read_bytes(), suffix
    assert res["REPORT"] == str(tmp / "report_q.html")


@pytest.mark.parametrize("argv, params, expected", [
    (["--as-of", "2026-13-45"], {"AS_OF": "2026-13-45"}, "2026-13-45"),
    (["--district-field", "nosuch"], {"DISTRICT_FIELD": "nosuch"}, "no field 'nosuch' (chosen for district_code)"),
])
def test_audit_refusals_are_the_same(provider, inputs, capsys, argv, params, expected):
    """The same sentence in both front ends (the layer named as each front end read it)."""
    import processing

    tmp, path, _, _, _ = inputs
    assert main(["-q", "audit", str(path), "--jurisdiction", str(path), "--jurisdiction-layer", "communities",
                 *argv, "--out", str(tmp / "refused.gpkg")]) == 2
    cli_message = capsys.readouterr().err.strip().split("error: ", 1)[1]
    with pytest.raises(QgsProcessingException) as refused:
        processing.run("wanmi:audit", {"INPUT": _layer(path, "unit_cells"),
                                       "JURISDICTION": _layer(path, "communities"), "OUTPUT": "memory:", **params})
    qgis_message = str(refused.value)
    assert expected in cli_message and expected in qgis_message
    # the sentence after the layer's name; QGIS lists a GeoPackage's fid among the fields, files read here do not
    assert cli_message[cli_message.index(expected):].split("; fields")[0] == \
        qgis_message[qgis_message.index(expected):].split("; fields")[0]
    assert not (tmp / "refused.gpkg").exists()


def test_the_declared_workloads_are_the_engines():
    """The declaration keeps its own copy (it loads no engine); Processing stores the index, so the order counts."""
    from wanmi.core import responsibility
    from wanmi.workflow.responsibility import WEIGHTS

    assert WEIGHTS == responsibility.WEIGHTS
