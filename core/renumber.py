"""Stable renumbering of a redrawn unit grid (单元网格编码的稳定继承) over a grid that keeps its history.

When a grid is redrawn (new roads, a new target area, a corrected community boundary), cell codes that
users, cases and components already refer to must survive wherever the cell did, and a code that was ever
issued must never be issued again (the code registry, 编码登记). The old grid may keep its history: every
row carries ``valid_from``/``valid_to`` and a row is valid on a day when valid_from ≤ day < valid_to (missing
bounds open — :func:`wanmi.core.audit.valid_on`, the rule audit and responsibility use for ``as_of``).
The renumber date is the new ``valid_from`` (default today). Rules:

1. **Kept** (继承). A new cell inherits an old code when exactly one old cell *valid on the renumber date*
   overlaps it with IoU = area(new ∩ old) / area(new ∪ old) ≥ ``iou_threshold`` (default 0.9), and that
   old code belongs to the new cell's community (its first 12 digits equal the new cell's district +
   street + community codes). For thresholds ≥ 0.5 the pairing is necessarily one-to-one; below 0.5 an
   old cell goes to the new cell with the highest IoU. A kept cell with the same shape (IoU = 1) keeps its
   old row and ``valid_from``; a kept cell whose boundary moved gets a new version: the old row (old
   geometry) closes with ``valid_to`` = the renumber date and the new row starts on it, so the grid as of
   any earlier day is exactly the old one.
2. **Fresh numbers** (新编). Every other new cell gets a new sequence number in its community, starting
   after the highest sequence number *ever* used there in the old layer — valid, retired or superseded
   rows alike — so no code in the old layer is ever issued to another cell. Fresh cells are numbered among
   themselves west → east, north → south (rows of height √(median new cell area) from the community's
   north edge, as :mod:`wanmi.core.cellcode`). Their ``valid_from`` is the renumber date.
3. **Retired** (注销). Every valid old code that is not kept is retired: ``valid_to`` = the renumber date.
   Its row (with its geometry) stays in the history, with the rows already closed before.

:attr:`RenumberResult.history` is the full grid layer to write (and to renumber next time): the current
cells, the newly retired and superseded rows, and every earlier history row unchanged. Rows of the
redrawn grid that already carry a ``valid_to`` are history, not new cells, and are left out.

The change log has one row per relation, columns ``old_code, new_code, change, iou, valid_to``:

- ``kept``: old code = new code (``iou`` of the pair; < 1 when the boundary moved);
- ``split``: an old retired cell whose area is covered by ≥ 2 new cells each holding ≥ 10 % of it (one
  row per such new cell);
- ``merged``: a fresh new cell holding ≥ 10 % of each of ≥ 2 old cells (one row per such old cell);
- ``new``: a fresh cell that is not the result of a merge (``old_code`` empty; ``iou`` = best IoU with
  any old cell, NaN if none);
- ``retired``: every valid old code not kept (``new_code`` empty, ``valid_to`` = the renumber date).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from .audit import date_values, latest_edition, valid_on
from .cellcode import CellCodeScheme, band_rows, get_cell_scheme, sequence_numbers
from .crs import require_metric
from .errors import InputError
from .feedback import Feedback, ensure
from .grid import as_date, jurisdiction_codes

__all__ = ["CHANGELOG_COLUMNS", "COVER_SHARE", "SAME_SHAPE_IOU", "RenumberResult", "renumber"]

CHANGELOG_COLUMNS = ["old_code", "new_code", "change", "iou", "valid_to"]
#: Share of an old cell a new cell must hold to count in a split or merge.
COVER_SHARE = 0.10
#: IoU from which a kept cell has the same shape as its old row (rounding only): no new version row.
SAME_SHAPE_IOU = 1.0 - 1e-9
_CHANGE_ORDER = {"kept": 0, "split": 1, "merged": 2, "new": 3, "retired": 4}


@dataclass
class RenumberResult:
    """``cells``: the current grid with inherited or fresh codes (sorted by code). ``changelog``: see the
    module docstring. ``retired``: the old rows no longer valid — codes retired now (``valid_to`` = the
    renumber date), the old versions of kept cells whose boundary moved (closed the same day), and every
    row closed before — so :attr:`history` (``cells`` + ``retired``) holds every code ever issued."""

    cells: gpd.GeoDataFrame
    changelog: pd.DataFrame
    retired: gpd.GeoDataFrame

    @property
    def kept_share(self) -> float:
        """Share of new cells that kept an old code."""
        n = len(self.cells)
        return float((self.changelog["change"] == "kept").sum() / n) if n else float("nan")

    @property
    def history(self) -> gpd.GeoDataFrame:
        """The grid layer to write: the current cells, then the closed rows (valid_to set), each by code."""
        if not len(self.retired):
            return self.cells.copy()
        frame = pd.concat([self.cells, self.retired], ignore_index=True)
        return gpd.GeoDataFrame(frame, geometry=self.cells.geometry.name, crs=self.cells.crs)


@dataclass
class _Overlaps:
    """New × valid old cell pairs with a common area: indexes, intersection area and IoU; cell areas."""

    qn: np.ndarray
    qo: np.ndarray
    inter: np.ndarray
    iou: np.ndarray
    an: np.ndarray
    ao: np.ndarray


def _new_keys(cells: gpd.GeoDataFrame, scheme: CellCodeScheme) -> pd.DataFrame:
    """Community codes of the new cells: from the code columns, else from existing cell codes."""
    if {"district_code", "community_code"} & set(cells.columns):
        return jurisdiction_codes(cells)
    if "code" in cells.columns:
        parts = scheme.split_many(cells["code"])
        return parts[["district_code", "street_code", "community_code", "community_key"]]
    raise InputError("new cells need district_code/street_code/community_code columns (or codes)")


def _redrawn(new_cells: gpd.GeoDataFrame, fb: Feedback) -> gpd.GeoDataFrame:
    """The cells of the redrawn grid (index reset): rows that already carry a ``valid_to`` are history."""
    new, left = latest_edition(new_cells)
    new = new.reset_index(drop=True)
    if left:
        fb.info(f"{left} rows of the redrawn grid have a valid_to (retired cells) and are left out.")
    if not len(new):
        raise InputError("the redrawn grid has no current cell")
    ngeom = np.asarray(new.geometry.values, dtype=object)
    void = shapely.is_missing(ngeom) | shapely.is_empty(ngeom)
    if void.any():
        raise InputError(f"new cell {int(np.flatnonzero(void)[0])} has no geometry")
    return new


def _old_grid(old_cells: gpd.GeoDataFrame, scheme: CellCodeScheme,
              vfrom: date) -> tuple[gpd.GeoDataFrame, pd.DataFrame, np.ndarray]:
    """The old layer (index reset), the parts of its codes and the mask of rows valid on ``vfrom``."""
    old = old_cells.reset_index(drop=True)
    bad = ~scheme.valid_mask(old["code"])
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(f"old cell {k}: code {old['code'].iloc[k]!r} is not a valid {scheme.name} cell code")
    starts = pd.to_datetime(pd.Series(date_values(old, "valid_from"), dtype=object))
    later = (starts > pd.Timestamp(vfrom)).to_numpy()
    if later.any():
        k = int(np.flatnonzero(later)[0])
        raise InputError(
            f"old cell {old['code'].iloc[k]} is valid from {starts.iloc[k].date()}, after the renumber date "
            f"{vfrom}: give a valid_from on or after {starts.max().date()} (a new edition cannot start "
            "before the grid it replaces)")
    valid = valid_on(old, vfrom)
    dup = old["code"][valid].duplicated()
    if dup.any():
        raise InputError(f"old cell code {old['code'][valid][dup].iloc[0]} is valid more than once on {vfrom}")
    return old, scheme.split_many(old["code"]), valid


def _overlaps(ngeom: np.ndarray, ogeom: np.ndarray, act: np.ndarray) -> _Overlaps:
    """Pairs of new cells and old cells ``act`` (positions) sharing area, with their IoU."""
    tree = shapely.STRtree(ogeom[act])
    qn, qo = tree.query(ngeom, predicate="intersects")
    qo = act[qo]
    # pairs that only touch along an edge have bounding boxes without common area: skip them cheaply
    bn, bo = shapely.bounds(ngeom[qn]), shapely.bounds(ogeom[qo])
    wx = np.minimum(bn[:, 2], bo[:, 2]) - np.maximum(bn[:, 0], bo[:, 0])
    wy = np.minimum(bn[:, 3], bo[:, 3]) - np.maximum(bn[:, 1], bo[:, 1])
    boxed = (wx > 0) & (wy > 0)
    qn, qo = qn[boxed], qo[boxed]
    inter = shapely.area(shapely.intersection(ngeom[qn], ogeom[qo])) if len(qn) else np.zeros(0)
    pos = inter > 1e-9
    qn, qo, inter = qn[pos], qo[pos], inter[pos]
    an = shapely.area(ngeom)
    ao = np.zeros(len(ogeom))
    ao[act] = shapely.area(ogeom[act])
    return _Overlaps(qn, qo, inter, inter / (an[qn] + ao[qo] - inter), an, ao)


def _inherit(ov: _Overlaps, nkey: np.ndarray, okey: np.ndarray, iou_threshold: float,
             n_new: int) -> tuple[np.ndarray, np.ndarray]:
    """Old row kept by each new cell (-1: none) and the IoU of the pair (rule 1)."""
    cand = ov.iou >= iou_threshold
    n_cand = np.bincount(ov.qn[cand], minlength=n_new)
    ok = cand & (n_cand[ov.qn] == 1) & (nkey[ov.qn] == okey[ov.qo])
    pairs = pd.DataFrame({"n": ov.qn[ok], "o": ov.qo[ok], "iou": ov.iou[ok]}).sort_values("iou", ascending=False)
    pairs = pairs.drop_duplicates("o").drop_duplicates("n")
    kept_old = np.full(n_new, -1)
    kept_old[pairs["n"].to_numpy()] = pairs["o"].to_numpy()
    kept_iou = np.full(n_new, np.nan)
    kept_iou[pairs["n"].to_numpy()] = pairs["iou"].to_numpy()
    return kept_old, kept_iou


def _number(ngeom: np.ndarray, an: np.ndarray, nkey: np.ndarray, oparts: pd.DataFrame, old_codes: np.ndarray,
            kept_old: np.ndarray, scheme: CellCodeScheme) -> tuple[np.ndarray, np.ndarray]:
    """Codes and sequence numbers of the new cells: kept ones inherit, the others are numbered after the
    highest sequence number ever used in their community (rule 2)."""
    is_kept = kept_old >= 0
    max_used = oparts.groupby("community_key")["seq"].max()
    start = pd.Series(nkey).map(max_used).fillna(0).astype(np.int64).to_numpy() + 1
    fresh = np.flatnonzero(~is_kept)
    seq = np.zeros(len(nkey), dtype=np.int64)
    seq[is_kept] = oparts["seq"].to_numpy()[kept_old[is_kept]]
    codes = np.empty(len(nkey), dtype=object)
    codes[is_kept] = old_codes[kept_old[is_kept]]
    if not len(fresh):
        return codes, seq
    rp = shapely.point_on_surface(ngeom[fresh])
    ry = shapely.get_y(rp)
    row_h = math.sqrt(float(np.median(an)))
    top = pd.Series(shapely.bounds(ngeom)[:, 3]).groupby(nkey).max()
    rows = band_rows(ry, top.reindex(nkey[fresh]).to_numpy(), row_h)
    seq[fresh] = sequence_numbers(nkey[fresh], rows, shapely.get_x(rp), y=ry, start=start[fresh])
    over = seq > scheme.max_seq
    if over.any():
        k = int(np.flatnonzero(over)[0])
        raise InputError(
            f"community {nkey[k]}: {int((~is_kept & (nkey == nkey[k])).sum())} new cells need fresh "
            f"numbers after {int(start[k] - 1)} (the highest ever used), beyond the {scheme.max_seq} the "
            f"{scheme.name} scheme allows; start a new grid edition for this community (renumber it from "
            "scratch) or use the 15-digit scheme"
        )
    codes[fresh] = scheme.format_many(nkey[fresh], seq[fresh])
    return codes, seq


def _current_cells(new: gpd.GeoDataFrame, keys: pd.DataFrame, codes: np.ndarray, seq: np.ndarray,
                   an: np.ndarray, old_from: np.ndarray, kept_old: np.ndarray, kept_iou: np.ndarray,
                   vfrom: date) -> gpd.GeoDataFrame:
    """The current grid: codes, code columns, area and validity (a same-shape kept cell keeps its start)."""
    same = (kept_old >= 0) & (kept_iou >= SAME_SHAPE_IOU)
    vf = np.full(len(new), vfrom, dtype=object)
    vf[same] = old_from[kept_old[same]]
    out = new.copy()
    out["code"] = codes
    for col in ("district_code", "street_code", "community_code"):
        out[col] = keys[col].to_numpy()
    out["seq"] = seq
    out["area_m2"] = an
    out["valid_from"] = vf
    out["valid_to"] = np.full(len(new), None, dtype=object)
    front = ["code", "area_m2", "district_code", "street_code", "community_code", "seq", "valid_from", "valid_to"]
    geom_col = out.geometry.name
    rest = [c for c in out.columns if c not in front and c != geom_col]
    return out[[*front, *rest, geom_col]].sort_values("code", kind="stable").reset_index(drop=True)


def _changelog(ov: _Overlaps, codes: np.ndarray, ocode: np.ndarray, kept_old: np.ndarray, kept_iou: np.ndarray,
               retired_now: np.ndarray, vfrom: date) -> pd.DataFrame:
    """The change log (module docstring): kept, split, merged, new and retired rows."""
    qn, qo, iou = ov.qn, ov.qo, ov.iou
    is_kept = kept_old >= 0
    rows = [pd.DataFrame({"old_code": codes[is_kept], "new_code": codes[is_kept], "change": "kept",
                          "iou": kept_iou[is_kept]})]
    share = ov.inter / np.where(ov.ao[qo] > 0, ov.ao[qo], 1.0)
    rel = (share >= COVER_SHARE) & ~(kept_old[qn] == qo)
    rn, ro, riou = qn[rel], qo[rel], iou[rel]
    # split: retired old cells shared by >= 2 new cells
    sp = retired_now[ro]
    sm = sp & (np.bincount(ro[sp], minlength=len(ocode))[ro] >= 2)
    rows.append(pd.DataFrame({"old_code": ocode[ro[sm]], "new_code": codes[rn[sm]], "change": "split",
                              "iou": riou[sm]}))
    # merged: fresh new cells holding >= 2 old cells
    mg = ~is_kept[rn]
    mm = mg & (np.bincount(rn[mg], minlength=len(codes))[rn] >= 2)
    rows.append(pd.DataFrame({"old_code": ocode[ro[mm]], "new_code": codes[rn[mm]], "change": "merged",
                              "iou": riou[mm]}))
    merged_new = np.zeros(len(codes), dtype=bool)
    merged_new[rn[mm]] = True
    best = np.full(len(codes), np.nan)
    if len(qn):
        best_s = pd.Series(iou).groupby(qn).max()
        best[best_s.index.to_numpy()] = best_s.to_numpy()
    nn = ~is_kept & ~merged_new
    rows.append(pd.DataFrame({"old_code": None, "new_code": codes[nn], "change": "new", "iou": best[nn]}))
    rows.append(pd.DataFrame({"old_code": ocode[retired_now], "new_code": None, "change": "retired",
                              "iou": np.nan}))
    rows = [r for r in rows if len(r)]
    log = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=CHANGELOG_COLUMNS)
    log["valid_to"] = pd.Series(np.where(log["change"] == "retired", vfrom, None), dtype=object)
    log = log.astype({"old_code": object, "new_code": object, "iou": float})
    log["_o"] = log["change"].map(_CHANGE_ORDER)
    log = log.sort_values(["_o", "old_code", "new_code"], kind="stable", na_position="first")
    return log.drop(columns="_o").reset_index(drop=True)[CHANGELOG_COLUMNS]


def _closed_rows(old: gpd.GeoDataFrame, valid: np.ndarray, closing: np.ndarray, vfrom: date,
                 geom_col: str) -> gpd.GeoDataFrame:
    """Old rows not valid after the renumber: those closed now (``valid_to`` = ``vfrom``) and those closed
    before (unchanged), with their geometry; dates as ``datetime.date``."""
    keep = closing | ~valid
    vto = date_values(old, "valid_to")
    vto[closing] = vfrom
    rows = old[keep].copy()
    rows["valid_from"] = date_values(old, "valid_from")[keep]
    rows["valid_to"] = vto[keep]
    if rows.geometry.name != geom_col:
        rows = rows.rename_geometry(geom_col)
    return rows.sort_values("code", kind="stable").reset_index(drop=True)


def renumber(
    new_cells: gpd.GeoDataFrame,
    old_cells: gpd.GeoDataFrame,
    *,
    iou_threshold: float = 0.9,
    code_scheme: str | CellCodeScheme = "gbt30428-15",
    valid_from: date | str | None = None,
    feedback: Feedback | None = None,
) -> RenumberResult:
    """Give ``new_cells`` stable codes with respect to ``old_cells`` (rules in the module docstring).

    ``old_cells`` needs a ``code`` column and may keep its history (``valid_from``/``valid_to``); ``new_cells``
    needs the district/street/community code columns, as :func:`wanmi.core.grid.partition` writes them. Both
    must be in a metric CRS (``old_cells`` is reprojected to the CRS of ``new_cells`` if they differ).
    ``valid_from`` (default today) is the renumber date. Write :attr:`RenumberResult.history`.
    """
    fb = ensure(feedback)
    scheme = get_cell_scheme(code_scheme)
    vfrom = as_date(valid_from, "valid_from")
    old_cells = _comparable_old_cells(new_cells, old_cells, iou_threshold, fb)
    fb.window(0, 20)
    new = _redrawn(new_cells, fb)
    keys = _new_keys(new, scheme)
    old, oparts, valid = _old_grid(old_cells, scheme, vfrom)
    ngeom = np.asarray(new.geometry.values, dtype=object)
    ogeom = np.asarray(old.geometry.values, dtype=object)
    fb.step(1, 1)
    fb.window(20, 60)
    act = np.flatnonzero(valid & ~shapely.is_missing(ogeom) & ~shapely.is_empty(ogeom))
    ov = _overlaps(ngeom, ogeom, act)
    fb.step(1, 1)
    fb.window(60, 80)
    nkey = keys["community_key"].to_numpy()
    kept_old, kept_iou = _inherit(ov, nkey, oparts["community_key"].to_numpy(), iou_threshold, len(new))
    ocode = old["code"].to_numpy(dtype=object)
    codes, seq = _number(ngeom, ov.an, nkey, oparts, ocode, kept_old, scheme)
    out = _current_cells(new, keys, codes, seq, ov.an, date_values(old, "valid_from"), kept_old, kept_iou,
                         vfrom)
    fb.step(1, 1)
    fb.window(80, 100)
    is_kept = kept_old >= 0
    retired_now, reshaped = _retired_and_reshaped(valid, kept_old, kept_iou)
    log = _changelog(ov, codes, ocode, kept_old, kept_iou, retired_now, vfrom)
    retired = _closed_rows(old, valid, retired_now | reshaped, vfrom, out.geometry.name)
    fb.step(1, 1)
    fb.info(f"Renumbered {len(new)} cells: {int(is_kept.sum())} kept their code ({int(reshaped.sum())} with a "
            f"new boundary), {int((~is_kept).sum())} got fresh numbers, {int(retired_now.sum())} old codes "
            "retired.")
    return RenumberResult(cells=out, changelog=log, retired=retired)


def _comparable_old_cells(new_cells: gpd.GeoDataFrame, old_cells: gpd.GeoDataFrame, iou_threshold: float,
                          fb: Feedback) -> gpd.GeoDataFrame:
    """``old_cells`` in the (metric) CRS of ``new_cells``, after refusing inputs that cannot be compared."""
    if not 0 < iou_threshold <= 1:
        raise InputError(f"iou_threshold must be within (0, 1], got {iou_threshold!r}")
    for name, frame in (("new_cells", new_cells), ("old_cells", old_cells)):
        if not isinstance(frame, gpd.GeoDataFrame):
            raise InputError(f"{name} must be a GeoDataFrame")
    crs = require_metric(new_cells.crs, "renumber cells (IoU needs areas in m²)")
    if "code" not in old_cells.columns:
        raise InputError("old_cells needs a 'code' column")
    if old_cells.crs is None:
        raise InputError("old_cells has no coordinate reference system: set it first")
    if pyproj.CRS.from_user_input(old_cells.crs) != crs:
        old_cells = old_cells.to_crs(crs)
        fb.info(f"Reprojected the old cells to {crs.name} to compare them with the new ones.")
    return old_cells


def _retired_and_reshaped(valid: np.ndarray, kept_old: np.ndarray, kept_iou: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Old cells whose code no new cell kept (among the ``valid`` ones), and old cells whose code a new cell
    kept with a changed boundary (IoU below :data:`SAME_SHAPE_IOU`)."""
    is_kept = kept_old >= 0
    retired_now = valid.copy()
    retired_now[kept_old[is_kept]] = False
    reshaped = np.zeros(len(valid), dtype=bool)
    reshaped[kept_old[is_kept & ~(kept_iou >= SAME_SHAPE_IOU)]] = True
    return retired_now, reshaped
