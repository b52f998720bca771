"""Cases (wanmi.core.cases): schema, normalisation, validation, placement, periods, overlay, counts, generator.

Fixtures are hand-made: four 100 m cells in EPSG:4548 (two communities of street 001 of district 110101),
cases at hand-picked coordinates, expected problems and counts written out by hand.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from wanmi.core import cases as case_module
from wanmi.core.cases import (
    CASE_FIELD_LABELS_ZH,
    CASE_FIELDS,
    STAGE_FIELDS,
    STAGES,
    Period,
    case_counts,
    normalize_cases,
    overlay_cases,
    place_cases,
    synthetic_cases,
    validate_cases,
)
from wanmi.core.errors import InputError

CRS = "EPSG:4548"
X0, Y0 = 500_000.0, 4_400_000.0
T = pd.Timestamp


def _cells() -> gpd.GeoDataFrame:
    """2 × 2 cells of 100 m: community 001 = west column (cells 001 south, 002 north), 002 = east column."""
    boxes = [shapely.box(X0, Y0, X0 + 100, Y0 + 100), shapely.box(X0, Y0 + 100, X0 + 100, Y0 + 200),
             shapely.box(X0 + 100, Y0, X0 + 200, Y0 + 100), shapely.box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200)]
    codes = ["110101001001001", "110101001001002", "110101001002001", "110101001002002"]
    return gpd.GeoDataFrame({
        "code": codes, "district_code": "110101", "street_code": "001",
        "community_code": [c[9:12] for c in codes], "area_m2": 10_000.0,
    }, geometry=boxes, crs=CRS)


def _case(**kw) -> dict:
    base = {
        "case_id": "C1", "kind": "事件", "class_code": "0102", "component_code": None, "source": "监督员",
        "dept_code": "D1", "dept_name": "环卫", "supervisor": "S1",
        "reported_at": T("2025-03-05 09:00"), "registered_at": T("2025-03-05 09:10"),
        "dispatched_at": T("2025-03-05 09:30"), "disposed_at": T("2025-03-05 11:00"),
        "feedback_at": T("2025-03-05 11:10"), "checked_at": T("2025-03-05 12:00"),
        "closed_at": T("2025-03-05 12:10"), "deadline": T("2025-03-05 13:30"), "rework_count": 0,
        "state": "已结案", "geometry": shapely.Point(X0 + 50, Y0 + 50),
    }
    base.update(kw)
    return base


def _frame(rows: list[dict], crs: str = CRS) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=crs)


def _components() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "code": ["110101010010000001", "110101010380000002", "110101010010000003"],
        "class_code": ["01001", "01038", "01001"],
        "dept_code": ["DW", "DL", "DW"], "dept_name": ["水务局", "交通委", "水务局"],
    }, geometry=[shapely.Point(X0 + 150, Y0 + 150), shapely.LineString([(X0 + 10, Y0 + 120), (X0 + 90, Y0 + 120)]),
                 None], crs=CRS)


# --- schema --------------------------------------------------------------------------------------------------
def test_schema_follows_the_contract():
    contract = ["case_id", "kind", "class_code", "component_code", "source", "dept_code", "dept_name",
                "supervisor", "reported_at", "registered_at", "dispatched_at", "disposed_at", "feedback_at",
                "checked_at", "closed_at", "deadline", "rework_count", "state"]
    assert list(CASE_FIELDS) == contract
    assert set(CASE_FIELD_LABELS_ZH) == set(CASE_FIELDS)
    assert STAGES == ("上报", "立案", "派遣", "处置", "反馈", "核查", "结案")
    assert STAGE_FIELDS[0] == "reported_at" and STAGE_FIELDS[-1] == "closed_at"
    assert case_module.STATES == ("办理中", "已结案", "挂账", "作废", "缓办")
    assert set(case_module.SOURCES) >= {"监督员", "公众举报", "视频", "上级交办"}


# --- normalisation -------------------------------------------------------------------------------------------
def test_normalize_accepts_chinese_headers_aliases_and_time_spellings():
    raw = pd.DataFrame({
        "案卷编号": ["A1", "A2", "A3", "A4"],
        "问题类型": ["component", "事件", "部件", "event"],
        "小类代码": [101, "0102", "01001", "0102"],  # a number read from a spreadsheet keeps its digits
        "来源": ["12345", "监督员上报", "video", "媒体曝光"],
        "上报时间": ["2025-03-01 08:30", "2025/3/1 8:05", "2025年3月1日 8时30分", "20250301083000"],
        "结案时间": ["", None, "2025-03-02T10:00:00", "not a time"],
        "返工次数": ["", "2", 1, "x"],
        "案卷状态": ["结案", "处理中", "挂账", None],
    })
    out = normalize_cases(raw)
    assert set(CASE_FIELDS) <= set(out.columns)
    assert out["case_id"].tolist() == ["A1", "A2", "A3", "A4"]
    assert out["kind"].tolist() == ["部件", "事件", "部件", "事件"]
    assert out["class_code"].tolist() == ["101", "0102", "01001", "0102"]
    assert out["source"].tolist() == ["公众举报", "监督员", "视频", "媒体"]
    assert out["reported_at"].tolist() == [T("2025-03-01 08:30"), T("2025-03-01 08:05"), T("2025-03-01 08:30"),
                                           T("2025-03-01 08:30")]
    assert out["reported_at"].dtype == "datetime64[ns]"
    assert out["closed_at"].isna().tolist() == [True, True, False, True]
    assert out["rework_count"].tolist() == [0, 2, 1, 0]
    assert out["state"].tolist()[:3] == ["已结案", "办理中", "挂账"]


def test_two_columns_for_one_field_is_an_error():
    with pytest.raises(InputError, match="both give field"):
        normalize_cases(pd.DataFrame({"案卷编号": ["a"], "case_id": ["b"]}))


# --- validation ----------------------------------------------------------------------------------------------
def test_validation_names_every_rejection():
    comps = _components()
    area = _cells()
    rows = [
        _case(case_id="OK1"),                                                          # 0 valid
        _case(case_id=None),                                                           # 1 missing_id
        _case(case_id="OK1"),                                                          # 2 duplicate_id
        _case(case_id="R3", source=None),                                              # 3 missing_field
        _case(case_id="R4", kind="其它"),                                               # 4 bad_value
        _case(case_id="R5", reported_at="2025-13-45 25:00"),                           # 5 bad_time
        _case(case_id="R6", dispatched_at=T("2025-03-05 09:05")),                      # 6 time_order (派遣<立案)
        _case(case_id="R7", state="已结案", closed_at=pd.NaT),                           # 7 state_mismatch
        _case(case_id="R8", class_code="9999"),                                        # 8 unknown_class
        _case(case_id="R9", kind="部件", class_code="01001", component_code="110101019990000009",
              geometry=None),                                                          # 9 unknown_component
        _case(case_id="R10", kind="部件", class_code="01002", component_code="110101010010000001"),  # 10 mismatch
        _case(case_id="R11", geometry=None),                                           # 11 no_location
        _case(case_id="R12", geometry=shapely.Point(X0 + 500, Y0 + 50)),               # 12 outside
        _case(case_id="R13", kind="部件", class_code="01001", component_code="110101010010000001",
              geometry=None),                                                          # 13 valid: placed
        _case(case_id="R14", kind="部件", class_code="06001"),                          # 14 unknown_class (an
        #                                                                                 event class 私搭乱建)
        _case(case_id="R15", registered_at=pd.NaT),                                    # 15 time_order (no 立案)
        _case(case_id="R16", deadline=T("2025-03-01")),                                # 16 time_order (deadline)
        _case(case_id="R17", rework_count=-1),                                         # 17 bad_value
    ]
    report = validate_cases(_frame(rows), jurisdiction=area, components=comps)
    got = report.problems.groupby("row")["problem"].agg(set).to_dict()
    expected = {
        1: {"missing_id"}, 2: {"duplicate_id"}, 3: {"missing_field"}, 4: {"bad_value"}, 5: {"bad_time"},
        6: {"time_order"}, 7: {"state_mismatch"}, 8: {"unknown_class"}, 9: {"unknown_component"},
        10: {"class_mismatch"}, 11: {"no_location"}, 12: {"outside_jurisdiction"}, 14: {"unknown_class"},
        15: {"time_order"}, 16: {"time_order"}, 17: {"bad_value"},
    }
    assert got == expected
    assert report.valid["case_id"].tolist() == ["OK1", "R13"]
    p = report.problems.set_index("row")
    assert "already appears on row 0" in p.loc[2, "detail"]
    assert p.loc[3, "field"] == "source"
    assert p.loc[5, "field"] == "reported_at" and "'2025-13-45 25:00'" in p.loc[5, "detail"]
    assert p.loc[6, "field"] == "dispatched_at" and "before registered_at" in p.loc[6, "detail"]
    assert "9999" in p.loc[8, "detail"] and "event" in p.loc[8, "detail"]
    assert "component (部件)" in p.loc[14, "detail"]
    assert "110101019990000009" in p.loc[9, "detail"]
    assert "01002" in p.loc[10, "detail"] and "01001" in p.loc[10, "detail"]
    assert "300.0 m" in p.loc[12, "detail"]  # 500 m east of the west edge, 300 m beyond the 200 m wide area
    assert "never registered" in p.loc[15, "detail"]
    assert p.loc[16, "field"] == "deadline"
    assert report.rejected.loc[12, "problems"] == "outside_jurisdiction"
    assert report.summary()["time_order"] == 3


def test_outside_distance_is_measured_from_the_boundary():
    report = validate_cases(_frame([_case(geometry=shapely.Point(X0 + 230, Y0 + 50))]), jurisdiction=_cells())
    assert report.problems["detail"].iloc[0] == "location is outside the jurisdiction (30.0 m beyond its boundary)"


def test_state_derived_and_rework_defaults():
    rows = [_case(case_id="a", state=None), _case(case_id="b", state=None, closed_at=pd.NaT, checked_at=pd.NaT)]
    frame = _frame(rows).drop(columns=["rework_count"])
    report = validate_cases(frame)
    assert report.ok
    assert report.frame["state"].tolist() == ["已结案", "办理中"]
    assert report.frame["rework_count"].tolist() == [0, 0]


def test_existing_ids_are_duplicates():
    report = validate_cases(_frame([_case(case_id="X"), _case(case_id="Y")]), existing_ids=["Y"])
    assert report.problems[["row", "problem"]].values.tolist() == [[1, "duplicate_id"]]


def test_class_codes_override():
    frame = _frame([_case(case_id="a", class_code="7701"), _case(case_id="b", class_code="0102")])
    report = validate_cases(frame, class_codes={"事件": ["7701"], "部件": []})
    assert report.problems[["row", "problem"]].values.tolist() == [[1, "unknown_class"]]


# --- placement -----------------------------------------------------------------------------------------------
def test_case_with_only_a_component_code_is_placed_at_the_component():
    comps = _components()
    cases = pd.DataFrame([
        {"case_id": "p1", "component_code": "110101010010000001", "kind": None, "class_code": None},
        {"case_id": "p2", "component_code": "110101010380000002", "kind": "部件", "class_code": "01038"},
        {"case_id": "p3", "component_code": "110101010010000003", "kind": "部件", "class_code": "01001"},  # no geom
        {"case_id": "p4", "component_code": None, "kind": "事件", "class_code": "0102"},
    ])
    placed = place_cases(cases, comps)
    assert placed.crs == comps.crs
    assert placed.geometry.iloc[0].equals(shapely.Point(X0 + 150, Y0 + 150))
    line_pt = placed.geometry.iloc[1]
    assert line_pt.geom_type == "Point" and comps.geometry.iloc[1].distance(line_pt) < 1e-9  # on the line
    assert placed.geometry.iloc[2] is None and placed.geometry.iloc[3] is None
    assert placed["located_by"].tolist() == ["component", "component", None, None]
    assert placed["kind"].iloc[0] == "部件" and placed["class_code"].iloc[0] == "01001"
    assert placed["dept_name"].iloc[0] == "水务局"


def test_placement_reprojects_to_the_cases_crs():
    comps = _components()
    cases = _frame([_case(case_id="g", kind="部件", class_code="01001", component_code="110101010010000001",
                          geometry=None), _case(case_id="h", geometry=shapely.Point(117.0, 39.7))], crs="EPSG:4326")
    placed = place_cases(cases, comps)
    assert placed.crs.to_epsg() == 4326
    back = gpd.GeoSeries([placed.geometry.iloc[0]], crs=4326).to_crs(CRS).iloc[0]
    assert back.distance(shapely.Point(X0 + 150, Y0 + 150)) < 1e-3
    assert placed.geometry.iloc[1].equals(shapely.Point(117.0, 39.7))  # a given location is kept


# --- periods -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, start, end, kind", [
    ("2025-03", "2025-03-01", "2025-04-01", "month"),
    ("2025年3月", "2025-03-01", "2025-04-01", "month"),
    ("2024-02", "2024-02-01", "2024-03-01", "month"),
    ("2025-Q1", "2025-01-01", "2025-04-01", "quarter"),
    ("2025q4", "2025-10-01", "2026-01-01", "quarter"),
    ("2025年第2季度", "2025-04-01", "2025-07-01", "quarter"),
    ("2025-W10", "2025-03-03", "2025-03-10", "week"),  # ISO week 1 of 2025 starts Monday 2024-12-30
    ("2026-W01", "2025-12-29", "2026-01-05", "week"),
    ("2020-W53", "2020-12-28", "2021-01-04", "week"),
    ("2025-03-01", "2025-03-01", "2025-03-02", "day"),
    ("20250301", "2025-03-01", "2025-03-02", "day"),
    ("2025", "2025-01-01", "2026-01-01", "year"),
    ("2025-03-01/2025-03-31", "2025-03-01", "2025-04-01", "custom"),
    ("2025-03-01 08:00/2025-03-01 12:00", "2025-03-01 08:00", "2025-03-01 12:00", "custom"),
])
def test_period_parsing(text, start, end, kind):
    p = Period.parse(text)
    assert (p.start, p.end, p.kind) == (T(start), T(end), kind)


@pytest.mark.parametrize("bad", ["2025-W53", "2025-13", "2025-02-30", "2025-Q5", "March", "2025-03-31/2025-03-01"])
def test_bad_periods_are_refused(bad):
    with pytest.raises(InputError):
        Period.parse(bad)


def test_period_mask_range_and_coerce():
    p = Period.parse("2025-03")
    times = pd.Series([T("2025-02-28 23:59"), T("2025-03-01"), T("2025-03-31 23:59:59"), T("2025-04-01"), pd.NaT])
    assert p.mask(times).tolist() == [False, True, True, False, False]
    months = Period.range("month", "2025-01-15", "2025-03-02")
    assert [m.label for m in months] == ["2025-01", "2025-02", "2025-03"]
    assert Period.coerce(("2025-03-01", "2025-03-02")).end == T("2025-03-03")  # a date-only end is inclusive
    assert Period.coerce(None) is None
    assert Period.containing("week", "2025-03-09").label == "2025-W10"


# --- overlay and counts --------------------------------------------------------------------------------------
def _overlay_fixture() -> gpd.GeoDataFrame:
    pts = [
        (X0 + 50, Y0 + 50),     # a: cell 001/001
        (X0 + 50, Y0 + 150),    # b: cell 001/002
        (X0 + 150, Y0 + 50),    # c: cell 002/001
        (X0 + 100, Y0 + 50),    # d: on the shared edge x = 100 → east cell (tie rule) 002/001
        (X0 + 50, Y0 + 100),    # e: on the shared edge y = 100 → north cell 001/002
        (X0 + 100, Y0 + 100),   # f: the shared vertex → north-east cell 002/002
        (X0 + 900, Y0 + 900),   # g: outside
        (X0 + 60, Y0 + 40),     # h: cell 001/001, March 31
    ]
    rows = [
        _case(case_id="a", class_code="0102"),
        _case(case_id="b", class_code="0102", closed_at=pd.NaT, checked_at=pd.NaT, state="办理中"),
        _case(case_id="c", kind="部件", class_code="01001", dept_code="D2"),
        _case(case_id="d", class_code="0505", registered_at=pd.NaT, dispatched_at=pd.NaT, disposed_at=pd.NaT,
              feedback_at=pd.NaT, checked_at=pd.NaT, closed_at=pd.NaT, deadline=pd.NaT, state="作废",
              supervisor="S2"),
        _case(case_id="e", class_code="0505", reported_at=T("2025-02-27 10:00"), registered_at=T("2025-02-27 10:05"),
              dispatched_at=T("2025-02-27 10:20"), disposed_at=T("2025-02-27 11:00"),
              feedback_at=T("2025-02-27 11:05"), checked_at=T("2025-02-27 11:30"), closed_at=T("2025-02-27 11:40"),
              deadline=T("2025-02-27 12:00")),
        _case(case_id="f", kind="部件", class_code="01001", dept_code="D2", supervisor=None, source="公众举报"),
        _case(case_id="g"),
        _case(case_id="h", reported_at=T("2025-03-31 23:00"), registered_at=T("2025-03-31 23:10"),
              dispatched_at=pd.NaT, disposed_at=pd.NaT, feedback_at=pd.NaT, checked_at=pd.NaT, closed_at=pd.NaT,
              deadline=pd.NaT, state="办理中"),
    ]
    for r, (x, y) in zip(rows, pts):
        r["geometry"] = shapely.Point(x, y)
    return _frame(rows)


def test_overlay_assigns_cells_with_the_tie_rule_and_full_codes():
    ov = overlay_cases(_overlay_fixture(), _cells())
    assert ov["cell_code"].tolist() == ["110101001001001", "110101001001002", "110101001002001",
                                        "110101001002001", "110101001001002", "110101001002002", None,
                                        "110101001001001"]
    assert ov["community_code"].tolist()[:3] == ["110101001001", "110101001001", "110101001002"]
    assert ov["street_code"].iloc[0] == "110101001" and ov["district_code"].iloc[0] == "110101"
    assert ov["community_code"].iloc[6] is None


def test_overlay_period_and_other_crs():
    cases = _overlay_fixture()
    march = overlay_cases(cases, _cells(), "2025-03")
    assert march["case_id"].tolist() == ["a", "b", "c", "d", "f", "g", "h"]
    wgs = overlay_cases(cases.to_crs(4326), _cells())
    assert wgs.crs.to_epsg() == 4326  # the cases keep their CRS
    # the round trip through degrees moves edge points off the edge: compare the interior ones only
    interior = [0, 1, 2, 7]
    same = overlay_cases(cases, _cells())["cell_code"].iloc[interior].tolist()
    assert wgs["cell_code"].iloc[interior].tolist() == same


def test_counts_by_cell_class_and_stage_hand_computed():
    ov = overlay_cases(_overlay_fixture(), _cells())
    counts = case_counts(ov, by="cell_code", period="2025-03", by_state=True)
    # March cases in cells: a, h → 001/001; b → 001/002; c, d → 002/001; f → 002/002  (e is February, g outside)
    assert counts.index.tolist() == ["110101001001001", "110101001001002", "110101001002001", "110101001002002"]
    assert counts["cases"].tolist() == [2, 1, 2, 1]
    assert counts["n_reported"].tolist() == [2, 1, 2, 1]
    assert counts["n_registered"].tolist() == [2, 1, 1, 1]  # d never registered
    assert counts["n_dispatched"].tolist() == [1, 1, 1, 1]  # h registered only
    assert counts["n_closed"].tolist() == [1, 0, 1, 1]  # b still open
    assert counts["sj_0102"].tolist() == [2, 1, 0, 0]  # a, h (0102 default) and b
    assert counts["sj_0505"].tolist() == [0, 0, 1, 0]  # d
    assert counts["bj_01001"].tolist() == [0, 0, 1, 1]  # c, f
    assert counts["state_作废"].tolist() == [0, 0, 1, 0]
    assert counts["state_办理中"].tolist() == [1, 1, 0, 0]
    assert counts.attrs["unassigned"] == 1 and counts.attrs["period"] == "2025-03"
    cls_cols = [c for c in counts.columns if c.startswith(("bj_", "sj_"))]
    assert (counts[cls_cols].sum(axis=1) == counts["cases"]).all()


def test_counts_by_region_department_supervisor():
    ov = overlay_cases(_overlay_fixture(), _cells())
    comm = case_counts(ov, by="community_code", by_class=False, by_stage=False)
    assert comm["cases"].to_dict() == {"110101001001": 4, "110101001002": 3}  # all periods: a b e h | c d f
    street = case_counts(ov, by="street_code", by_class=False)
    assert street["cases"].to_dict() == {"110101001": 7}
    dept = case_counts(ov, by="dept_code", by_class=False, by_stage=False, period="2025-03")
    assert dept["cases"].to_dict() == {"D1": 5, "D2": 2}  # g (outside) still has a department
    sup = case_counts(ov, by="supervisor", by_class=False, by_stage=False)
    assert sup["cases"].to_dict() == {"S1": 6, "S2": 1}  # f has no supervisor
    keyed = case_counts(ov, by="community_code", by_class=False, keys=["110101001003"])
    assert keyed.loc["110101001003", "cases"] == 0


def test_counts_need_the_overlay():
    with pytest.raises(InputError, match="overlay_cases"):
        case_counts(_overlay_fixture(), by="cell_code")
    with pytest.raises(InputError, match="cannot count by"):
        case_counts(_overlay_fixture(), by="colour")


# --- synthetic generator -------------------------------------------------------------------------------------
def _grid(n: int = 6) -> gpd.GeoDataFrame:
    boxes, codes = [], []
    for i in range(n):
        for j in range(n):
            boxes.append(shapely.box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1)))
            codes.append(f"110101001{1 + i // 3:03d}{1 + j + 6 * (i % 3):03d}")
    return gpd.GeoDataFrame({"code": codes}, geometry=boxes, crs=CRS)


def test_generator_is_reproducible_and_labelled_synthetic():
    cells = _grid()
    a = synthetic_cases(None, cells, 3000, "2025-01-01", "2025-04-01", seed=7)
    b = synthetic_cases(None, cells, 3000, "2025-01-01", "2025-04-01", seed=7)
    c = synthetic_cases(None, cells, 3000, "2025-01-01", "2025-04-01", seed=8)
    pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))
    assert not a["case_id"].equals(c["case_id"]) or not a.geometry.equals(c.geometry)
    assert a.attrs["synthetic"] is True and "synthetic" in a.attrs["data_source"]
    assert (a["synthetic"] == 1).all()
    assert a.crs == cells.crs and len(a) == 3000 and a["case_id"].is_unique


def test_generator_output_is_valid_and_realistic():
    cells = _grid()
    cases = synthetic_cases(None, cells, 5000, "2025-01-01", "2025-04-01", seed=3)
    report = validate_cases(cases, jurisdiction=cells)
    assert report.ok, report.problems.head()
    assert set(cases["state"]) == set(case_module.STATES)
    assert set(cases["source"]) == set(case_module.SOURCES)
    assert set(cases["kind"]) == {"部件", "事件"}
    t = cases["reported_at"]
    assert t.min() >= T("2025-01-01") and t.max() < T("2025-04-01")
    for f in STAGE_FIELDS:  # the snapshot is taken at the end: nothing happens after it
        assert (cases[f].dropna() < T("2025-04-01")).all()
    overdue = cases["disposed_at"] > cases["deadline"]
    assert 0.05 < overdue.sum() / cases["disposed_at"].notna().sum() < 0.3
    assert (cases["rework_count"] > 0).mean() > 0.03
    assert cases.loc[cases["source"] != "监督员", "supervisor"].isna().all()
    assert cases.loc[cases["source"] == "监督员", "supervisor"].notna().all()
    ov = overlay_cases(cases, cells)
    assert ov["cell_code"].notna().all()
    # supervisors are per beat: every supervisor's cases lie in one community
    per_sup = ov.dropna(subset=["supervisor"]).groupby("supervisor")["community_code"].nunique()
    assert (per_sup == 1).all()


def test_generator_uses_the_census_components():
    cells = _grid()
    comps = gpd.GeoDataFrame({
        "code": [f"1101010100100000{k:02d}" for k in range(20)], "class_code": ["01001"] * 10 + ["01038"] * 10,
        "dept_code": ["DW"] * 10 + ["DL"] * 10, "dept_name": ["水务局"] * 10 + ["交通委"] * 10,
    }, geometry=shapely.points(X0 + 25 * np.arange(1, 21), Y0 + 300), crs=CRS)
    cases = synthetic_cases(comps, cells, 2000, "2025-03-01", "2025-04-01", seed=1)
    part = cases[cases["kind"] == "部件"]
    assert 0.3 < len(part) / len(cases) < 0.6
    assert part["component_code"].isin(comps["code"]).all()
    by_code = comps.set_index("code")
    assert (part["class_code"].to_numpy() == by_code.loc[part["component_code"], "class_code"].to_numpy()).all()
    assert (part["dept_code"].to_numpy() == by_code.loc[part["component_code"], "dept_code"].to_numpy()).all()
    placed = by_code.loc[part["component_code"]].geometry.to_numpy()
    assert shapely.equals(part.geometry.to_numpy(), placed).all()
    assert cases.loc[cases["kind"] == "事件", "component_code"].isna().all()
    assert validate_cases(cases, components=comps, jurisdiction=cells).ok


def test_counts_on_cells_keeps_every_unit_with_area_and_density():
    from wanmi.core.cases import counts_on_cells

    cells = _cells()
    ov = overlay_cases(_overlay_fixture(), cells)
    per_cell = counts_on_cells(case_counts(ov, by="cell_code"), cells, "cell_code")
    assert per_cell["cell_code"].tolist() == cells["code"].tolist()
    assert per_cell["cases"].tolist() == [2, 2, 2, 1]  # a h | b e | c d | f  (all periods)
    assert per_cell["cases_per_ha"].tolist() == [2.0, 2.0, 2.0, 1.0]  # 10,000 m² cells
    per_comm = counts_on_cells(case_counts(ov, by="community_code"), cells, "community_code")
    assert per_comm["community_code"].tolist() == ["110101001001", "110101001002"]
    assert per_comm["area_m2"].tolist() == [20_000.0, 20_000.0]
    assert per_comm["cases"].tolist() == [4, 3] and per_comm["cases_per_ha"].tolist() == [2.0, 1.5]
    assert per_comm.geometry.area.tolist() == [20_000.0, 20_000.0]
    only_b = counts_on_cells(case_counts(ov[ov["case_id"] == "b"], by="cell_code"), cells, "cell_code")
    assert only_b["cases"].tolist() == [0, 1, 0, 0]  # units without cases stay, with 0
    dept = counts_on_cells(case_counts(ov, by="dept_code"), cells, "dept_code")
    assert "geometry" not in dept.columns and dept["dept_code"].tolist() == ["D1", "D2"]
