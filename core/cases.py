"""Cases (案卷): schema, normalisation, per-record validation, placement, overlay on the grid and counts.

A case table is a (Geo)DataFrame with one row per case and the English columns of :data:`CASE_FIELDS`
(Chinese labels in :data:`CASE_FIELD_LABELS_ZH`; :func:`normalize_cases` also accepts those and common
aliases as headers). Timestamps follow the lifecycle :data:`STAGES`
上报 → 立案 → 派遣 → 处置 → 反馈 → 核查 → 结案 (columns :data:`STAGE_FIELDS`), plus the disposal deadline
(处置时限) ``deadline``, the rework count (返工次数) and the state (:data:`STATES`: 办理中, 已结案, 挂账,
作废, 缓办). ``registered_at`` NaT means the report was never registered (not a valid report).

- :func:`validate_cases` reports every problem of every record as one row ``(row, case_id, field,
  problem, detail)``; ``problem`` is a :data:`PROBLEM_KINDS` key.
- :func:`place_cases`: a case given only a component code (部件编码) is placed at that component.
- :func:`overlay_cases` gives every case its unit cell (单元网格), community (社区), street (街道) and
  district (区) through :func:`wanmi.core.geocode.assign_to_cells` (vectorised, same tie rule for points on
  shared edges); community and street codes are widened to their full 12/9 digits so they are unique keys.
- :func:`case_counts` counts cases per cell/community/street/department/supervisor, by class (小类) and by
  stage reached, for a :class:`Period` (day/week/month/quarter/year/custom).
- :func:`synthetic_cases` generates a seeded, realistic, clearly labelled synthetic case table.

Pure engine: numpy, pandas, shapely 2, geopandas; no QGIS.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .codes import class_table, list_directories
from .dates import parse_times
from .enums import GROUP_KEYS, REGION_KEYS
from .errors import InputError
from .feedback import Feedback, ensure
from .periods import Period
from .records import Check, Finding, ProblemCollector, RecordGeometry, RecordReport, run_checks, word
from .regions import conflict_summary, region_keys
from .text import clean_texts, header_key

__all__ = [
    "CASE_FIELDS",
    "CASE_FIELD_LABELS_ZH",
    "CHECKS",
    "KINDS",
    "PROBLEM_KINDS",
    "SOURCES",
    "STAGES",
    "STAGE_COUNT_COLUMNS",
    "STAGE_FIELDS",
    "STATES",
    "CaseReport",
    "Period",
    "case_counts",
    "class_column",
    "counts_on_cells",
    "known_classes",
    "map_case_columns",
    "normalize_cases",
    "overlay_cases",
    "place_cases",
    "synthetic_cases",
    "validate_cases",
]

# ----------------------------------------------------------------------------------------------------
# Schema
# ----------------------------------------------------------------------------------------------------

#: 案卷类型: component (部件) or event (事件) cases.
KINDS: tuple[str, ...] = ("部件", "事件")
#: 案卷来源.
SOURCES: tuple[str, ...] = ("监督员", "公众举报", "视频", "上级交办", "媒体")
#: 案卷状态.
STATES: tuple[str, ...] = ("办理中", "已结案", "挂账", "作废", "缓办")
#: Lifecycle stages in order, and the timestamp column of each.
STAGES: tuple[str, ...] = ("上报", "立案", "派遣", "处置", "反馈", "核查", "结案")
STAGE_FIELDS: tuple[str, ...] = (
    "reported_at", "registered_at", "dispatched_at", "disposed_at", "feedback_at", "checked_at", "closed_at",
)
#: Count column of :func:`case_counts` per stage: cases that reached the stage.
STAGE_COUNT_COLUMNS: dict[str, str] = {
    "reported_at": "n_reported", "registered_at": "n_registered", "dispatched_at": "n_dispatched",
    "disposed_at": "n_disposed", "feedback_at": "n_feedback", "checked_at": "n_checked", "closed_at": "n_closed",
}
TIME_FIELDS: tuple[str, ...] = (*STAGE_FIELDS, "deadline")
TEXT_FIELDS: tuple[str, ...] = (
    "case_id", "kind", "class_code", "component_code", "source", "dept_code", "dept_name", "supervisor", "state",
)
#: Case fields in storage order (geometry apart).
CASE_FIELDS: tuple[str, ...] = (
    "case_id", "kind", "class_code", "component_code", "source", "dept_code", "dept_name", "supervisor",
    *STAGE_FIELDS, "deadline", "rework_count", "state",
)
#: Chinese labels (案卷字段), also accepted as input headers.
CASE_FIELD_LABELS_ZH: dict[str, str] = {
    "case_id": "案卷编号", "kind": "案卷类型", "class_code": "小类代码", "component_code": "部件编码",
    "source": "案卷来源", "dept_code": "处置部门代码", "dept_name": "处置部门", "supervisor": "监督员",
    "reported_at": "上报时间", "registered_at": "立案时间", "dispatched_at": "派遣时间",
    "disposed_at": "处置时间", "feedback_at": "反馈时间", "checked_at": "核查时间", "closed_at": "结案时间",
    "deadline": "处置时限", "rework_count": "返工次数", "state": "案卷状态",
}
#: More header spellings seen in case exports (normalised: case-folded, no spaces/underscores/brackets).
_ALIASES: dict[str, tuple[str, ...]] = {
    "case_id": ("案卷号", "案件编号", "案件号", "任务号", "案卷id", "caseid", "caseno", "case_no", "taskid"),
    "kind": ("问题类型", "案件类型", "类型", "问题类别", "casekind", "casetype"),
    "class_code": ("小类编码", "问题小类代码", "小类", "分类代码", "class", "classcode", "typecode"),
    "component_code": ("部件标识码", "管理部件标识码", "部件编号", "部件代码", "objid", "objcode", "component"),
    "source": ("来源", "问题来源", "上报来源", "案件来源", "casesource"),
    "dept_code": ("处置部门编码", "部门代码", "部门编码", "department_code", "deptcode"),
    "dept_name": ("处置部门名称", "部门名称", "责任部门", "处置单位", "department", "deptname"),
    "supervisor": ("监督员编号", "监督员id", "上报人", "上报监督员", "inspector", "supervisor_id"),
    "reported_at": ("上报", "发现时间", "reported", "report_time"),
    "registered_at": ("立案", "registered", "register_time"),
    "dispatched_at": ("派遣", "dispatched", "dispatch_time"),
    "disposed_at": ("处置", "处置完成时间", "处理时间", "disposed", "dispose_time"),
    "feedback_at": ("反馈", "处置反馈时间", "feedback", "feedback_time"),
    "checked_at": ("核查", "checked", "check_time"),
    "closed_at": ("结案", "closed", "close_time"),
    "deadline": ("处置截止时间", "截止时间", "时限", "dispose_deadline", "due"),
    "rework_count": ("返工", "返工数", "rework", "reworks"),
    "state": ("状态", "办理状态", "案件状态", "status"),
}
#: Value spellings → canonical values.
_KIND_VALUES = {"部件": "部件", "事件": "事件", "component": "部件", "components": "部件", "event": "事件",
                "events": "事件", "部件类": "部件", "事件类": "事件", "事项": "事件"}
_SOURCE_VALUES = {
    "监督员": "监督员", "监督员上报": "监督员", "信息采集员": "监督员", "inspector": "监督员", "supervisor": "监督员",
    "公众举报": "公众举报", "公众": "公众举报", "市民": "公众举报", "公众投诉": "公众举报", "12345": "公众举报",
    "12319": "公众举报", "热线": "公众举报", "public": "公众举报", "hotline": "公众举报",
    "视频": "视频", "视频监控": "视频", "视频采集": "视频", "video": "视频", "camera": "视频",
    "上级交办": "上级交办", "领导交办": "上级交办", "交办": "上级交办", "superior": "上级交办",
    "媒体": "媒体", "媒体曝光": "媒体", "media": "媒体",
}
_STATE_VALUES = {
    "办理中": "办理中", "处理中": "办理中", "在办": "办理中", "open": "办理中", "inprogress": "办理中",
    "已结案": "已结案", "结案": "已结案", "closed": "已结案",
    "挂账": "挂账", "suspended": "挂账", "作废": "作废", "void": "作废", "缓办": "缓办", "deferred": "缓办",
}

#: Problem kinds reported by :func:`validate_cases` (key → Chinese description), in check order.
PROBLEM_KINDS: dict[str, str] = {
    "missing_id": "案卷编号缺失",
    "duplicate_id": "案卷编号重复",
    "missing_field": "必填项缺失",
    "bad_value": "取值错误",
    "bad_time": "时间格式错误",
    "time_order": "时间顺序错误",
    "state_mismatch": "案卷状态与时间不符",
    "unknown_class": "小类代码不存在",
    "unknown_component": "部件编码不在普查中",
    "class_mismatch": "小类与部件不符",
    "bad_geometry": "位置无效",
    "no_location": "位置和部件编码均缺失",
    "outside_jurisdiction": "超出辖区范围",
}
#: Fields an input record must fill (case_id has its own problem kind).
MANDATORY_FIELDS: tuple[str, ...] = ("kind", "class_code", "source", "reported_at")
#: Prefix of the per-class count columns of :func:`case_counts` (部件 bj_, 事件 sj_): the same class code
#: can mean a component class and an event class (CJ/T 214 0101), so the kind is part of the column.
CLASS_PREFIX: dict[str, str] = {"部件": "bj_", "事件": "sj_"}

_PROBLEM_ORDER = {k: i for i, k in enumerate(PROBLEM_KINDS)}
_NS_PER_MIN = 60 * 10**9
_NAT = np.iinfo(np.int64).min  # NaT as int64 nanoseconds


def _key(name: Any) -> str:
    return header_key(name)


_COLUMN_LOOKUP: dict[str, str] = {}
for _name in CASE_FIELDS:
    for _spelling in (_name, CASE_FIELD_LABELS_ZH[_name], *_ALIASES.get(_name, ())):
        _COLUMN_LOOKUP.setdefault(_key(_spelling), _name)


def label(name: str) -> str:
    """``reported_at (上报时间)``: a field name with its Chinese label, for messages."""
    return f"{name} ({CASE_FIELD_LABELS_ZH[name]})" if name in CASE_FIELD_LABELS_ZH else name


def class_column(kind: str, class_code: str) -> str:
    """Name of the :func:`case_counts` column of one class, e.g. ``bj_01037`` or ``sj_0102``."""
    return CLASS_PREFIX[kind] + str(class_code)


# ----------------------------------------------------------------------------------------------------
# Normalisation
# ----------------------------------------------------------------------------------------------------


def map_case_columns(frame: pd.DataFrame, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``frame`` with its headers renamed to :data:`CASE_FIELDS` names (Chinese labels and aliases, any
    case/spacing); ``columns`` maps more source names to field names. Unknown columns are kept as they are.
    A field named by two columns is an error (which one should win?)."""
    extra = {_key(k): v for k, v in (columns or {}).items()}
    bad = sorted(set(extra.values()) - set(CASE_FIELDS))
    if bad:
        raise InputError(f"columns= maps to unknown case field(s) {bad}; fields are {list(CASE_FIELDS)}")
    renames: dict[Any, str] = {}
    for col in frame.columns:
        if col == getattr(frame, "_geometry_column_name", None):
            continue
        target = extra.get(_key(col)) or _COLUMN_LOOKUP.get(_key(col))
        if target is not None and target != col:
            renames[col] = target
    taken: dict[str, Any] = {}
    for col in frame.columns:
        target = renames.get(col, col)
        if target in CASE_FIELDS:
            if target in taken:
                raise InputError(f"columns {taken[target]!r} and {col!r} both give field {label(target)}; "
                                 "drop one or map it elsewhere with columns=")
            taken[target] = col
    return frame.rename(columns=renames) if renames else frame


