"""Parity of the grid step's front ends (issue 14): ``wanmi partition``/``wanmi renumber`` and
``wanmi:partition``/``wanmi:renumber``, generated from one declaration each, give identical outputs and the
same refusals on the same input — checked against properties of a correct grid, not against stored outputs."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from qgis.core import QgsProcessingException, QgsProcessingFeedback

from wanmi.cli import main
from wanmi.core.grid import partition
from wanmi.layers.gpkg import write_gpkg

from .conftest import ROOT

SAMPLE = ROOT / "layers" / "sample" / "dongcheng.gpkg"
DAY = "2024-03-01"
#: the user's own names for the code fields (the front ends map them to the engine's)
RENAMED = {"district_code": "qx_dm", "street_code": "jd_dm", "community_code": "sq_dm"}


class Recorder(QgsProcessingFeedback):
    """Processing feedback that keeps the warnings (non-fatal errors) and the log lines."""

    def __init__(self) -> None:
        super().__init__()
        self.warnings: list[str] = []
        self.infos: list[str] = []

    def reportError(self, error, fatalError=False):  # noqa: N802, N803 (QGIS API)
        self.warnings.append(error)

    def pushInfo(self, info):  # noqa: N802 (QGIS API)
        self.infos.append(info)


@pytest.fixture(scope="module")
def communities() -> gpd.GeoDataFrame:
    """Seven real communities of one Dongcheng street, in EPSG:4548."""
    frame = gpd.read_file(SAMPLE, layer="communities")
    street = frame["street_code"].value_counts().index[0]
    return frame[frame["street_code"] == street].head(7).reset_index(drop=True)


@pytest.fixture
def jurisdiction(tmp_path, communities) -> str:
    """The communities with renamed code fields and one feature without geometry, in a GeoPackage."""
    frame = communities.rename(columns=RENAMED)
    empty = frame.iloc[:1].copy()
    empty["community_name"] = "no shape"
    empty = empty.set_geometry(gpd.GeoSeries([None], crs=frame.crs, index=empty.index))
    path = tmp_path / "jurisdiction.gpkg"
    write_gpkg(path, {"communities": pd.concat([frame, empty], ignore_index=True)})
    return str(path)


def _sorted(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.sort_values(["code", "valid_to"] if "valid_to" in frame else "code",
                             na_position="first").reset_index(drop=True)


def _same_cells(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    a, b = _sorted(a), _sorted(b)
    assert list(a["code"]) == list(b["code"]) and a.crs.to_epsg() == b.crs.to_epsg()
    assert shapely.equals_exact(a.geometry.values, b.geometry.values, tolerance=1e-6).all()
    for column in ("district_code", "street_code", "community_code", "valid_from", "valid_to"):
        if column in a:
            assert list(_text(a[column])) == list(_text(b[column])), column


def _text(column: pd.Series) -> pd.Series:
    """Dates and codes as text (a GeoPackage date may come back as a date or a string)."""
    return column.map(lambda v: "" if v is None or pd.isna(v) else str(v)[:10])


def test_partition_cli_and_processing_identical_with_chosen_code_fields(provider, tmp_path, jurisdiction,
                                                                        communities, capsys):
    import processing

    argv = ["-q", "partition", jurisdiction, "--out", str(tmp_path / "cli.gpkg"), "--valid-from", DAY]
    for target, field in RENAMED.items():
        argv += [f"--{target.removesuffix('_code')}-field", field]
    assert main(argv) == 0
    cli_err = capsys.readouterr().err
    cli = gpd.read_file(tmp_path / "cli.gpkg", layer="unit_cells")
    feedback = Recorder()
    res = processing.run("wanmi:partition", {
        "INPUT": f"{jurisdiction}|layername=communities", "DISTRICT_FIELD": "qx_dm", "STREET_FIELD": "jd_dm",
        "COMMUNITY_FIELD": "sq_dm", "VALID_FROM": DAY, "OUTPUT": str(tmp_path / "qgis.gpkg"),
        "PROBLEMS": str(tmp_path / "problems.gpkg")}, feedback=feedback)
    qgis = gpd.read_file(tmp_path / "qgis.gpkg")
    _same_cells(cli, qgis)
    assert res["CELL_COUNT"] == len(cli)
    # a correct grid: exact cover of the communities, codes unique and prefixed by the cell's community
    assert abs(cli.geometry.area.sum() - communities.geometry.area.sum()) < 1e-3 * communities.geometry.area.sum()
    assert cli["code"].is_unique and (cli["valid_from"].astype(str).str[:10] == DAY).all()
    prefixes = set(communities["district_code"] + communities["street_code"].str[-3:]
                   + communities["community_code"].str[-3:])
    assert set(cli["code"].str[:12]) == prefixes
    # the feature without geometry: dropped, reported as a warning in both and as the problems table
    assert "no shape" in cli_err and "empty geometry (dropped)" in cli_err
    assert any("no shape" in w and "empty geometry (dropped)" in w for w in feedback.warnings)
    cli_problems = gpd.read_file(tmp_path / "cli.gpkg", layer="partition_problems")
    qgis_problems = gpd.read_file(tmp_path / "problems.gpkg")
    assert list(cli_problems["problem"]) == list(qgis_problems["problem"]) == ["empty geometry"]
    # the summary reaches the user in both
    assert any("compactness_mean" in line for line in feedback.infos)


def _refusals(tmp_path, argv: list[str], alg: str, params: dict, capsys) -> tuple[str, str]:
    import processing

    assert main(argv) == 2
    cli = capsys.readouterr().err
    with pytest.raises(QgsProcessingException) as refused:
        processing.run(alg, params)
    return cli, str(refused.value)


def test_partition_refusals_are_the_same(provider, tmp_path, jurisdiction, capsys):
    out = str(tmp_path / "o.gpkg")
    cli, qgis = _refusals(tmp_path, ["-q", "partition", jurisdiction, "--method", "street-block", "--out", out],
                          "wanmi:partition", {"INPUT": jurisdiction, "METHOD": 1, "OUTPUT": out}, capsys)
    assert "the street-block method needs a roads (line) layer" in cli and cli.split("error: ")[1].strip() in qgis
    cli, qgis = _refusals(tmp_path, ["-q", "partition", jurisdiction, "--district-field", "xian", "--out", out],
                          "wanmi:partition", {"INPUT": jurisdiction, "DISTRICT_FIELD": "xian", "OUTPUT": out},
                          capsys)
    for part in ("no field 'xian' (chosen for district_code)", "qx_dm"):
        assert part in cli and part in qgis
    assert not (tmp_path / "o.gpkg").exists()


def test_partition_refuses_to_overwrite_a_grid_with_history(provider, tmp_path, communities, capsys):
    grid = partition(communities.head(2), valid_from="2024-01-01").cells
    grid.loc[0, "valid_to"] = "2024-06-01"  # a retired cell: the grid keeps its history
    path = tmp_path / "grid.gpkg"
    write_gpkg(path, {"unit_cells": grid, "communities": communities})
    before = path.read_bytes()
    source = f"{path}|layername=communities"
    for destination in (str(path), f"ogr:dbname='{path}' table=\"unit_cells\" (geom)"):
        cli, qgis = _refusals(tmp_path, ["-q", "partition", str(path), "--out", str(path)], "wanmi:partition",
                              {"INPUT": source, "OUTPUT": destination}, capsys)
        for part in ("holds a grid with history", "wanmi renumber NEW.gpkg"):
            assert part in cli and part in qgis
        assert path.read_bytes() == before
    # another layer of the same file may be written: the history stays
    import processing

    processing.run("wanmi:partition", {"INPUT": source, "OUTPUT": f"ogr:dbname='{path}' table=\"redraw\" (geom)"})
    assert gpd.read_file(path, layer="unit_cells")["valid_to"].notna().sum() == 1


@pytest.fixture
def editions(tmp_path, communities) -> tuple[str, str, gpd.GeoDataFrame]:
    """A coded grid of 2024 and a redraw with a smaller target area (new.gpkg, old.gpkg: layer unit_cells)."""
    old = partition(communities.head(3), valid_from="2024-01-01").cells
    new = partition(communities.head(3), target_area=7_000.0).cells.drop(columns=["code", "valid_from"])
    write_gpkg(tmp_path / "old.gpkg", {"communities": communities, "unit_cells": old})
    write_gpkg(tmp_path / "new.gpkg", {"unit_cells": new})
    return str(tmp_path / "new.gpkg"), str(tmp_path / "old.gpkg"), old


def test_renumber_cli_and_processing_identical(provider, tmp_path, editions, capsys):
    import processing

    new, old, old_cells = editions
    argv = ["-q", "renumber", new, old, "--iou", "0.6", "--valid-from", "2025-01-01", "--out", str(tmp_path / "c.gpkg")]
    assert main(argv) == 0
    assert "current cells" in capsys.readouterr().out
    res = processing.run("wanmi:renumber", {
        "NEW": f"{new}|layername=unit_cells", "OLD": f"{old}|layername=unit_cells", "IOU": 0.6,
        "VALID_FROM": "2025-01-01", "OUTPUT": str(tmp_path / "q.gpkg"), "CHANGELOG": str(tmp_path / "log.gpkg")})
    cli = gpd.read_file(tmp_path / "c.gpkg", layer="unit_cells")
    qgis = gpd.read_file(tmp_path / "q.gpkg")
    _same_cells(cli, qgis)
    cli_log = gpd.read_file(tmp_path / "c.gpkg", layer="changelog")
    qgis_log = gpd.read_file(tmp_path / "log.gpkg")
    key = ["change", "old_code", "new_code"]
    assert (cli_log[key].fillna("").sort_values(key).values.tolist()
            == qgis_log[key].fillna("").sort_values(key).values.tolist())
    # the rules, checked on the output: every old code survives (kept or closed), no fresh code reuses one
    current = cli[_text(cli["valid_to"]) == ""]
    closed = cli[_text(cli["valid_to"]) != ""]
    old_codes = set(old_cells["code"])
    assert len(current) == len(gpd.read_file(new)) == res["CELL_COUNT"] and current["code"].is_unique
    assert old_codes <= set(cli["code"]) and len(closed) == res["CLOSED_COUNT"] > 0
    fresh = current[~current["code"].isin(old_codes)]
    highest = old_cells.groupby(old_cells["code"].str[:12])["code"].max()
    assert len(fresh) and (fresh["code"] > fresh["code"].str[:12].map(highest)).all()
    assert (_text(closed["valid_to"]) == "2025-01-01").all()


def test_renumber_refuses_a_grid_without_codes_the_same_way(provider, tmp_path, editions, capsys):
    new, _, _ = editions
    out = str(tmp_path / "o.gpkg")
    cli, qgis = _refusals(tmp_path, ["-q", "renumber", new, new, "--out", out], "wanmi:renumber",
                          {"NEW": new, "OLD": new, "OUTPUT": out, "CHANGELOG": "memory:"}, capsys)
    assert "the previous grid has no 'code' field" in cli
    assert cli.split("layername=unit_cells: ")[1].strip() in qgis
    assert not (tmp_path / "o.gpkg").exists()
