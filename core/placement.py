"""Components and their place (部件定位与归属核查): code → location, location → cell, and disagreements.

Three questions a surveyor or an administrator asks of a census, answered for whole layers at once:

* :func:`locate_codes` — "type the code, see the thing": the record, its class name, its position as
  WGS84 longitude/latitude and in the layer's CRS, for each requested code (a hash index over the codes,
  no scan per code). Unknown and malformed codes are answered too, with the reason.
* :func:`geocode_components` — which unit cell (单元网格), community (社区), street (街道) and district every
  component stands in: :func:`wanmi.core.geocode.assign_to_cells` (vectorised; lattice arithmetic or
  STRtree; the documented tie rule for points on shared edges).
* :func:`consistency_report` — components whose code disagrees with where they stand (编码与位置不符): the
  code's placing segments (street for the 12-digit district-local scheme, admin for the 16/17-digit
  national ones; :func:`wanmi.core.census.areas_from_cell_codes`) differ from those of the cell they are in,
  the recorded ``cell_code`` (所在单元网格标识码) is not the cell they are in, or they fall outside every
  cell. One row per problem, naming the code and both values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import shapely

from .census import area_segments, areas_from_cell_codes
from .codes import CodeScheme, get_scheme
from .errors import InputError
from .geocode import assign_to_cells
from .text import clean_text, clean_texts

__all__ = [
    "CONSISTENCY_COLUMNS",
    "LOCATE_COLUMNS",
    "PLACE_PROBLEMS",
    "consistency_report",
    "geocode_components",
    "locate_codes",
]

#: Problems of :func:`consistency_report` (problem → Chinese label).
PLACE_PROBLEMS: dict[str, str] = {
    "outside_cells": "不在任何单元网格内",
    "area_mismatch": "编码区位段与所在网格不符",
    "cell_mismatch": "所在单元网格标识码与位置不符",
    "no_location": "无位置",
}
CONSISTENCY_COLUMNS = ["code", "problem", "problem_zh", "detail", "recorded", "located"]
LOCATE_COLUMNS = ["query", "found", "problem", "code", "class_code", "class_name", "name", "status",
                  "dept_name", "cell_code", "lon", "lat", "x", "y"]


def _codes(frame: pd.DataFrame) -> pd.Series:
    if "code" not in frame.columns:
        raise InputError(f"the components have no 'code' field (fields: {', '.join(map(str, frame.columns))})")
    return clean_texts(frame["code"])


def geocode_components(components: Any, cells: Any, code_field: str = "code") -> Any:
    """A copy of ``components`` with ``cell_code``, ``community_code``, ``street_code`` and
    ``district_code`` set from the cell each one stands in (missing when outside every cell).

    Earlier values of those columns are replaced; :func:`consistency_report` compares them first."""
    placed = assign_to_cells(components, cells, code_field=code_field)
    out = components.copy()
    for col in placed.columns:
        out[col] = placed[col].astype(object).where(placed[col].notna(), None)
    return out


def consistency_report(components: Any, cells: Any, scheme: str | CodeScheme, code_field: str = "code"
                       ) -> pd.DataFrame:
    """Components whose code or recorded cell disagrees with where they stand (one row per problem).

    ``problem`` is one of :data:`PLACE_PROBLEMS`; ``recorded`` is what the record says (the code's placing
    digits, or its ``cell_code``), ``located`` what its position says. A component with a malformed code
    is not judged here (census validation reports it); one without geometry is ``no_location``.
    """
    scheme = get_scheme(scheme)
    codes = _codes(components)
    geom = np.asarray(components.geometry.values, dtype=object)
    missing = shapely.is_missing(geom) | shapely.is_empty(geom)
    rows: list[pd.DataFrame] = []

    def add(mask: np.ndarray, problem: str, detail: Iterable[str], recorded: Any, located: Any) -> None:
        if mask.any():
            rows.append(pd.DataFrame({
                "code": codes.to_numpy()[mask], "problem": problem, "problem_zh": PLACE_PROBLEMS[problem],
                "detail": np.asarray(list(detail), dtype=object), "recorded": np.asarray(recorded)[mask],
                "located": np.asarray(located)[mask],
            }))

    nothing = np.full(len(codes), None, dtype=object)
    add(missing, "no_location", ["the component has no geometry"] * int(missing.sum()), nothing, nothing)
    placed = pd.DataFrame(index=components.index, columns=["cell_code"], dtype=object)
    if (~missing).any():
        placed = assign_to_cells(components[~missing], cells, code_field=code_field).reindex(components.index)
    located_cell = placed["cell_code"].astype(object).where(placed["cell_code"].notna(), None).to_numpy()
    outside = ~missing & pd.isna(located_cell)
    add(outside, "outside_cells", ["the component stands outside every unit cell"] * int(outside.sum()),
        nothing, nothing)

    valid = scheme.validate_many(codes)["ok"].to_numpy(dtype=bool) if len(codes) else np.zeros(0, dtype=bool)
    here = ~missing & ~outside
    if area_segments(scheme):
        seg_text = "+".join(s.name for s in area_segments(scheme))
        code_area = np.full(len(codes), None, dtype=object)
        for_valid = np.flatnonzero(valid)
        if len(for_valid):
            parts = codes.iloc[for_valid].map(scheme.parse)
            code_area[for_valid] = [
                "".join(p[s.name] for s in area_segments(scheme)) for p in parts
            ]
        cell_area = areas_from_cell_codes(scheme, pd.Series(located_cell, index=components.index)).to_numpy()
        bad = here & valid & pd.notna(cell_area) & (code_area != cell_area)
        detail = [f"code {seg_text} segment {a} but the component stands in cell {c} ({seg_text} {b})"
                  for a, b, c in zip(code_area[bad], cell_area[bad], located_cell[bad])]
        add(bad, "area_mismatch", detail, code_area, cell_area)

    if "cell_code" in components.columns:
        recorded = clean_texts(components["cell_code"]).to_numpy(dtype=object)
        bad = here & pd.notna(recorded) & (recorded != located_cell)
        detail = [f"recorded in cell {r} but stands in cell {c}" for r, c in zip(recorded[bad], located_cell[bad])]
        add(bad, "cell_mismatch", detail, recorded, located_cell)

    if not rows:
        return pd.DataFrame(columns=CONSISTENCY_COLUMNS)
    return pd.concat(rows, ignore_index=True)[CONSISTENCY_COLUMNS].sort_values(
        ["code", "problem"], kind="stable").reset_index(drop=True)


def _class_name(scheme: CodeScheme, code: str) -> str | None:
    try:
        return scheme.class_name(code)
    except InputError:  # CodeError included: a stored code of a class the directory no longer has
        return None


def locate_codes(queries: Iterable[str], components: Any, scheme: str | CodeScheme) -> pd.DataFrame:
    """Look ``queries`` up in ``components`` (a GeoDataFrame with a ``code`` field): one row per query.

    ``found`` says whether the code is in the census; ``problem`` explains a miss (malformed code — naming
    the wrong segment — or well-formed but absent). Positions are a point on the geometry, as WGS84
    ``lon``/``lat`` and as ``x``/``y`` in the layer's CRS.
    """
    scheme = get_scheme(scheme)
    queries = pd.Series([clean_text(q) or "" for q in queries], dtype=object)
    codes = _codes(components)
    position = pd.Series(np.arange(len(codes)), index=pd.Index(codes.to_numpy(), dtype=object))
    position = position[~position.index.duplicated()]
    pos = position.reindex(queries.to_numpy()).to_numpy()
    found = ~np.isnan(pos)
    idx = np.where(found, pos, 0).astype(np.int64)
    out = pd.DataFrame({"query": queries, "found": found})
    problems = np.full(len(queries), None, dtype=object)
    for k in np.flatnonzero(~found):
        reasons = scheme.validate(queries[k])
        problems[k] = "; ".join(reasons) if reasons else "no component with this code in the census"
    out["problem"] = problems

    def col(name: str) -> np.ndarray:
        if name not in components.columns or len(components) == 0:
            return np.full(len(queries), None, dtype=object)
        values = components[name].astype(object).to_numpy()[idx]
        return np.where(found, values, None)

    for name in ("code", "class_code", "name", "status", "dept_name", "cell_code"):
        out[name] = col(name)
    out["class_name"] = [_class_name(scheme, c) if ok else None for c, ok in zip(out["code"], found)]
    geoms = np.asarray(components.geometry.values, dtype=object)[idx] if len(components) else \
        np.full(len(queries), None, dtype=object)
    pts = np.where(found, shapely.point_on_surface(geoms) if len(geoms) else geoms, None)
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    out["x"], out["y"] = x, y
    lon, lat = x, y
    crs = components.crs
    if crs is not None and found.any() and not crs.is_geographic:
        import pyproj

        tr = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        lon, lat = tr.transform(x, y)
    out["lon"], out["lat"] = lon, lat
    return out[LOCATE_COLUMNS]