def _text(values: pd.Series) -> pd.Series:
    """Clean text (object dtype), None for blanks (:func:`wanmi.core.text.clean_texts`)."""
    return clean_texts(values)


def _canonical(values: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    lookup = {_key(k): v for k, v in mapping.items()}
    codes, uniques = pd.factorize(_text(values), use_na_sentinel=True)
    conv = np.empty(len(uniques) + 1, dtype=object)
    conv[:-1] = [lookup.get(_key(v), v) for v in uniques]
    conv[-1] = None
    return pd.Series(conv[codes], index=values.index, dtype=object)


def _normalize(frame: pd.DataFrame, columns: Mapping[str, str] | None = None
               ) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, pd.Series]]:
    """Normalised copy + per time field the unparseable mask + the raw values (for messages)."""
    out = map_case_columns(frame, columns).copy()
    idx = out.index
    for name in TEXT_FIELDS:
        if name not in out.columns:
            out[name] = pd.Series(np.full(len(idx), None, dtype=object), index=idx, dtype=object)
        elif name == "kind":
            out[name] = _canonical(out[name], _KIND_VALUES)
        elif name == "source":
            out[name] = _canonical(out[name], _SOURCE_VALUES)
        elif name == "state":
            out[name] = _canonical(out[name], _STATE_VALUES)
        else:
            out[name] = _text(out[name])
    failed: dict[str, np.ndarray] = {}
    raw: dict[str, pd.Series] = {}
    for name in TIME_FIELDS:
        if name not in out.columns:
            out[name] = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
            failed[name] = np.zeros(len(idx), dtype=bool)
            raw[name] = pd.Series(np.full(len(idx), None, dtype=object), index=idx)
            continue
        raw[name] = out[name]
        out[name], failed[name] = parse_times(out[name])
    if "rework_count" not in out.columns:
        out["rework_count"] = np.zeros(len(idx), dtype=np.int64)
        failed["rework_count"] = np.zeros(len(idx), dtype=bool)
    else:
        col = out["rework_count"]
        if pd.api.types.is_integer_dtype(col.dtype) and not col.isna().any():
            nums = col.to_numpy(dtype=np.float64)
        else:
            nums = pd.to_numeric(_text(col), errors="coerce").to_numpy(dtype=np.float64)
        numeric = pd.api.types.is_numeric_dtype(col.dtype)
        given = col.notna().to_numpy() if numeric else _text(col).notna().to_numpy()
        bad = given & (~np.isfinite(nums) | (nums < 0) | (np.mod(np.nan_to_num(nums), 1) != 0))
        raw["rework_count"] = col
        failed["rework_count"] = bad
        out["rework_count"] = np.where(np.isfinite(nums) & ~bad, nums, 0).astype(np.int64)
    return out, failed, raw


