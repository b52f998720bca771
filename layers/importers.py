"""Read census records from the files field crews deliver: CSV, XLSX, GeoJSON, Shapefile, GeoPackage.

:func:`read_components` returns a GeoDataFrame ready for :meth:`CensusStore.import_components`:

- columns renamed to the schema's English names from Chinese labels, GB/T 47678.5 abbreviations or CJ/T
  214 names (:func:`wanmi.layers.schema.map_columns`);
- for tables, points built from longitude/latitude columns, found by name when not given (lon, lng,
  longitude, x, 经度 / lat, latitude, y, 纬度 …) or from a WKT column; coordinates from Chinese web maps
  (GCJ-02 Amap/Tencent, BD-09 Baidu) converted to WGS 84 (:func:`wanmi.core.crs.convert_lonlat`);
- a coordinate that is missing, not a number or out of range becomes a per-row message in column
  ``import_problem`` (the validator rejects that record with it) instead of stopping the import;
- ``source_row``: the record's line in the file (CSV: the physical line where the record starts, as a
  text editor numbers it, blank lines and quoted line breaks counted; XLSX: the sheet row; vector files:
  the feature number), for the reject list;
- ``attrs["source"]``: the :class:`SourceRecords` of the file, its records exactly as read (headers, text,
  coordinates in the file's system), from which :func:`rejects_table` builds a reject list that re-imports
  with the same command like a correct first import;
- reprojected to a metric CRS (CGCS2000 Gauss–Krüger zone in China) for the distance checks.

XLSX files are checked before openpyxl reads them (:func:`wanmi.layers.safe_tables.check_xlsx`: zip bombs,
absurd declared dimensions), and the ``'`` that Wanmi puts before formula text when it writes a CSV/XLSX
is removed again (:func:`wanmi.layers.safe_tables.unescape_cell`).

:func:`write_components` writes the same formats back (a Shapefile uses the GB/T abbreviations, which fit
its 10-character field names), so exports re-import unchanged.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.crs import convert_geometries, convert_lonlat, to_metric
from ..core.enums import COORD_SYSTEMS, WEB_COORD_SYSTEMS
from ..core.errors import InputError
from ..core.text import header_key
from .safe_tables import MAX_ROWS, check_xlsx, unescape_cell, write_csv, write_xlsx
from .schema import FIELDS_BY_NAME, map_columns, rename_for

__all__ = ["LAT_NAMES", "LON_NAMES", "REJECT_COLUMNS", "WKT_NAMES", "SourceRecords", "read_components", "read_table",
           "rejects_table", "vector_source", "write_components"]

LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度", "东经", "pointx", "point_x", "x坐标", "坐标x")
LAT_NAMES = ("lat", "latitude", "y", "纬度", "北纬", "pointy", "point_y", "y坐标", "坐标y")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "shape", "几何")
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
WEB_SYSTEMS = WEB_COORD_SYSTEMS
GEOGRAPHIC_SYSTEMS = {"wgs84": "EPSG:4326", "cgcs2000": "EPSG:4490"}


def _system(coords: str | None) -> str:
    """Normalised coordinate system: wgs84, cgcs2000, gcj02, bd09 or an ``EPSG:n`` string."""
    if coords is None:
        return "wgs84"
    key = re.sub(r"[\s_\-]", "", str(coords)).lower()
    aliases = {"wgs84": "wgs84", "epsg4326": "wgs84", "epsg:4326": "wgs84", "cgcs2000": "cgcs2000",
               "epsg:4490": "cgcs2000", "epsg4490": "cgcs2000", "gcj02": "gcj02", "bd09": "bd09",
               "bd09ll": "bd09"}
    if key in aliases:
        return aliases[key]
    match = re.fullmatch(r"epsg:?(\d+)", key)
    if match:
        return f"EPSG:{match.group(1)}"
    raise InputError(f"unknown coordinate system {coords!r}: use {', '.join(COORD_SYSTEMS)} or EPSG:<code>")


# ----------------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------------


def _unique_headers(values: Sequence[Any]) -> list[str]:
    """Header names: stripped, ``column_<n>`` for blanks, ``_`` appended to repeats."""
    out: list[str] = []
    seen: set[str] = set()
    for j, v in enumerate(values):
        name = str(v).strip() if v is not None and str(v).strip() else f"column_{j + 1}"
        while name in seen:
            name += "_"
        out.append(name)
        seen.add(name)
    return out


@dataclass(frozen=True, eq=False)
class SourceRecords:
    """The records of an input file exactly as read, for a reject list that re-imports like the original.

    ``header``: the header cells as in the file (may repeat or be blank); ``values``: one column per header
    cell, one row per record, the values as read (CSV text verbatim; XLSX cell values; vector attributes);
    ``lines``: each record's line in the file (CSV: the physical line where the record starts; XLSX: the sheet
    row; vector files: the feature number). ``geometry``: a vector file's geometries as read, written as a
    ``wkt`` column in ``wkt_crs`` (the CRS the same import command reads a WKT column in; None: as read).
    Carried in ``frame.attrs["source"]`` by the readers; immutable, so pandas' copies of ``attrs`` share it.
    """

    header: tuple[str, ...]
    values: pd.DataFrame
    lines: np.ndarray
    geometry: Any = None
    wkt_crs: Any = None

    def __deepcopy__(self, memo: dict) -> SourceRecords:
        return self

    def rows(self, lines: Sequence[int]) -> pd.DataFrame:
        """The records starting on ``lines``: original headers, values as read (blank for missing)."""
        pos = pd.Index(self.lines).get_indexer(pd.Index(np.asarray(lines, dtype=np.int64)))
        if (pos < 0).any():
            raise KeyError(f"lines {list(np.asarray(lines)[pos < 0][:5])} are not records of this file")
        columns = {j: [_cell_text(v) for v in self.values.iloc[pos, j].to_numpy(dtype=object)]
                   for j in range(len(self.header))}
        out = pd.DataFrame(columns, index=range(len(pos)), dtype=object)
        out.columns = list(self.header)
        if self.geometry is not None:
            out["wkt"] = _geometry_text(self.geometry.iloc[pos], self.wkt_crs).to_numpy(dtype=object)
        return out


def _geometry_text(geo: Any, crs: Any) -> pd.Series:
    """WKT of ``geo`` (in ``crs`` when given), blank for missing geometries."""
    if crs is not None and geo.crs is not None and not geo.crs.equals(crs):
        geo = geo.to_crs(crs)
    return pd.Series(np.where(geo.isna(), "", geo.to_wkt(rounding_precision=-1).fillna("")), index=geo.index)


def _cell_text(value: Any) -> Any:
    """A value as read, for a CSV cell: text and numbers unchanged, blanks empty, dates in ISO form."""
    import datetime as dt

    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _decode(path: Path, encoding: str | None) -> str:
    """The file's text: UTF-8 when it starts with a byte-order mark, else ``encoding`` or UTF-8 then GB18030."""
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        candidates, data = ["utf-8"], data[len(codecs.BOM_UTF8):]
    else:
        candidates = [encoding] if encoding else ["utf-8", "gb18030"]
    errors = []
    for enc in candidates:
        try:
            return data.decode(enc)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            errors.append(f"{enc}: {exc.reason} at line {line}")
        except LookupError as exc:
            raise InputError(f"{path}: unknown encoding {enc!r}") from exc
    raise InputError(f"{path}: cannot decode the file ({'; '.join(errors)}); pass the encoding")


