"""Stable renumbering (wanmi.core.renumber): hand-made edits of a 3 x 2 grid, and Dongcheng redraws.

The old grid is the 300 m x 200 m rectangle at A = 10,000 m²: codes …001 … …006 are, row by row from the
north-west, 001 [0,100]x[100,200], 002 [100,200]x[100,200], 003 [200,300]x[100,200],
004 [0,100]x[0,100], 005 [100,200]x[0,100], 006 [200,300]x[0,100]. Expected codes, IoUs and log rows
below are worked out by hand from those boxes.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from wanmi.core.errors import InputError
from wanmi.core.grid import partition
from wanmi.core.renumber import renumber

from .conftest import assert_exact_partition, sample_layer

CRS = "EPSG:4548"
P = "110101001001"  # community key of the hand grid
NEW_DATE = "2025-01-01"


def grid(boxes: dict[str, tuple], community: str = "001") -> gpd.GeoDataFrame:
    """A hand-made cell layer: {label: (minx, miny, maxx, maxy)} in community 110101 001 <community>."""
    n = len(boxes)
    return gpd.GeoDataFrame(
        {"label": list(boxes), "district_code": ["110101"] * n, "street_code": ["001"] * n,
         "community_code": [community] * n},
        geometry=[box(*b) for b in boxes.values()],
        crs=CRS,
    )


OLD_BOXES = {
    "001": (0, 100, 100, 200), "002": (100, 100, 200, 200), "003": (200, 100, 300, 200),
    "004": (0, 0, 100, 100), "005": (100, 0, 200, 100), "006": (200, 0, 300, 100),
}


@pytest.fixture
def old() -> gpd.GeoDataFrame:
    j = gpd.GeoDataFrame({"district_code": ["110101"], "street_code": ["001"], "community_code": ["001"]},
                         geometry=[box(0, 0, 300, 200)], crs=CRS)
    cells = partition(j, target_area=10_000.0, valid_from="2024-01-01").cells
    # the fixture itself is checked against the hand layout
    got = dict(zip(cells["code"].str[-3:], [tuple(b) for b in cells.geometry.bounds.to_numpy()]))
    assert got == {k: tuple(float(v) for v in b) for k, b in OLD_BOXES.items()}
    return cells


def log_rows(log: pd.DataFrame, change: str) -> list[tuple]:
    sub = log[log["change"] == change]
    return sorted(zip(sub["old_code"].fillna(""), sub["new_code"].fillna(""), sub["iou"].round(6)))


def test_unchanged_grid_keeps_every_code(old):
    r = renumber(old, old, valid_from=NEW_DATE)
    assert r.cells["code"].tolist() == old["code"].tolist()
    assert (r.changelog["change"] == "kept").all() and len(r.changelog) == 6
    np.testing.assert_allclose(r.changelog["iou"], 1.0)
    assert r.kept_share == 1.0
    assert (r.cells["valid_from"] == date(2024, 1, 1)).all()  # a kept code keeps its start date
    assert r.retired.empty


def test_split_cell_gets_fresh_codes_and_is_logged(old):
    boxes = {k: b for k, b in OLD_BOXES.items() if k != "005"}
    boxes |= {"east": (150, 0, 200, 100), "west": (100, 0, 150, 100)}
    r = renumber(grid(boxes), old, valid_from=NEW_DATE)
    code = dict(zip(r.cells["label"], r.cells["code"]))
    for k in ("001", "002", "003", "004", "006"):
        assert code[k] == P + k
    # fresh numbers after the highest used (006), west before east in the same row
    assert code["west"] == P + "007" and code["east"] == P + "008"
    log = r.changelog
    assert log_rows(log, "split") == [(P + "005", P + "007", 0.5), (P + "005", P + "008", 0.5)]
    assert log.loc[log["change"] == "retired", "old_code"].tolist() == [P + "005"]
    assert log.loc[log["change"] == "retired", "valid_to"].tolist() == [date(2025, 1, 1)]
    assert (log["change"] == "new").sum() == 2  # the halves are not merges
    assert r.retired["code"].tolist() == [P + "005"]
    assert r.retired["valid_to"].tolist() == [date(2025, 1, 1)]
    fresh = r.cells[r.cells["label"].isin(["west", "east"])]
    assert (fresh["valid_from"] == date(2025, 1, 1)).all()


def test_merged_cells_are_logged(old):
    boxes = {k: b for k, b in OLD_BOXES.items() if k not in ("001", "002")}
    boxes |= {"wide": (0, 100, 200, 200)}
    r = renumber(grid(boxes), old, valid_from=NEW_DATE)
    code = dict(zip(r.cells["label"], r.cells["code"]))
    assert code["wide"] == P + "007"
    assert log_rows(r.changelog, "merged") == [(P + "001", P + "007", 0.5), (P + "002", P + "007", 0.5)]
    assert sorted(r.changelog.loc[r.changelog["change"] == "retired", "old_code"]) == [P + "001", P + "002"]
    assert (r.changelog["change"] == "new").sum() == 0


def test_retired_codes_are_never_reused(old):
    history = old.copy()
    history["valid_to"] = None
    gone = history.iloc[[0]].copy()
    gone["code"] = P + "009"  # retired in an earlier edition
    gone["seq"] = 9
    gone["valid_to"] = date(2024, 6, 1)
    history = pd.concat([history, gone], ignore_index=True)
    boxes = {k: b for k, b in OLD_BOXES.items() if k != "005"}
    boxes |= {"west": (100, 0, 150, 100), "east": (150, 0, 200, 100)}
    r = renumber(grid(boxes), history, valid_from=NEW_DATE)
    code = dict(zip(r.cells["label"], r.cells["code"]))
    assert code["west"] == P + "010" and code["east"] == P + "011"
    # the earlier retired row stays in the history with its own end date
    assert dict(zip(r.retired["code"], r.retired["valid_to"])) == {
        P + "005": date(2025, 1, 1), P + "009": date(2024, 6, 1)}


@pytest.mark.parametrize("top, kept", [(95, True), (85, False)])
def test_iou_threshold(old, top, kept):
    # old 004 = [0,100]x[0,100]; new [0,100]x[0,top]: IoU = top/100 (0.95 kept, 0.85 not)
    boxes = dict(OLD_BOXES) | {"004": (0, 0, 100, top)}
    r = renumber(grid(boxes), old, valid_from=NEW_DATE)
    code = dict(zip(r.cells["label"], r.cells["code"]))
    assert (code["004"] == P + "004") is kept
    if not kept:
        assert code["004"] == P + "007"
        assert r.changelog.loc[r.changelog["change"] == "new", "iou"].round(6).tolist() == [0.85]


def test_code_is_not_inherited_across_communities(old):
    boxes = {k: b for k, b in OLD_BOXES.items() if k != "006"}
    moved = grid({"006": OLD_BOXES["006"]}, community="002")
    r = renumber(pd.concat([grid(boxes), moved], ignore_index=True), old, valid_from=NEW_DATE)
    assert "110101001002001" in set(r.cells["code"])  # first number of the new community
    assert P + "006" in set(r.changelog.loc[r.changelog["change"] == "retired", "old_code"])


def test_bad_inputs(old):
    with pytest.raises(InputError, match="iou_threshold"):
        renumber(old, old, iou_threshold=0)
    broken = old.copy()
    broken.loc[2, "code"] = "11010100100100X"
    with pytest.raises(InputError, match="old cell 2"):
        renumber(old, broken)
    with pytest.raises(InputError):
        renumber(old.to_crs(4326), old)


def test_dongcheng_redraw_one_community():
    comms = sample_layer("dongcheng", "communities")
    base = partition(comms, target_area=10_000.0, valid_from="2024-01-01").cells
    same = renumber(base, base, valid_from=NEW_DATE)
    assert (same.changelog["change"] == "kept").all()
    assert same.cells["code"].tolist() == base["code"].tolist()

    target = comms.iloc[[40]]
    key = (target["district_code"] + target["street_code"] + target["community_code"]).iloc[0]
    cell_key = base["district_code"] + base["street_code"] + base["community_code"]
    redrawn = partition(target, target_area=5_000.0).cells
    new = pd.concat([base[cell_key != key], redrawn], ignore_index=True)
    r = renumber(new, base, valid_from=NEW_DATE)
    out_key = r.cells["district_code"] + r.cells["street_code"] + r.cells["community_code"]
    outside = r.cells[out_key != key]
    assert set(outside["code"]) == set(base.loc[cell_key != key, "code"])  # every code outside kept
    retired = set(r.changelog.loc[r.changelog["change"] == "retired", "old_code"])
    assert retired and retired.isdisjoint(set(r.cells["code"]))
    old_max = base.loc[cell_key == key, "seq"].max()
    inside = r.cells[out_key == key]
    kept_inside = set(inside["code"]) & set(base["code"])
    fresh = inside[~inside["code"].isin(kept_inside)]
    assert len(fresh) > 0 and (fresh["seq"] > old_max).all()
    assert sorted(fresh["seq"]) == list(range(old_max + 1, old_max + 1 + len(fresh)))
    assert_exact_partition(r.cells, comms, target_area=None, contiguous_seq=False)

    # a second edition: everything ever used (including codes retired just now) stays unused
    history = pd.concat([r.cells, r.retired], ignore_index=True)
    again = partition(target, target_area=20_000.0).cells
    new2 = pd.concat([r.cells[out_key != key], again], ignore_index=True)
    r2 = renumber(new2, history, valid_from="2026-01-01")
    ever = set(history["code"])
    fresh2 = set(r2.cells["code"]) - ever
    assert fresh2 and all(int(c[-3:]) > int(history.loc[history["code"].str[:12] == key, "seq"].max())
                          for c in fresh2)
