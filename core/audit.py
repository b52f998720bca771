"""Boundary audit (边界审计): prove that every square metre has exactly one cell and one responsible party.

The known failure of grid management is the blind spot where different grids meet (不同类型网格交界的盲区).
:func:`audit` checks a unit-cell layer (单元网格) and/or a responsibility-area layer (责任网格) against the
jurisdiction (communities 社区 with their district/street/community codes) and a component census
(部件), and returns every problem as a geometry with its type, severity, codes, area and a sentence.

Problem types (``type``, severity, layer)
=========================================
Polygon layers (``cells`` and ``areas``):

- ``empty_geometry`` (error): a feature without geometry, or not a polygon.
- ``invalid_geometry`` (error): GEOS ``is_valid`` fails; the detail gives GEOS's reason and location.
  The feature is repaired (``make_valid``, polygonal part) for the other checks.
- ``gap`` (error): part of the jurisdiction covered by no feature (盲区); one row per polygon of
  ``union(jurisdiction) − union(layer)``, codes = the communities it lies in.
- ``outside_jurisdiction`` (error): part of the layer outside the jurisdiction; codes = the features.
- ``overlap`` (error): the interior intersection of two features (one row per pair).
- ``double_coverage`` (error, areas): two areas with *different* responsible parties overlap (the
  intersection), or one area names several parties in its party field.
- ``no_responsible`` (error, areas): an area whose party field is empty (无责任主体).
- ``duplicate_code`` (error): a code used by several features (geometry = their union); cells and areas.
Unit cells only:

- ``crosses_community`` (error): a cell reaching into a community other than the one it mostly lies in;
  one row per foreign community, geometry = the foreign part.
- ``code_mismatch`` (error): the cell code's district/street/community segments differ from the
  community the cell lies in (largest overlap), or from the cell's own code columns.
- ``malformed_code`` (error): not a valid code of the cell scheme (length, digits, sequence 000), or
  empty.
- ``sliver`` (warning): a cell smaller than ``sliver_ratio · target_area`` that shares a border with
  another cell of its community (so it could have been merged, as :func:`wanmi.core.grid.partition` does).
Responsibility areas against the cells:

- ``cell_split_by_area`` (error): a cell divided between several areas; geometry = the part outside the
  area holding most of it (a cell lying wholly in two areas is a ``double_coverage``/``overlap``, not a
  split). ``crosses_street`` (warning): an area reaching into a second street (the jurisdiction's
  communities dissolved by street code); expected when the areas were built across streets.
Components (point layer, codes checked with a :mod:`wanmi.core.codes` scheme):

- ``component_outside`` (error): a component in no cell (point → cell by :mod:`wanmi.core.geocode`).
- ``component_cell_mismatch`` (error): its ``cell_code`` differs from the cell it lies in.
- ``component_code_mismatch`` (error): the placing segments of its code (street for the 12-digit
  default, admin for 16/17 digits) differ from those of the cell it lies in.
- ``malformed_code`` (error, components): wrong length or non-digits for the scheme.

Areas are exact (shapely 2 overlay on arrays, STRtree pairs, no buffering). Pieces smaller than
``min_area`` m² are numerical noise of the input coordinates and are not reported. Layers in longitude/
latitude are audited in the metric CRS :func:`wanmi.core.crs.to_metric` chooses for the audited layer.
The community a cell "lies in" is the one covering it, else the one its interior meets (when only one
does), else the one with the largest overlap.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .cellcode import get_cell_scheme
from .crs import to_metric
from .dates import DATE_FORMATS, as_date, parse_times
from .errors import CodeError, InputError
from .feedback import Feedback, ensure
from .geometry import explode_polygons, polygonal, shared_border_lengths
from .text import clean_texts

__all__ = [
    "PROBLEM_COLUMNS",
    "SEVERITY",
    "TYPE_LABELS",
    "AuditResult",
    "audit",
    "current_features",
    "date_values",
    "latest_edition",
    "summarize_problems",
    "valid_on",
]

#: Columns of the problem table, in order (geometry last).
PROBLEM_COLUMNS = ["type", "severity", "layer", "codes", "area_m2", "detail"]
#: Severity of each problem type.
SEVERITY: dict[str, str] = {
    "empty_geometry": "error",
    "invalid_geometry": "error",
    "gap": "error",
    "outside_jurisdiction": "error",
    "overlap": "error",
    "double_coverage": "error",
    "no_responsible": "error",
    "crosses_community": "error",
    "code_mismatch": "error",
    "malformed_code": "error",
    "duplicate_code": "error",
    "sliver": "warning",
    "cell_split_by_area": "error",
    "crosses_street": "warning",
    "component_outside": "error",
    "component_cell_mismatch": "error",
    "component_code_mismatch": "error",
}
#: Chinese and English names of the problem types, for reports.
TYPE_LABELS: dict[str, tuple[str, str]] = {
    "empty_geometry": ("空几何", "empty or non-polygon geometry"),
    "invalid_geometry": ("几何无效", "invalid geometry"),
    "gap": ("覆盖缝隙（盲区）", "gap: jurisdiction not covered"),
    "outside_jurisdiction": ("超出辖区", "outside the jurisdiction"),
    "overlap": ("重叠", "overlap"),
    "double_coverage": ("多头管理", "covered by two parties"),
    "no_responsible": ("无责任主体", "no responsible party"),
    "crosses_community": ("跨社区", "cell crosses a community boundary"),
    "code_mismatch": ("编码与位置不符", "code disagrees with location"),
    "malformed_code": ("编码格式错误", "malformed code"),
    "duplicate_code": ("编码重复", "duplicate code"),
    "sliver": ("碎片网格", "sliver cell"),
    "cell_split_by_area": ("单元网格被责任网格分割", "cell split between areas"),
    "crosses_street": ("跨街道", "area crosses a street boundary"),
    "component_outside": ("部件不在网格内", "component outside every cell"),
    "component_cell_mismatch": ("部件所在网格不符", "component's cell_code disagrees"),
    "component_code_mismatch": ("部件编码与网格不符", "component code disagrees with its cell"),
}
_PARTY_SPLIT = re.compile(r"[;,，；、/|]|\s+和\s+|\s+and\s+")


@dataclass
class AuditResult:
    """What :func:`audit` returns.

    ``problems``: GeoDataFrame (:data:`PROBLEM_COLUMNS` + geometry; polygons, and points for
    components) in the metric ``crs``. ``summary``: counts and areas per (type, severity, layer).
    ``checked``: features audited per layer (and ``*_not_current``: left out as retired or future).
    ``date``: the day audited (``as_of``). ``clean``: no problem at all.
    """

    problems: gpd.GeoDataFrame
    summary: pd.DataFrame
    checked: dict[str, int]
    crs: Any
    date: dt.date = field(default_factory=dt.date.today)
    jurisdiction: str = ""

    @property
    def clean(self) -> bool:
        return len(self.problems) == 0

    @property
    def errors(self) -> int:
        return int((self.problems["severity"] == "error").sum())

    @property
    def warnings(self) -> int:
        return int((self.problems["severity"] == "warning").sum())


class _Problems:
    """Collects problem rows as arrays (no per-problem objects on hot paths)."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, kind: str, layer: str, geoms: Any, codes: Any, area: Any, detail: Any) -> None:
        geoms = np.asarray(geoms, dtype=object).reshape(-1)
        n = len(geoms)
        if n == 0:
            return

        def _arr(v: Any, dtype: Any = object) -> np.ndarray:
            a = np.asarray(v, dtype=dtype)
            return np.full(n, a.item() if a.ndim == 0 else None, dtype=dtype) if a.ndim == 0 else a.reshape(-1)

        self.parts.append(pd.DataFrame({
            "type": kind, "severity": SEVERITY[kind], "layer": layer, "codes": _arr(codes),
            "area_m2": _arr(area, float), "detail": _arr(detail), "geometry": geoms,
        }))

    def frame(self, crs: Any) -> gpd.GeoDataFrame:
        if not self.parts:
            empty = pd.DataFrame({c: pd.Series(dtype=float if c == "area_m2" else object)
                                  for c in PROBLEM_COLUMNS})
            return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
        df = pd.concat(self.parts, ignore_index=True)
        return gpd.GeoDataFrame(df, geometry="geometry", crs=crs)


