"""The files of the province batch input (省级批量): Beijing's district layer and synthetic point datasets.

:func:`read_districts` reads ``layers/sample/beijing_districts.gpkg`` (or any layer with ``district_code``);
:func:`write_synthetic_points` writes the seeded synthetic components of :mod:`wanmi.core.province` as a
GeoParquet dataset, the input of ``wanmi batch``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from ..core.errors import InputError

__all__ = ["read_districts", "write_synthetic_points"]


def read_districts(path: str | Path, codes: list[str] | None = None) -> gpd.GeoDataFrame:
    """The district layer of ``beijing_districts.gpkg`` (or any layer with ``district_code``), optionally
    only ``codes``, in district-code order."""
    gdf = gpd.read_file(path, layer="districts" if str(path).endswith(".gpkg") else None, engine="pyogrio")
    if "district_code" not in gdf.columns:
        raise InputError(f"{path}: no district_code column (columns: {', '.join(map(str, gdf.columns))})")
    gdf["district_code"] = gdf["district_code"].astype(str)
    if codes is not None:
        unknown = sorted(set(codes) - set(gdf["district_code"]))
        if unknown:
            raise InputError(f"{path}: no district {', '.join(unknown)}")
        gdf = gdf[gdf["district_code"].isin(codes)]
    return gdf.sort_values("district_code").reset_index(drop=True)


def write_synthetic_points(communities: gpd.GeoDataFrame, out_dir: str | Path, scale: float = 1.0,
                           seed: int = 20260101, rows_per_file: int = 1 << 20) -> tuple[Path, int]:
    """Write the synthetic components of every district (:func:`wanmi.core.province.iter_synthetic_components`)
    as a GeoParquet dataset (directory of files).

    One file per chunk of about ``rows_per_file`` points (whole communities; district after district, so
    the input is *not* partitioned by district: the batch has to do it). Returns (directory, point count).
    """
    from ..core.province import iter_synthetic_components

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("part-*.parquet"):
        old.unlink()
    n_total = 0
    k = 0
    for code in sorted(communities["district_code"].astype(str).unique()):
        for part in iter_synthetic_components(communities, code, scale, seed, chunk=rows_per_file):
            part.to_parquet(out / f"part-{k:05d}.parquet", index=False, row_group_size=rows_per_file)
            n_total += len(part)
            k += 1
    return out, n_total