def _delimiter(path: Path, text: str) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    first = text.lstrip("\r\n").split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _csv_records(path: Path, text: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, records and each record's first physical line; blank lines and rows skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(path, text))
    header: list[str] | None = None
    records, lines = [], []
    end = 0
    try:
        for row in reader:
            start, end = end + 1, reader.line_num
            if not "".join(row).strip():
                continue
            if header is None:
                header = [unescape_cell(cell) for cell in row]
                continue
            if len(row) > len(header):
                if any(cell.strip() for cell in row[len(header):]):
                    raise InputError(f"{path}, line {start}: {len(row)} values but the header has "
                                     f"{len(header)} columns (a separator inside an unquoted value?)")
                row = row[: len(header)]
            records.append(row + [""] * (len(header) - len(row)))
            lines.append(start)
    except csv.Error as exc:
        raise InputError(f"{path}, line {end + 1}: not a readable CSV record ({exc})") from exc
    if header is None:
        raise InputError(f"{path}: the file is empty")
    return header, records, lines


def _read_csv(path: Path, encoding: str | None) -> tuple[pd.DataFrame, np.ndarray, tuple[str, ...]]:
    header, records, lines = _csv_records(path, _decode(path, encoding))
    cells = np.empty((len(records), len(header)), dtype=object)
    if records:
        cells[:] = records
    columns = {}
    for j in range(len(header)):
        column = cells[:, j]
        quoted = np.flatnonzero([v[:1] == "'" for v in column])  # formula escapes Wanmi wrote: undone
        column[quoted] = [unescape_cell(v) for v in column[quoted]]
        columns[j] = column
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(records)), dtype=object)
    frame.columns = _unique_headers(header)
    return frame, np.array(lines, dtype=np.int64), tuple(header)


