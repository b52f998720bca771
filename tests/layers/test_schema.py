"""The component schema (wanmi.layers.schema) against GB/T 47678.5-2026 表2 as transcribed in
docs/standards.md#22-component-fields, typed here by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from wanmi.core import census
from wanmi.core.errors import InputError
from wanmi.layers import schema

# 表2: (abbreviation, Chinese label, length, requirement) in table order, from docs/standards.md#22-component-fields.
TABLE2 = [
    ("GLBJBSM", "管理部件标识码", 17, "M"), ("GLBJMC", "管理部件名称", 30, "M"),
    ("ZGBMDM", "主管部门代码", 18, "M"), ("ZGBMMC", "主管部门名称", 100, "M"),
    ("QSDWDM", "权属单位代码", 18, "O"), ("QSDWMC", "权属单位名称", 100, "O"),
    ("YHDWDM", "养护单位代码", 18, "O"), ("YHDWMC", "养护单位名称", 100, "O"),
    ("SZDYWGBSM", "所在单元网格标识码", 15, "M"), ("GLBJZT", "管理部件状态", 10, "M"),
    ("CSRQ", "初始日期", 8, "M"), ("BGRQ", "变更日期", 8, "C"), ("SJLY", "数据来源", 30, "O"),
    ("BZ", "备注", 1000, "O"), ("SZJDDM", "所在街道代码", 9, "O"), ("SZJDMC", "所在街道名称", 50, "O"),
    ("SZSQDM", "所在社区代码", 12, "O"), ("SZSQMC", "所在社区名称", 50, "O"),
]
# CJ/T 214-era names seen in two systems (docs/standards.md#22-component-fields).
CJT = {"ObjID": "code", "ObjName": "name", "DeptCode1": "dept_code", "DeptName1": "dept_name",
       "DeptCode2": "owner_code", "DeptName2": "owner_name", "DeptCode3": "maintainer_code",
       "DeptName3": "maintainer_name", "BGID": "cell_code", "ObjState": "status", "ORDate": "initial_date",
       "CHDate": "change_date", "DataSource": "data_source", "Note": "note"}


def test_table2_abbreviations_labels_lengths_and_requirements():
    by_abbr = {f.gbt: f for f in schema.COMPONENT_FIELDS if f.gbt}
    assert set(by_abbr) == {row[0] for row in TABLE2}
    for abbr, label, length, req in TABLE2:
        f = by_abbr[abbr]
        assert (f.label_zh, f.length, f.requirement) == (label, length, req), abbr


def test_cjt_names():
    assert {f.cjt: f.name for f in schema.COMPONENT_FIELDS if f.cjt} == CJT


def test_statuses():
    assert schema.STATUS == ("完好", "破损", "丢失", "废弃", "移除")
    assert list(schema.STATUS_COLORS) == list(schema.STATUS)


def test_schema_and_engine_rules_agree():
    schema._check_against_core()
    assert {f.name: f.label_zh for f in schema.COMPONENT_FIELDS} == census.FIELD_LABELS_ZH
    assert schema.max_lengths("12")["code"] == 12 and schema.max_lengths("17")["code"] == 17


def test_shapefile_names_fit_dbf():
    names = [f.shp_name for f in schema.COMPONENT_FIELDS]
    assert all(len(n) <= 10 and n.isascii() for n in names)
    assert len(set(names)) == len(names)


def _sample() -> pd.DataFrame:
    return pd.DataFrame({name: [f"v-{name}"] for name in schema.field_names()})


@pytest.mark.parametrize("naming", ["zh", "gbt", "cjt", "english"])
def test_map_columns_undoes_every_naming(naming):
    original = _sample()
    renamed = original.rename(columns=schema.rename_for(naming))
    if naming != "english":
        assert list(renamed.columns) != list(original.columns)
    back = schema.map_columns(renamed)
    pd.testing.assert_frame_equal(back, original)


def test_map_columns_aliases_case_and_extra_columns():
    df = pd.DataFrame({"objid": ["1"], " 部件名称 ": ["路灯"], "glbjzt": ["完好"], "Dept_Code1": ["x"],
                       "lon": [1.0]})
    out = schema.map_columns(df)
    assert list(out.columns) == ["code", "name", "status", "dept_code", "lon"]
    out = schema.map_columns(pd.DataFrame({"编号": ["1"]}), extra={"编号": "code"})
    assert list(out.columns) == ["code"]


def test_map_columns_refuses_two_sources_for_one_field():
    with pytest.raises(InputError, match=r"'ObjID' and 'GLBJBSM'"):
        schema.map_columns(pd.DataFrame({"ObjID": ["1"], "GLBJBSM": ["2"]}))
    with pytest.raises(InputError, match="not component fields"):
        schema.map_columns(pd.DataFrame({"a": [1]}), extra={"a": "nope"})
