"""The component (部件) layer schema as data: one :class:`FieldSpec` per field of GB/T 47678.5-2026 表2.

Every field has an English snake_case name (what the stores, the engine and the QGIS layer use), its type,
maximum length, whether 表2 makes it mandatory, the Chinese label, the GB/T 47678.5 abbreviation (GLBJBSM …;
also the Shapefile field name, being at most 10 ASCII characters) and the older CJ/T 214 name (ObjID,
DeptCode1 …) seen in 2007-era systems. :func:`map_columns` renames an input table's columns from any of
those namings (plus a few common aliases) to the English names, so a census delivered with Chinese
headers, GB/T abbreviations or CJ/T names imports the same way.

Source: docs/standards.md#22-component-fields (表2 as loaded by a public repo; the CJ/T names seen in
two independent systems).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from ..core.census import FIELD_MAX_LENGTHS, MANDATORY_FIELDS, RECORD_FIELDS, STATUSES
from ..core.codes import CodeScheme, get_scheme
from ..core.errors import InputError
from ..core.text import header_key

__all__ = [
    "COMPONENT_FIELDS",
    "FIELDS_BY_NAME",
    "HISTORY_FIELDS",
    "STATUS",
    "STATUS_COLORS",
    "FieldSpec",
    "column_lookup",
    "field_names",
    "mandatory_fields",
    "map_columns",
    "max_lengths",
    "rename_for",
]

#: 管理部件状态 values (表2 GLBJZT).
STATUS: tuple[str, ...] = STATUSES
#: Status → colour of the default QML style (layers/styles/components.qml).
STATUS_COLORS: dict[str, str] = {
    "完好": "#1a9641", "破损": "#fdae61", "丢失": "#d7191c", "废弃": "#7b3294", "移除": "#969696",
}


@dataclass(frozen=True)
class FieldSpec:
    """One component field.

    ``type`` is ``text`` or ``date`` (stored as ISO ``YYYY-MM-DD``; 表2's D8 is ``YYYYMMDD``). ``length`` is
    the 表2 maximum (``code``: the longest scheme, 17; a store uses its scheme's length). ``requirement`` is
    表2's M (mandatory), C (conditional) or O (optional); ``mandatory`` says whether an *input* record must
    fill it (``class_code`` is required in storage but derived from the code).
    """

    name: str
    type: str
    length: int | None
    requirement: str
    label_zh: str
    gbt: str | None
    cjt: str | None
    aliases: tuple[str, ...] = ()
    description: str = ""

    @property
    def mandatory(self) -> bool:
        return self.requirement == "M"

    @property
    def shp_name(self) -> str:
        """Field name in a Shapefile (10 characters at most): the GB/T abbreviation."""
        return self.gbt or self.name.upper()[:10]


_F = FieldSpec
COMPONENT_FIELDS: tuple[FieldSpec, ...] = (
    _F("code", "text", 17, "M", "管理部件标识码", "GLBJBSM", "ObjID",
       ("标识码", "部件标识码", "部件编码", "部件编号", "部件代码", "管理部件编码",
        "bjbm", "bjbh", "bsm", "objcode"),
       "component code of the store's scheme (12, 16 or 17 digits)"),
    _F("class_code", "text", 5, "D", "部件小类代码", None, None,
       ("小类代码", "部件小类", "部件类型代码", "类型代码", "分类代码", "class", "classcode", "type_code"),
       "大类 + 小类 digits; derived from the code, or given to allocate a code"),
    _F("name", "text", 30, "M", "管理部件名称", "GLBJMC", "ObjName", ("名称", "部件名称")),
    _F("dept_code", "text", 18, "M", "主管部门代码", "ZGBMDM", "DeptCode1", ("主管部门编码",),
       "统一社会信用代码 of the supervising department"),
    _F("dept_name", "text", 100, "M", "主管部门名称", "ZGBMMC", "DeptName1", ("主管部门",)),
    _F("owner_code", "text", 18, "O", "权属单位代码", "QSDWDM", "DeptCode2", ("权属单位编码",)),
    _F("owner_name", "text", 100, "O", "权属单位名称", "QSDWMC", "DeptName2", ("权属单位",)),
    _F("maintainer_code", "text", 18, "O", "养护单位代码", "YHDWDM", "DeptCode3", ("养护单位编码",)),
    _F("maintainer_name", "text", 100, "O", "养护单位名称", "YHDWMC", "DeptName3", ("养护单位",)),
    _F("cell_code", "text", 15, "M", "所在单元网格标识码", "SZDYWGBSM", "BGID",
       ("单元网格标识码", "单元网格编码", "单元网格", "网格编码", "网格代码", "所在网格"),
       "15-digit unit cell code (14 for CJ/T 213 grids)"),
    _F("street_code", "text", 9, "O", "所在街道代码", "SZJDDM", None, ("街道代码", "街道编码")),
    _F("street_name", "text", 50, "O", "所在街道名称", "SZJDMC", None, ("街道名称", "街道", "所在街道")),
    _F("community_code", "text", 12, "O", "所在社区代码", "SZSQDM", None, ("社区代码", "社区编码")),
    _F("community_name", "text", 50, "O", "所在社区名称", "SZSQMC", None, ("社区名称", "社区", "所在社区")),
    _F("status", "text", 10, "M", "管理部件状态", "GLBJZT", "ObjState", ("状态", "部件状态"),
       "one of " + "/".join(STATUSES)),
    _F("initial_date", "date", 8, "M", "初始日期", "CSRQ", "ORDate", ("普查日期",)),
    _F("change_date", "date", 8, "C", "变更日期", "BGRQ", "CHDate", (), "empty at the first census"),
    _F("data_source", "text", 30, "O", "数据来源", "SJLY", "DataSource", ("来源",),
       "实测/地形图/基础地理数据/其他"),
    _F("note", "text", 1000, "O", "备注", "BZ", "Note", ("remark", "remarks", "说明")),
)
FIELDS_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in COMPONENT_FIELDS}

#: Columns of the ``component_history`` table (status changes), in order.
HISTORY_FIELDS: tuple[str, ...] = ("code", "old_status", "new_status", "change_date", "note", "recorded_at")


def field_names() -> list[str]:
    """Component field names in storage order (geometry apart)."""
    return [f.name for f in COMPONENT_FIELDS]


def mandatory_fields() -> tuple[str, ...]:
    """Fields an input record must fill (表2 M), in storage order."""
    return tuple(f.name for f in COMPONENT_FIELDS if f.mandatory)


def max_lengths(scheme: str | CodeScheme | None = None) -> dict[str, int]:
    """Maximum text length per field; ``code`` gets the scheme's length when a scheme is given."""
    out = {f.name: f.length for f in COMPONENT_FIELDS if f.type == "text" and f.length}
    if scheme is not None:
        out["code"] = get_scheme(scheme).length
    return out


def _key(name: str) -> str:
    """Matching key of a column name (:func:`wanmi.core.text.header_key`: width, case, spaces, underscores,
    hyphens, dots, brackets and colons ignored)."""
    return header_key(name)


def column_lookup() -> dict[str, str]:
    """Normalised column name (see :func:`_key`) → field name, over all namings and aliases."""
    lookup: dict[str, str] = {}
    for f in COMPONENT_FIELDS:
        for alias in (f.name, f.label_zh, f.gbt, f.cjt, *f.aliases):
            if not alias:
                continue
            key = _key(alias)
            if lookup.get(key, f.name) != f.name:
                raise InputError(f"schema: column name {alias!r} is ambiguous ({lookup[key]} and {f.name})")
            lookup[key] = f.name
    return lookup


_LOOKUP = column_lookup()


def map_columns(frame: pd.DataFrame, extra: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Rename columns named by Chinese label, GB/T 47678.5 abbreviation or CJ/T 214 name to field names.

    ``extra`` maps more source column names to field names (it wins over the built-in names). Columns that
    match nothing are kept unchanged. Two columns that map to the same field raise InputError naming both.
    """
    rename: dict[str, str] = {}
    taken: dict[str, str] = {}
    explicit = {str(k): v for k, v in (extra or {}).items()}
    bad = sorted(set(explicit.values()) - set(FIELDS_BY_NAME))
    if bad:
        raise InputError(f"column mapping targets {bad} are not component fields {field_names()}")
    for col in frame.columns:
        if col == getattr(frame, "_geometry_column_name", None):
            continue
        target = explicit.get(str(col)) or _LOOKUP.get(_key(col))
        if target is None:
            continue
        if target in taken:
            raise InputError(f"columns {taken[target]!r} and {col!r} both give field {target} "
                             f"({FIELDS_BY_NAME[target].label_zh}); drop or rename one of them")
        taken[target] = col
        if col != target:
            rename[col] = target
    return frame.rename(columns=rename)


def rename_for(naming: str, fields: Iterable[str] | None = None) -> dict[str, str]:
    """Field name → column name under ``naming``: ``english`` (identity), ``zh`` (labels), ``gbt``
    (GB/T 47678.5 abbreviations, also used for Shapefiles) or ``cjt`` (CJ/T 214 names where there is one,
    else the English name)."""
    names = list(fields) if fields is not None else field_names()
    out = {}
    for name in names:
        f = FIELDS_BY_NAME.get(name)
        if f is None or naming == "english":
            out[name] = name
        elif naming == "zh":
            out[name] = f.label_zh
        elif naming in ("gbt", "shp"):
            out[name] = f.shp_name
        elif naming == "cjt":
            out[name] = f.cjt or name
        else:
            raise InputError(f"unknown field naming {naming!r}; use english, zh, gbt or cjt")
    return out


def _check_against_core() -> None:
    """The engine's rule tables must describe the same schema (kept apart so ``core`` stays standalone)."""
    assert tuple(field_names()) == RECORD_FIELDS, "schema field order differs from core.census.RECORD_FIELDS"
    assert mandatory_fields() == MANDATORY_FIELDS, "mandatory fields differ from core.census"
    lengths = {k: v for k, v in max_lengths().items() if k != "code"}
    assert lengths == FIELD_MAX_LENGTHS, "field lengths differ from core.census.FIELD_MAX_LENGTHS"