def _sheet(book: Any, path: Path, sheet: str | int | None) -> Any:
    if sheet is None:
        return book.worksheets[0]
    if isinstance(sheet, str) and sheet.strip().isdigit() and sheet not in book.sheetnames:
        sheet = int(sheet)  # "--sheet 1" on the command line: a sheet number (0-based), unless a sheet is named so
    if isinstance(sheet, int):
        if not 0 <= sheet < len(book.worksheets):
            raise InputError(f"{path}: no sheet number {sheet}; it has {len(book.worksheets)} sheet(s)")
        return book.worksheets[sheet]
    if sheet not in book.sheetnames:
        raise InputError(f"{path}: no sheet {sheet!r}; sheets are {book.sheetnames}")
    return book[sheet]


def _sheet_records(ws: Any, path: Path) -> tuple[list[Any] | None, list[list[Any]], list[int]]:
    """Header, records and their sheet rows; blank rows skipped, formula-escapes undone."""
    header: list[Any] | None = None
    rows, numbers = [], []
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS:
            raise InputError(f"{path}: sheet {ws.title!r} has more than {MAX_ROWS:,} rows; split it or save it "
                             f"as CSV")
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        values = [unescape_cell(v) for v in values]
        if header is None:
            header = values
            continue
        values = values + [None] * (len(header) - len(values))
        rows.append(values[: len(header)])
        numbers.append(number)
    return header, rows, numbers


