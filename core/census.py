"""Component census (部件普查): record validation, code allocation and status changes.

Pure engine code (pandas, numpy, shapely 2, geopandas, pyproj). The stores in ``wanmi.layers`` call these
functions inside their transactions, so the GeoPackage and the PostGIS store accept and reject exactly the
same records.

A census record has the fields of GB/T 47678.5-2026 表2 under English names (``code``, ``name``,
``dept_code`` …; the full field table with Chinese labels and the GB/T and CJ/T 214 names is
``wanmi.layers.schema``). :func:`validate_components` reports every problem of every record as one row of a
DataFrame ``(row, code, field, problem, detail)``; ``problem`` is one of :data:`PROBLEM_KINDS`.
:func:`allocate_codes` hands out the next serial numbers (流水号/顺序码) of a class in a street or district:
always after the largest serial ever used, so a retired code is never issued again.
:func:`change_status` turns a status change (状态变更) into the updated record and its history row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .codes import CodeScheme, class_table, get_scheme
from .dates import parse_dates as parse_core_dates
from .errors import CodeError, InputError
from .records import Check, Finding, ProblemCollector, RecordGeometry, RecordReport, run_checks, word
from .text import clean_text, clean_texts

__all__ = [
    "CHECKS",
    "DATE_FIELDS",
    "FIELD_LABELS_ZH",
    "FIELD_MAX_LENGTHS",
    "MANDATORY_FIELDS",
    "MIN_DISTANCE_M",
    "PROBLEM_KINDS",
    "RECORD_FIELDS",
    "STATUSES",
    "ValidationReport",
    "allocate_codes",
    "area_key",
    "area_segments",
    "areas_from_cell_codes",
    "change_status",
    "normalize_components",
    "parse_dates",
    "validate_components",
]

#: 管理部件状态 (GB/T 47678.5 表2 GLBJZT), in this order.
STATUSES: tuple[str, ...] = ("完好", "破损", "丢失", "废弃", "移除")

#: Record fields in storage order (geometry apart). ``class_code`` (小类代码) is derived from ``code``.
RECORD_FIELDS: tuple[str, ...] = (
    "code", "class_code", "name", "dept_code", "dept_name", "owner_code", "owner_name", "maintainer_code",
    "maintainer_name", "cell_code", "street_code", "street_name", "community_code", "community_name",
    "status", "initial_date", "change_date", "data_source", "note",
)
#: Fields an input record must fill (表2 "M"); ``class_code`` is not among them because it is derived.
MANDATORY_FIELDS: tuple[str, ...] = (
    "code", "name", "dept_code", "dept_name", "cell_code", "status", "initial_date",
)
#: Maximum text lengths (表2 C-lengths); ``code`` is checked against the scheme instead.
FIELD_MAX_LENGTHS: dict[str, int] = {
    "class_code": 5, "name": 30, "dept_code": 18, "dept_name": 100, "owner_code": 18, "owner_name": 100,
    "maintainer_code": 18, "maintainer_name": 100, "cell_code": 15, "street_code": 9, "street_name": 50,
    "community_code": 12, "community_name": 50, "status": 10, "data_source": 30, "note": 1000,
}
DATE_FIELDS: tuple[str, ...] = ("initial_date", "change_date")
#: Chinese labels used in messages (the same as ``wanmi.layers.schema``; a test keeps them equal).
FIELD_LABELS_ZH: dict[str, str] = {
    "code": "管理部件标识码", "class_code": "部件小类代码", "name": "管理部件名称",
    "dept_code": "主管部门代码", "dept_name": "主管部门名称", "owner_code": "权属单位代码",
    "owner_name": "权属单位名称", "maintainer_code": "养护单位代码", "maintainer_name": "养护单位名称",
    "cell_code": "所在单元网格标识码",
    "street_code": "所在街道代码", "street_name": "所在街道名称", "community_code": "所在社区代码",
    "community_name": "所在社区名称", "status": "管理部件状态", "initial_date": "初始日期",
    "change_date": "变更日期", "data_source": "数据来源", "note": "备注",
}
#: Problem kinds reported by :func:`validate_components` (key → Chinese description), in check order.
PROBLEM_KINDS: dict[str, str] = {
    "bad_geometry": "位置缺失或无效",
    "missing_field": "必填项缺失",
    "bad_code": "标识码格式错误",
    "unknown_class": "部件小类不存在",
    "class_mismatch": "小类代码与标识码不符",
    "duplicate_code": "标识码重复",
    "too_long": "字段超长",
    "bad_cell_code": "单元网格标识码错误",
    "bad_status": "部件状态错误",
    "bad_date": "日期错误",
    "outside_jurisdiction": "超出辖区范围",
    "too_close": "同类部件间距过近",
}
#: Two components of the same class closer than this (metres) are taken for one captured twice.
MIN_DISTANCE_M = 0.5
#: Accepted cell-code lengths: 15 (GB/T 30428.1 / GB/T 47678) and 14 (CJ/T 213).
CELL_CODE_LENGTHS = (14, 15)

_PROBLEM_ORDER = {k: i for i, k in enumerate(PROBLEM_KINDS)}


# ----------------------------------------------------------------------------------------------------
# Normalisation
# ----------------------------------------------------------------------------------------------------


def _nones(index: pd.Index) -> pd.Series:
    """An object Series of None (``pd.Series(None, dtype=object)`` would hold NaN)."""
    return pd.Series(np.full(len(index), None, dtype=object), index=index, dtype=object)


def _text(values: pd.Series) -> pd.Series:
    """Values as clean text (object dtype), None for missing/blank; integral floats lose their ``.0``
    (:func:`wanmi.core.text.clean_texts`).

    Numbers come from spreadsheets and shapefiles (a department code read as 1.1e5, say); they are turned
    into digits so the format checks can report them.
    """
    return clean_texts(values)


def parse_dates(values: pd.Series, today: dt.date | None = None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse a date column with :func:`wanmi.core.dates.parse_dates` (``YYYY-MM-DD``, ``YYYY/M/D``,
    ``YYYY.MM.DD``, ``YYYY年M月D日``, ``YYYYMMDD`` — 表2's D8 —, date/datetime objects; a time part is dropped).

    Returns ``(dates, unparseable, future)``: ``datetime.date`` objects or None, a mask of non-empty values
    that are not a real calendar date, and a mask of dates after ``today`` (default: the current date).
    """
    today = today or dt.date.today()
    dates, failed = parse_core_dates(values)
    index = dates.index
    future = np.array(dates.to_numpy(dtype=object), dtype="datetime64[D]") > np.datetime64(today, "D")
    return dates, pd.Series(failed, index=index), pd.Series(future, index=index)


