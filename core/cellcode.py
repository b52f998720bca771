"""Unit-cell code schemes and sequence numbering (单元网格编码与顺序码).

A unit-cell code is the 12-digit community code (统计用区划代码: 6-digit GB/T 2260 county-level admin
code + 3-digit street/街道 + 3-digit community/社区) followed by a sequence number (单元网格顺序码) that
runs within the community. Two presets:

- ``gbt30428-15`` (alias ``15``, the default): 6 + 3 + 3 + **3** = 15 digits, GB/T 30428.1-2013 and
  Beijing DB11/T 2157-2023; up to 999 cells per community.
- ``cjt213-14`` (alias ``14``): 6 + 3 + 3 + **2** = 14 digits, CJ/T 213-2005; up to 99 cells per community.

Sequence numbers run within each community 从西向东、由北至南 (west → east, then north → south, DB11/T
2157): cells are put into rows (bands of height ``row_height``, normally the lattice side √A, counted
from the north), rows are numbered from the north, and cells within a row from the west. The first cell
is 1 (``…001``); ``000`` is never a cell number (CJ/T 349 uses it for "community not subdivided").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Union

import numpy as np
import pandas as pd

from .enums import DEFAULT_CELL_SCHEME
from .errors import CodeError, InputError

__all__ = [
    "CELL_SCHEMES",
    "DEFAULT_CELL_SCHEME",
    "CellCode",
    "CellCodeScheme",
    "band_rows",
    "check_capacity",
    "get_cell_scheme",
    "sequence_numbers",
]


class CellCode(NamedTuple):
    """A parsed unit-cell code (all parts as digit strings except ``seq``)."""

    district: str
    street: str
    community: str
    seq: int

    @property
    def community_key(self) -> str:
        """The 12-digit community code (district + street + community)."""
        return self.district + self.street + self.community


@dataclass(frozen=True)
class CellCodeScheme:
    """A fixed-width unit-cell code: district + street + community + sequence digits."""

    name: str
    seq_digits: int
    title: str = ""
    district_digits: int = 6
    street_digits: int = 3
    community_digits: int = 3

    # --- derived ----------------------------------------------------------------------------------------
    @property
    def length(self) -> int:
        """Total number of digits."""
        return self.district_digits + self.street_digits + self.community_digits + self.seq_digits

    @property
    def max_seq(self) -> int:
        """Largest sequence number (999 or 99)."""
        return 10**self.seq_digits - 1

    @property
    def widths(self) -> tuple[int, int, int, int]:
        return (self.district_digits, self.street_digits, self.community_digits, self.seq_digits)

    @property
    def pattern(self) -> str:
        """A regular expression matching valid codes (handy for database CHECK constraints)."""
        return f"^[0-9]{{{self.length}}}$"

    # --- single codes -----------------------------------------------------------------------------------
    def format(self, district: Any, street: Any, community: Any, seq: Any) -> str:
        """Assemble a code; every part is checked (digits, width, seq in 1..max_seq)."""
        parts = [str(district), str(street), str(community)]
        names = ("district", "street", "community")
        for part, name, width in zip(parts, names, self.widths[:3]):
            if len(part) != width or not part.isdigit():
                raise CodeError(
                    f"{self.name}: {name} code {part!r} must be {width} digits", code=None, segment=name
                )
        try:
            seq_i = int(seq)
        except (TypeError, ValueError) as exc:
            raise CodeError(f"{self.name}: sequence number {seq!r} is not an integer", segment="seq") from exc
        if not 1 <= seq_i <= self.max_seq:
            raise CodeError(
                f"{self.name}: sequence number {seq_i} is outside 1..{self.max_seq}", segment="seq"
            )
        return "".join(parts) + str(seq_i).zfill(self.seq_digits)

    def parse(self, code: Any) -> CellCode:
        """Split a code into district, street, community and seq; raises CodeError if invalid."""
        text = self.validate(code)
        d, s, c, _ = self.widths
        return CellCode(text[:d], text[d : d + s], text[d + s : d + s + c], int(text[d + s + c :]))

    def validate(self, code: Any) -> str:
        """Return ``code`` as text if valid, else raise :class:`CodeError` naming the problem."""
        text = "" if code is None else str(code)
        if len(text) != self.length:
            raise CodeError(
                f"cell code {text!r} has {len(text)} characters; the {self.name} scheme needs "
                f"{self.length} digits",
                code=text,
            )
        if not text.isdigit() or not text.isascii():
            raise CodeError(f"cell code {text!r} contains non-digit characters", code=text)
        if int(text[-self.seq_digits :]) == 0:
            raise CodeError(f"cell code {text!r}: sequence number 0 is not a cell", code=text, segment="seq")
        return text

    def is_valid(self, code: Any) -> bool:
        """True if :meth:`validate` would accept ``code``."""
        try:
            self.validate(code)
        except CodeError:
            return False
        return True

    # --- vectorised -------------------------------------------------------------------------------------
    def format_many(
        self, community_keys: Sequence[str] | np.ndarray | pd.Series, seq: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        """Codes for arrays of 12-digit community keys and sequence numbers (checked, vectorised)."""
        keys = pd.Series(np.asarray(community_keys, dtype=object), dtype=object).astype(str)
        seq_a = np.asarray(seq, dtype=np.int64)
        key_len = self.length - self.seq_digits
        bad = ~keys.str.fullmatch(rf"[0-9]{{{key_len}}}")
        if bad.any():
            raise CodeError(f"community code {keys[bad].iloc[0]!r} must be {key_len} digits", segment="community")
        if seq_a.size and (seq_a.min() < 1 or seq_a.max() > self.max_seq):
            raise CodeError(f"sequence numbers must be within 1..{self.max_seq}", segment="seq")
        seq_s = pd.Series(seq_a).astype(str).str.zfill(self.seq_digits)
        return (keys.to_numpy() + seq_s.to_numpy()).astype(object)

    def valid_mask(self, codes: Sequence[Any] | np.ndarray | pd.Series) -> np.ndarray:
        """Boolean array: which codes are valid (vectorised :meth:`is_valid`)."""
        s = pd.Series(np.asarray(codes, dtype=object), dtype=object)
        text = s.where(s.notna(), "").astype(str)
        ok = text.str.fullmatch(rf"[0-9]{{{self.length}}}").to_numpy(dtype=bool)
        zero = text.str[-self.seq_digits :] == "0" * self.seq_digits
        return ok & ~zero.to_numpy(dtype=bool)

    def split_many(self, codes: Sequence[Any] | np.ndarray | pd.Series) -> pd.DataFrame:
        """Parse many codes into columns ``community_key, district_code, street_code, community_code, seq``.

        Raises :class:`CodeError` naming the first invalid code.
        """
        s = pd.Series(np.asarray(codes, dtype=object), dtype=object)
        ok = self.valid_mask(s)
        if not ok.all():
            self.validate(s[~ok].iloc[0])  # raises with the precise reason
        text = s.astype(str)
        d, st, c, _ = self.widths
        key_len = d + st + c
        return pd.DataFrame(
            {
                "community_key": text.str[:key_len].to_numpy(),
                "district_code": text.str[:d].to_numpy(),
                "street_code": text.str[d : d + st].to_numpy(),
                "community_code": text.str[d + st : key_len].to_numpy(),
                "seq": text.str[key_len:].astype(np.int64).to_numpy(),
            }
        )


#: Preset schemes by canonical name.
CELL_SCHEMES: dict[str, CellCodeScheme] = {
    "gbt30428-15": CellCodeScheme(
        "gbt30428-15", 3, "GB/T 30428.1-2013 / DB11/T 2157-2023: 6+3+3+3 = 15 digits"
    ),
    "cjt213-14": CellCodeScheme("cjt213-14", 2, "CJ/T 213-2005: 6+3+3+2 = 14 digits"),
}
_ALIASES = {"15": "gbt30428-15", "14": "cjt213-14", "db11-15": "gbt30428-15", "gbt30428": "gbt30428-15",
            "cjt213": "cjt213-14"}

SchemeLike = Union[str, int, CellCodeScheme, None]


def get_cell_scheme(scheme: SchemeLike = None) -> CellCodeScheme:
    """A :class:`CellCodeScheme` from its name or alias ("gbt30428-15"/"15", "cjt213-14"/"14")."""
    if isinstance(scheme, CellCodeScheme):
        return scheme
    if scheme is None:
        return CELL_SCHEMES[DEFAULT_CELL_SCHEME]
    key = re.sub(r"[\s_/]", "", str(scheme).lower())
    key = _ALIASES.get(key, key)
    if key not in CELL_SCHEMES:
        raise InputError(
            f"unknown cell code scheme {scheme!r}; use one of {sorted(CELL_SCHEMES)} (aliases 15, 14)"
        )
    return CELL_SCHEMES[key]


# ----------------------------------------------------------------------------------------------------
# Sequence numbering
# ----------------------------------------------------------------------------------------------------


def band_rows(y: np.ndarray, top: np.ndarray, row_height: float) -> np.ndarray:
    """Row index counted from the north: ``floor((top - y) / row_height)`` (row 0 is the northernmost)."""
    if not row_height > 0:
        raise InputError(f"row height must be positive, got {row_height}")
    return np.floor((np.asarray(top, dtype=float) - np.asarray(y, dtype=float)) / row_height).astype(np.int64)


def sequence_numbers(
    group: np.ndarray,
    row: np.ndarray,
    x: np.ndarray,
    *,
    col: np.ndarray | None = None,
    y: np.ndarray | None = None,
    start: np.ndarray | int = 1,
) -> np.ndarray:
    """Sequence numbers within each group: rows from the north (``row`` ascending), then west → east.

    ``group`` is any integer/str label per cell (the community), ``row`` the row index counted from the
    north (0 = northernmost), ``x`` the easting of the cell's representative point. ``col`` (lattice column)
    sorts before ``x`` when given; ``y`` (northing) breaks remaining ties, north first. ``start`` is the
    first number of each group: a scalar, or an array aligned with the cells (same value within a group).
    Vectorised with one ``lexsort``; no per-cell Python loop.
    """
    group = np.asarray(group)
    n = group.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    _, gid = np.unique(group, return_inverse=True)
    gid = gid.reshape(-1)
    keys: list[np.ndarray] = []
    keys.append(-np.asarray(y, dtype=float) if y is not None else np.zeros(n))
    keys.append(np.asarray(x, dtype=float))
    if col is not None:
        keys.append(np.asarray(col, dtype=np.int64))
    keys.append(np.asarray(row, dtype=np.int64))
    keys.append(gid)
    order = np.lexsort(keys)  # last key is primary
    g_sorted = gid[order]
    first = np.r_[True, g_sorted[1:] != g_sorted[:-1]]
    pos = np.arange(n)
    group_start = np.maximum.accumulate(np.where(first, pos, 0))
    rank = pos - group_start
    seq = np.empty(n, dtype=np.int64)
    seq[order] = rank
    start_a = np.broadcast_to(np.asarray(start, dtype=np.int64), (n,))
    return seq + start_a


def check_capacity(
    community_keys: np.ndarray | pd.Series, seq: np.ndarray, scheme: CellCodeScheme, target_area: float | None
) -> None:
    """Raise :class:`InputError` if any community needs numbers beyond ``scheme.max_seq``.

    The message names the community and the count and suggests the 15-digit scheme or a larger area.
    """
    seq = np.asarray(seq, dtype=np.int64)
    if seq.size == 0 or seq.max() <= scheme.max_seq:
        return
    df = pd.DataFrame({"k": np.asarray(community_keys, dtype=object), "seq": seq})
    worst = df.groupby("k")["seq"].agg(["max", "size"]).sort_values("max", ascending=False)
    over = worst[worst["max"] > scheme.max_seq]
    key, row = over.index[0], over.iloc[0]
    hint = []
    if scheme.seq_digits < 3:
        hint.append("use the 15-digit scheme 'gbt30428-15' (999 cells per community)")
    if target_area:
        factor = float(row["max"]) / scheme.max_seq
        hint.append(f"use a larger target area (at least about {target_area * factor:,.0f} m²)")
    if not hint:
        hint.append("split the community")
    more = f" ({len(over) - 1} more communities too)" if len(over) > 1 else ""
    raise InputError(
        f"community {key} needs {int(row['size'])} cells (highest sequence number {int(row['max'])}), but "
        f"the {scheme.name} scheme allows at most {scheme.max_seq} per community{more}: "
        + " or ".join(hint)
        + "."
    )