def _read_xlsx(path: Path, sheet: str | int | None) -> tuple[pd.DataFrame, np.ndarray, tuple[str, ...]]:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
        raise InputError("reading .xlsx needs openpyxl (pip install openpyxl)") from exc
    check_xlsx(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            ws = _sheet(book, path, sheet)
            ws.reset_dimensions()  # rows as stored: a wrong <dimension> neither pads nor truncates them
            header, rows, numbers = _sheet_records(ws, path)
        finally:
            book.close()
    except InputError:
        raise
    except Exception as exc:  # openpyxl/zipfile/defusedxml: many kinds for a broken or hostile file
        raise InputError(f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from exc
    if header is None:
        raise InputError(f"{path}: sheet {ws.title!r} is empty")
    names = _unique_headers(header)
    frame = pd.DataFrame({h: pd.Series([r[j] for r in rows], dtype=object) for j, h in enumerate(names)})
    raw_header = tuple("" if v is None else str(v) for v in header)
    return frame, np.array(numbers, dtype=np.int64), raw_header


#: code page names of a shapefile's .cpg → Python codecs (Chinese offices write GBK/936 as often as UTF-8)
CPG_CODECS = {"936": "gbk", "cp936": "gbk", "gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030",
              "65001": "utf-8", "utf-8": "utf-8", "utf8": "utf-8"}


def shapefile_encoding(path: Path, encoding: str | None = None) -> str | None:
    """The text encoding of a shapefile: ``encoding`` if given, else its ``.cpg`` (None when it has none).

    Passed to GDAL explicitly because a host may have switched GDAL's own recoding off (QGIS sets
    ``SHAPE_ENCODING=""`` in its process), which would turn UTF-8/GBK names into mojibake."""
    if encoding or path.suffix.lower() != ".shp":
        return encoding
    cpg = path.with_suffix(".cpg")
    if not cpg.exists():
        return None
    name = cpg.read_text(encoding="ascii", errors="ignore").strip().lower()
    return CPG_CODECS.get(name, name or None)


def read_vector(path: Path, layer: str | None = None, encoding: str | None = None) -> Any:
    """A vector file's layer as a (Geo)DataFrame; GDAL's refusal becomes one message naming the file."""
    import pyogrio

    try:
        return pyogrio.read_dataframe(path, layer=layer, encoding=shapefile_encoding(path, encoding))
    except Exception as exc:  # GDAL's own message names the problem
        raise InputError(f"{path}: cannot read it as a vector file ({exc})") from exc


def read_layer(path: str | Path, layer: str | None = None, x: str | None = None, y: str | None = None,
               sheet: str | int | None = None, encoding: str | None = None, preferred: str | None = None,
               geometry: bool = True) -> Any:
    """Any vector file's layer, or a CSV/XLSX table as points from its lon/lat (or WKT) columns taken as they
    are (EPSG:4326, no conversion) — how the command line reads a layer parameter.

    With no ``layer`` named, a multi-layer file's ``preferred`` layer is read when it has one (else its first
    layer); a layer named that the file lacks is refused with the list of its layers. With ``geometry=False``
    a layer without geometry (an attribute table) is read as a DataFrame instead of refused."""
    import geopandas as gpd

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() not in TABLE_SUFFIXES:
        layer = _layer_to_read(path, layer, preferred)
        frame = read_vector(path, layer, encoding)
        if not isinstance(frame, gpd.GeoDataFrame) and geometry:
            raise InputError(f"{path}: layer {layer!r} has no geometry")
        frame.attrs["name"] = f"{path}|layername={layer}" if layer else str(path)
        return frame
    raw, lines = read_table(path, sheet, encoding)
    geoms, problems, crs = _points_from_table(raw, x, y, "wgs84")
    bad = np.flatnonzero(pd.notna(problems))
    if len(bad):
        raise InputError(f"{path}, line {lines[bad[0]]}: {problems[bad[0]]}"
                         + (f" (and {len(bad) - 1} more line(s))" if len(bad) > 1 else ""))
    frame = gpd.GeoDataFrame(raw, geometry=gpd.GeoSeries(geoms, index=raw.index, crs=crs), crs=crs)
    frame.attrs["name"] = str(path)
    return frame


def _layer_to_read(path: Path, layer: str | None, preferred: str | None) -> str | None:
    """``layer`` checked against the file's layers, or ``preferred`` when none is named and the file has it."""
    import pyogrio

    try:
        names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception:  # not readable as a vector file: read_vector reports it
        return layer
    if layer is not None and len(names) > 1 and layer not in names:
        raise InputError(f"{path}: no layer {layer!r} (layers: {', '.join(names)})")
    if layer is None and preferred in names:
        return preferred
    return layer


def read_table(path: str | Path, sheet: str | int | None = None, encoding: str | None = None
               ) -> tuple[pd.DataFrame, np.ndarray]:
    """A CSV/TSV/XLSX file as a DataFrame of raw values (text for CSV) and each record's line in the file.

    The frame's ``attrs["source"]`` is the :class:`SourceRecords` of the file (its values as read)."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame, lines, header = _read_xlsx(path, sheet)
    else:
        frame, lines, header = _read_csv(path, encoding)
    if len(frame) == 0:
        raise InputError(f"{path}: no records, only the header ({', '.join(map(str, header))[:200]})")
    frame.attrs["source"] = SourceRecords(header, frame.copy(deep=False), lines)
    return frame, lines


def _find_column(frame: pd.DataFrame, given: str | None, names: tuple[str, ...], what: str) -> str | None:
    if given is not None:
        if given not in frame.columns:
            raise InputError(f"{what} column {given!r} is not in the table; "
                             f"columns are {list(frame.columns)}")
        return given
    lookup = {header_key(c): c for c in frame.columns}
    for name in names:
        key = header_key(name)
        if key in lookup:
            return lookup[key]
    return None


def _numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Floats, a missing mask and a not-a-number mask (full-width digits and a trailing ° accepted)."""
    obj = values.astype(object)
    numeric = obj.map(lambda v: isinstance(v, (int, float, np.integer, np.floating))
                      and not isinstance(v, bool))
    text = obj.where(~numeric, None).map(lambda v: "" if v is None else str(v))
    text = text.str.normalize("NFKC").str.strip().str.rstrip("°").str.strip()
    out = pd.to_numeric(text.where(text != "", None), errors="coerce").astype("float64")
    out[numeric] = obj[numeric].astype("float64")
    nums = out.to_numpy(dtype="float64", copy=True)
    missing = (~numeric & (text == "")).to_numpy() | (numeric.to_numpy() & np.isnan(nums))
    bad = ~missing & ~np.isfinite(nums)
    return nums, missing, bad


def _points_from_table(frame: pd.DataFrame, x: str | None, y: str | None, system: str
                       ) -> tuple[np.ndarray, np.ndarray, str]:
    """Geometries (None where impossible), per-row problems and the CRS of the coordinates."""
    import shapely

    n = len(frame)
    problems = np.full(n, None, dtype=object)
    xcol = _find_column(frame, x, LON_NAMES, "longitude/x")
    ycol = _find_column(frame, y, LAT_NAMES, "latitude/y")
    crs = GEOGRAPHIC_SYSTEMS.get(system, "EPSG:4326" if system in WEB_SYSTEMS else system)
    if xcol is None or ycol is None:
        wkt_col = _find_column(frame, None, WKT_NAMES, "WKT")
        if wkt_col is None:
            raise InputError(f"no coordinate columns found: name them lon/lat (经度/纬度, x/y) "
                             f"or pass x= and y=; "
                             f"columns are {list(frame.columns)}")
        text = frame[wkt_col].map(lambda v: str(v).strip() if v is not None else "")
        geoms = shapely.from_wkt(text.where(text != "", None).to_numpy(dtype=object), on_invalid="ignore")
        missing = (text == "").to_numpy()
        problems[missing] = f"no location: column {wkt_col} is empty"
        bad = ~missing & shapely.is_missing(geoms)
        problems[bad] = [f"column {wkt_col}: {v[:40]!r} is not WKT geometry" for v in text[bad]]
        if system in WEB_SYSTEMS and (~shapely.is_missing(geoms)).any():
            ok = ~shapely.is_missing(geoms)
            geoms[ok] = convert_geometries(geoms[ok], system, "wgs84")
        return geoms, problems, crs
    xs, x_missing, x_bad = _numbers(frame[xcol])
    ys, y_missing, y_bad = _numbers(frame[ycol])
    raw_x, raw_y = frame[xcol].to_numpy(dtype=object), frame[ycol].to_numpy(dtype=object)
    both = x_missing & y_missing
    problems[both] = f"no location: columns {xcol} and {ycol} are empty"
    problems[x_missing & ~both] = f"no location: column {xcol} is empty"
    problems[y_missing & ~both] = f"no location: column {ycol} is empty"
    x_nan = x_bad & ~y_missing
    problems[x_nan] = [f"column {xcol}: {v!r} is not a number" for v in raw_x[x_nan]]
    y_nan = y_bad & ~x_missing & ~x_bad
    problems[y_nan] = [f"column {ycol}: {v!r} is not a number" for v in raw_y[y_nan]]
    ok = pd.isna(problems)
    if system in ("wgs84", "cgcs2000", *WEB_SYSTEMS):
        lon_bad = ok & ((xs < -180) | (xs > 180))
        lat_bad = ok & ((ys < -90) | (ys > 90))
        problems[lon_bad] = [f"longitude {v} in column {xcol} is outside -180..180" for v in xs[lon_bad]]
        rest = lat_bad & ~lon_bad
        problems[rest] = [f"latitude {v} in column {ycol} is outside -90..90 "
                          f"(longitude and latitude swapped?)"
                          for v in ys[rest]]
        ok = pd.isna(problems)
    if system in WEB_SYSTEMS and ok.any():
        xs[ok], ys[ok] = convert_lonlat(xs[ok], ys[ok], system, "wgs84")
    geoms = np.full(n, None, dtype=object)
    geoms[ok] = shapely.points(xs[ok], ys[ok])
    return geoms, problems, crs


def vector_source(frame: Any, lines: np.ndarray, system: str) -> SourceRecords:
    """The :class:`SourceRecords` of a vector layer as read: attributes, and the geometry to be written in
    the coordinates the same command reads a WKT table in (lon/lat for wgs84/cgcs2000; as read otherwise)."""
    attributes = frame.drop(columns=frame.geometry.name)
    wkt_crs = GEOGRAPHIC_SYSTEMS.get(system) if frame.crs is not None else None
    return SourceRecords(tuple(str(c) for c in attributes.columns), pd.DataFrame(attributes), lines,
                         geometry=frame.geometry, wkt_crs=wkt_crs)


# ----------------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------------


def read_components(
    path: str | Path,
    layer: str | None = None,
    x: str | None = None,
    y: str | None = None,
    coords: str = "wgs84",
    sheet: str | int | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    metric: bool = True,
    metric_crs: Any = None,
) -> Any:
    """Census records from CSV/TSV, XLSX, GeoJSON, Shapefile or GeoPackage as a GeoDataFrame.

    ``x``/``y`` name the longitude/latitude (or easting/northing) columns of a table; found automatically
    otherwise. ``coords`` says what the coordinates are: ``wgs84`` (GPS; default), ``cgcs2000``, ``gcj02``
    (Amap/Tencent), ``bd09`` (Baidu) or ``EPSG:<code>``. For vector files with a CRS, ``wgs84``/``cgcs2000``
    keep the file's CRS, ``gcj02``/``bd09`` convert its lon/lat, and ``EPSG:<code>`` overrides it. ``sheet``
    picks an XLSX sheet (name or 0-based number), ``layer`` a layer of a multi-layer file, ``columns`` maps
    more source column names to field names. With ``metric`` (default) the result is reprojected to
    ``metric_crs`` or an automatically chosen metric CRS; rows without a location keep None geometry and
    a message in ``import_problem``.
    """
    import geopandas as gpd

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    system = _system(coords)
    if path.suffix.lower() in TABLE_SUFFIXES:
        raw, rows = read_table(path, sheet, encoding)
        source = raw.attrs["source"]
        geoms, problems, crs = _points_from_table(raw, x, y, system)
        frame = gpd.GeoDataFrame(raw, geometry=gpd.GeoSeries(geoms, index=raw.index, crs=crs), crs=crs)
    else:
        frame, rows, source = _vector_records(path, layer, encoding, system, coords)
        problems = np.full(len(frame), None, dtype=object)
    frame = map_columns(frame, columns)
    frame["import_problem"] = pd.Series(problems, index=frame.index, dtype=object)
    frame["source_row"] = rows
    frame.attrs["source"] = source
    if metric:
        geo = frame.geometry
        if (~(geo.isna() | geo.is_empty)).any():
            frame, _ = to_metric(frame, metric_crs)
    return frame


def _vector_records(path: Path, layer: str | None, encoding: str | None, system: str,
                    coords: str) -> tuple[Any, np.ndarray, Any]:
    """(records, their row numbers, the source values) of a vector file, in the file's CRS unless ``system``
    overrides it (``EPSG:<code>``) or is a web-map offset, which is removed (lon/lat only)."""
    import geopandas as gpd

    frame = read_vector(path, layer, encoding)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(f"{path}: layer {layer!r} has no geometry; use a CSV/XLSX with lon/lat instead")
    rows = np.arange(len(frame)) + 1
    source = vector_source(frame, rows, system)
    geo = frame.geometry
    if system.startswith("EPSG:"):
        frame = frame.set_crs(system, allow_override=True)
    elif frame.crs is None:
        frame = frame.set_crs(GEOGRAPHIC_SYSTEMS.get(system, "EPSG:4326"))
    if system in WEB_SYSTEMS:
        if not frame.crs.is_geographic:
            raise InputError(f"{path}: coords={coords!r} needs longitude/latitude, but the file is in "
                             f"{frame.crs.name}")
        ok = ~(geo.isna() | geo.is_empty).to_numpy()
        converted = frame.geometry.to_numpy(dtype=object).copy()
        converted[ok] = convert_geometries(converted[ok], system, "wgs84")
        frame = frame.set_geometry(gpd.GeoSeries(converted, index=frame.index, crs="EPSG:4326"))
    return frame, rows, source


#: Columns a reject list adds after the record's own columns.
REJECT_COLUMNS = ("problems", "reason", "source_line")


def rejects_table(rejected: pd.DataFrame, lines: Any = None, source: SourceRecords | None = None,
                  fields: Sequence[str] | None = None) -> pd.DataFrame:
    """The reject list of an import, one row per rejected record (``rejected``: a validation report's
    ``rejected`` frame, with ``problems`` and ``reason``).

    With the records' :class:`SourceRecords` (``source``, else ``rejected.attrs["source"]``) and their
    ``lines``: every column of the file with the values as read (same headers, same text, coordinates in
    the file's system), then ``problems``, ``reason`` and ``source_line``, so a fixed row re-imports with
    the same command like a correct first import. Without (records built in memory): ``row`` (index
    label), ``problems``, ``reason``, the columns (``fields`` if given) and the WGS 84 ``lon``/``lat``.
    """
    source = source if source is not None else rejected.attrs.get("source")
    if not isinstance(source, SourceRecords) or lines is None:
        return _frame_rejects(rejected, fields)
    try:
        table = source.rows(lines)
    except KeyError:  # records renumbered after reading: no longer the file's lines
        return _frame_rejects(rejected, fields)
    table = table.loc[:, [c not in REJECT_COLUMNS for c in table.columns]]
    table["problems"] = rejected["problems"].to_numpy(dtype=object)
    table["reason"] = rejected["reason"].to_numpy(dtype=object)
    table["source_line"] = np.asarray(lines, dtype=np.int64)
    return table


def _frame_rejects(rejected: pd.DataFrame, fields: Sequence[str] | None) -> pd.DataFrame:
    """Reject list of records without a source file: row, problems, reason, columns, WGS 84 lon/lat."""
    import shapely

    out = pd.DataFrame({"row": rejected.index.to_numpy(), "problems": rejected["problems"].to_numpy(dtype=object),
                        "reason": rejected["reason"].to_numpy(dtype=object)})
    geom_name = getattr(rejected, "_geometry_column_name", None)
    names = [c for c in (fields if fields is not None else rejected.columns)
             if c in rejected.columns and c not in ("problems", "reason", geom_name)]
    for name in names:
        values = rejected[name]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            values = values.dt.strftime("%Y-%m-%d %H:%M:%S")
        out[name] = values.to_numpy(dtype=object)
    lon, lat = np.full(len(rejected), np.nan), np.full(len(rejected), np.nan)
    if geom_name and len(rejected) and rejected.crs is not None:
        geo = rejected.geometry.to_crs("EPSG:4326").to_numpy(dtype=object)
        ok = ~(shapely.is_missing(geo) | shapely.is_empty(geo))
        if ok.any():
            rep = shapely.point_on_surface(geo[ok])
            lon[ok], lat[ok] = shapely.get_x(rep), shapely.get_y(rep)
    out["lon"], out["lat"] = lon, lat
    return out


def _with_lonlat(table: pd.DataFrame, geometry: Any, system: str) -> pd.DataFrame:
    """``table`` with ``lon``/``lat`` columns (each record's representative point, in ``system``: WGS 84 or a
    web-map offset) and a ``wkt`` column when not every record is a point."""
    import shapely

    wgs = geometry.to_crs("EPSG:4326")
    if not wgs.geom_type.dropna().eq("Point").all():
        table["wkt"] = wgs.to_wkt()
    ok = ~(wgs.isna() | wgs.is_empty).to_numpy()
    lon = np.full(len(table), np.nan)
    lat = np.full(len(table), np.nan)
    pts = wgs.representative_point().to_numpy(dtype=object)
    lon[ok], lat[ok] = shapely.get_x(pts[ok]), shapely.get_y(pts[ok])
    if system in WEB_SYSTEMS:
        lon[ok], lat[ok] = convert_lonlat(lon[ok], lat[ok], "wgs84", system)
    table["lon"], table["lat"] = lon, lat
    return table


def write_components(frame: Any, path: str | Path, naming: str | None = None, coords: str = "wgs84",
                     layer: str = "components") -> Path:
    """Write census records (e.g. ``store.read()``) to CSV, XLSX, GeoJSON, Shapefile or GeoPackage.

    ``naming`` is the column naming (``english``, ``zh``, ``gbt``, ``cjt``; Shapefiles always use ``gbt``,
    the 10-character GB/T 47678.5 abbreviations). Tables get ``lon``/``lat`` columns in ``coords``
    (``wgs84``, ``cgcs2000``, ``gcj02``, ``bd09``) and text cells, so codes keep their leading zeros.
    Dates are written as ``YYYY-MM-DD``.
    """
    import datetime as dt


    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if frame.crs is None:
        raise InputError("the records have no CRS; set it before writing")
    fields = [c for c in frame.columns if c in FIELDS_BY_NAME]
    if suffix == ".shp":
        naming = "gbt"
    names = rename_for(naming or "english", fields)
    table = pd.DataFrame(index=frame.index)
    for name in fields:
        values = frame[name].astype(object)
        if FIELDS_BY_NAME[name].type == "date":
            values = values.map(lambda v: v.isoformat()[:10] if isinstance(v, (dt.date, pd.Timestamp)) else v)
        table[names[name]] = values.where(values.notna(), None).astype(object)
    system = _system(coords)
    if suffix in (".csv", ".tsv", ".txt", ".xlsx"):
        if system.startswith("EPSG:"):
            raise InputError(f"tables are written in longitude/latitude; coords={coords!r} is not supported")
        table = _with_lonlat(table, frame.geometry, system)
        if suffix == ".xlsx":
            write_xlsx(table, path, "components", numeric=("lon", "lat"))
        else:
            write_csv(table, path, sep="\t" if suffix == ".tsv" else ",")
        return path
    import geopandas as gpd
    import pyogrio

    if system in WEB_SYSTEMS:
        raise InputError("vector files are written in WGS 84/CGCS2000; "
                         "GCJ-02/BD-09 output is for tables only")
    out = gpd.GeoDataFrame(table, geometry=frame.geometry.to_numpy(dtype=object), crs=frame.crs)
    if system.startswith("EPSG:"):
        out = out.to_crs(system)
    kwargs: dict[str, Any] = {"driver": {".shp": "ESRI Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON",
                                         ".gpkg": "GPKG"}.get(suffix)}
    if kwargs["driver"] is None:
        raise InputError(f"{path}: unsupported format {suffix!r}; use .csv, .xlsx, .geojson, .shp or .gpkg")
    if suffix == ".gpkg":
        kwargs["layer"] = layer
    if suffix == ".shp":
        kwargs["encoding"] = "UTF-8"
    pyogrio.write_dataframe(out, path, **kwargs)
    return path