# ----------------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------------


def _text(frame: pd.DataFrame, col: str) -> np.ndarray:
    """A column as clean text (:func:`wanmi.core.text.clean_texts`), None where missing/blank."""
    if col not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    return clean_texts(pd.Series(frame[col].to_numpy(dtype=object), dtype=object)).to_numpy(dtype=object)


def _labels(codes: np.ndarray, index: pd.Index) -> np.ndarray:
    """Codes as feature labels, ``#<index>`` where a feature has no code."""
    codes = np.asarray(codes, dtype=object)
    missing = pd.isna(codes)
    out = codes.copy()
    if missing.any():
        out[missing] = "#" + pd.Index(index).astype(str).to_numpy(dtype=object)[missing]
    return out


def _isnone(values: np.ndarray) -> np.ndarray:
    return np.asarray(pd.isna(np.asarray(values, dtype=object)), dtype=bool)


def _slice(values: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Vectorised ``v[start:stop]`` of an array of strings."""
    return pd.Series(values, dtype=object).str.slice(start, stop).to_numpy(dtype=object)


def _fmt_area(a: float) -> str:
    return f"{a:,.2f} m²"


def _interior_pairs(a_geoms: np.ndarray, b_geoms: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) whose interiors meet; within one array (i < j) when ``b_geoms`` is None."""
    same = b_geoms is None
    b = a_geoms if same else b_geoms
    tree = shapely.STRtree(b)
    qi, ti = tree.query(a_geoms, predicate="intersects")
    if same:
        keep = qi < ti
        qi, ti = qi[keep], ti[keep]
    if len(qi) == 0:
        return qi, ti
    inner = shapely.relate_pattern(a_geoms[qi], b[ti], "T********")
    return qi[inner], ti[inner]


def _area_parts(geoms: np.ndarray) -> np.ndarray:
    """Polygonal part of each geometry (None where none)."""
    return polygonal(geoms) if len(geoms) else np.zeros(0, dtype=object)


def _prepare_polygons(frame: gpd.GeoDataFrame, layer: str, crs: Any, out: _Problems,
                      code_col: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Repaired polygon geometries, their codes, and the mask of usable rows (empty/invalid reported)."""
    if frame.crs is not None and crs is not None and frame.crs != crs:
        frame = frame.to_crs(crs)
    geoms = np.asarray(frame.geometry.values, dtype=object).copy()
    codes = _text(frame, code_col)
    label = _labels(codes, frame.index)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    wrong = ~empty & ~np.isin(shapely.get_type_id(geoms), [3, 6, 7])
    bad = np.flatnonzero(empty | wrong)
    if len(bad):
        detail = np.where(empty[bad], "no geometry", "not a polygon")
        out.add("empty_geometry", layer, np.where(empty[bad], None, geoms[bad]), label[bad], 0.0,
                [f"{layer} feature {lb}: {d}" for lb, d in zip(label[bad], detail)])
    ok = ~(empty | wrong)
    geoms[ok] = shapely.force_2d(geoms[ok])
    invalid = ok & ~shapely.is_valid(geoms)
    idx = np.flatnonzero(invalid)
    if len(idx):
        reasons = shapely.is_valid_reason(geoms[idx])
        repaired = polygonal(shapely.make_valid(geoms[idx]))
        areas = np.where(shapely.is_missing(repaired), 0.0, shapely.area(repaired))
        out.add("invalid_geometry", layer, geoms[idx], label[idx], areas,
                [f"{layer} feature {lb}: invalid geometry ({r}); checked as repaired"
                 for lb, r in zip(label[idx], reasons)])
        geoms[idx] = repaired
        ok[idx[shapely.is_missing(repaired)]] = False
    return geoms, codes, ok


def _coverage(geoms: np.ndarray, labels: np.ndarray, layer: str, jur: _Jurisdiction, min_area: float,
              out: _Problems) -> None:
    """Gaps (jurisdiction not covered) and parts outside the jurisdiction."""
    union = shapely.union_all(geoms)
    gaps, _ = explode_polygons(np.array([shapely.difference(jur.union, union)], dtype=object))
    gaps = gaps[shapely.area(gaps) > min_area]
    if len(gaps):
        gi, ci = _interior_pairs(gaps, jur.geoms)
        names = pd.Series(jur.keys[ci]).groupby(gi).agg(lambda s: ",".join(sorted(set(s))))
        codes = names.reindex(np.arange(len(gaps))).to_numpy(dtype=object)
        a = shapely.area(gaps)
        c = shapely.centroid(gaps)
        out.add("gap", layer, gaps, codes, a,
                [f"{_fmt_area(x)} of community {k} covered by no {layer[:-1]} (near {p.x:.1f}, {p.y:.1f})"
                 for x, k, p in zip(a, codes, c)])
    outside, _ = explode_polygons(np.array([shapely.difference(union, jur.union)], dtype=object))
    outside = outside[shapely.area(outside) > min_area]
    if len(outside):
        oi, fi = _interior_pairs(outside, geoms)
        names = pd.Series(labels[fi]).groupby(oi).agg(lambda s: ",".join(sorted(set(map(str, s)))))
        codes = names.reindex(np.arange(len(outside))).to_numpy(dtype=object)
        a = shapely.area(outside)
        out.add("outside_jurisdiction", layer, outside, codes, a,
                [f"{_fmt_area(x)} of {k} lies outside the jurisdiction" for x, k in zip(a, codes)])


def _overlaps(geoms: np.ndarray, labels: np.ndarray, layer: str, min_area: float, out: _Problems,
              party: np.ndarray | None = None) -> None:
    """Interior intersections of pairs of features (``double_coverage`` when parties differ)."""
    i, j = _interior_pairs(geoms)
    if len(i) == 0:
        return
    inter = _area_parts(shapely.intersection(geoms[i], geoms[j]))
    a = np.where(shapely.is_missing(inter), 0.0, shapely.area(inter))
    keep = a > min_area
    i, j, inter, a = i[keep], j[keep], inter[keep], a[keep]
    codes = np.array([f"{x},{y}" for x, y in zip(labels[i], labels[j])], dtype=object)
    if party is None:
        out.add("overlap", layer, inter, codes, a,
                [f"{layer} {x} and {y} overlap by {_fmt_area(s)}" for x, y, s in zip(labels[i], labels[j], a)])
        return
    pi, pj = party[i], party[j]
    differ = np.array([p is not None and q is not None and p != q for p, q in zip(pi, pj)], dtype=bool)
    if (~differ).any():
        m = ~differ
        out.add("overlap", layer, inter[m], codes[m], a[m],
                [f"{layer} {x} and {y} overlap by {_fmt_area(s)}"
                 for x, y, s in zip(labels[i][m], labels[j][m], a[m])])
    if differ.any():
        out.add("double_coverage", layer, inter[differ], codes[differ], a[differ],
                [f"{_fmt_area(s)} covered by two parties: {p} ({x}) and {q} ({y})"
                 for x, y, p, q, s in zip(labels[i][differ], labels[j][differ], pi[differ], pj[differ],
                                          a[differ])])


@dataclass
class _Jurisdiction:
    geoms: np.ndarray
    keys: np.ndarray  # 12-digit community keys
    district: np.ndarray
    street: np.ndarray
    community: np.ndarray
    union: Any


def _jurisdiction(frame: gpd.GeoDataFrame, crs: Any) -> _Jurisdiction:
    from .grid import jurisdiction_codes

    if frame.crs is None:
        raise InputError("the jurisdiction layer has no CRS")
    if crs is not None and frame.crs != crs:
        frame = frame.to_crs(crs)
    codes = jurisdiction_codes(frame)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms = geoms[ok].copy()
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = polygonal(shapely.make_valid(geoms[bad]))
    keep = ~shapely.is_missing(geoms)
    codes = codes[ok][keep].reset_index(drop=True)
    geoms = geoms[keep]
    return _Jurisdiction(geoms, codes["community_key"].to_numpy(dtype=object),
                         codes["district_code"].to_numpy(dtype=object),
                         codes["street_code"].to_numpy(dtype=object),
                         codes["community_code"].to_numpy(dtype=object), shapely.union_all(geoms))


# ----------------------------------------------------------------------------------------------------
# Cell checks
# ----------------------------------------------------------------------------------------------------


def _duplicates(geoms: np.ndarray, codes: np.ndarray, ok: np.ndarray, layer: str, out: _Problems) -> None:
    """One ``duplicate_code`` problem per code used by several features (geometry: their union)."""
    present = pd.Series(codes, dtype=object)
    dup = present[present.notna() & present.duplicated(keep=False)]
    if len(dup) == 0:
        return
    groups = dup.groupby(dup, sort=True).groups
    gs, cs, ns, areas = [], [], [], []
    for code, rows in groups.items():
        rows = np.asarray(rows)
        n_all = len(rows)
        rows = rows[ok[rows]]
        gs.append(shapely.union_all(geoms[rows]) if len(rows) else None)
        cs.append(code)
        ns.append(n_all)
        areas.append(float(shapely.area(geoms[rows]).sum()) if len(rows) else 0.0)
    out.add("duplicate_code", layer, np.array(gs, dtype=object), cs, areas,
            [f"code {c} is used by {k} {layer}" for c, k in zip(cs, ns)])


def _cell_codes(geoms: np.ndarray, codes: np.ndarray, frame: pd.DataFrame, ok: np.ndarray, scheme: Any,
                out: _Problems) -> np.ndarray:
    """Malformed and duplicate codes; returns the mask of cells with a well-formed code."""
    valid = scheme.valid_mask(np.where(_isnone(codes), "", codes)) & ~_isnone(codes)
    bad = np.flatnonzero(~valid)
    if len(bad):
        details = []
        for k in bad:
            if codes[k] is None:
                details.append(f"cell #{frame.index[k]}: no code")
                continue
            try:
                scheme.validate(codes[k])
                details.append(f"cell code {codes[k]!r} is not valid")
            except CodeError as exc:
                details.append(str(exc))
        a = np.where(ok[bad], shapely.area(np.where(ok[bad], geoms[bad], None)), 0.0)
        out.add("malformed_code", "cells", np.where(ok[bad], geoms[bad], None),
                [c if c is not None else f"#{i}" for c, i in zip(codes[bad], frame.index[bad])], a, details)
    _duplicates(geoms, codes, ok, "cells", out)
    return valid


def _cells_vs_communities(geoms: np.ndarray, codes: np.ndarray, valid: np.ndarray, frame: pd.DataFrame,
                          jur: _Jurisdiction, scheme: Any, min_area: float, out: _Problems) -> np.ndarray:
    """Crossing cells and code/segment mismatches; returns each cell's home community (-1: none)."""
    n = len(geoms)
    home = np.full(n, -1, dtype=np.int64)
    # most cells lie wholly inside one community: a prepared covered_by test, no intersection needed
    cov_j, cov_c = shapely.STRtree(geoms).query(jur.geoms, predicate="covers")  # communities prepared
    home[cov_c[::-1]] = cov_j[::-1]  # the first community wins if communities overlap
    rest = np.flatnonzero(home < 0)
    ci, ji = _interior_pairs(geoms[rest], jur.geoms) if len(rest) else (rest, rest)
    ci = rest[ci]
    # a cell whose interior meets one community only (e.g. along the outer boundary) lies in it
    per_cell = np.bincount(ci, minlength=n)
    alone = per_cell[ci] == 1
    home[ci[alone]] = ji[alone]
    ci, ji = ci[~alone], ji[~alone]
    if len(ci):
        inter = _area_parts(shapely.intersection(geoms[ci], jur.geoms[ji]))
        a = np.where(shapely.is_missing(inter), 0.0, shapely.area(inter))
        order = np.lexsort((-a, ci))  # per cell, largest overlap first
        first = np.r_[True, ci[order][1:] != ci[order][:-1]]
        home[ci[order][first]] = ji[order][first]
        foreign = (ji != home[ci]) & (a > min_area)
        if foreign.any():
            f = np.flatnonzero(foreign)
            label = _labels(codes, frame.index)
            out.add("crosses_community", "cells", inter[f], label[ci[f]], a[f],
                    [f"cell {label[c]} (in community {jur.keys[home[c]]}) reaches {_fmt_area(x)} into "
                     f"community {jur.keys[j]}" for c, j, x in zip(ci[f], ji[f], a[f])])
    # code segments vs the community the cell lies in, and vs the cell's own code columns
    d_w, s_w, c_w, _ = scheme.widths
    reasons: dict[int, list[str]] = {}
    spans = {"district": (0, d_w), "street": (d_w, d_w + s_w), "community": (d_w + s_w, d_w + s_w + c_w)}
    placed = np.flatnonzero(valid & (home >= 0))
    for name, want in (("district", jur.district), ("street", jur.street), ("community", jur.community)):
        got = _slice(codes[placed], *spans[name])
        exp = want[home[placed]]
        for k in np.flatnonzero(got != exp):  # only the mismatching cells
            reasons.setdefault(int(placed[k]), []).append(f"{name} {got[k]} but the cell lies in {name} {exp[k]}")
    coded = np.flatnonzero(valid)
    for name in ("district", "street", "community"):
        col = f"{name}_code"
        if col not in frame.columns:
            continue
        vals = pd.Series(_text(frame, col)[coded], dtype=object)
        seg = _slice(codes[coded], *spans[name])
        width = spans[name][1] - spans[name][0]
        # a full-length column (9-digit street, 12-digit community) must equal the code's whole prefix, as in
        # the one key rule (wanmi.core.regions): its upper levels count too
        longer = vals.str.len().to_numpy(dtype=float) > width
        prefix = _slice(codes[coded], 0, spans[name][1])
        says = np.where(longer, prefix, seg)
        wrong = vals.notna().to_numpy() & (vals.to_numpy(dtype=object) != says)
        for k in np.flatnonzero(wrong):
            reasons.setdefault(int(coded[k]), []).append(f"column {col} = {vals.iloc[k]} but the code says {says[k]}")
    if reasons:
        r = np.asarray(sorted(reasons))
        out.add("code_mismatch", "cells", geoms[r], codes[r], shapely.area(geoms[r]),
                [f"cell code {codes[k]}: " + "; ".join(reasons[int(k)]) for k in r])
    return home


def _slivers(geoms: np.ndarray, codes: np.ndarray, home: np.ndarray, limit: float, out: _Problems) -> None:
    """Cells below ``limit`` m² sharing a border with another cell of their community."""
    area = shapely.area(geoms)
    small = np.flatnonzero((area < limit) & (home >= 0))
    if len(small) == 0:
        return
    tree = shapely.STRtree(geoms)
    qi, ti = tree.query(geoms[small], predicate="intersects")
    a, b = small[qi], ti
    keep = (a != b) & (home[a] == home[b])
    a, b = a[keep], b[keep]
    length = shared_border_lengths(geoms, a, b)
    has = np.unique(a[length > 1e-6])
    if len(has):
        out.add("sliver", "cells", geoms[has], codes[has], area[has],
                [f"cell {c}: {_fmt_area(x)} < sliver limit {limit:,.0f} m², could be merged into a neighbour"
                 for c, x in zip(codes[has], area[has])])


# ----------------------------------------------------------------------------------------------------
# Components
# ----------------------------------------------------------------------------------------------------


def _components(points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame | None, crs: Any, scheme: Any,
                code_col: str, cell_col: str, out: _Problems) -> None:
    """Check the census components: located in a cell, in the cell they state, codes well formed and
    placed in the area of their cell."""
    if cells is None:
        raise InputError("auditing components needs the unit cells")
    points, pts, located, actual = _component_cells(points, cells, crs)
    codes = _text(points, code_col)
    label = _labels(codes, points.index)
    missing_geom = np.flatnonzero(~located)
    if len(missing_geom):
        out.add("component_outside", "components", np.full(len(missing_geom), None, dtype=object),
                label[missing_geom], np.nan, [f"component {c}: no location" for c in label[missing_geom]])
    outside = np.flatnonzero(located & _isnone(actual))
    if len(outside):
        ox, oy = shapely.get_x(pts[outside]), shapely.get_y(pts[outside])
        out.add("component_outside", "components", pts[outside], label[outside], np.nan,
                [f"component {c} at ({x:.1f}, {y:.1f}) lies in no cell" for c, x, y in zip(label[outside], ox, oy)])
    inside = np.flatnonzero(~_isnone(actual))
    stated = _text(points, cell_col)
    wrong_cell = inside[~_isnone(stated[inside]) & (stated[inside] != actual[inside])]
    if len(wrong_cell):
        out.add("component_cell_mismatch", "components", pts[wrong_cell], label[wrong_cell], np.nan,
                [f"component {label[k]}: cell_code {stated[k]} but it lies in cell {actual[k]}"
                 for k in wrong_cell])
    if code_col in points.columns:
        _component_codes(codes, label, pts, inside, actual, scheme, out)


def _component_cells(points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, crs: Any
                     ) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The components in ``crs``, their 2D locations, which have one, and the code of the cell each lies in
    (None where none)."""
    from .geocode import assign_to_cells

    if points.crs is not None and crs is not None and points.crs != crs:
        points = points.to_crs(crs)
    pts = np.asarray(points.geometry.values, dtype=object)
    located = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
    pts = pts.copy()
    pts[located] = shapely.force_2d(pts[located])
    frame = gpd.GeoDataFrame({"_i": np.arange(len(pts))[located]}, geometry=pts[located], crs=crs)
    where = assign_to_cells(frame, cells, code_field="code")
    actual = np.full(len(pts), None, dtype=object)
    actual[located] = where["cell_code"].astype(object).where(where["cell_code"].notna(), None).to_numpy()
    return points, pts, located, actual


def _component_codes(codes: np.ndarray, label: np.ndarray, pts: np.ndarray, inside: np.ndarray,
                     actual: np.ndarray, scheme: Any, out: _Problems) -> None:
    """Component codes not of the scheme's length, and codes whose placing segments differ from the area
    of the cell the component lies in."""
    from .census import area_segments, areas_from_cell_codes
    from .codes import get_scheme

    sch = get_scheme(scheme)
    well = pd.Series(codes, dtype=object).str.fullmatch(rf"[0-9]{{{sch.length}}}").fillna(False).to_numpy(dtype=bool)
    bad = np.flatnonzero(~well & ~_isnone(codes))
    if len(bad):
        out.add("malformed_code", "components", pts[bad], label[bad], np.nan,
                [f"component code {codes[k]!r}: scheme {sch.name} needs {sch.length} digits" for k in bad])
    segs = area_segments(sch)
    check = inside[well[inside]]
    if not segs or len(check) == 0:
        return
    expected = areas_from_cell_codes(sch, pd.Series(actual[check], dtype=object)).to_numpy(dtype=object)
    got = np.full(len(check), "", dtype=object)
    for seg in segs:
        got = got + _slice(codes[check], seg.start, seg.stop)
    differ = ~_isnone(expected) & (expected != got)
    rows = check[differ]
    if len(rows):
        names = "+".join(s.name for s in segs)
        out.add("component_code_mismatch", "components", pts[rows], label[rows], np.nan,
                [f"component {label[k]}: {names} segment {g} but its cell {actual[k]} gives {e}"
                 for k, g, e in zip(rows, got[differ], expected[differ])])


# ----------------------------------------------------------------------------------------------------
# Responsibility areas
# ----------------------------------------------------------------------------------------------------


def _areas(frame: gpd.GeoDataFrame, crs: Any, jur: _Jurisdiction | None, cell_geoms: np.ndarray | None,
           cell_codes: np.ndarray | None, party_field: str, code_field: str, min_area: float,
           out: _Problems) -> int:
    """Check the responsibility areas (geometry, codes, parties, coverage, streets, overlaps, split cells);
    returns the number of areas checked."""
    geoms, codes, ok = _prepare_polygons(frame, "areas", crs, out, code_field)
    label = _labels(codes, frame.index)
    party = _text(frame, party_field)
    _duplicates(geoms, codes, ok, "areas", out)
    _area_parties(geoms, ok, label, party, party_field, out)
    use = np.flatnonzero(ok)
    g, lb, pt = geoms[use], label[use], party[use]
    if len(g) == 0:
        return len(frame)
    if jur is not None:
        _coverage(g, lb, "areas", jur, min_area, out)
        _crossing_streets(g, lb, jur, min_area, out)
    _overlaps(g, lb, "areas", min_area, out, party=pt)
    if cell_geoms is not None and len(cell_geoms):
        _cells_split_by_areas(cell_geoms, cell_codes, g, lb, min_area, out)
    return len(frame)


def _area_parties(geoms: np.ndarray, ok: np.ndarray, label: np.ndarray, party: np.ndarray, party_field: str,
                  out: _Problems) -> None:
    """Areas without a responsible party, and areas naming several."""
    none = np.flatnonzero(_isnone(party))
    if len(none):
        g = np.where(ok[none], geoms[none], None)
        out.add("no_responsible", "areas", g, label[none],
                np.where(ok[none], shapely.area(g), 0.0),
                [f"area {label[k]}: no responsible party ({party_field} is empty)" for k in none])
    split = [k for k, p in enumerate(party) if p is not None and len(
        [x for x in _PARTY_SPLIT.split(p) if x.strip()]) > 1]
    if split:
        s = np.asarray(split)
        g = np.where(ok[s], geoms[s], None)
        out.add("double_coverage", "areas", g, label[s], np.where(ok[s], shapely.area(g), 0.0),
                [f"area {label[k]} names several responsible parties: {party[k]}" for k in s])


def _crossing_streets(g: np.ndarray, lb: np.ndarray, jur: _Jurisdiction, min_area: float, out: _Problems) -> None:
    """Areas reaching more than ``min_area`` into a street other than their main one (streets: the
    communities dissolved by district + street)."""
    skey = jur.district + jur.street
    su, sinv = np.unique(skey, return_inverse=True)
    if len(su) <= 1:
        return
    from .geometry import union_groups

    _, streets = union_groups(jur.geoms, sinv)
    ai, si = _interior_pairs(g, streets)
    inter = _area_parts(shapely.intersection(g[ai], streets[si]))
    a = np.where(shapely.is_missing(inter), 0.0, shapely.area(inter))
    order = np.lexsort((-a, ai))
    first = np.r_[True, ai[order][1:] != ai[order][:-1]] if len(ai) else np.zeros(0, bool)
    main = np.full(len(g), -1)
    main[ai[order][first]] = si[order][first]
    foreign = (si != main[ai]) & (a > min_area)
    f = np.flatnonzero(foreign)
    if len(f):
        out.add("crosses_street", "areas", inter[f], lb[ai[f]], a[f],
                [f"area {lb[x]} (street {su[main[x]]}) reaches {_fmt_area(s)} into street {su[y]}"
                 for x, y, s in zip(ai[f], si[f], a[f])])


def _cells_split_by_areas(cell_geoms: np.ndarray, cell_codes: np.ndarray, g: np.ndarray, lb: np.ndarray,
                          min_area: float, out: _Problems) -> None:
    """Cells with more than ``min_area`` outside their main area (a cell covered twice is double coverage,
    reported by the overlap check, not a split)."""
    ci, ai = _interior_pairs(cell_geoms, g)
    if not len(ci):
        return
    inter = _area_parts(shapely.intersection(cell_geoms[ci], g[ai]))
    a = np.where(shapely.is_missing(inter), 0.0, shapely.area(inter))
    order = np.lexsort((-a, ci))
    first = np.r_[True, ci[order][1:] != ci[order][:-1]]
    main = np.full(len(cell_geoms), -1)
    main[ci[order][first]] = ai[order][first]
    whole = a >= shapely.area(cell_geoms[ci]) - min_area  # covered twice: double coverage, not a split
    minor = np.flatnonzero((ai != main[ci]) & (a > min_area) & ~whole)
    if len(minor):
        out.add("cell_split_by_area", "areas", inter[minor], cell_codes[ci[minor]], a[minor],
                [f"cell {cell_codes[c]} is split: {_fmt_area(s)} of it lies in area {lb[x]}, the rest "
                 f"in area {lb[main[c]]}" for c, x, s in zip(ci[minor], ai[minor], a[minor])])


# ----------------------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------------------


def audit(
    cells: gpd.GeoDataFrame | None = None,
    jurisdiction: gpd.GeoDataFrame | None = None,
    *,
    components: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    cell_scheme: str = "gbt30428-15",
    component_scheme: str = "default12",
    target_area: float = 10_000.0,
    sliver_ratio: float = 0.3,
    min_area: float = 1e-3,
    code_field: str = "code",
    component_code_field: str = "code",
    component_cell_field: str = "cell_code",
    area_code_field: str = "area_code",
    party_field: str = "responsible",
    jurisdiction_name: str = "",
    as_of: dt.date | str | None = None,
    feedback: Feedback | None = None,
) -> AuditResult:
    """Audit unit cells and/or responsibility areas against the jurisdiction and the component census.

    Any of the layers may be left out (at least ``cells`` or ``areas`` is needed); checks that need a
    missing layer are skipped. Everything is brought into the metric CRS of the cells (or areas).
    ``min_area`` (m²): smaller gap/overlap/crossing pieces are noise. ``as_of`` (default today): cells and
    areas with ``valid_from``/``valid_to`` columns are audited as they stand on that day — retired ones
    (``valid_to`` on or before it) and future ones (``valid_from`` after it) are left out, so a layer that
    keeps its history audits like the current grid. See the module docstring for the problem types.
    """
    fb = ensure(feedback)
    crs = _audit_crs(cells, areas, min_area, fb)
    day = as_date(as_of, "as_of")
    out = _Problems()
    checked: dict[str, int] = {}
    cells, areas = _current_layers(cells, areas, day, checked, fb)
    fb.window(0, 10)
    jur = _jurisdiction(jurisdiction, crs) if jurisdiction is not None else None
    if jur is not None:
        checked["communities"] = len(jur.geoms)
    fb.step(1, 1)
    cell_geoms = cell_codes = valid_cells = None
    if cells is not None:
        cell_geoms, cell_codes = _audit_cells(cells, crs, jur, cell_scheme, code_field, sliver_ratio * target_area,
                                              min_area, out, fb)
        checked["cells"] = len(cells)
        valid_cells = gpd.GeoDataFrame({"code": cell_codes}, geometry=cell_geoms, crs=crs)
    if areas is not None:
        fb.window(50, 80)
        checked["areas"] = _areas(areas, crs, jur, cell_geoms, cell_codes, party_field, area_code_field,
                                  min_area, out)
    if components is not None:
        fb.window(80, 100)
        _components(components, valid_cells, crs, component_scheme, component_code_field,
                    component_cell_field, out)
        checked["components"] = len(components)
    problems = out.frame(crs).sort_values(["severity", "type", "layer", "codes"], kind="stable",
                                          na_position="last").reset_index(drop=True)
    fb.step(1, 1)
    fb.info(f"audit: {len(problems)} problems ({int((problems['severity'] == 'error').sum())} errors)")
    return AuditResult(problems, summarize_problems(problems), checked, crs, day, jurisdiction_name)


def _audit_crs(cells: gpd.GeoDataFrame | None, areas: gpd.GeoDataFrame | None, min_area: float,
               fb: Feedback) -> Any:
    """The metric CRS to audit in (that of the cells, else of the areas), after refusing unusable input."""
    if cells is None and areas is None:
        raise InputError("give a unit-cell layer, a responsibility-area layer, or both to audit")
    base = cells if cells is not None else areas
    if not isinstance(base, gpd.GeoDataFrame):
        raise InputError("the layers to audit must be GeoDataFrames")
    if base.crs is None:
        raise InputError("the layer to audit has no CRS")
    base_metric, crs = to_metric(base)  # longitude/latitude layers are audited in an automatic metric CRS
    if base_metric is not base:
        fb.info(f"Auditing in {crs.name} (EPSG:{crs.to_epsg()}) to measure areas in metres.")
    if not (min_area >= 0):
        raise InputError(f"min_area must be ≥ 0, got {min_area!r}")
    return crs


def _current_layers(cells: gpd.GeoDataFrame | None, areas: gpd.GeoDataFrame | None, day: dt.date,
                    checked: dict[str, int], fb: Feedback) -> tuple[Any, Any]:
    """Cells and areas as they stand on ``day``; the numbers left out go into ``checked``."""
    if cells is not None:
        cells, left = current_features(cells, day)
        if left:
            checked["cells_not_current"] = left
            fb.info(f"{left} cells not valid on {day.isoformat()} (retired or future) left out")
    if areas is not None:
        areas, left = current_features(areas, day)
        if left:
            checked["areas_not_current"] = left
    return cells, areas


def _audit_cells(cells: gpd.GeoDataFrame, crs: Any, jur: Any, cell_scheme: str, code_field: str,
                 sliver_area: float, min_area: float, out: _Problems, fb: Feedback) -> tuple[np.ndarray, np.ndarray]:
    """Check the unit cells (geometry, codes, coverage of the jurisdiction, communities, slivers, overlaps);
    returns the usable cells' geometries and labels."""
    if code_field not in cells.columns:
        raise InputError(f"the unit cells have no code field {code_field!r}")
    scheme = get_cell_scheme(cell_scheme)
    fb.window(10, 50)
    geoms, codes, ok = _prepare_polygons(cells, "cells", crs, out, code_field)
    valid = _cell_codes(geoms, codes, cells, ok, scheme, out)
    fb.step(1, 4)
    use = np.flatnonzero(ok)
    g, c = geoms[use], _labels(codes, cells.index)[use]
    if jur is not None:  # also with no cell valid on the day: then the whole jurisdiction is a gap
        _coverage(g, c, "cells", jur, min_area, out)
    if jur is not None and len(g):
        fb.step(2, 4)
        home = _cells_vs_communities(g, codes[use], valid[use], cells.iloc[use], jur, scheme, min_area, out)
        fb.step(3, 4)
        _slivers(g, c, home, sliver_area, out)
    _overlaps(g, c, "cells", min_area, out)
    fb.step(4, 4)
    return g, c


def _dates(frame: pd.DataFrame, col: str) -> pd.Series:
    """Column ``col`` as calendar days (datetime64 at midnight, NaT where missing) read by
    :func:`wanmi.core.dates.parse_times` (a zoned timestamp counts on the day it was written, its wall-clock
    day); InputError naming the first feature whose value is not a date."""
    if col not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    times, failed = parse_times(frame[col])
    if failed.any():
        k = int(failed.nonzero()[0][0])
        raise InputError(f"feature {frame.index[k]}: {col} {frame[col].iloc[k]!r} is not a date "
                         f"(expected {DATE_FORMATS})")
    return times.dt.normalize()


def valid_on(frame: pd.DataFrame, day: dt.date) -> np.ndarray:
    """Boolean mask of the rows valid on ``day``: valid_from ≤ day < valid_to, missing bounds open (the one
    validity rule of cells and areas with a history: audit, responsibility, renumber)."""
    ts = pd.Timestamp(day)
    start, end = _dates(frame, "valid_from"), _dates(frame, "valid_to")
    return ((start.isna() | (start <= ts)) & (end.isna() | (end > ts))).to_numpy()


def date_values(frame: pd.DataFrame, col: str) -> np.ndarray:
    """Column ``col`` (ISO text, date, datetime or missing) as ``datetime.date`` objects, None where empty."""
    ts = _dates(frame, col)
    out = np.array(ts.dt.date.to_numpy(dtype=object), dtype=object)
    out[ts.isna().to_numpy()] = None
    return out


def latest_edition(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows of a grid's latest edition — those without a ``valid_to`` — and the number left out (rows with
    one are history that a renumbered grid keeps: retired codes, old versions). Point → cell and evaluation
    use these; audits and responsibility areas take the rows :func:`valid_on` a day instead."""
    if "valid_to" not in getattr(frame, "columns", ()) or frame["valid_to"].isna().all():  # fast: no history
        return frame, 0
    closed = pd.notna(date_values(frame, "valid_to"))
    left = int(closed.sum())
    return (frame[~closed] if left else frame), left


def current_features(frame: gpd.GeoDataFrame, day: dt.date) -> tuple[gpd.GeoDataFrame, int]:
    """The features valid on ``day`` (valid_from ≤ day < valid_to, missing bounds open) and the number left out."""
    if "valid_from" not in frame.columns and "valid_to" not in frame.columns:
        return frame, 0
    keep = valid_on(frame, day)
    left = int((~keep).sum())
    return (frame[keep] if left else frame), left


def summarize_problems(problems: pd.DataFrame) -> pd.DataFrame:
    """Count and total area per (severity, type, layer), errors first."""
    if len(problems) == 0:
        return pd.DataFrame({"severity": [], "type": [], "layer": [], "count": [], "area_m2": []})
    g = problems.groupby(["severity", "type", "layer"], sort=True)
    summary = g.agg(count=("type", "size"), area_m2=("area_m2", lambda s: float(s.sum(min_count=1)))).reset_index()
    return summary.sort_values(["severity", "type", "layer"]).reset_index(drop=True)
