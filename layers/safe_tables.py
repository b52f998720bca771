"""Spreadsheet-safe tables: every CSV/XLSX Wanmi writes, and the limits on the XLSX files it reads.

**Formula text.** A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as
a formula by Excel/LibreOffice when the file is opened (``=HYPERLINK(…)``, DDE payloads). :func:`escape_cell`
prefixes such text with ``'`` (plain numbers such as ``-12.5`` stay numbers); :func:`unescape_cell` undoes it,
and the readers of :mod:`wanmi.layers.importers` call it, so a file Wanmi wrote re-imports to the same values
(escape then unescape is the identity on every text, including text that already starts with ``'``).
:func:`write_csv`, :func:`csv_text` and :func:`write_xlsx` escape headers and cells; every CSV/XLSX writer of
Wanmi goes through them.

**Hostile XLSX.** An XLSX is a zip of XML files. :func:`check_xlsx` refuses, before openpyxl reads anything,
a file that is not a zip, whose members would decompress to more than :data:`MAX_XLSX_BYTES` or with a
compression ratio above :data:`MAX_RATIO` (zip bombs), or whose sheets declare more than :data:`MAX_ROWS`
rows or :data:`MAX_COLUMNS` columns (``<dimension ref="A1:XFD1048576">`` makes openpyxl pad every row to
16,384 cells). XML is parsed by openpyxl with ``defusedxml`` (a dependency), so entity expansion and external
entities are refused as well.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import InputError

__all__ = ["MAX_COLUMNS", "MAX_RATIO", "MAX_ROWS", "MAX_XLSX_BYTES", "check_xlsx", "csv_text", "escape_cell",
           "escape_frame", "unescape_cell", "write_csv", "write_xlsx"]

#: Rows (records + header) and columns a sheet may have or declare.
MAX_ROWS = 1_000_000
MAX_COLUMNS = 1_000
#: Total uncompressed size of an XLSX's members, and the largest compression ratio of a member over
#: :data:`RATIO_FLOOR` bytes (real sheets compress 5–30×; a zip bomb 1000×).
MAX_XLSX_BYTES = 1 << 30
MAX_RATIO = 100
RATIO_FLOOR = 8 << 20

_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Z]*)(\d*)(?::([A-Z]+)(\d+))?\"")


def _needs_escape(text: str) -> bool:
    return _FORMULA.match(text) is not None and _NUMBER.fullmatch(text) is None


def escape_cell(value: Any) -> Any:
    """``value`` with a ``'`` in front when it is text a spreadsheet would run as a formula; else unchanged."""
    if isinstance(value, str) and value and _needs_escape(value):
        return "'" + value
    return value


def unescape_cell(value: Any) -> Any:
    """The inverse of :func:`escape_cell`: one leading ``'`` removed where :func:`escape_cell` added it."""
    if isinstance(value, str) and value.startswith("'") and _needs_escape(value[1:]):
        return value[1:]
    return value


def escape_frame(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with its headers and text cells escaped (numbers, dates and blanks unchanged)."""
    out = table.copy()
    out.columns = [escape_cell(str(c)) for c in table.columns]
    for j in range(out.shape[1]):
        column = out.iloc[:, j]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype) \
                or isinstance(column.dtype, pd.CategoricalDtype):
            out.isetitem(j, column.astype(object).map(escape_cell))
    return out


def csv_text(table: pd.DataFrame, sep: str = ",") -> str:
    """``table`` (escaped) as CSV text, ``\\n`` line ends, no index."""
    return escape_frame(table).to_csv(index=False, sep=sep, lineterminator="\n")


def write_csv(table: pd.DataFrame, path: str | Path, sep: str = ",") -> Path:
    """Write ``table`` (escaped) to ``path`` as UTF-8 with BOM (so Excel shows Chinese text), no index."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(csv_text(table, sep))
    return path


def write_xlsx(table: pd.DataFrame, path: str | Path, title: str = "Sheet1",
               numeric: Iterable[str] = ()) -> Path:
    """One sheet: header row, then the rows; text escaped and stored as text (never as a formula), columns
    other than ``numeric`` formatted ``@`` (text) so codes keep their leading zeros when edited in Excel."""
    import openpyxl

    numeric = set(numeric)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    ws.append([escape_cell(str(c)) for c in table.columns])
    text_cols = [j for j, c in enumerate(table.columns) if c not in numeric]
    for values in table.itertuples(index=False, name=None):
        ws.append([None if _blank(v) else escape_cell(v) for v in values])
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":  # openpyxl reads "=…" as a formula; escaping leaves none, but be sure
                cell.data_type = "s"
        if row[0].row > 1:
            for j in text_cols:
                row[j].number_format = "@"
    book.save(path)
    return Path(path)


def _blank(value: Any) -> bool:
    """None, NaN, NaT or pd.NA (an empty cell)."""
    return value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and bool(pd.isna(value)))


# ----------------------------------------------------------------------------------------------------
# XLSX limits
# ----------------------------------------------------------------------------------------------------


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _declared(head: bytes) -> tuple[int, int] | None:
    """(rows, columns) a sheet declares in its ``<dimension ref=…>``, or None."""
    match = _DIMENSION.search(head)
    if not match:
        return None
    col1, row1, col2, row2 = (g.decode("ascii") if g is not None else None for g in match.groups())
    if col2 is None:  # a single cell, e.g. "A1"
        return int(row1 or 1), _column_number(col1 or "A")
    return int(row2), _column_number(col2)


def check_xlsx(path: str | Path) -> None:
    """Refuse (InputError naming the file) an XLSX that is not a zip, would decompress to too much or too
    compressed a member (zip bomb), or whose sheets declare too many rows or columns; reads only the zip
    directory and the first 64 KiB of each sheet."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not an XLSX workbook ({exc})") from exc
    with archive:
        members = archive.infolist()
        _check_sizes(path, members)
        for info in members:
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                with archive.open(info) as fh:
                    declared = _declared(fh.read(64 << 10))
                if declared is not None:
                    _check_dimension(path, info.filename, *declared)


def _check_sizes(path: Path, members: Sequence[zipfile.ZipInfo]) -> None:
    total = sum(m.file_size for m in members)
    if total > MAX_XLSX_BYTES:
        raise InputError(f"{path}: the workbook would decompress to {total / 2**20:,.0f} MiB, more than the "
                         f"{MAX_XLSX_BYTES / 2**20:,.0f} MiB Wanmi reads; save the records as CSV instead")
    for m in members:
        if m.file_size > RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise InputError(f"{path}: member {m.filename} would decompress from {m.compress_size:,} to "
                             f"{m.file_size:,} bytes ({m.file_size // max(m.compress_size, 1):,}×); refused as "
                             f"a zip bomb (a real sheet compresses less than {MAX_RATIO}×)")


def _check_dimension(path: Path, member: str, rows: int, columns: int) -> None:
    if rows > MAX_ROWS or columns > MAX_COLUMNS:
        raise InputError(f"{path}: {member} declares {rows:,} rows × {columns:,} columns; Wanmi reads at most "
                         f"{MAX_ROWS:,} rows and {MAX_COLUMNS:,} columns (save the sheet again from Excel, "
                         f"or as CSV)")
