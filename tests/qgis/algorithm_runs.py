"""One set of real inputs for every ``wanmi`` Processing algorithm, shared by the crash tests.

The inputs are what ``wanmi demo`` writes (Helsinki street-block cells, census and cases, Dongcheng scores)
plus the sample data: small enough to run each algorithm many times, real enough to go through every code
path a user's run takes (GEOS, PROJ and GDAL calls on the worker thread). ``runs()`` must name every
algorithm the provider registers; the tests check that, so a new algorithm cannot go untested.
"""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "layers" / "sample"
HELSINKI = SAMPLE / "helsinki.gpkg"


def make_demo(out: Path) -> Path:
    """Run ``wanmi demo --out out`` (the CLI, ~15 s) and add a census CSV in WGS 84 for the import tools."""
    wanmi = Path(sys.executable).parent / "wanmi"
    subprocess.run([str(wanmi), "demo", "--out", str(out)], check=True, capture_output=True, timeout=600)
    write_census_csv(out / "helsinki_census.gpkg", out / "census_wgs84.csv")
    return out


def write_census_csv(store: Path, path: Path, limit: int = 400) -> None:
    """Census records (no codes: they are allocated) as a surveyor's CSV with WGS 84 lon/lat."""
    from osgeo import ogr, osr

    ds = ogr.Open(str(store))
    layer = ds.GetLayerByName("components")
    to_wgs = osr.CoordinateTransformation(layer.GetSpatialRef(), _wgs84())
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(["class_code", "name", "status", "dept_name", "initial_date", "lon", "lat"])
        for i, feature in enumerate(layer):
            if i >= limit:
                break
            point = feature.GetGeometryRef().Clone()
            point.Transform(to_wgs)
            out.writerow([feature["class_code"], feature["name"], feature["status"], feature["dept_name"],
                          str(feature["initial_date"])[:10].replace("/", "-"), f"{point.GetX():.8f}",
                          f"{point.GetY():.8f}"])


def _wgs84():
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def census_codes(store: Path, n: int = 1) -> list[str]:
    """The first ``n`` component codes of a census GeoPackage."""
    with sqlite3.connect(store) as con:
        return [row[0] for row in con.execute("SELECT code FROM components ORDER BY code LIMIT ?", (n,))]


def runs(demo: Path, out: Path, tag: str = "") -> dict[str, dict[str, str]]:
    """Algorithm name → parameters (layer sources as QGIS URIs, file outputs under ``out``)."""
    cells = f"{demo / 'helsinki_cells.gpkg'}|layername=unit_cells"
    communities = f"{HELSINKI}|layername=communities"
    census = f"{demo / 'helsinki_census.gpkg'}|layername=components"
    cases = f"{demo / 'helsinki_cases.gpkg'}|layername=cases"
    tmp = "TEMPORARY_OUTPUT"
    return {
        "partition": {"INPUT": communities, "METHOD": "1", "ROADS": f"{HELSINKI}|layername=roads",
                      "OUTPUT": tmp},
        "renumber": {"NEW": cells, "OLD": cells, "OUTPUT": tmp, "CHANGELOG": tmp},
        "convert_coordinates": {"INPUT": str(SAMPLE / "dongcheng_boundary_gcj02.geojson"), "SOURCE": "0",
                                "OUTPUT": tmp},
        "import_census": {"INPUT": str(demo / "census_wgs84.csv"), "JURISDICTION": communities,
                          "ALLOCATE": "true", "STORE": str(out / f"census{tag}.gpkg"),
                          "REJECTS": str(out / f"census_rejects{tag}.csv")},
        "validate_census": {"INPUT": str(demo / "census_wgs84.csv"), "JURISDICTION": communities, "OUTPUT": tmp},
        "assign_components": {"INPUT": census, "CELLS": cells, "OUTPUT": tmp},
        "locate_codes": {"INPUT": census, "CODES": census_codes(demo / "helsinki_census.gpkg")[0], "OUTPUT": tmp},
        "import_cases": {"INPUT": str(demo / "helsinki_cases_export.csv"), "COMPONENTS": census,
                         "JURISDICTION": communities, "STORE": str(out / f"cases{tag}.gpkg"),
                         "REJECTS": str(out / f"cases_rejects{tag}.csv")},
        "overlay_cases": {"CASES": cases, "CELLS": cells, "OUTPUT": tmp, "COUNTS": tmp},
        "evaluate": {"INPUT": cases, "CELLS": cells, "OUTPUT": tmp},
        "render_map": {"INPUT": f"{demo / 'dongcheng_scores.gpkg'}|layername=scores_cell",
                       "OUTPUT": str(out / f"grades{tag}.png")},
        "responsibility": {"INPUT": cells, "N": "6", "OUTPUT": tmp},
        "audit": {"INPUT": cells, "JURISDICTION": communities, "COMPONENTS": census, "OUTPUT": tmp,
                  "REPORT": str(out / f"audit{tag}.md")},
    }


def make_dongcheng(out: Path, scale: float = 0.005, n_cases: int = 3000) -> dict[str, Path]:
    """Dongcheng inputs for the Desktop walk-through, made with the CLI as a user would: the unit grid, a
    SYNTHETIC census (surveyor's CSV in WGS 84, imported with code allocation) and SYNTHETIC cases."""
    import geopandas as gpd

    from wanmi.core.placement import geocode_components
    from wanmi.core.province import synthetic_components

    wanmi = str(Path(sys.executable).parent / "wanmi")
    sample = SAMPLE / "dongcheng.gpkg"
    files = {"cells": out / "cells.gpkg", "census_csv": out / "dongcheng_census.csv",
             "census": out / "census.gpkg", "cases": out / "cases.gpkg"}
    subprocess.run([wanmi, "-q", "partition", str(sample), "--layer", "communities", "--out", str(files["cells"])],
                   check=True, capture_output=True, timeout=600)
    communities = gpd.read_file(sample, layer="communities")
    placed = geocode_components(synthetic_components(communities, "110101", scale=scale),
                                gpd.read_file(files["cells"], layer="unit_cells"))
    points = placed[placed["cell_code"].notna()].to_crs("EPSG:4326")
    table = points[["class_code", "cell_code"]].assign(
        status="完好", name="合成部件 (synthetic)", dept_code="D01", dept_name="市政管理处 (synthetic)",
        initial_date="2024-01-01", lon=points.geometry.x.round(8), lat=points.geometry.y.round(8))
    table.to_csv(files["census_csv"], index=False, encoding="utf-8-sig")
    subprocess.run([wanmi, "-q", "census", "import", str(files["census_csv"]), "--store", str(files["census"]),
                    "--allocate", "--jurisdiction", str(sample), "--jurisdiction-layer", "communities",
                    "--rejects", str(out / "census_rejects.csv")], check=True, capture_output=True, timeout=600)
    subprocess.run([wanmi, "-q", "cases", "synth", str(files["cells"]), "--components", str(files["census"]),
                    "--n", str(n_cases), "--seed", "1", "--out", str(files["cases"])],
                   check=True, capture_output=True, timeout=600)
    return files