def normalize_components(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every :data:`RECORD_FIELDS` column present and as text (None for blanks).

    Dates stay as given (they are parsed by the validator, which needs the raw text for its messages).
    Column names must already be the English field names (``wanmi.layers.schema.map_columns`` maps
    Chinese labels, GB/T 47678.5 abbreviations and CJ/T 214 names).
    """
    out = frame.copy()
    for name in RECORD_FIELDS:
        if name not in out.columns:
            out[name] = _nones(out.index)
        elif name not in DATE_FIELDS:
            out[name] = _text(out[name])
    return out


# ----------------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------------


class ValidationReport(RecordReport):
    """Result of :func:`validate_components`.

    ``frame`` is the normalised input (all rows, original index and CRS; ``class_code`` filled from the code,
    dates as ``datetime.date``). ``problems`` has one row per problem: ``row`` (index label of the input
    record), ``code``, ``field``, ``problem`` (a :data:`PROBLEM_KINDS` key) and ``detail`` (a message naming
    the value and what is wrong).
    """

    kinds = tuple(PROBLEM_KINDS)

    def add_problems(self, rows: Sequence[Any], problem: str, field_name: str | None,
                     details: str | Sequence[str]) -> None:
        """Reject more records (index labels ``rows``) after validation, e.g. a store-level check."""
        if problem not in PROBLEM_KINDS:
            raise InputError(f"unknown problem kind {problem!r}; expected one of {list(PROBLEM_KINDS)}")
        rows = list(rows)
        if not rows:
            return
        pos = self.frame.index.get_indexer(pd.Index(rows))
        if (pos < 0).any():
            raise InputError(f"rows {[r for r, p in zip(rows, pos) if p < 0]} are not in the report")
        texts = [details] * len(rows) if isinstance(details, str) else list(details)
        extra = pd.DataFrame({"row": rows, "code": self.frame["code"].to_numpy(dtype=object)[pos],
                              "field": field_name, "problem": problem, "detail": texts}).astype(object)
        merged = pd.concat([self.problems, extra], ignore_index=True)
        order = (self.frame.index.get_indexer(pd.Index(merged["row"])), merged["problem"].map(_PROBLEM_ORDER))
        merged = merged.iloc[np.lexsort((order[1].to_numpy(), order[0]))].reset_index(drop=True)
        self.problems = merged.astype(object)
        self.valid_mask[pos] = False



def _label(name: str) -> str:
    return f"{name} ({FIELD_LABELS_ZH[name]})" if name in FIELD_LABELS_ZH else name


def _as_geoseries(obj: Any, crs: Any) -> Any:
    """Jurisdiction/existing input (GeoDataFrame, GeoSeries, shapely geometry or array) as a GeoSeries."""
    import geopandas as gpd
    import shapely

    if isinstance(obj, gpd.GeoDataFrame):
        return obj.geometry
    if isinstance(obj, gpd.GeoSeries):
        return obj
    if isinstance(obj, shapely.Geometry):
        return gpd.GeoSeries([obj], crs=crs)
    return gpd.GeoSeries(np.asarray(obj, dtype=object), crs=crs)


def _metric_geometries(frame: pd.DataFrame) -> tuple[np.ndarray, Any]:
    """Geometries of ``frame`` in a metric CRS (reprojecting from degrees when needed) and that CRS."""
    import geopandas as gpd

    from .crs import require_metric, to_metric

    geo = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else None
    if geo is None:
        raise InputError("components have no geometry column: give a GeoDataFrame with point locations")
    if geo.crs is None:
        raise InputError("components have no coordinate reference system: set the CRS (e.g. EPSG:4490) "
                         "so distances can be measured in metres")
    valid = geo[~(geo.isna() | geo.is_empty)]
    if len(valid) == 0:
        return geo.to_numpy(dtype=object), geo.crs
    metric, crs = to_metric(gpd.GeoDataFrame(geometry=geo))
    require_metric(crs, "measure distances between components")
    return metric.geometry.to_numpy(dtype=object), crs


def validate_components(
    frame: pd.DataFrame,
    scheme: str | CodeScheme,
    jurisdiction: Any = None,
    existing_codes: Iterable[str] | None = None,
    retired_codes: Iterable[str] | None = None,
    *,
    existing: Any = None,
    min_distance: float = MIN_DISTANCE_M,
    known_admin: Iterable[str] | None = None,
    known_streets: Iterable[str] | None = None,
    mandatory: Sequence[str] = MANDATORY_FIELDS,
    max_lengths: Mapping[str, int] | None = None,
    allow_missing_code: bool = False,
    today: dt.date | None = None,
) -> ValidationReport:
    """Check census records; every problem of every record becomes one row of ``report.problems``.

    The checks are :data:`CHECKS`, one per ``problem`` kind: location missing/invalid or an importer's
    coordinate problem in column ``import_problem`` (``bad_geometry``); mandatory field empty
    (``missing_field``); code not matching ``scheme`` (``bad_code``, the scheme's message naming the segment)
    or naming a class absent from the scheme's directory (``unknown_class``); a given ``class_code`` differing
    from the code's (``class_mismatch``); a code repeated in the batch (later rows), already in
    ``existing_codes`` or in ``retired_codes`` (``duplicate_code``); text longer than its 表2 length
    (``too_long``); cell code not 14/15 digits (``bad_cell_code``); status not one of :data:`STATUSES`
    (``bad_status``); dates unparseable, in the future or ``change_date`` before ``initial_date``
    (``bad_date``); location not covered by ``jurisdiction`` (``outside_jurisdiction``); within
    ``min_distance`` metres of another component of the same class, earlier in the batch or in ``existing``
    (GeoDataFrame with ``code`` and ``class_code``) (``too_close``).

    Distances are measured in a metric CRS (records in degrees are projected automatically, see
    :func:`wanmi.core.crs.to_metric`). ``known_admin`` defaults to the ``district_code`` column of
    ``jurisdiction`` when it has one. With ``allow_missing_code`` a record without code but with a
    ``class_code`` passes (its code is to be allocated). ``today`` is the reference for future dates.
    """
    scheme = _numbering_scheme(scheme)
    limits = _length_limits(max_lengths)
    norm = _normalized_records(frame, mandatory)
    batch = _Batch(norm, scheme, jurisdiction, existing_codes, retired_codes, existing,
                   float(min_distance or 0.0), _known_admin(known_admin, jurisdiction), known_streets,
                   mandatory, limits, allow_missing_code, today or dt.date.today())
    out = ProblemCollector(norm.index, norm["code"], "code", _PROBLEM_ORDER)
    run_checks(CHECKS, batch, out)
    norm["class_code"] = pd.Series(batch.class_code, index=norm.index, dtype=object)
    for name in DATE_FIELDS:
        norm[name] = batch.dates[name][0]
    return ValidationReport(norm, out.frame(), out.valid_mask())


def _numbering_scheme(scheme: str | CodeScheme) -> CodeScheme:
    """``scheme`` as a :class:`CodeScheme` that can number components (class and serial segments)."""
    scheme = get_scheme(scheme)
    if not scheme.class_segments or scheme.segment_of_kind("serial") is None:
        raise InputError(f"scheme {scheme.name} has no major/minor/serial segments: "
                         f"it cannot number components")
    return scheme


def _length_limits(max_lengths: Mapping[str, int] | None) -> dict[str, int]:
    """The text length limits to check; code and class code are left to their format checks."""
    limits = dict(FIELD_MAX_LENGTHS if max_lengths is None else max_lengths)
    for name in ("code", "class_code"):
        limits.pop(name, None)
    return limits


def _normalized_records(frame: pd.DataFrame, mandatory: Sequence[str]) -> Any:
    """The records normalised (:func:`normalize_components`), after refusing what cannot be reported on."""
    import geopandas as gpd

    unknown = [f for f in mandatory if f not in RECORD_FIELDS]
    if unknown:
        raise InputError(f"mandatory field(s) {unknown} are not census fields {list(RECORD_FIELDS)}")
    if not frame.index.is_unique:
        raise InputError("the records' index has duplicate labels; reset it so problems can name rows")
    norm = normalize_components(frame)
    if not (isinstance(norm, gpd.GeoDataFrame) and norm.geometry.name in norm.columns):
        raise InputError("components have no geometry column: give a GeoDataFrame with point locations")
    return norm


def _known_admin(known_admin: Iterable[str] | None, jurisdiction: Any) -> Iterable[str] | None:
    """The admin codes a code may name: as given, else the jurisdiction's district (admin) codes."""
    if known_admin is None and isinstance(jurisdiction, pd.DataFrame):
        for col in ("district_code", "admin_code"):
            if col in jurisdiction.columns:
                return sorted(set(_text(jurisdiction[col]).dropna()))
    return known_admin


class _CodeVerdicts(NamedTuple):
    """What the scheme says of each record's code (arrays over all records)."""

    bad_code: np.ndarray  # malformed: wrong digits or a segment other than the class is wrong
    unknown_class: np.ndarray  # well formed, but the class is not in the scheme's directory
    messages: np.ndarray  # the scheme's message per record (None where fine or absent)
    derived_class: np.ndarray  # class code (major + minor) read off a well-formed code, else None


@dataclass
class _Batch(RecordGeometry):
    """The census records under validation and the settings of :data:`CHECKS`. What several checks need
    is derived once, on first use."""

    norm: Any
    scheme: CodeScheme
    jurisdiction: Any
    existing_codes: Iterable[str] | None
    retired_codes: Iterable[str] | None
    existing: Any
    min_distance: float
    known_admin: Iterable[str] | None
    known_streets: Iterable[str] | None
    mandatory: Sequence[str]
    limits: dict[str, int]
    allow_missing_code: bool
    today: dt.date

    @property
    def n(self) -> int:
        return len(self.norm)

    @cached_property
    def codes(self) -> pd.Series:
        return self.norm["code"]

    @cached_property
    def present(self) -> np.ndarray:
        """Records with a code."""
        return self.codes.notna().to_numpy()

    @cached_property
    def geometry_ok(self) -> np.ndarray:
        """Records with a usable location (the spatial checks look at these only)."""
        return ~self.no_geometry & ~self.invalid & ~pd.notna(self.import_problem)

    @cached_property
    def code_verdicts(self) -> _CodeVerdicts:
        return _code_verdicts(self)

    @cached_property
    def given_class(self) -> np.ndarray:
        return self.norm["class_code"].to_numpy(dtype=object)

    @cached_property
    def class_code(self) -> np.ndarray:
        """Class code per record: the one the code encodes, else the one given."""
        derived = self.code_verdicts.derived_class
        return np.where(pd.notna(derived), derived, self.given_class)

    @cached_property
    def dates(self) -> dict[str, tuple[pd.Series, pd.Series, pd.Series]]:
        """Per date field: :func:`parse_dates` of its values (dates, unparseable, future)."""
        return {name: parse_dates(self.norm[name], self.today) for name in DATE_FIELDS}

    @cached_property
    def metric(self) -> tuple[np.ndarray, Any]:
        """The locations in a metric CRS, and that CRS."""
        return _metric_geometries(self.norm)


def _code_verdicts(batch: _Batch) -> _CodeVerdicts:
    """Validate the present codes against the scheme, separating bad codes from unknown classes."""
    n, scheme, present = batch.n, batch.scheme, batch.present
    bad_code, bad_class = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    messages, derived_class = np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    if present.any():
        codes = batch.codes[present]
        checked = scheme.validate_many(codes, batch.known_admin, batch.known_streets)
        syntax = codes.astype(str).str.fullmatch(f"[0-9]{{{scheme.length}}}").to_numpy()
        class_seg = checked["segment"].isin(scheme.class_segments).to_numpy()
        pos = np.flatnonzero(present)
        ok = checked["ok"].to_numpy()
        bad_code[pos] = ~ok & (~syntax | ~class_seg)
        bad_class[pos] = ~ok & syntax & class_seg
        messages[pos] = checked["message"].to_numpy(dtype=object)
        major, minor = (scheme.segment(s) for s in scheme.class_segments)
        text = codes.astype(str)
        cls = (text.str.slice(major.start, major.stop) + text.str.slice(minor.start, minor.stop)).to_numpy()
        derived_class[pos[syntax]] = cls[syntax]
    return _CodeVerdicts(bad_code, bad_class, messages, derived_class)


def _bad_geometry(batch: _Batch) -> Iterator[Finding]:
    """The importer's coordinate problem, else no location, else an invalid geometry (with the reason)."""
    import shapely

    imported = pd.notna(batch.import_problem)
    yield imported, "geometry", batch.import_problem
    yield batch.no_geometry & ~imported, "geometry", "no location: the geometry is empty"
    invalid = batch.invalid & ~imported
    if invalid.any():
        yield invalid, "geometry", word("invalid geometry: {}", shapely.is_valid_reason(batch.geometries[invalid]))


def _missing_field(batch: _Batch) -> Iterator[Finding]:
    """Mandatory fields left empty; a missing code is fine with ``allow_missing_code`` and a class code."""
    given_class = batch.norm["class_code"]
    for name in batch.mandatory:
        missing = batch.norm[name].isna().to_numpy().copy()
        if name == "code" and batch.allow_missing_code:
            missing &= given_class.isna().to_numpy()
            detail = f"mandatory field {_label('code')} is empty and no class_code is given to allocate one"
        else:
            detail = f"mandatory field {_label(name)} is empty"
        yield missing, name, detail


def _bad_code(batch: _Batch) -> Iterator[Finding]:
    """Codes the scheme refuses for their digits or a segment other than the class."""
    verdicts = batch.code_verdicts
    yield verdicts.bad_code, "code", verdicts.messages


def _unknown_class(batch: _Batch) -> Iterator[Finding]:
    """Codes naming a class absent from the directory; without a code, a given class code that is not one."""
    verdicts = batch.code_verdicts
    yield verdicts.unknown_class, "code", verdicts.messages
    scheme = batch.scheme
    given = batch.given_class
    lone = pd.notna(given) & ~pd.notna(verdicts.derived_class) & ~batch.present
    if lone.any() and scheme.directory:
        directory = set(class_table(scheme.directory, scheme.kind)["code"])
        class_width = sum(scheme.segment(s).width for s in scheme.class_segments)
        lone_bad = lone & ~np.isin(given.astype(str), np.array(sorted(directory), dtype=str))
        lone_bad |= lone & (np.array([len(str(g)) for g in given]) != class_width)
        yield lone_bad, "class_code", word("class_code {} is not a {}-digit class of directory "
                                           + str(scheme.directory), given[lone_bad],
                                           [class_width] * int(lone_bad.sum()))


def _class_mismatch(batch: _Batch) -> Iterator[Finding]:
    """A given class code that differs from the class the code encodes."""
    derived, given = batch.code_verdicts.derived_class, batch.given_class
    mismatch = pd.notna(given) & pd.notna(derived) & (given != derived)
    if mismatch.any():
        yield mismatch, "class_code", word("class_code {} differs from the class {} encoded in code {}",
                                           given[mismatch], derived[mismatch],
                                           batch.codes.to_numpy(dtype=object)[mismatch])


def _duplicate_code(batch: _Batch) -> Iterator[Finding]:
    """A code repeated in the batch (on the later rows), already in the census or retired."""
    present = batch.present
    if not present.any():
        return
    code_series = batch.codes[present].astype(str)
    dup = code_series.duplicated(keep="first").to_numpy()
    if dup.any():
        positions = pd.Series(np.flatnonzero(present), index=code_series.index)
        first_pos = positions.groupby(code_series.to_numpy()).transform("first").to_numpy()
        mask = np.zeros(batch.n, dtype=bool)
        mask[np.flatnonzero(present)[dup]] = True
        yield mask, "code", word("code {} is repeated: it already appears on row {}", code_series.to_numpy()[dup],
                                 batch.norm.index[first_pos][dup])
    for pool, wording in ((batch.existing_codes, "code {} already exists in the census"),
                          (batch.retired_codes, "code {} was retired; retired codes are never reused")):
        pool_arr = np.array(sorted({str(c) for c in (() if pool is None else pool)}), dtype=str)
        if len(pool_arr):
            hit = np.zeros(batch.n, dtype=bool)
            hit[present] = np.isin(code_series.to_numpy(dtype=str), pool_arr)
            yield hit, "code", word(wording, batch.codes.to_numpy(dtype=object)[hit])


def _too_long(batch: _Batch) -> Iterator[Finding]:
    """Texts longer than their field's limit."""
    for name, limit in batch.limits.items():
        if name not in batch.norm.columns:
            continue
        lengths = batch.norm[name].str.len().fillna(0).to_numpy(dtype=np.int64)
        long = lengths > limit
        yield long, name, word("field " + _label(name).replace("{", "{{").replace("}", "}}") + " has {} characters, "
                               "at most " + str(limit) + " are allowed", lengths[long])


def _bad_cell_code(batch: _Batch) -> Iterator[Finding]:
    """Cell codes that are not 14 or 15 digits."""
    cell = batch.norm["cell_code"]
    cell_present = cell.notna().to_numpy()
    cell_bad = cell_present & ~cell.astype(str).str.fullmatch(r"[0-9]+").to_numpy()
    cell_bad |= cell_present & ~np.isin(cell.astype(str).str.len().to_numpy(), CELL_CODE_LENGTHS)
    yield cell_bad, "cell_code", word("cell_code {} is not a 15-digit (GB/T 30428.1) or 14-digit (CJ/T 213) "
                                      "unit cell code", cell.to_numpy(dtype=object)[cell_bad])


def _bad_status(batch: _Batch) -> Iterator[Finding]:
    """Statuses other than :data:`STATUSES`."""
    status = batch.norm["status"]
    bad_status = status.notna().to_numpy() & ~status.isin(STATUSES).to_numpy()
    yield bad_status, "status", word("status {!r} is not one of " + "/".join(STATUSES),
                                     status.to_numpy(dtype=object)[bad_status])


def _bad_date(batch: _Batch) -> Iterator[Finding]:
    """Dates that are not dates or lie in the future; a change before the initial date."""
    for name in DATE_FIELDS:
        dates, unparseable, future = batch.dates[name]
        raw_text = batch.norm[name].astype(object).to_numpy()
        yield unparseable.to_numpy(), name, word(f"{_label(name)} {{!r}} is not a date (expected YYYY-MM-DD or "
                                                 "YYYYMMDD)", [str(v) for v in raw_text[unparseable.to_numpy()]])
        yield future.to_numpy(), name, word(f"{_label(name)} {{}} is in the future (after "
                                            f"{batch.today.isoformat()})", dates[future].to_numpy())
    initial, change = batch.dates["initial_date"][0], batch.dates["change_date"][0]
    both = initial.notna() & change.notna()
    before = both.to_numpy().copy()
    before[both.to_numpy()] = (change[both] < initial[both]).to_numpy(dtype=bool)
    yield before, "change_date", word("change_date {} is before initial_date {}", change[before].to_numpy(),
                                      initial[before].to_numpy())


def _outside_jurisdiction(batch: _Batch) -> Iterator[Finding]:
    """Locations not covered by the jurisdiction, with the distance to its boundary in metres."""
    import shapely

    if batch.jurisdiction is None or not batch.geometry_ok.any():
        return
    metric, metric_crs = batch.metric
    area = _as_geoseries(batch.jurisdiction, batch.norm.crs)  # bare geometries: in the records' CRS
    if area.crs is None:
        raise InputError("the jurisdiction has no coordinate reference system; set its CRS")
    boundary = shapely.union_all(area.to_crs(metric_crs).to_numpy(dtype=object))
    shapely.prepare(boundary)
    outside = np.zeros(batch.n, dtype=bool)
    outside[batch.geometry_ok] = ~shapely.covered_by(metric[batch.geometry_ok], boundary)
    if outside.any():
        gap = shapely.distance(metric[outside], boundary)
        yield outside, "geometry", word("location is outside the jurisdiction ({:.1f} m beyond its boundary)", gap)


def _too_close(batch: _Batch) -> Iterator[Finding]:
    """Records within ``min_distance`` metres of an earlier batch record or an existing component of their
    class (one STRtree ``dwithin`` query each; pairs are filtered by class with array maths)."""
    if batch.min_distance <= 0 or not batch.geometry_ok.any():
        return
    idx = np.flatnonzero(batch.geometry_ok & pd.notna(batch.class_code))
    if len(idx) > 1:
        yield from _close_in_batch(batch, idx)
    if batch.existing is not None and len(idx):
        yield from _close_to_existing(batch, idx)


def _close_in_batch(batch: _Batch, idx: np.ndarray) -> Iterator[Finding]:
    """Records (positions ``idx``) near an earlier one of their class: the nearest-numbered partner each."""
    import shapely

    metric, class_code = batch.metric[0], batch.class_code
    geoms = metric[idx]
    left, right = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=batch.min_distance)
    cls = class_code[idx].astype(str)
    keep = (right < left) & (cls[left] == cls[right])
    left, right = left[keep], right[keep]
    if not len(left):
        return
    order = np.lexsort((right, left))
    left, right = left[order], right[order]
    first = np.r_[True, left[1:] != left[:-1]]
    left, right = idx[left[first]], idx[right[first]]
    dist = shapely.distance(metric[left], metric[right])
    mask = np.zeros(batch.n, dtype=bool)
    mask[left] = True
    details = np.full(batch.n, None, dtype=object)
    details[left] = word("within {:.2f} m of row {} (code {}) of the same class {}; a component captured twice?",
                         dist, batch.norm.index[right], batch.codes.to_numpy(dtype=object)[right], class_code[left])
    yield mask, "geometry", details


def _close_to_existing(batch: _Batch, idx: np.ndarray) -> Iterator[Finding]:
    """Records (positions ``idx``) near an existing component of their class that has another code."""
    import geopandas as gpd
    import shapely

    existing = batch.existing
    if not isinstance(existing, gpd.GeoDataFrame) or not {"code", "class_code"} <= set(existing.columns):
        raise InputError("existing components must be a GeoDataFrame with code and class_code columns")
    if len(existing) == 0:
        return
    if existing.crs is None:
        raise InputError("existing components have no coordinate reference system")
    metric, metric_crs = batch.metric
    class_code, codes = batch.class_code, batch.codes.to_numpy(dtype=object)
    ex = existing.to_crs(metric_crs)
    ex_geom = ex.geometry.to_numpy(dtype=object)
    ex_cls = _text(ex["class_code"]).to_numpy(dtype=object).astype(str)
    ex_code = ex["code"].to_numpy(dtype=object)
    left, right = shapely.STRtree(ex_geom).query(metric[idx], predicate="dwithin", distance=batch.min_distance)
    keep = (class_code[idx][left].astype(str) == ex_cls[right]) & (codes[idx][left] != ex_code[right])
    left, right = left[keep], right[keep]
    if not len(left):
        return
    first = np.r_[True, left[1:] != left[:-1]]
    rows, partners = idx[left[first]], right[first]
    dist = shapely.distance(metric[rows], ex_geom[partners])
    mask = np.zeros(batch.n, dtype=bool)
    mask[rows] = True
    details = np.full(batch.n, None, dtype=object)
    details[rows] = word("within {:.2f} m of existing component {} of the same class {}", dist,
                         ex_code[partners], class_code[rows])
    yield mask, "geometry", details


#: The checks of :func:`validate_components`, one per problem kind, in :data:`PROBLEM_KINDS` order.
CHECKS: tuple[Check[_Batch], ...] = (
    Check("bad_geometry", _bad_geometry),
    Check("missing_field", _missing_field),
    Check("bad_code", _bad_code),
    Check("unknown_class", _unknown_class),
    Check("class_mismatch", _class_mismatch),
    Check("duplicate_code", _duplicate_code),
    Check("too_long", _too_long),
    Check("bad_cell_code", _bad_cell_code),
    Check("bad_status", _bad_status),
    Check("bad_date", _bad_date),
    Check("outside_jurisdiction", _outside_jurisdiction),
    Check("too_close", _too_close),
)


# ----------------------------------------------------------------------------------------------------
# Code allocation
# ----------------------------------------------------------------------------------------------------


def area_segments(scheme: str | CodeScheme) -> tuple[Any, ...]:
    """The segments that place a code (admin, street, … i.e. all but major, minor and serial)."""
    scheme = get_scheme(scheme)
    return tuple(s for s in scheme.segments if s.kind not in ("major", "minor", "serial"))


def _refit(value: str, width: int) -> str | None:
    """Zero-pad to ``width`` or drop leading zeros; None when significant digits would be lost."""
    if len(value) <= width:
        return value.zfill(width)
    return None if value[: len(value) - width].strip("0") else value[len(value) - width :]


def _area_values(scheme: CodeScheme, area: str | int | Mapping[str, str | int] | None) -> dict[str, str]:
    """``{segment name: digits}`` for the placing segments of ``scheme`` from ``area``.

    ``area`` is a mapping by segment name, or the digits of all placing segments concatenated; with one
    placing segment (the usual case: ``admin`` for 16/17-digit codes, ``street`` for 12-digit ones) shorter
    or zero-padded values are refitted, e.g. street ``5`` or ``005`` → ``05``.
    """
    segs = area_segments(scheme)
    if not segs:
        return {}
    if area is None:
        raise InputError(f"scheme {scheme.name} needs the {'+'.join(s.name for s in segs)} segment(s) to "
                         f"allocate codes; pass them as street/admin")
    if isinstance(area, Mapping):
        values = {k: str(v) for k, v in area.items()}
    else:
        text = clean_text(area) or ""
        if len(segs) == 1:
            values = {segs[0].name: text}
        elif len(text) == sum(s.width for s in segs):
            values, pos = {}, 0
            for s in segs:
                values[s.name], pos = text[pos : pos + s.width], pos + s.width
        else:
            raise InputError(f"area {area!r}: scheme {scheme.name} needs {sum(s.width for s in segs)} digits "
                             f"for segments {[s.name for s in segs]}")
    out = {}
    for s in segs:
        if s.name not in values:
            raise InputError(f"area {area!r}: missing a value for segment '{s.name}' of scheme {scheme.name}")
        digits = values[s.name]
        fitted = _refit(digits, s.width) if digits.isdigit() else None
        if fitted is None:
            raise CodeError(f"area {area!r}: segment '{s.name}' = {digits!r} is not a number of at most "
                            f"{s.width} digits", segment=s.name)
        out[s.name] = fitted
    return out


def area_key(scheme: str | CodeScheme, area: str | int | Mapping[str, str | int] | None) -> str:
    """The placing digits of ``area`` refitted to ``scheme`` and concatenated (e.g. street 5 → ``05`` for
    the 12-digit scheme, admin ``110101`` for the 16/17-digit ones): the key of a code counter."""
    scheme = get_scheme(scheme)
    return "".join(_area_values(scheme, area).values())


def allocate_codes(
    scheme: str | CodeScheme,
    class_code: str,
    area: str | int | Mapping[str, str | int] | None,
    n: int,
    used_codes: Iterable[str] = (),
    floor: int = 0,
) -> list[str]:
    """The next ``n`` free codes of class ``class_code`` in ``area`` (street for 12-digit codes, admin
    code for 16/17-digit ones).

    Serials continue after the largest serial ever used for that class and area: the maximum over
    ``used_codes`` (all codes issued so far, current and retired) and ``floor`` (a stored counter), so gaps
    are never refilled and a retired code never comes back. Raises CodeError when the serial segment
    overflows and InputError for an unknown class.
    """
    scheme = get_scheme(scheme)
    if n < 0:
        raise InputError(f"cannot allocate {n} codes")
    if not scheme.class_segments or scheme.segment_of_kind("serial") is None:
        raise InputError(f"scheme {scheme.name} has no major/minor/serial segments")
    major, minor = (scheme.segment(s) for s in scheme.class_segments)
    class_code = clean_text(class_code) or ""
    if len(class_code) != major.width + minor.width or not class_code.isdigit():
        raise CodeError(f"class_code {class_code!r}: scheme {scheme.name} needs {major.width + minor.width} "
                        f"digits ({major.name} + {minor.name})", segment=minor.name)
    if scheme.directory is not None:
        known = set(class_table(scheme.directory, scheme.kind)["code"])
        if class_code not in known:
            raise CodeError(f"class_code {class_code} is not a class of directory {scheme.directory}",
                            segment=minor.name)
    place = _area_values(scheme, area)
    serial = scheme.segment_of_kind("serial")
    values = {major.name: class_code[: major.width], minor.name: class_code[major.width :], **place}
    used = pd.Series([c for c in used_codes if isinstance(c, str) and len(c) == scheme.length], dtype=object)
    top = int(floor)
    if len(used):
        used = used[used.str.fullmatch(r"[0-9]+")]
        match = pd.Series(True, index=used.index)
        for name, digits in values.items():
            seg = scheme.segment(name)
            match &= used.str.slice(seg.start, seg.stop) == digits
        if match.any():
            top = max(top, int(used[match].str.slice(serial.start, serial.stop).astype("int64").max()))
    last = top + n
    if last >= 10**serial.width:
        raise CodeError(f"class {class_code} in {place or 'the district'}: serial segment '{serial.name}' "
                        f"({serial.width} digits) is exhausted: {top} used, {n} more requested",
                        segment=serial.name)
    return [scheme.format(**values, **{serial.name: s}) for s in range(top + 1, last + 1)]


def areas_from_cell_codes(scheme: str | CodeScheme, cell_codes: pd.Series) -> pd.Series:
    """The placing segments of ``scheme`` (concatenated) taken from unit-cell codes, None where impossible.

    A cell code starts with admin (6) + street (3) + community (3) digits; e.g. for the 17-digit scheme the
    area of cell ``110101001001003`` is ``110101``, for the 12-digit one (2-digit street) it is ``01``.
    Used to allocate codes to new records that only carry their class and cell.
    """
    scheme = get_scheme(scheme)
    text = _text(cell_codes)
    out = pd.Series("", index=text.index, dtype=object)
    filled = text.fillna("").astype(str)
    ok = filled.str.fullmatch(r"[0-9]{14,15}").astype(bool)
    spans = {"admin": (0, 6), "street": (6, 9), "community": (9, 12)}
    for seg in area_segments(scheme):
        if seg.kind not in spans:
            return _nones(text.index)
        a, b = spans[seg.kind]
        part = filled.str.slice(a, b)
        fitted = part.map(lambda v, w=seg.width: _refit(v, w) if v.isdigit() else None)
        ok &= fitted.notna()
        out = out + fitted.fillna("")
    out = out.astype(object)
    out[~ok] = None
    return out


# ----------------------------------------------------------------------------------------------------
# Status changes
# ----------------------------------------------------------------------------------------------------


def change_status(
    record: Mapping[str, Any],
    status: str,
    date: Any = None,
    note: str | None = None,
    today: dt.date | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A status change (状态变更) of one component: ``(updated record, history row)``.

    The updated record has the new ``status`` and ``change_date`` = ``date`` (default: today). The history
    row has ``code, old_status, new_status, change_date, note``. Refuses (InputError naming the code) an
    unknown status, the current status, an unparseable or future date and a date before the record's
    ``initial_date`` or last ``change_date``.
    """
    code = record.get("code")
    status = clean_text(status) or ""
    if status not in STATUSES:
        raise InputError(f"component {code}: status {status!r} is not one of {'/'.join(STATUSES)}")
    old = record.get("status")
    if old == status:
        raise InputError(f"component {code}: status is already {status}")
    today = today or dt.date.today()
    if clean_text(date) is None:
        when = today
    else:
        parsed, unparseable, future = parse_dates(pd.Series([date], dtype=object), today)
        if unparseable.iloc[0]:
            raise InputError(f"component {code}: change date {date!r} is not a date "
                             f"(expected YYYY-MM-DD or YYYYMMDD)")
        when = parsed.iloc[0]
        if future.iloc[0]:
            raise InputError(f"component {code}: change date {when} is in the future")
    for name in ("initial_date", "change_date"):
        value = record.get(name)
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        previous = parse_dates(pd.Series([value], dtype=object), dt.date.max)[0].iloc[0]
        if previous is not None and when < previous:
            raise InputError(f"component {code}: change date {when} is before its {name} {previous}")
    updated = dict(record)
    updated["status"] = status
    updated["change_date"] = when
    history = {"code": code, "old_status": old, "new_status": status, "change_date": when, "note": note}
    return updated, history
