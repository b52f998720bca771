"""District, street and community keys of cells and cases: one rule, vectorised (区/街道/社区代码).

Every place that needs the jurisdiction keys of a row — partition's community layer, the case overlay,
the evaluation, renumbering, the audit and the plugin's read-out — derives them here, so a row gets the same
district (6 digits), street (9) and community (12) key everywhere.

The rule
========
Sources of each row: the code columns ``district_code``, ``street_code``, ``community_code`` and, for
cells and cases, the unit-cell code (14 or 15 digits: district 6 + street 3 + community 3 + sequence).

1. A street or community column may hold the 3-digit part (``"001"``) or the full code (9-digit street,
   12-digit community); a full code also says the levels above it. Integer columns that lost their leading
   zeros are padded (:func:`code_text`).
2. Each level is taken from the most specific *explicit column* that states it, in this order:
   district ← ``district_code``, a 9-digit ``street_code``, a 12-digit ``community_code``, the cell code;
   street ← ``street_code``, a 12-digit ``community_code``, the cell code;
   community ← ``community_code``, the cell code.
   The columns win because they are the attribute of record (what the attribute table, the forms and the
   read-out show); the cell code decides only what the columns leave out.
3. Keys nest by construction: street key = district + street part, community key = street key +
   community part. A 3-digit part with no level above it known gives no key (missing, never a guess).
4. A source that states a level differently from the one taken is a **conflict**, described in the
   ``conflict`` column (e.g. ``community_code 002 disagrees with the cell code 110101001001001``); it is
   never silently dropped: :func:`wanmi.core.grid.jurisdiction_codes` refuses such a community layer,
   the case overlay and the evaluation warn with the first example, and the audit's ``code_mismatch``
   reports each cell whose code columns disagree with its code.

So for cell ``110101001001001`` with ``community_code = "002"`` and no other columns the keys are district
``110101``, street ``110101001``, community ``110101001002``, with a conflict.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .text import clean_texts

__all__ = ["KEY_COLUMNS", "code_text", "conflict_summary", "derive_keys", "region_key", "region_keys"]

#: Columns of :func:`derive_keys` / :func:`region_keys` (besides ``cell_code`` in the latter).
KEY_COLUMNS = ("community_code", "street_code", "district_code", "conflict")
#: Widths a numeric column is zero-padded to (the smallest that fits), per column.
_PAD_WIDTHS = {"district_code": (6,), "street_code": (3, 9), "community_code": (3, 12), "cell_code": (14, 15)}
_CELL_CODE = r"[0-9]{14,15}"


def code_text(values: Any, widths: Iterable[int] = ()) -> pd.Series:
    """A code column as stripped text (object dtype, None for missing or empty).

    Values that are not plain digits go through :func:`wanmi.core.text.clean_texts` (full-width digits,
    invisible characters, a code read as ``110101.0``); plain digit text, the usual case, stays vectorised.
    Whole numbers (an integer column, or a float column read from a spreadsheet) lost their leading zeros:
    each is zero-padded to the smallest of ``widths`` that fits."""
    s = values if isinstance(values, pd.Series) else pd.Series(list(values) if values is not None else [])
    numeric = (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)) or \
        pd.api.types.infer_dtype(s, skipna=True) in ("integer", "floating", "mixed-integer-float")
    if numeric:
        num = pd.to_numeric(s, errors="coerce")
        whole = num.notna() & (num == np.floor(num))
        text = pd.Series(None, index=s.index, dtype=object)
        text[whole] = num[whole].astype(np.int64).astype(str)
        length = text.str.len()
        done = ~whole.to_numpy(dtype=bool)
        for w in sorted(widths):  # the narrowest width that fits
            fits = ~done & (length <= w).fillna(False).to_numpy(dtype=bool)
            text[fits] = text[fits].str.zfill(w)
            done |= fits
        return text
    text = s.astype("string").str.strip()
    odd = (text.notna() & ~text.str.fullmatch(r"[0-9]*").fillna(False)).to_numpy(dtype=bool)
    empty = (text.isna() | (text == "")).fillna(True).to_numpy(dtype=bool)
    text = text.astype(object)
    text[empty] = None
    if odd.any():  # the rare non-digit value: the engine's text normaliser (full-width digits, "110101.0" …)
        text[odd] = clean_texts(s[odd]).to_numpy(dtype=object)
    return text


def _present(s: pd.Series) -> np.ndarray:
    return s.notna().to_numpy(dtype=bool)


def _pick(candidates: list[tuple[str, pd.Series, pd.Series]], level: str, conflicts: list[pd.Series]
          ) -> pd.Series:
    """First present candidate per row; rows where a later one states something else get a conflict text.

    ``candidates``: (source name, value for this level, raw text shown in the message)."""
    value = pd.Series(None, index=candidates[0][1].index, dtype=object)
    raw = value.copy()
    name = pd.Series(None, index=value.index, dtype=object)
    for src, cand, shown in candidates:
        take = ~_present(value) & _present(cand)
        value[take], raw[take], name[take] = cand[take], shown[take], src
    for src, cand, shown in candidates:
        bad = _present(cand) & (cand != value).fillna(False).to_numpy(dtype=bool)
        if bad.any():
            text = pd.Series(None, index=value.index, dtype=object)
            text[bad] = (name[bad] + " " + raw[bad] + " disagrees with " + src + " " + shown[bad]
                         + f" ({level})")
            conflicts.append(text)
    return value


def derive_keys(district: Any = None, street: Any = None, community: Any = None, cell_code: Any = None
                ) -> pd.DataFrame:
    """Full district (6), street (9) and community (12) keys of each row by the module's rule, vectorised.

    Arguments are aligned array-likes of code text (or None for an absent column; see :func:`code_text`).
    Returns columns :data:`KEY_COLUMNS`: the keys (None where unknown) and ``conflict`` (None, or the
    disagreements of the row, ``"; "``-separated)."""
    cols = [c for c in (district, street, community, cell_code) if c is not None]
    n = len(cols[0]) if cols else 0
    index = pd.RangeIndex(n)

    def col(values: Any, name: str) -> pd.Series:
        if values is None:
            return pd.Series(None, index=index, dtype=object)
        s = values.reset_index(drop=True) if isinstance(values, pd.Series) else pd.Series(list(values))
        return code_text(s, _PAD_WIDTHS[name])

    d, st, cm, cell = (col(district, "district_code"), col(street, "street_code"),
                       col(community, "community_code"), col(cell_code, "cell_code"))
    cell = cell.where(cell.str.fullmatch(_CELL_CODE).fillna(False).astype(bool), None)
    st9 = st.where(st.str.len() == 9, None)
    cm12 = cm.where(cm.str.len() == 12, None)
    st_part = st.where(st9.isna(), st9.str[6:])
    cm_part = cm.where(cm12.isna(), cm12.str[9:])
    conflicts: list[pd.Series] = []
    dist = _pick([("district_code", d, d), ("street_code", st9.str[:6], st9), ("community_code", cm12.str[:6], cm12),
                  ("the cell code", cell.str[:6], cell)], "district", conflicts)
    street_p = _pick([("street_code", st_part, st), ("community_code", cm12.str[6:9], cm12),
                      ("the cell code", cell.str[6:9], cell)], "street", conflicts)
    comm_p = _pick([("community_code", cm_part, cm), ("the cell code", cell.str[9:12], cell)], "community",
                   conflicts)
    street_key = dist + street_p  # None propagates: no key without the levels above
    out = pd.DataFrame({"community_code": (street_key + comm_p).astype(object),
                        "street_code": street_key.astype(object), "district_code": dist.astype(object)})
    out = out.where(out.notna(), None)
    conflict = pd.Series(None, index=index, dtype=object)
    for text in conflicts:
        conflict = conflict.where(text.isna(), conflict.fillna("").where(conflict.isna(), conflict + "; ")
                                  + text.fillna(""))
    out["conflict"] = conflict.where(conflict.notna(), None)
    return out


def region_keys(frame: pd.DataFrame, code_field: str | None = "cell_code") -> pd.DataFrame:
    """:func:`derive_keys` of a table's code columns, indexed like ``frame``, with ``cell_code`` first.

    ``code_field``: the column holding the unit-cell code (``"code"`` in a cell layer, ``"cell_code"`` in
    a case table; None: no cell code). Absent columns count as missing values."""
    cols = getattr(frame, "columns", ())

    def get(name: str | None) -> Any:
        return frame[name].reset_index(drop=True) if name is not None and name in cols else None

    cell = get(code_field)
    keys = derive_keys(get("district_code"), get("street_code"), get("community_code"),
                       cell if cell is not None else [None] * len(frame))
    cell_text = code_text(cell, _PAD_WIDTHS["cell_code"]) if cell is not None else \
        pd.Series(None, index=keys.index, dtype=object)
    keys.insert(0, "cell_code", pd.Series(cell_text.to_numpy(dtype=object), index=keys.index, dtype=object))
    keys.index = frame.index
    return keys


def region_key(cell_code: Any = None, district: Any = None, street: Any = None, community: Any = None
               ) -> tuple[str | None, str | None, str | None]:
    """(community 12, street 9, district 6) keys of one row: :func:`derive_keys` on a single row."""
    row = derive_keys([district], [street], [community], [cell_code]).iloc[0]
    return row["community_code"], row["street_code"], row["district_code"]


def conflict_summary(keys: pd.DataFrame, what: str = "rows") -> str | None:
    """One sentence for the warnings: how many rows have a conflict and the first one; None if none."""
    conflict = keys["conflict"].dropna() if "conflict" in keys.columns else pd.Series(dtype=object)
    if conflict.empty:
        return None
    return (f"{len(conflict)} {what} have code columns that disagree with each other or with the cell code "
            f"(e.g. {conflict.iloc[0]}); the code columns are used (run wanmi audit to list them)")