def normalize_cases(frame: pd.DataFrame, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with every :data:`CASE_FIELDS` column: headers mapped (English, Chinese labels,
    aliases), text fields as stripped text (None for blanks), kind/source/state spellings made canonical
    (``component`` → 部件, ``12345`` → 公众举报, ``结案`` → 已结案 …), timestamps parsed to datetime64
    (unreadable ones become NaT — :func:`validate_cases` reports them), ``rework_count`` as int (blank → 0)."""
    return _normalize(frame, columns)[0]


# ----------------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------------


class CaseReport(RecordReport):
    """Result of :func:`validate_cases`.

    ``frame``: the normalised (and placed) input, all rows, original index. ``problems``: one row per
    problem with ``row`` (index label of the record), ``case_id``, ``field``, ``problem``
    (:data:`PROBLEM_KINDS` key) and ``detail`` (names the value and what is wrong).
    """

    kinds = tuple(PROBLEM_KINDS)


def _ts(value: Any) -> str:
    t = pd.Timestamp(value)
    return "NaT" if pd.isna(t) else (f"{t:%Y-%m-%d %H:%M:%S}" if t.second or t.microsecond else f"{t:%Y-%m-%d %H:%M}")


def known_classes(kind: str, directories: Iterable[str] | None = None) -> frozenset[str]:
    """Class codes (小类代码) of ``kind`` (部件 → component classes, 事件 → event classes) in the class
    directories (default: all registered, i.e. CJ/T 214 4-digit and GB/T 47678.5 5-digit codes)."""
    if kind not in KINDS:
        raise InputError(f"unknown case kind {kind!r}; expected one of {KINDS}")
    table_kind = "component" if kind == "部件" else "event"
    codes: set[str] = set()
    for d in directories or list_directories():
        codes |= set(class_table(d, table_kind)["code"])
    return frozenset(codes)


def _class_sets(class_codes: Any) -> dict[str, frozenset[str]]:
    if class_codes is None:
        return {k: known_classes(k) for k in KINDS}
    if isinstance(class_codes, Mapping):
        unknown = sorted(set(class_codes) - set(KINDS))
        if unknown:
            raise InputError(f"class_codes keys must be {KINDS}, got {unknown}")
        return {k: frozenset(str(c) for c in class_codes.get(k, ())) for k in KINDS}
    flat = frozenset(str(c) for c in class_codes)
    return {k: flat for k in KINDS}


def _component_table(components: Any) -> pd.DataFrame:
    """Census components indexed by code: ``class_code``, ``dept_code``, ``dept_name`` and a point each."""
    import geopandas as gpd
    import shapely

    if not isinstance(components, gpd.GeoDataFrame):
        raise InputError("components must be a GeoDataFrame (the census layer) with 'code' and a geometry")
    if "code" not in components.columns:
        raise InputError(f"the components have no 'code' field (fields: {list(components.columns)})")
    codes = _text(components["code"])
    keep = codes.notna().to_numpy()
    geoms = components.geometry.to_numpy(dtype=object)[keep]
    pts = geoms.copy()
    ok = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
    nonpoint = ok & (shapely.get_type_id(np.where(ok, pts, None)) != 0)
    if nonpoint.any():
        pts[nonpoint] = shapely.point_on_surface(pts[nonpoint])  # lines/polygons: a point on the component
    pts[~ok] = None
    table = pd.DataFrame({
        "class_code": _text(components["class_code"]).to_numpy(dtype=object)[keep]
        if "class_code" in components.columns else None,
        "dept_code": _text(components["dept_code"]).to_numpy(dtype=object)[keep]
        if "dept_code" in components.columns else None,
        "dept_name": _text(components["dept_name"]).to_numpy(dtype=object)[keep]
        if "dept_name" in components.columns else None,
        "point": pts,
    }, index=pd.Index(codes.to_numpy(dtype=object)[keep], name="code"))
    table = table[~table.index.duplicated(keep="first")]
    table.attrs["crs"] = components.crs
    return table


def _as_geoframe(frame: pd.DataFrame, crs: Any = None) -> Any:
    """``frame`` as a GeoDataFrame (an all-None geometry when it has none)."""
    import geopandas as gpd

    if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns:
        return frame
    geom = gpd.GeoSeries(np.full(len(frame), None, dtype=object), index=frame.index, crs=crs)
    return gpd.GeoDataFrame(pd.DataFrame(frame), geometry=geom, crs=crs)


def place_cases(cases: pd.DataFrame, components: Any) -> Any:
    """Cases with a component code and no location placed at that component (案卷定位到部件).

    Returns a GeoDataFrame (a copy; the cases' CRS, or the components' when the cases have none): rows
    without geometry whose ``component_code`` is in ``components`` get the component's point (a point on
    it for line/polygon components), a missing ``kind`` becomes 部件 and a missing ``class_code``,
    ``dept_code``/``dept_name`` (处置部门: the component's 主管部门) are taken from the component. Column
    ``located_by`` says ``coordinates``, ``component`` or None (still unplaced).
    """
    import geopandas as gpd
    import shapely

    frame = _as_geoframe(cases, getattr(components, "crs", None))
    frame = frame.copy()
    geoms = frame.geometry.to_numpy(dtype=object).copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    located = np.where(missing, None, "coordinates").astype(object)
    table = _component_table(components)
    codes = _text(frame["component_code"]) if "component_code" in frame.columns else pd.Series(
        np.full(len(frame), None, dtype=object), index=frame.index)
    pos = table.index.get_indexer(pd.Index(codes.to_numpy(dtype=object)))
    has = (pos >= 0) & codes.notna().to_numpy()
    fill = missing & has
    if fill.any():
        pts = gpd.GeoSeries(table["point"].to_numpy(dtype=object)[pos[fill]], crs=table.attrs["crs"])
        if frame.crs is not None and table.attrs["crs"] is not None and not pts.crs.equals(frame.crs):
            pts = pts.to_crs(frame.crs)
        geoms[fill] = pts.to_numpy(dtype=object)
        got = ~(shapely.is_missing(geoms[fill]) | shapely.is_empty(geoms[fill]))
        located[np.flatnonzero(fill)[got]] = "component"
    crs = frame.crs if frame.crs is not None else table.attrs["crs"]
    frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=crs), crs=crs)
    for col, src in (("kind", None), ("class_code", "class_code"), ("dept_code", "dept_code"),
                     ("dept_name", "dept_name")):
        current = _text(frame[col]) if col in frame.columns else pd.Series(
            np.full(len(frame), None, dtype=object), index=frame.index)
        blank = current.isna().to_numpy() & has
        if blank.any():
            values = current.to_numpy(dtype=object).copy()
            values[blank] = "部件" if src is None else table[src].to_numpy(dtype=object)[pos[blank]]
            frame[col] = pd.Series(values, index=frame.index, dtype=object)
    frame["located_by"] = pd.Series(located, index=frame.index, dtype=object)
    return frame


def validate_cases(
    cases: pd.DataFrame,
    jurisdiction: Any = None,
    components: Any = None,
    class_codes: Any = None,
    *,
    existing_ids: Iterable[str] | None = None,
    columns: Mapping[str, str] | None = None,
) -> CaseReport:
    """Check case records; every problem of every record is one row of ``report.problems``.

    The checks are :data:`CHECKS`, one per ``problem`` kind: ``case_id`` empty (``missing_id``) or repeated
    in the batch / already in ``existing_ids`` (``duplicate_id``); kind, class code, source or 上报时间 empty
    (``missing_field``); kind/source/state not a known value or rework count not a whole number ≥ 0
    (``bad_value``); a timestamp that is not a time (``bad_time``); stage times out of lifecycle order 上报 ≤
    立案 ≤ 派遣 ≤ 处置 ≤ 反馈 ≤ 核查 ≤ 结案, a later stage without 立案, or a deadline before 上报
    (``time_order``); 已结案 without 结案时间 or a 结案时间 on a case still 办理中 (``state_mismatch``); class
    code not a component class (kind 部件) / event class (kind 事件) of the class directories or
    ``class_codes`` (``unknown_class``; ``class_codes`` is an iterable or a mapping 部件/事件 → iterable);
    component code not in the census ``components`` (``unknown_component``) or of another class
    (``class_mismatch``); invalid geometry or an importer coordinate problem in column ``import_problem``
    (``bad_geometry``); neither a location nor a component code to place it (``no_location``); location not
    covered by ``jurisdiction`` (``outside_jurisdiction``).

    With ``components`` the cases are first placed (:func:`place_cases`); ``report.frame`` holds the
    normalised, placed records. A blank state is derived: 已结案 with a 结案时间, else 办理中.
    """
    if not cases.index.is_unique:
        raise InputError("the cases' index has duplicate labels; reset it so problems can name rows")
    norm, failed, raw = _normalize(cases, columns)
    norm = _placed(_as_geoframe(norm, getattr(components, "crs", None)), components)
    batch = _CaseBatch(norm, failed, raw, jurisdiction, components, class_codes, existing_ids)
    norm["state"] = pd.Series(batch.state, index=norm.index, dtype=object)
    out = ProblemCollector(norm.index, batch.ids, "case_id", _PROBLEM_ORDER)
    run_checks(CHECKS, batch, out)
    if "import_problem" in norm.columns:
        norm = norm.drop(columns=["import_problem"])
    return CaseReport(norm, out.frame(), out.valid_mask())


def _placed(norm: Any, components: Any) -> Any:
    """Cases placed at their components (:func:`place_cases`), or just marked as located by coordinates."""
    import shapely

    if components is not None:
        return place_cases(norm, components)
    g = norm.geometry.to_numpy(dtype=object)
    norm["located_by"] = pd.Series(np.where(shapely.is_missing(g) | shapely.is_empty(g), None, "coordinates"),
                                   index=norm.index, dtype=object)
    return norm


@dataclass
class _CaseBatch(RecordGeometry):
    """The normalised, placed cases under validation (with the unparseable mask and the raw value of each
    time field and the rework count) and the references of :data:`CHECKS`. What several checks need is
    derived once, on first use."""

    norm: Any
    failed: dict[str, np.ndarray]
    raw: dict[str, pd.Series]
    jurisdiction: Any
    components: Any
    class_codes: Any
    existing_ids: Iterable[str] | None

    @property
    def n(self) -> int:
        return len(self.norm)

    @cached_property
    def ids(self) -> np.ndarray:
        return self.norm["case_id"].to_numpy(dtype=object)

    @cached_property
    def stage_times(self) -> np.ndarray:
        """Stage timestamps as int64 nanoseconds, one column per :data:`STAGE_FIELDS` (NaT: int64 min)."""
        return np.column_stack([self.norm[f].to_numpy(dtype="datetime64[ns]").astype(np.int64)
                                for f in STAGE_FIELDS])

    @cached_property
    def reached(self) -> np.ndarray:
        """Stages with a timestamp (records × stages)."""
        return self.stage_times != _NAT

    @cached_property
    def state(self) -> np.ndarray:
        """The state as given, a blank one derived: 已结案 with a 结案时间, else 办理中."""
        state = self.norm["state"].to_numpy(dtype=object).copy()
        closed = self.reached[:, 6]
        blank = pd.isna(state)
        state[blank & closed] = "已结案"
        state[blank & ~closed] = "办理中"
        return state

    @cached_property
    def class_code(self) -> np.ndarray:
        return self.norm["class_code"].to_numpy(dtype=object)

    @cached_property
    def component_code(self) -> np.ndarray:
        return self.norm["component_code"].to_numpy(dtype=object)

    @cached_property
    def component_table(self) -> pd.DataFrame:
        return _component_table(self.components)

    @cached_property
    def component_pos(self) -> np.ndarray | None:
        """Position of each case's component in :attr:`component_table` (-1: unknown); None without a census
        or without any component code."""
        if self.components is None or not pd.notna(self.component_code).any():
            return None
        return self.component_table.index.get_indexer(pd.Index(self.component_code))

    @cached_property
    def unknown_component(self) -> np.ndarray:
        """Cases whose component code is not in the census (none when no census is given)."""
        if self.component_pos is None:
            return np.zeros(self.n, dtype=bool)
        return pd.notna(self.component_code) & (self.component_pos < 0)


def _missing_id(batch: _CaseBatch) -> Iterator[Finding]:
    """Cases without a case id."""
    yield pd.isna(batch.ids), "case_id", f"mandatory field {label('case_id')} is empty"


def _duplicate_id(batch: _CaseBatch) -> Iterator[Finding]:
    """A case id repeated in the batch (on the later rows) or already in the store."""
    ids, has_id = batch.ids, ~pd.isna(batch.ids)
    id_series = batch.norm["case_id"][has_id]
    dup = id_series.duplicated(keep="first").to_numpy()
    if dup.any():
        first_pos = pd.Series(np.flatnonzero(has_id), index=id_series.index).groupby(
            id_series.to_numpy()).transform("first").to_numpy()
        mask = np.zeros(batch.n, dtype=bool)
        mask[np.flatnonzero(has_id)[dup]] = True
        yield mask, "case_id", word("case_id {} is repeated: it already appears on row {}",
                                    id_series.to_numpy()[dup], batch.norm.index[first_pos[dup]])
    if batch.existing_ids is not None:
        pool = np.array(sorted({str(c) for c in batch.existing_ids}), dtype=object)
        if len(pool):
            hit = has_id & np.isin(ids.astype(str), pool.astype(str))
            yield hit, "case_id", word("case_id {} is already in the case store", ids[hit])


def _missing_field(batch: _CaseBatch) -> Iterator[Finding]:
    """Mandatory fields left empty (an unreadable time is a ``bad_time`` instead)."""
    for name in MANDATORY_FIELDS:
        empty = batch.norm[name].isna().to_numpy() & ~batch.failed.get(name, np.zeros(batch.n, dtype=bool))
        yield empty, name, f"mandatory field {label(name)} is empty"


def _bad_value(batch: _CaseBatch) -> Iterator[Finding]:
    """Kind, source or state outside their lists (a blank state is derived, not bad); a rework count that is
    not a whole number ≥ 0."""
    for name, allowed in (("kind", KINDS), ("source", SOURCES), ("state", STATES)):
        values = batch.norm[name].to_numpy(dtype=object)
        bad = pd.notna(values) & ~np.isin(values.astype(str), np.array(allowed, dtype=object).astype(str))
        yield bad, name, word(f"{label(name)} {{!r}} is not one of {'/'.join(allowed)}", values[bad])
    bad_rw = batch.failed["rework_count"]
    yield bad_rw, "rework_count", word(f"{label('rework_count')} {{!r}} is not a whole number ≥ 0",
                                       batch.raw["rework_count"].to_numpy(dtype=object)[bad_rw]
                                       if bad_rw.any() else [])


def _bad_time(batch: _CaseBatch) -> Iterator[Finding]:
    """Timestamps that could not be read."""
    for name in TIME_FIELDS:
        bad = batch.failed[name]
        if bad.any():
            values = [str(v) for v in batch.raw[name].to_numpy(dtype=object)[bad]]
            yield bad, name, word(f"{label(name)} {{!r}} is not a date and time (expected e.g. 2025-03-01 08:30)",
                                  values)


def _time_order(batch: _CaseBatch) -> Iterator[Finding]:
    """Stages out of lifecycle order, later stages of a case never registered, a deadline before 上报."""
    yield from _stages_out_of_order(batch)
    reached = batch.reached
    later = reached[:, 2:].any(axis=1) & ~reached[:, 1]
    if later.any():
        first_later = np.array(STAGE_FIELDS[2:], dtype=object)[np.argmax(reached[:, 2:], axis=1)[later]]
        yield later, "registered_at", word("{} is recorded but the case was never registered "
                                           "(registered_at (立案时间) is empty)", [label(f) for f in first_later])
    deadline = batch.norm["deadline"].to_numpy(dtype="datetime64[ns]")
    reported = batch.norm["reported_at"].to_numpy(dtype="datetime64[ns]")
    before = ~np.isnat(deadline) & ~np.isnat(reported) & (deadline < reported)
    yield before, "deadline", word(f"{label('deadline')} {{}} is before {label('reported_at')} {{}}",
                                   [_ts(t) for t in deadline[before]], [_ts(t) for t in reported[before]])


def _stages_out_of_order(batch: _CaseBatch) -> Iterator[Finding]:
    """Each stage earlier than the latest stage before it (naming that stage), one stage column at a time."""
    times, reached = batch.stage_times, batch.reached
    run_max = np.full(batch.n, _NAT, dtype=np.int64)
    run_arg = np.zeros(batch.n, dtype=np.int64)
    for k, name in enumerate(STAGE_FIELDS):
        if k > 0:
            early = reached[:, k] & (run_max != _NAT) & (times[:, k] < run_max)
            if early.any():
                prev = np.array(STAGE_FIELDS, dtype=object)[run_arg[early]]
                prev_t = run_max[early].astype("datetime64[ns]")
                yield early, name, word(
                    "{} {} is before {} {}: stages must follow 上报→立案→派遣→处置→反馈→核查→结案",
                    [label(name)] * int(early.sum()), [_ts(t) for t in times[early, k].astype("datetime64[ns]")],
                    [label(p) for p in prev], [_ts(t) for t in prev_t])
        newer = reached[:, k] & (times[:, k] > run_max)
        run_arg[newer] = k
        run_max[newer] = times[newer, k]


def _state_mismatch(batch: _CaseBatch) -> Iterator[Finding]:
    """已结案 without 结案时间, or a 结案时间 on a case still 办理中."""
    closed = batch.reached[:, 6]
    yield ((batch.state == "已结案") & ~closed & ~batch.failed["closed_at"], "closed_at",
           f"state 已结案 but {label('closed_at')} is empty")
    yield ((batch.state == "办理中") & closed, "state",
           f"{label('closed_at')} is filled but the state is 办理中; set it to 已结案")


def _unknown_class(batch: _CaseBatch) -> Iterator[Finding]:
    """Class codes that are not a class of the case's kind."""
    sets = _class_sets(batch.class_codes)
    kinds, cls = batch.norm["kind"].to_numpy(dtype=object), batch.class_code
    for kind in KINDS:
        allowed = np.array(sorted(sets[kind]), dtype=object).astype(str)
        bad = (kinds == kind) & pd.notna(cls) & ~np.isin(cls.astype(str), allowed)
        what = "component (部件)" if kind == "部件" else "event (事件)"
        yield bad, "class_code", word(f"class_code {{}} is not a known {what} class", cls[bad])


def _unknown_component(batch: _CaseBatch) -> Iterator[Finding]:
    """Component codes not in the census (when one is given)."""
    if batch.component_pos is not None:
        unknown = batch.unknown_component
        yield unknown, "component_code", word("component_code {} is not in the census",
                                              batch.component_code[unknown])


def _class_mismatch(batch: _CaseBatch) -> Iterator[Finding]:
    """A component case whose class code differs from its census component's class."""
    pos = batch.component_pos
    if pos is None:
        return
    comp, cls = batch.component_code, batch.class_code
    known = pd.notna(comp) & (pos >= 0)
    comp_cls = np.full(batch.n, None, dtype=object)
    comp_cls[known] = batch.component_table["class_code"].to_numpy(dtype=object)[pos[known]]
    kinds = batch.norm["kind"].to_numpy(dtype=object)
    mism = known & pd.notna(comp_cls) & pd.notna(cls) & (comp_cls != cls) & (kinds == "部件")
    yield mism, "class_code", word("class_code {} differs from class {} of component {}", cls[mism],
                                   comp_cls[mism], comp[mism])


def _bad_geometry(batch: _CaseBatch) -> Iterator[Finding]:
    """The importer's coordinate problem (unless a known component placed the case), an invalid geometry."""
    imp = batch.import_problem
    has_imp, no_geom, invalid = pd.notna(imp), batch.no_geometry, batch.invalid
    placed = pd.notna(batch.component_code) & ~batch.unknown_component & ~no_geom
    yield has_imp & (no_geom | invalid) & ~placed, "geometry", imp
    yield invalid & ~has_imp, "geometry", "invalid geometry"


def _no_location(batch: _CaseBatch) -> Iterator[Finding]:
    """No location and no component code to place the case, or a component that could not place it."""
    has_imp, no_geom, comp = pd.notna(batch.import_problem), batch.no_geometry, batch.component_code
    has_comp = pd.notna(comp)
    yield (no_geom & ~has_comp & ~has_imp, "geometry",
           "no location and no component_code (部件编码) to place the case")
    unplaced = no_geom & has_comp & ~batch.unknown_component & ~has_imp
    yield unplaced, "geometry", word("no location, and component {} could not place it" + (
        " (no census given)" if batch.components is None else " (the component has no geometry)"), comp[unplaced])


def _outside_jurisdiction(batch: _CaseBatch) -> Iterator[Finding]:
    """Locations (a point on the case's geometry) outside the jurisdiction, with the distance to it."""
    import shapely

    geom_ok = ~batch.no_geometry & ~batch.invalid
    if batch.jurisdiction is None or not geom_ok.any():
        return
    crs, geoms = batch.norm.crs, batch.geometries
    area = _jurisdiction_series(batch.jurisdiction, crs)
    if crs is None:
        raise InputError("the cases have no coordinate reference system; set it to check the jurisdiction")
    boundary = shapely.union_all(area.to_crs(crs).to_numpy(dtype=object))
    shapely.prepare(boundary)
    pts = geoms[geom_ok]
    rep = np.where(shapely.get_type_id(pts) == 0, pts, shapely.point_on_surface(pts))
    outside = np.zeros(batch.n, dtype=bool)
    outside[geom_ok] = ~shapely.intersects_xy(boundary, shapely.get_x(rep), shapely.get_y(rep))
    if outside.any():
        gap = shapely.distance(geoms[outside], boundary)
        unit = "m" if not (crs and crs.is_geographic) else "°"
        yield outside, "geometry", word("location is outside the jurisdiction ({:.1f} " + unit
                                        + " beyond its boundary)", gap)


#: The checks of :func:`validate_cases`, one per problem kind, in :data:`PROBLEM_KINDS` order.
CHECKS: tuple[Check[_CaseBatch], ...] = (
    Check("missing_id", _missing_id),
    Check("duplicate_id", _duplicate_id),
    Check("missing_field", _missing_field),
    Check("bad_value", _bad_value),
    Check("bad_time", _bad_time),
    Check("time_order", _time_order),
    Check("state_mismatch", _state_mismatch),
    Check("unknown_class", _unknown_class),
    Check("unknown_component", _unknown_component),
    Check("class_mismatch", _class_mismatch),
    Check("bad_geometry", _bad_geometry),
    Check("no_location", _no_location),
    Check("outside_jurisdiction", _outside_jurisdiction),
)


def _jurisdiction_series(obj: Any, crs: Any) -> Any:
    import geopandas as gpd
    import shapely

    if isinstance(obj, gpd.GeoDataFrame):
        series = obj.geometry
    elif isinstance(obj, gpd.GeoSeries):
        series = obj
    elif isinstance(obj, shapely.Geometry):
        series = gpd.GeoSeries([obj], crs=crs)
    else:
        series = gpd.GeoSeries(np.asarray(obj, dtype=object), crs=crs)
    if series.crs is None:
        if crs is None:
            raise InputError("the jurisdiction has no coordinate reference system; set its CRS")
        series = series.set_crs(crs)
    return series


# ----------------------------------------------------------------------------------------------------
# Overlay and counts
# ----------------------------------------------------------------------------------------------------


def _filter_period(cases: pd.DataFrame, period: Any, time_field: str) -> pd.DataFrame:
    p = Period.coerce(period)
    if p is None:
        return cases
    if time_field not in cases.columns:
        raise InputError(f"the cases have no time field {time_field!r} to select period {p}")
    return cases[p.mask(cases[time_field])]


def overlay_cases(cases: Any, cells: Any, period: Any = None, *, code_field: str = "code",
                  time_field: str = "reported_at", lattice: Any = None, feedback: Feedback | None = None) -> Any:
    """Cases (of ``period`` by ``time_field``, default all) with the unit cell they lie in (案卷叠加网格).

    Adds ``cell_code``, ``community_code`` (12 digits: district + street + community), ``street_code`` (9
    digits) and ``district_code`` (6), None outside every cell. Points are assigned by
    :func:`wanmi.core.geocode.assign_points` (vectorised; the documented tie rule for points on shared
    edges; ``lattice``: the grid's lattice for the arithmetic path), the codes then taken per cell; cases in
    another CRS are reprojected to the cells' metric CRS, their own CRS is kept in the result. Community
    and street codes given as 3-digit segments in the cells are widened with the district/street prefix
    so that they are unique keys across the district. Cell rows with a ``valid_to`` (the history a renumbered
    grid keeps) are left out: cases go to the latest edition.
    """
    from .audit import latest_edition
    from .geocode import assign_points, point_coordinates

    fb = ensure(feedback)
    fb.step(0, 3)
    cells, left = latest_edition(cells)
    lattice = None if left else lattice
    frame = _filter_period(cases, period, time_field)
    if getattr(frame, "_geometry_column_name", None) is None:
        raise InputError("the cases have no geometry: place them first (place_cases) or give locations")
    keys = _cell_keys(cells, code_field)
    conflicts = conflict_summary(pd.DataFrame({"conflict": keys.pop("conflict")}), "cells")
    if conflicts:
        fb.warning(conflicts)
    fb.step(1, 3)
    geo = frame.geometry
    cells_crs = getattr(cells, "crs", None)
    if cells_crs is not None:
        if geo.crs is None:
            raise InputError("The cases have no coordinate reference system while the cells are in "
                             f"{cells_crs}: set the cases' CRS (the one their coordinates are in) first.")
        if not geo.crs.equals(cells_crs):
            geo = geo.to_crs(cells_crs)
    x, y = point_coordinates(geo)
    idx = assign_points(x, y, cells, lattice)  # the geocode tie rule; -1 outside every cell
    fb.step(2, 3)
    out = frame.copy(deep=False)
    for col, values in keys.items():  # per-cell codes taken by index; the extra last slot answers -1
        out[col] = pd.Series(values[idx], index=out.index, dtype=object)
    fb.step(3, 3)
    return out


def _cell_keys(cells: Any, code_field: str) -> dict[str, np.ndarray]:
    """Per cell (plus a trailing None for "no cell"): cell code and full community/street/district codes.

    The keys follow the one rule of :func:`wanmi.core.regions.region_keys` (code columns first, 3-digit
    parts widened with the levels above, the 15/14-digit cell code for what the columns leave out); the
    ``conflict`` column says where the cell's columns and code disagree.
    """
    if code_field not in getattr(cells, "columns", ()):
        have = ", ".join(map(str, getattr(cells, "columns", [])))
        raise InputError(f"The cells have no code field {code_field!r} (fields: {have}).")
    cols = [c for c in dict.fromkeys((code_field, *REGION_KEYS[1:])) if c in cells.columns]
    text = pd.DataFrame({c: _text(cells[c]).to_numpy(dtype=object) for c in cols}, dtype=object)
    keys = region_keys(text, code_field)
    out = {}
    for k in (*REGION_KEYS, "conflict"):
        out[k] = np.empty(len(cells) + 1, dtype=object)
        out[k][:-1] = keys[k].to_numpy(dtype=object)
        out[k][-1] = None
    return out


_BY = GROUP_KEYS


def case_counts(overlaid: pd.DataFrame, by: str = "cell_code", period: Any = None, by_class: bool = True,
                by_stage: bool = True, *, by_state: bool = False, time_field: str = "reported_at",
                keys: Iterable[Any] | None = None) -> pd.DataFrame:
    """Case counts per ``by`` key (cell_code, community_code, street_code, district_code, dept_code or
    supervisor) for cases of ``period`` (by ``time_field``; default all).

    Columns: ``cases`` (all cases); with ``by_stage`` ``n_reported`` … ``n_closed``
    (:data:`STAGE_COUNT_COLUMNS`: cases that reached each stage, i.e. have its timestamp); with
    ``by_state`` ``state_<state>`` (cases per current state); with ``by_class`` one column per class
    present, ``bj_<code>`` for 部件 and ``sj_<code>`` for 事件 classes (:func:`class_column`), sorted.
    Cases without a key (outside every cell, no department …) are left out; their number is in
    ``result.attrs["unassigned"]``. ``keys`` lists keys to report even without cases (counts 0).
    """
    if by not in _BY:
        raise InputError(f"cannot count by {by!r}: use one of {', '.join(_BY)}")
    if by not in overlaid.columns:
        hint = " (run overlay_cases first)" if by in REGION_KEYS else ""
        raise InputError(f"the cases have no column {by!r}{hint}")
    frame = _filter_period(overlaid, period, time_field)
    key = frame[by].astype(object)
    has = key.notna().to_numpy()
    codes, index = _count_keys(key[has], by, keys)
    m = len(index)
    data: dict[str, np.ndarray] = {"cases": np.bincount(codes, minlength=m).astype(np.int64)}
    if by_stage:
        for f, col in STAGE_COUNT_COLUMNS.items():
            if f in frame.columns:
                reached = ~np.isnat(frame[f].to_numpy(dtype="datetime64[ns]")[has])
                data[col] = np.bincount(codes[reached], minlength=m).astype(np.int64)
    if by_state and "state" in frame.columns:
        st = frame["state"].astype(object).to_numpy()[has]
        for s in STATES:
            data[f"state_{s}"] = np.bincount(codes[st == s], minlength=m).astype(np.int64)
    result = pd.DataFrame(data, index=index)
    if by_class:
        per_class = _class_counts(frame["kind"].to_numpy(dtype=object)[has],
                                  frame["class_code"].to_numpy(dtype=object)[has], codes, index)
        if per_class.shape[1]:
            result = pd.concat([result, per_class], axis=1)
    result.attrs["unassigned"] = int((~has).sum())
    p = Period.coerce(period)
    if p is not None:
        result.attrs["period"] = p.label
    return result


def _count_keys(key: pd.Series, by: str, keys: Iterable[Any] | None) -> tuple[np.ndarray, pd.Index]:
    """Position of each case's key in the sorted keys, and those keys (the cases' plus ``keys``)."""
    codes, uniques = pd.factorize(key.to_numpy(dtype=object), sort=True)
    if keys is not None:
        uniques = pd.Index(pd.unique(np.concatenate([np.asarray(uniques, dtype=object),
                                                      np.asarray(list(keys), dtype=object)])))
        uniques = uniques.sort_values()
        codes = uniques.get_indexer(key.to_numpy(dtype=object))
    return codes, pd.Index(np.asarray(uniques, dtype=object), name=by)


def _class_counts(kinds: np.ndarray, classes: np.ndarray, codes: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """Cases per key (``codes`` into ``index``) and (kind, class) pair: one column per pair present, named by
    :func:`class_column` (``x_``/``unknown`` for a missing kind/class), sorted by name."""
    m = len(index)
    kind_codes, kind_uniques = pd.factorize(kinds)
    cls_codes, cls_uniques = pd.factorize(classes)
    kind_codes[kind_codes < 0] = len(kind_uniques)  # missing kind / class: their own slot
    cls_codes[cls_codes < 0] = len(cls_uniques)
    n_cls = len(cls_uniques) + 1
    pair = kind_codes.astype(np.int64) * n_cls + cls_codes
    pairs, pair_codes = np.unique(pair, return_inverse=True)
    kinds_u = np.append(np.asarray(kind_uniques, dtype=object), None)
    cls_u = np.append(np.asarray(cls_uniques, dtype=object), None)
    names = [CLASS_PREFIX.get(kinds_u[p // n_cls], "x_") + (str(cls_u[p % n_cls]) if cls_u[p % n_cls] is not None
                                                             else "unknown") for p in pairs]
    if not len(pairs):
        return pd.DataFrame(np.zeros((m, 0), np.int64), index=index, columns=[])
    table = np.bincount(codes.astype(np.int64) * len(pairs) + pair_codes.ravel(),
                        minlength=m * len(pairs)).reshape(m, len(pairs))
    order = np.argsort(np.array(names, dtype=object), kind="stable")
    return pd.DataFrame(table[:, order], index=index, columns=[names[j] for j in order])


def counts_on_cells(counts: pd.DataFrame, cells: Any, by: str = "cell_code", *, code_field: str = "code") -> Any:
    """:func:`case_counts` joined to polygons: the cells (``by="cell_code"``) or the cells dissolved into
    communities/streets/districts, every unit present (0 where it has no case), plus ``area_m2`` and
    ``cases_per_ha`` (cases per 10,000 m², 问题发生密度 of all reported cases). Other keys (dept_code,
    supervisor) have no polygon: the counts come back as a plain table with the key as a column."""
    import geopandas as gpd
    import shapely

    table = counts.reset_index()
    if by not in REGION_KEYS:
        return table
    geoms = cells.geometry.to_numpy(dtype=object)
    if by == "cell_code":
        keys = cells[code_field].astype(object).to_numpy()
        shapes = gpd.GeoDataFrame({by: keys, "area_m2": shapely.area(geoms)}, geometry=geoms, crs=cells.crs)
    else:
        probe = gpd.GeoDataFrame(geometry=shapely.point_on_surface(geoms), crs=cells.crs)
        keys = overlay_cases(probe, cells, code_field=code_field)[by].to_numpy(dtype=object)
        shapes = gpd.GeoDataFrame({by: keys, "area_m2": shapely.area(geoms)}, geometry=geoms, crs=cells.crs)
        shapes = shapes.dissolve(by=by, aggfunc={"area_m2": "sum"}).reset_index()
    filled = table.set_index(by).reindex(shapes[by].to_numpy()).fillna(0).astype("int64")
    area = shapes["area_m2"].to_numpy()
    per_ha = np.where(area > 0, filled["cases"].to_numpy() * 10_000.0 / np.where(area > 0, area, 1.0), np.nan)
    data = pd.concat([shapes[[by, "area_m2"]].reset_index(drop=True), filled.reset_index(drop=True),
                      pd.DataFrame({"cases_per_ha": per_ha})], axis=1)
    return gpd.GeoDataFrame(data, geometry=shapes.geometry.to_numpy(), crs=cells.crs)


# ----------------------------------------------------------------------------------------------------
# Synthetic cases
# ----------------------------------------------------------------------------------------------------

#: Synthetic disposal departments (处置部门) used for event cases and components without a department.
SYNTHETIC_DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("SYN-CGZF", "区城市管理综合执法局"), ("SYN-HWZX", "区环境卫生服务中心"), ("SYN-YLLH", "区园林绿化局"),
    ("SYN-JTW", "区交通委员会"), ("SYN-ZJW", "区住房和城乡建设委员会"), ("SYN-SWJ", "区水务局"),
    ("SYN-SZGL", "区市政市容管理委员会"), ("SYN-JDB", "街道办事处"),
)
#: Source mix of the generator (监督员 reports dominate in 万米 systems).
SYNTHETIC_SOURCE_MIX: dict[str, float] = {
    "监督员": 0.70, "公众举报": 0.15, "视频": 0.08, "上级交办": 0.04, "媒体": 0.03,
}
_VALID_SHARE = {"监督员": 0.93, "公众举报": 0.78, "视频": 0.90, "上级交办": 0.99, "媒体": 0.85}
_TIME_LIMITS_H = np.array([2.0, 4.0, 8.0, 24.0, 72.0, 120.0])
SUPERVISOR_AREA_M2 = 180_000.0  # one 监督员 covers ~18万 m² (docs/standards.md#5-reference-numbers)


def _lognormal_minutes(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(n))


def _points_in(rng: np.random.Generator, geoms: np.ndarray, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random points inside ``geoms[which]`` by vectorised rejection sampling in the bounding boxes."""
    import shapely

    bounds = shapely.bounds(geoms)
    x = np.full(len(which), np.nan)
    y = np.full(len(which), np.nan)
    todo = np.arange(len(which))
    for _ in range(30):
        if len(todo) == 0:
            break
        b = bounds[which[todo]]
        tx = b[:, 0] + rng.random(len(todo)) * (b[:, 2] - b[:, 0])
        ty = b[:, 1] + rng.random(len(todo)) * (b[:, 3] - b[:, 1])
        ok = shapely.contains_xy(geoms[which[todo]], tx, ty)
        x[todo[ok]], y[todo[ok]] = tx[ok], ty[ok]
        todo = todo[~ok]
    if len(todo):  # thin cells: a point on the surface
        rep = shapely.point_on_surface(geoms[which[todo]])
        x[todo], y[todo] = shapely.get_x(rep), shapely.get_y(rep)
    return x, y


def _supervisors(cells: Any, code_field: str) -> np.ndarray:
    """A 监督员 id per cell: each community's cells (in code order) split into beats of ~18万 m²."""
    import shapely

    codes = cells[code_field].astype(str).to_numpy(dtype=object)
    area = shapely.area(cells.geometry.to_numpy(dtype=object))
    comm = region_keys(cells, code_field)["community_code"].fillna("").to_numpy(dtype=object)  # the one rule
    order = np.lexsort((codes, comm))
    frame = pd.DataFrame({"comm": comm[order], "area": area[order]}).astype({"comm": object})
    before = frame.groupby("comm", sort=False)["area"].cumsum().to_numpy() - frame["area"].to_numpy()
    beat = pd.Series((before // SUPERVISOR_AREA_M2).astype(np.int64) + 1)
    sup = np.empty(len(codes), dtype=object)
    sup[order] = ("S" + frame["comm"].str[6:12] + beat.astype(str).str.zfill(2)).to_numpy(dtype=object)
    return sup


def synthetic_cases(components: Any, cells: Any, n: int, start: Any, end: Any, seed: int = 0, *,
                    component_share: float = 0.45, code_field: str = "code", directory: str | None = None,
                    feedback: Feedback | None = None) -> Any:
    """``n`` seeded synthetic cases reported in ``[start, end)`` over ``cells`` (and ``components``).

    Realistic mix (合成数据, not real cases): ~``component_share`` 部件 cases at census components (their
    class and 主管部门; without ``components`` at random places with component classes of the directory),
    the rest 事件 cases at random places in the cells (cells weighted by area times a seeded hot-spot
    factor) with a Zipf mix of event classes; sources 监督员 70 %, 公众举报 15 %, 视频 8 %, 上级交办 4 %,
    媒体 3 %; a 监督员 per ~18万 m² beat of each community; reports in daytime hours; 立案 (78–99 %
    of reports by source; the rest 作废), 派遣, 处置 with a per-class time limit (deadline = 派遣 + limit;
    ~13 % overdue), 反馈, 核查, 结案 with log-normal delays; ~8 % reworked once or twice; ~3 % 挂账,
    ~2 % 缓办, ~1 % voided after registration; stages after ``end`` (the snapshot time) are empty and such
    cases 办理中. Returns a GeoDataFrame in the cells' CRS, sorted by 上报时间, with column
    ``synthetic = 1`` and ``attrs`` ``synthetic=True``, ``data_source``, ``seed``.
    """
    fb = ensure(feedback)
    n = int(n)
    t0, t1 = _synthetic_span(cells, n, code_field, start, end)
    rng = np.random.default_rng(seed)
    cell_geoms = cells.geometry.to_numpy(dtype=object)
    if len(cell_geoms) == 0:
        raise InputError("no cells to place synthetic cases in")
    supervisors = _supervisors(cells, code_field)
    fb.step(1, 10)
    comps = _synthetic_components(components, cells)
    if directory is None:
        widths = {len(str(c)) for c in comps["class_code"].dropna()} if comps is not None else set()
        directory = "cjt214" if widths == {4} else "gbt47678"
    is_comp = rng.random(n) < float(component_share)
    cols = _synthetic_places(rng, is_comp, comps, directory, cell_geoms)
    fb.step(4, 10)
    cols["source"], cols["supervisor"] = _synthetic_sources(rng, cols["x"], cols["y"], cells, supervisors)
    fb.step(5, 10)
    stages = _synthetic_timeline(rng, cols, seed, (t1 - t0) / pd.Timedelta(minutes=1))
    fb.step(8, 10)
    out = _synthetic_frame(cols, stages, t0, cells.crs)
    out.attrs.update(synthetic=True, seed=int(seed), directory=directory,
                     data_source=f"synthetic: wanmi.core.cases.synthetic_cases(n={n}, start={t0:%Y-%m-%d}, "
                                 f"end={t1:%Y-%m-%d}, seed={seed}) — not real cases (合成数据)")
    fb.step(10, 10)
    return out


def _synthetic_span(cells: Any, n: int, code_field: str, start: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The reporting period ``[start, end)``, after refusing what the generator cannot work with."""
    if n < 0:
        raise InputError(f"n must be ≥ 0, got {n}")
    if code_field not in cells.columns:
        raise InputError(f"the cells have no code field {code_field!r}")
    if cells.crs is None:
        raise InputError("the cells have no coordinate reference system")
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    if not t1 > t0:
        raise InputError(f"end {t1} must be after start {t0}")
    return t0, t1


def _synthetic_components(components: Any, cells: Any) -> pd.DataFrame | None:
    """The census components that have a location (:func:`_component_table`, points in the cells' CRS), or
    None when there are none."""
    import geopandas as gpd

    if components is None or not len(components):
        return None
    comps = _component_table(components)
    comps = comps[pd.notna(comps["point"].to_numpy(dtype=object))]
    if comps.attrs.get("crs") is not None and not gpd.GeoSeries(crs=comps.attrs["crs"]).crs.equals(cells.crs):
        pts = gpd.GeoSeries(comps["point"].to_numpy(dtype=object), crs=comps.attrs["crs"]).to_crs(cells.crs)
        comps = comps.assign(point=pts.to_numpy(dtype=object))
    return comps if len(comps) else None


def _synthetic_places(rng: np.random.Generator, is_comp: np.ndarray, comps: pd.DataFrame | None, directory: str,
                      cell_geoms: np.ndarray) -> dict[str, np.ndarray]:
    """Kind, class, location (``x``, ``y``), component and department of each case: component cases at
    census components (else like events, with component classes), event cases at random places in cells
    weighted by area times a hot-spot factor."""
    import shapely

    n = len(is_comp)
    cols = {"kind": np.where(is_comp, "部件", "事件").astype(object), "x": np.full(n, np.nan),
            "y": np.full(n, np.nan), "class_code": np.empty(n, dtype=object),
            "component_code": np.full(n, None, dtype=object), "dept_code": np.empty(n, dtype=object),
            "dept_name": np.empty(n, dtype=object)}
    hot = np.exp(0.9 * rng.standard_normal(len(cell_geoms)))  # hot spots: some cells see far more problems
    weight = shapely.area(cell_geoms) * hot
    weight = weight / weight.sum()
    ic = np.flatnonzero(is_comp)
    if comps is not None and len(ic):
        _at_components(rng, cols, ic, comps)
    elif len(ic):
        _at_random_places(rng, cols, ic, class_table(directory, "component"), 1.1, cell_geoms, weight)
    ev = np.flatnonzero(~is_comp)
    if len(ev):
        _at_random_places(rng, cols, ev, class_table(directory, "event"), 1.2, cell_geoms, weight)
    _departments_by_class(cols)
    return cols


def _at_components(rng: np.random.Generator, cols: dict[str, np.ndarray], which: np.ndarray,
                   comps: pd.DataFrame) -> None:
    """Cases ``which`` at components, a few of which break often (Zipf-like weights): their point, code,
    class and department."""
    import shapely

    cw = rng.pareto(1.5, len(comps)) + 0.2
    pick = rng.choice(len(comps), size=len(which), p=cw / cw.sum())
    pts = comps["point"].to_numpy(dtype=object)[pick]
    cols["x"][which], cols["y"][which] = shapely.get_x(pts), shapely.get_y(pts)
    cols["component_code"][which] = comps.index.to_numpy(dtype=object)[pick]
    for name in ("class_code", "dept_code", "dept_name"):
        cols[name][which] = comps[name].to_numpy(dtype=object)[pick]


def _at_random_places(rng: np.random.Generator, cols: dict[str, np.ndarray], which: np.ndarray, table: pd.DataFrame,
                      zipf_exponent: float, cell_geoms: np.ndarray, weight: np.ndarray) -> None:
    """Cases ``which`` at random places of cells drawn by ``weight``, with a Zipf mix of the classes of
    ``table`` (in a seeded order)."""
    codes = table["code"].to_numpy(dtype=object)
    zipf = 1.0 / np.arange(1, len(codes) + 1) ** zipf_exponent
    perm = rng.permutation(len(codes))
    cols["class_code"][which] = codes[perm][rng.choice(len(codes), size=len(which), p=zipf / zipf.sum())]
    cell_of = rng.choice(len(cell_geoms), size=len(which), p=weight)
    cols["x"][which], cols["y"][which] = _points_in(rng, cell_geoms, cell_of)


def _departments_by_class(cols: dict[str, np.ndarray]) -> None:
    """A synthetic department by class major where the component gave none (and for every event)."""
    dept_code, class_code = cols["dept_code"], cols["class_code"]
    no_dept = pd.isna(dept_code) | (dept_code == None)  # noqa: E711 - object array
    if no_dept.any():
        depts = np.array([d[0] for d in SYNTHETIC_DEPARTMENTS], dtype=object)
        dept_names = dict(SYNTHETIC_DEPARTMENTS)
        ucls, inv = np.unique(class_code[no_dept].astype(str), return_inverse=True)  # once per class
        major = np.array([int(c[:2]) if c[:2].isdigit() else 0 for c in ucls], dtype=np.int64)[inv]
        dept_code[no_dept] = depts[major % len(depts)]
        cols["dept_name"][no_dept] = np.array([dept_names[v] for v in depts], dtype=object)[major % len(depts)]


def _synthetic_sources(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, cells: Any,
                       supervisors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Source of each case by :data:`SYNTHETIC_SOURCE_MIX` (公众举报 where no cell has a 监督员 beat) and
    the 监督员 of the cell for 监督员 reports."""
    from .geocode import assign_points

    n = len(x)
    cell_idx = assign_points(x, y, cells)
    src_names = np.array(list(SYNTHETIC_SOURCE_MIX), dtype=object)
    src_p = np.array(list(SYNTHETIC_SOURCE_MIX.values()))
    source = src_names[rng.choice(len(src_names), size=n, p=src_p / src_p.sum())]
    outside = cell_idx < 0
    source[outside & (source == "监督员")] = "公众举报"  # no beat there
    supervisor = np.full(n, None, dtype=object)
    insp = source == "监督员"
    supervisor[insp] = supervisors[cell_idx[insp]]
    return source, supervisor


def _synthetic_timeline(rng: np.random.Generator, cols: dict[str, np.ndarray], seed: int,
                        span_min: float) -> np.ndarray:
    """Stage times in minutes from the start (cases × :data:`STAGE_FIELDS`, NaN: not reached); sets
    ``cols`` ``deadline`` (minutes), ``rework_count`` and ``state``."""
    n = len(cols["source"])
    rep = _report_minutes(rng, n, span_min)
    valid_p = pd.Series(cols["source"]).map(_VALID_SHARE).to_numpy(dtype=np.float64)
    registered = rng.random(n) < valid_p
    reg = rep + np.ceil(_lognormal_minutes(rng, 12, 0.6, n))
    voided = registered & (rng.random(n) < 0.01)
    disp = reg + np.ceil(_lognormal_minutes(rng, 15, 0.6, n))
    cls_codes, cls_inv = np.unique(cols["class_code"].astype(str), return_inverse=True)
    limit_h = _TIME_LIMITS_H[np.random.default_rng([seed, 7]).integers(0, len(_TIME_LIMITS_H), len(cls_codes))]
    limit = limit_h[cls_inv] * 60.0
    deadline = disp + limit
    ratio = 0.45 * np.exp(0.7 * rng.standard_normal(n))
    rework = np.where(rng.random(n) < 0.08, np.where(rng.random(n) < 0.2, 2, 1), 0)
    dispo = disp + np.ceil(limit * (ratio + 0.3 * rework))
    fbk = dispo + np.ceil(_lognormal_minutes(rng, 10, 0.7, n))
    chk = fbk + np.ceil(_lognormal_minutes(rng, 40, 0.8, n))
    clo = chk + np.ceil(_lognormal_minutes(rng, 10, 0.6, n))
    fate = rng.random(n)
    suspended = registered & ~voided & (fate < 0.03)  # 挂账: dispatched, never disposed
    deferred = registered & ~voided & (fate >= 0.03) & (fate < 0.05)  # 缓办
    stages = np.column_stack([rep, reg, disp, dispo, fbk, chk, clo])
    stages[~registered, 1:] = np.nan
    stages[voided, 2:] = np.nan
    stages[suspended | deferred, 3:] = np.nan
    # snapshot at the end of the span: a stage not reached by then (and every later one) is empty
    after = np.cumsum(~(stages < span_min) & ~np.isnan(stages), axis=1) > 0
    stages[after] = np.nan
    cols["deadline"] = np.where(registered & ~voided & ~np.isnan(stages[:, 2]), deadline, np.nan)
    cols["rework_count"] = np.where(np.isnan(stages[:, 3]), 0, rework)
    state = np.full(n, "办理中", dtype=object)
    state[~np.isnan(stages[:, 6])] = "已结案"
    state[suspended & ~np.isnan(stages[:, 2])] = "挂账"
    state[deferred & ~np.isnan(stages[:, 2])] = "缓办"
    state[~registered & ~after[:, 0]] = "作废"
    state[voided & ~np.isnan(stages[:, 1])] = "作废"
    cols["state"] = state
    return stages


def _report_minutes(rng: np.random.Generator, n: int, span_min: float) -> np.ndarray:
    """Report times in whole minutes from the start: a random day, mostly in daytime hours."""
    n_days = max(math.ceil(span_min / 1440.0), 1)
    day = rng.integers(0, n_days, n)
    daytime = rng.random(n) < 0.85
    minute = np.where(daytime, np.clip(rng.normal(13 * 60, 180, n), 6 * 60, 22 * 60), rng.uniform(0, 1440, n))
    rep = day * 1440.0 + minute
    beyond = rep >= span_min
    rep[beyond] = rng.uniform(0, span_min, int(beyond.sum()))
    return np.floor(rep)


def _minutes_to_times(minutes: np.ndarray, base: np.datetime64) -> np.ndarray:
    """``base`` plus ``minutes`` as datetime64[ns] (NaN → NaT)."""
    out = np.full(len(minutes), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = ~np.isnan(minutes)
    out[ok] = base + (minutes[ok] * _NS_PER_MIN).astype(np.int64).astype("timedelta64[ns]")
    return out


def _synthetic_frame(cols: dict[str, np.ndarray], stages: np.ndarray, t0: pd.Timestamp, crs: Any) -> Any:
    """The cases sorted by report time with case ids ``YYYYMMDD`` + a 6-digit number within the day."""
    import geopandas as gpd
    import shapely

    base = t0.to_datetime64().astype("datetime64[ns]")
    order = np.argsort(stages[:, 0], kind="stable")
    times = {f: _minutes_to_times(stages[order, k], base) for k, f in enumerate(STAGE_FIELDS)}
    rep_t = pd.DatetimeIndex(times["reported_at"])
    ymd = (rep_t.year * 10000 + rep_t.month * 100 + rep_t.day).to_numpy(dtype=np.int64)
    seq_in_day = pd.Series(ymd).groupby(ymd).cumcount().to_numpy() + 1
    frame = pd.DataFrame({
        "case_id": (ymd * 1_000_000 + seq_in_day).astype(str).astype(object),
        **{f: cols[f][order] for f in ("kind", "class_code", "component_code", "source", "dept_code", "dept_name",
                                       "supervisor")},
        **times, "deadline": _minutes_to_times(cols["deadline"][order], base),
        "rework_count": cols["rework_count"][order].astype(np.int64), "state": cols["state"][order],
        "synthetic": np.ones(len(order), dtype=np.int64),
    })
    return gpd.GeoDataFrame(frame, geometry=shapely.points(cols["x"][order], cols["y"][order]), crs=crs)
