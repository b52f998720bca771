"""``wanmi responsibility`` and ``wanmi audit`` end to end on a small grid (files in, files out)."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import box

from wanmi.cli import main
from wanmi.core.grid import partition
from wanmi.layers.gpkg import write_gpkg

X0, Y0 = 500_000.0, 4_400_000.0


def test_responsibility_then_audit(tmp_path, capsys):
    comm = gpd.GeoDataFrame(
        {"district_code": ["110101"] * 2, "street_code": ["001", "002"], "community_code": ["001", "001"]},
        geometry=[box(X0, Y0, X0 + 400, Y0 + 300), box(X0 + 400, Y0, X0 + 800, Y0 + 300)], crs="EPSG:4548")
    cells = partition(comm).cells
    write_gpkg(tmp_path / "cells.gpkg", {"unit_cells": cells, "communities": comm})
    areas_path = tmp_path / "areas.gpkg"
    assert main(["-q", "responsibility", str(tmp_path / "cells.gpkg"), "--n", "4", "--weight", "area",
                 "--out", str(areas_path)]) == 0
    areas = gpd.read_file(areas_path, layer="responsibility_areas")
    assert len(areas) == 4 and sorted(areas.groupby("street_code").size()) == [2, 2]
    assert areas.area.sum() == pytest.approx(shapely.area(shapely.union_all(cells.geometry.values)), rel=1e-9)

    audit_path = tmp_path / "audit.gpkg"
    argv = ["-q", "audit", str(tmp_path / "cells.gpkg"), "--jurisdiction", str(tmp_path / "cells.gpkg"),
            "--jurisdiction-layer", "communities", "--areas", str(areas_path), "--out", str(audit_path),
            "--report", str(tmp_path / "audit.md"), "--strict"]
    assert main(argv) == 1  # the new areas have no responsible party yet
    problems = gpd.read_file(audit_path, layer="audit_problems")
    assert set(problems["type"]) == {"no_responsible"} and len(problems) == 4
    assert "| no_responsible | 无责任主体 | error | areas | 4 |" in (tmp_path / "audit.md").read_text("utf-8")
    assert (tmp_path / "audit.html").exists() and (tmp_path / "audit.csv").exists()

    (tmp_path / "parties.txt").write_text("P1\nP2\nP3\nP4\n", encoding="utf-8")
    assert main(["-q", "responsibility", str(tmp_path / "cells.gpkg"), "--n", "4", "--out", str(areas_path),
                 "--responsible", str(tmp_path / "parties.txt")]) == 0
    assert gpd.read_file(areas_path, layer="responsibility_areas")["responsible"].tolist() == ["P1", "P2", "P3", "P4"]
    assert main(argv) == 0
    assert main(["-q", "responsibility", str(tmp_path / "cells.gpkg"), "--n", "4", "--out", str(areas_path),
                 "--responsible", "A,B"]) == 2  # wrong number of parties: refused, file kept
    assert len(gpd.read_file(audit_path, layer="audit_problems")) == 0
    assert "audit_summary" in [str(n) for n in pyogrio.list_layers(audit_path)[:, 0]]
    assert "0 errors" in capsys.readouterr().out
