"""wanmi:renumber in real QGIS: the output keeps the grid's history (retired rows with valid_to), so a
second renumber run on it never issues a retired code again."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from wanmi.core.grid import partition
from wanmi.layers.gpkg import write_gpkg

X0, Y0 = 500_000.0, 4_400_000.0
P = "110101001001"


def _grid(boxes: dict[str, tuple], community: str = "001") -> gpd.GeoDataFrame:
    n = len(boxes)
    return gpd.GeoDataFrame(
        {"label": list(boxes), "district_code": ["110101"] * n, "street_code": ["001"] * n,
         "community_code": [community] * n},
        geometry=[box(X0 + a, Y0 + b, X0 + c, Y0 + d) for a, b, c, d in boxes.values()], crs="EPSG:4548")


def _run(new: str, old: str, out: str, day: str) -> gpd.GeoDataFrame:
    import processing

    res = processing.run("wanmi:renumber", {"NEW": new, "OLD": old, "VALID_FROM": day, "OUTPUT": out,
                                            "CHANGELOG": "memory:"})
    assert res["CHANGELOG"]
    return gpd.read_file(out)


def test_processing_renumber_writes_the_history(provider, tmp_path):
    comm = gpd.GeoDataFrame({"district_code": ["110101"], "street_code": ["001"], "community_code": ["001"]},
                            geometry=[box(X0, Y0, X0 + 300, Y0 + 200)], crs="EPSG:4548")
    g0 = partition(comm, valid_from="2024-01-01").cells  # 001..006, row by row from the north-west
    write_gpkg(tmp_path / "g0.gpkg", {"unit_cells": g0})
    boxes = {"001": (0, 100, 100, 200), "002": (100, 100, 200, 200), "003": (200, 100, 300, 200),
             "004": (0, 0, 100, 100), "005": (100, 0, 200, 100)}
    # edition 1: 006 (the highest code) moves to community 002 — 001's current maximum becomes 005
    e1 = pd.concat([_grid(boxes), _grid({"006": (200, 0, 300, 100)}, "002")], ignore_index=True)
    write_gpkg(tmp_path / "e1.gpkg", {"unit_cells": e1})
    g1 = _run(f"{tmp_path / 'e1.gpkg'}|layername=unit_cells", f"{tmp_path / 'g0.gpkg'}|layername=unit_cells",
              str(tmp_path / "g1.gpkg"), "2025-01-01")
    assert len(g1) == 7
    gone = g1[g1["valid_to"].notna()]
    assert gone["code"].tolist() == [P + "006"] and str(gone["valid_to"].iloc[0])[:10] == "2025-01-01"
    # edition 2 on the output: 005 split in two gets 007 and 008, never the retired 006
    e2 = pd.concat([_grid({k: b for k, b in boxes.items() if k != "005"}
                          | {"w": (100, 0, 150, 100), "e": (150, 0, 200, 100)}),
                    _grid({"006": (200, 0, 300, 100)}, "002")], ignore_index=True)
    write_gpkg(tmp_path / "e2.gpkg", {"unit_cells": e2})
    g2 = _run(f"{tmp_path / 'e2.gpkg'}|layername=unit_cells", str(tmp_path / "g1.gpkg"),
              str(tmp_path / "g2.gpkg"), "2025-06-01")
    current = g2[g2["valid_to"].isna()]
    assert sorted(current.loc[current["label"].isin(["w", "e"]), "code"]) == [P + "007", P + "008"]
    assert sorted(g2.loc[g2["valid_to"].notna(), "code"]) == [P + "005", P + "006"]
    assert g2["code"].is_unique and len(g2) == 9
