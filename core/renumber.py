"""Stable renumbering of a redrawn unit grid (单元网格编码的稳定继承).

When a grid is redrawn (new roads, a new target area, a corrected community boundary), cell codes that
users, cases and components already refer to must survive wherever the cell did. Rules:

1. **Kept** (继承). A new cell inherits an old code when exactly one *active* old cell overlaps it with
   IoU = area(new ∩ old) / area(new ∪ old) ≥ ``iou_threshold`` (default 0.9), and that old code belongs
   to the new cell's community (its first 12 digits equal the new cell's district + street + community
   codes). For thresholds ≥ 0.5 the pairing is necessarily one-to-one; below 0.5 an old cell goes to the
   new cell with the highest IoU. A kept cell also keeps its old ``valid_from``.
2. **Fresh numbers** (新编). Every other new cell gets a new sequence number in its community, starting
   after the highest sequence number *ever* used there in the old grid, including retired codes (old rows
   whose ``valid_to`` is set), so a retired code is never reused. Fresh cells are numbered among
   themselves west → east, north → south (rows of height √(median new cell area) from the community's
   north edge, as :mod:`wanmi.core.cellcode`). Their ``valid_from`` is the new ``valid_from``.
3. **Retired** (注销). Every active old code that is not kept is retired: ``valid_to`` = the new
   ``valid_from``.

The change log has one row per relation, columns ``old_code, new_code, change, iou, valid_to``:

- ``kept``: old code = new code (``iou`` of the pair);
- ``split``: an old retired cell whose area is covered by ≥ 2 new cells each holding ≥ 10 % of it (one
  row per such new cell);
- ``merged``: a fresh new cell holding ≥ 10 % of each of ≥ 2 old cells (one row per such old cell);
- ``new``: a fresh cell that is not the result of a merge (``old_code`` empty; ``iou`` = best IoU with
  any old cell, NaN if none);
- ``retired``: every old code not kept (``new_code`` empty, ``valid_to`` = the new ``valid_from``).
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

from .cellcode import CellCodeScheme, band_rows, get_cell_scheme, sequence_numbers
from .crs import require_metric
from .errors import InputError
from .feedback import Feedback, ensure
from .grid import as_date, jurisdiction_codes

__all__ = ["CHANGELOG_COLUMNS", "COVER_SHARE", "RenumberResult", "renumber"]

CHANGELOG_COLUMNS = ["old_code", "new_code", "change", "iou", "valid_to"]
#: Share of an old cell a new cell must hold to count in a split or merge.
COVER_SHARE = 0.10
_CHANGE_ORDER = {"kept": 0, "split": 1, "merged": 2, "new": 3, "retired": 4}


@dataclass
class RenumberResult:
    """``cells``: the new grid with inherited or fresh codes (sorted by code). ``changelog``: see the module
    docstring. ``retired``: old cells no longer active — the ones retired now (``valid_to`` = the new
    ``valid_from``) and those already retired before — so ``cells`` + ``retired`` is the full history."""

    cells: gpd.GeoDataFrame
    changelog: pd.DataFrame
    retired: gpd.GeoDataFrame

    @property
    def kept_share(self) -> float:
        """Share of new cells that kept an old code."""
        n = len(self.cells)
        return float((self.changelog["change"] == "kept").sum() / n) if n else float("nan")


def _new_keys(cells: gpd.GeoDataFrame, scheme: CellCodeScheme) -> pd.DataFrame:
    """Community codes of the new cells: from the code columns, else from existing cell codes."""
    if {"district_code", "community_code"} & set(cells.columns):
        return jurisdiction_codes(cells)
    if "code" in cells.columns:
        parts = scheme.split_many(cells["code"])
        return parts[["district_code", "street_code", "community_code", "community_key"]]
    raise InputError("new cells need district_code/street_code/community_code columns (or codes)")


def _is_null(s: pd.Series) -> np.ndarray:
    return (s.isna() | (s.astype(str).str.strip() == "")).to_numpy()


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

    ``old_cells`` needs a ``code`` column (and optionally ``valid_from``/``valid_to``); ``new_cells`` needs
    the district/street/community code columns, as :func:`wanmi.core.grid.partition` writes them. Both
    must be in a metric CRS (``old_cells`` is reprojected to the CRS of ``new_cells`` if they differ).
    """
    fb = ensure(feedback)
    scheme = get_cell_scheme(code_scheme)
    vfrom = as_date(valid_from)
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

    fb.window(0, 20)
    new = new_cells.reset_index(drop=True)
    keys = _new_keys(new, scheme)
    ngeom = np.asarray(new.geometry.values, dtype=object)
    if shapely.is_missing(ngeom).any() or shapely.is_empty(ngeom).any():
        k = int(np.flatnonzero(shapely.is_missing(ngeom) | shapely.is_empty(ngeom))[0])
        raise InputError(f"new cell {k} has no geometry")
    old = old_cells.reset_index(drop=True)
    bad = ~scheme.valid_mask(old["code"])
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(f"old cell {k}: code {old['code'].iloc[k]!r} is not a valid {scheme.name} cell code")
    oparts = scheme.split_many(old["code"])
    ogeom = np.asarray(old.geometry.values, dtype=object)
    active = ~_is_null(old["valid_to"]) if "valid_to" in old.columns else np.zeros(len(old), dtype=bool)
    active = ~active & ~shapely.is_missing(ogeom) & ~shapely.is_empty(ogeom)
    dup = old["code"][active].duplicated()
    if dup.any():
        raise InputError(f"old cell code {old['code'][active][dup].iloc[0]} is active more than once")
    fb.step(1, 1)

    # --- overlaps new × active old ----------------------------------------------------------------------
    fb.window(20, 60)
    act = np.flatnonzero(active)
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
    ao = np.zeros(len(old))
    ao[act] = shapely.area(ogeom[act])
    iou = inter / (an[qn] + ao[qo] - inter)
    fb.step(1, 1)

    # --- inheritance -----------------------------------------------------------------------------------
    fb.window(60, 80)
    cand = iou >= iou_threshold
    n_cand = np.bincount(qn[cand], minlength=len(new))
    same = keys["community_key"].to_numpy()[qn] == oparts["community_key"].to_numpy()[qo]
    ok = cand & (n_cand[qn] == 1) & same
    pairs = pd.DataFrame({"n": qn[ok], "o": qo[ok], "iou": iou[ok]}).sort_values("iou", ascending=False)
    pairs = pairs.drop_duplicates("o").drop_duplicates("n")
    kept_old = np.full(len(new), -1)
    kept_old[pairs["n"].to_numpy()] = pairs["o"].to_numpy()
    kept_iou = np.full(len(new), np.nan)
    kept_iou[pairs["n"].to_numpy()] = pairs["iou"].to_numpy()
    is_kept = kept_old >= 0

    # --- fresh numbers -----------------------------------------------------------------------------------
    nkey = keys["community_key"].to_numpy()
    max_used = oparts.groupby("community_key")["seq"].max()
    start = pd.Series(nkey).map(max_used).fillna(0).astype(np.int64).to_numpy() + 1
    fresh = np.flatnonzero(~is_kept)
    seq = np.zeros(len(new), dtype=np.int64)
    seq[is_kept] = oparts["seq"].to_numpy()[kept_old[is_kept]]
    if len(fresh):
        rp = shapely.point_on_surface(ngeom[fresh])
        ry = shapely.get_y(rp)
        row_h = math.sqrt(float(np.median(an)))
        top = pd.Series(shapely.bounds(ngeom)[:, 3]).groupby(nkey).max()
        rows = band_rows(ry, top.reindex(nkey[fresh]).to_numpy(), row_h)
        seq[fresh] = sequence_numbers(nkey[fresh], rows, shapely.get_x(rp), y=ry, start=start[fresh])
        over = seq > scheme.max_seq
        if over.any():
            k = int(np.flatnonzero(over)[0])
            used = int(start[k] - 1)
            raise InputError(
                f"community {nkey[k]}: {int((~is_kept & (nkey == nkey[k])).sum())} new cells need fresh "
                f"numbers after {used} (the highest ever used), beyond the {scheme.max_seq} the {scheme.name} "
                "scheme allows; start a new grid edition for this community (renumber it from scratch) or "
                "use the 15-digit scheme"
            )
    codes = np.empty(len(new), dtype=object)
    codes[is_kept] = old["code"].to_numpy()[kept_old[is_kept]]
    if len(fresh):
        codes[fresh] = scheme.format_many(nkey[fresh], seq[fresh])
    vf = pd.Series([vfrom] * len(new), dtype=object)
    if "valid_from" in old.columns:
        old_vf = old["valid_from"].to_numpy(dtype=object)[kept_old[is_kept]]
        have = ~pd.isna(old_vf)
        idx = np.flatnonzero(is_kept)
        vf.iloc[idx[have]] = old_vf[have]
    fb.step(1, 1)

    # --- output cells --------------------------------------------------------------------------------------
    out = new.copy()
    out["code"] = codes
    for col in ("district_code", "street_code", "community_code"):
        out[col] = keys[col].to_numpy()
    out["seq"] = seq
    out["area_m2"] = an
    out["valid_from"] = vf.to_numpy()
    out["valid_to"] = pd.Series([None] * len(new), dtype=object).to_numpy()
    front = [c for c in ("code", "area_m2", "district_code", "street_code", "community_code", "seq",
                         "valid_from", "valid_to") if c in out.columns]
    geom_col = out.geometry.name
    rest = [c for c in out.columns if c not in front and c != geom_col]
    out = out[[*front, *rest, geom_col]].sort_values("code", kind="stable").reset_index(drop=True)

    # --- change log ------------------------------------------------------------------------------------
    fb.window(80, 100)
    kept_mask_old = np.zeros(len(old), dtype=bool)
    kept_mask_old[kept_old[is_kept]] = True
    retired_now = active & ~kept_mask_old
    ocode = old["code"].to_numpy(dtype=object)
    rows: list[pd.DataFrame] = []
    rows.append(pd.DataFrame({"old_code": codes[is_kept], "new_code": codes[is_kept], "change": "kept",
                              "iou": kept_iou[is_kept]}))
    share = inter / np.where(ao[qo] > 0, ao[qo], 1.0)
    rel = share >= COVER_SHARE
    rel &= ~(kept_old[qn] == qo)
    rn, ro, riou = qn[rel], qo[rel], iou[rel]
    # split: retired old cells shared by >= 2 new cells
    sp = retired_now[ro]
    n_new_per_old = np.bincount(ro[sp], minlength=len(old))
    sm = sp & (n_new_per_old[ro] >= 2)
    rows.append(pd.DataFrame({"old_code": ocode[ro[sm]], "new_code": codes[rn[sm]], "change": "split",
                              "iou": riou[sm]}))
    # merged: fresh new cells holding >= 2 old cells
    mg = ~is_kept[rn]
    n_old_per_new = np.bincount(rn[mg], minlength=len(new))
    mm = mg & (n_old_per_new[rn] >= 2)
    rows.append(pd.DataFrame({"old_code": ocode[ro[mm]], "new_code": codes[rn[mm]], "change": "merged",
                              "iou": riou[mm]}))
    merged_new = np.zeros(len(new), dtype=bool)
    merged_new[rn[mm]] = True
    best = np.full(len(new), np.nan)
    if len(qn):
        best_s = pd.Series(iou).groupby(qn).max()
        best[best_s.index.to_numpy()] = best_s.to_numpy()
    nn = ~is_kept & ~merged_new
    rows.append(pd.DataFrame({"old_code": None, "new_code": codes[nn], "change": "new", "iou": best[nn]}))
    rows.append(pd.DataFrame({"old_code": ocode[retired_now], "new_code": None, "change": "retired",
                              "iou": np.nan}))
    log = pd.concat([r for r in rows if len(r)], ignore_index=True) if any(len(r) for r in rows) else None
    if log is None:
        log = pd.DataFrame(columns=CHANGELOG_COLUMNS)
    log["valid_to"] = pd.Series(np.where(log["change"] == "retired", vfrom, None), dtype=object)
    log = log.astype({"old_code": object, "new_code": object, "iou": float})
    log["_o"] = log["change"].map(_CHANGE_ORDER)
    log = log.sort_values(["_o", "old_code", "new_code"], kind="stable", na_position="first")
    log = log.drop(columns="_o").reset_index(drop=True)[CHANGELOG_COLUMNS]

    retired = old[retired_now | ~active & ~shapely.is_missing(ogeom)].copy()
    if "valid_to" not in retired.columns:
        retired["valid_to"] = None
    retired["valid_to"] = retired["valid_to"].astype(object)
    now_mask = retired_now[retired.index.to_numpy()]
    retired.loc[now_mask, "valid_to"] = vfrom
    retired = retired.sort_values("code", kind="stable").reset_index(drop=True)
    fb.step(1, 1)
    n_kept = int(is_kept.sum())
    fb.info(f"Renumbered {len(new)} cells: {n_kept} kept their code, {len(fresh)} got fresh numbers, "
            f"{int(retired_now.sum())} old codes retired.")
    return RenumberResult(cells=out, changelog=log, retired=retired)
