"""Tests for wanmi.core.census: record validation, code allocation, status changes.

Expectations are written by hand: which row breaks which rule, the distances of points placed at known
metre offsets, the serial numbers that must come next. Code problem messages are checked for the segment
they must name (docs/standards.md#21-component-codes layouts), not copied from the function's output.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from wanmi.core import census
from wanmi.core.errors import CodeError, InputError

TODAY = dt.date(2025, 6, 30)
X0, Y0 = 500_000.0, 4_420_000.0  # EPSG:4548 (CGCS2000 GK CM 117E), near Beijing
METRIC = "EPSG:4548"


def record(i: int, **overrides) -> dict:
    """A valid 17-digit (GB/T 47678.5) 路灯 record; serial ``i``; placed 10 m apart along x."""
    base = {
        "code": f"11010101037{i:06d}", "name": "路灯", "dept_code": "11110101MB1234567X",
        "dept_name": "东城区城市管理委员会", "cell_code": "110101001001001", "status": "完好",
        "initial_date": "2024-05-01", "change_date": None, "x": X0 + 10.0 * i, "y": Y0,
    }
    base.update(overrides)
    return base


def frame(records: list[dict], crs: str = METRIC, index=None) -> gpd.GeoDataFrame:
    df = pd.DataFrame(records, index=index)
    xs, ys = df.pop("x"), df.pop("y")
    geoms = [None if (pd.isna(x) or pd.isna(y)) else shapely.Point(x, y) for x, y in zip(xs, ys)]
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, index=df.index, crs=crs), crs=crs)


def validate(records: list[dict], **kwargs) -> census.ValidationReport:
    kwargs.setdefault("today", TODAY)
    return census.validate_components(frame(records), "gbt47678-17", **kwargs)


def problems_of(report: census.ValidationReport, row) -> list[tuple[str, str]]:
    p = report.problems[report.problems["row"] == row]
    return list(zip(p["problem"], p["field"]))


# ----------------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------------


def test_clean_batch_has_no_problems_and_derives_class_and_dates():
    report = validate([record(1), record(2, initial_date="20240501"), record(3, initial_date="2024年5月1日")])
    assert report.ok and report.problems.empty
    assert list(report.valid["class_code"]) == ["01037"] * 3  # 6 admin + "01" + "037" per §2.1
    assert list(report.valid["initial_date"]) == [dt.date(2024, 5, 1)] * 3
    assert report.rejected.empty


@pytest.mark.parametrize(
    ("code", "problem", "must_mention"),
    [
        ("1101010103700000X", "bad_code", ["'serial'", "non-digit", "'X'"]),
        ("1101010103700001", "bad_code", ["16 characters", "needs 17"]),
        ("110101010370000012", "bad_code", ["18 characters", "extra"]),
        ("11010101037000000", "bad_code", ["'serial'", "zero"]),
        ("99010101037000001", "bad_code", ["'admin'", "province"]),
        ("11010101999000001", "unknown_class", ["'minor'", "999", "major 01"]),
        ("11010199001000001", "unknown_class", ["'major'", "99"]),
    ],
)
def test_code_problems_name_the_segment(code, problem, must_mention):
    report = validate([record(1), record(2, code=code), record(3)])
    p = report.problems
    assert list(p["row"]) == [1] and list(p["problem"]) == [problem] and list(p["field"]) == ["code"]
    for text in must_mention:
        assert text in p["detail"].iloc[0], (text, p["detail"].iloc[0])
    assert list(report.valid.index) == [0, 2] and list(report.rejected.index) == [1]


def test_duplicate_codes_flag_the_later_row_and_name_the_first():
    first = record(1)["code"]
    report = validate([record(1), record(2), record(3, code=first), record(4, code=first)])
    dup = report.problems[report.problems["problem"] == "duplicate_code"]
    assert list(dup["row"]) == [2, 3]
    assert all("row 0" in d for d in dup["detail"])
    assert list(report.valid.index) == [0, 1]


def test_duplicate_against_existing_and_retired_codes():
    existing = [record(2)["code"]]
    retired = [record(3)["code"]]
    report = validate([record(1), record(2), record(3)], existing_codes=existing, retired_codes=retired)
    p = report.problems
    assert list(zip(p["row"], p["problem"])) == [(1, "duplicate_code"), (2, "duplicate_code")]
    assert "already exists" in p["detail"].iloc[0]
    assert "retired" in p["detail"].iloc[1]


def test_class_mismatch_and_lone_class_code():
    report = validate([record(1, class_code="01038"), record(2, class_code="01037")])
    assert problems_of(report, 0) == [("class_mismatch", "class_code")]
    assert "01038" in report.problems["detail"].iloc[0] and "01037" in report.problems["detail"].iloc[0]
    assert problems_of(report, 1) == []
    # No code and allocation allowed: a known class passes, an unknown one is reported
    report = validate([record(1, code=None, class_code="01037"), record(2, code=None, class_code="01999"),
                       record(3, code=None)], allow_missing_code=True)
    assert problems_of(report, 0) == []
    assert problems_of(report, 1) == [("unknown_class", "class_code")]
    assert problems_of(report, 2) == [("missing_field", "code")]


def test_same_class_within_half_a_metre_is_flagged_once_per_later_record():
    records = [
        record(1, x=X0, y=Y0),
        record(2, x=X0 + 0.3, y=Y0 + 0.3),  # 0.3·√2 = 0.42 m from record 1
        record(3, x=X0 + 0.6, y=Y0),  # 0.6 m from 1, 0.42 m from 2 (0.3, -0.3)
        record(4, x=X0 + 100.0, y=Y0, code="11010101038000004"),  # other class
        record(5, x=X0 + 100.2, y=Y0),  # 0.2 m from record 4 but a different class
        record(6, x=X0 + 200.0, y=Y0),
        record(7, x=X0 + 200.51, y=Y0),  # 0.51 m: apart enough
    ]
    report = validate(records)
    close = report.problems[report.problems["problem"] == "too_close"]
    assert list(close["row"]) == [1, 2]
    assert "0.42 m of row 0" in close["detail"].iloc[0]
    assert "0.42 m of row 1" in close["detail"].iloc[1]  # the only earlier partner within range
    assert report.valid_mask.tolist() == [True, False, False, True, True, True, True]


def test_too_close_to_an_existing_component_of_the_class():
    existing = frame([record(50, x=X0 + 0.1, y=Y0), record(51, x=X0 + 20.1, y=Y0, code="11010101038000051")])
    existing["class_code"] = ["01037", "01038"]
    report = validate([record(1, x=X0, y=Y0), record(2, x=X0 + 20.0, y=Y0)], existing=existing)
    close = report.problems[report.problems["problem"] == "too_close"]
    assert list(close["row"]) == [0]
    assert "0.10 m of existing component 11010101037000050" in close["detail"].iloc[0]


def test_spacing_is_measured_in_metres_for_degree_input():
    import pyproj

    geod = pyproj.Geod(ellps="GRS80")
    lon0, lat0 = 116.40, 39.91
    lon1, lat1, _ = geod.fwd(lon0, lat0, 90.0, 0.3)  # 0.3 m east
    lon2, lat2, _ = geod.fwd(lon0, lat0, 90.0, 3.0)  # 3 m east
    recs = [record(1, x=lon0, y=lat0), record(2, x=lon1, y=lat1), record(3, x=lon2, y=lat2)]
    report = census.validate_components(frame(recs, crs="EPSG:4490"), "17", today=TODAY)
    close = report.problems[report.problems["problem"] == "too_close"]
    assert list(close["row"]) == [1]
    assert "0.30 m" in close["detail"].iloc[0]


def test_outside_jurisdiction_with_distance_and_boundary_counts_inside():
    area = shapely.box(X0 - 5, Y0 - 5, X0 + 25, Y0 + 5)
    juris = gpd.GeoDataFrame({"district_code": ["110101"]}, geometry=[area], crs=METRIC)
    records = [record(0, x=X0, y=Y0), record(1, x=X0 + 25.0, y=Y0), record(2, x=X0 + 35.0, y=Y0)]
    report = validate(records, jurisdiction=juris)
    out = report.problems[report.problems["problem"] == "outside_jurisdiction"]
    assert list(out["row"]) == [2]
    assert "10.0 m beyond" in out["detail"].iloc[0]


def test_jurisdiction_district_code_becomes_known_admin():
    area = shapely.box(X0 - 50, Y0 - 50, X0 + 50, Y0 + 50)
    juris = gpd.GeoDataFrame({"district_code": ["110102"]}, geometry=[area], crs=METRIC)
    report = validate([record(1)], jurisdiction=juris)
    assert list(report.problems["problem"]) == ["bad_code"]
    assert "'admin' = 110101 is not one of the 1 known" in report.problems["detail"].iloc[0]


def test_missing_mandatory_fields_are_reported_per_field():
    report = validate([record(1, name=None, dept_name="   ", initial_date=None), record(2, status="")])
    assert problems_of(report, 0) == [("missing_field", "name"), ("missing_field", "dept_name"),
                                      ("missing_field", "initial_date")]
    assert problems_of(report, 1) == [("missing_field", "status")]
    assert "管理部件名称" in report.problems["detail"].iloc[0]


def test_dates_unparseable_future_and_change_before_initial():
    report = validate([
        record(1, initial_date="2024-02-30"),  # not a calendar date
        record(2, initial_date="2025-07-01"),  # the day after TODAY
        record(3, initial_date="2024-05-01", change_date="2024-04-30"),
        record(4, initial_date="2024-05-01", change_date="2025-06-30"),  # today itself is fine
        record(5, change_date="soon"),
    ])
    assert problems_of(report, 0) == [("bad_date", "initial_date")]
    assert "'2024-02-30' is not a date" in report.problems["detail"].iloc[0]
    assert problems_of(report, 1) == [("bad_date", "initial_date")]
    assert "in the future" in report.problems["detail"].iloc[1]
    assert problems_of(report, 2) == [("bad_date", "change_date")]
    assert "2024-04-30 is before initial_date 2024-05-01" in report.problems["detail"].iloc[2]
    assert problems_of(report, 3) == []
    assert problems_of(report, 4) == [("bad_date", "change_date")]


def test_bad_status_length_and_cell_code():
    report = validate([
        record(1, status="好"), record(2, status="移除"), record(3, name="长" * 31),
        record(4, name="长" * 30), record(5, cell_code="1101"), record(6, cell_code="11010100100101"),
        record(7, cell_code="11010100100100A"),
    ])
    assert problems_of(report, 0) == [("bad_status", "status")]
    assert "'好'" in report.problems["detail"].iloc[0]
    assert problems_of(report, 1) == []
    assert problems_of(report, 2) == [("too_long", "name")]
    assert "31 characters, at most 30" in report.problems["detail"].iloc[1]
    assert problems_of(report, 3) == []
    assert problems_of(report, 4) == [("bad_cell_code", "cell_code")]
    assert problems_of(report, 5) == []  # 14 digits: a CJ/T 213 cell
    assert problems_of(report, 6) == [("bad_cell_code", "cell_code")]


def test_geometry_problems_and_importer_messages():
    recs = [record(1), record(2, x=None, y=None), record(3)]
    gdf = frame(recs)
    gdf["import_problem"] = [None, None, "column lon: 'abc' is not a number"]
    gdf.loc[2, "geometry"] = None
    report = census.validate_components(gdf, "17", today=TODAY)
    assert problems_of(report, 1) == [("bad_geometry", "geometry")]
    assert "empty" in report.problems["detail"].iloc[0]
    assert problems_of(report, 2) == [("bad_geometry", "geometry")]
    assert report.problems["detail"].iloc[1] == "column lon: 'abc' is not a number"


def test_invalid_geometry_with_an_importer_message_reports_the_message_once():
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 1, Y0 + 1), (X0 + 1, Y0), (X0, Y0 + 1)])
    gdf = frame([record(1), record(2), record(3)])
    gdf.loc[[0, 1], "geometry"] = bowtie
    gdf["import_problem"] = ["WKT of row 1 is a self-crossing ring", None, None]
    report = census.validate_components(gdf, "17", today=TODAY)
    assert problems_of(report, 0) == [("bad_geometry", "geometry")]
    assert report.problems["detail"].iloc[0] == "WKT of row 1 is a self-crossing ring"
    assert problems_of(report, 1) == [("bad_geometry", "geometry")]
    assert report.problems["detail"].iloc[1].startswith("invalid geometry: Self-intersection")
    assert problems_of(report, 2) == []


def test_rows_are_index_labels_and_rejected_carries_reasons():
    recs = [record(1), record(2, status="坏", name=None), record(3)]
    gdf = frame(recs, index=[10, 20, 30])
    report = census.validate_components(gdf, "17", today=TODAY)
    assert list(report.problems["row"]) == [20, 20]
    rejected = report.rejected
    assert list(rejected.index) == [20]
    assert rejected.loc[20, "problems"] == "missing_field;bad_status"
    assert "管理部件名称" in rejected.loc[20, "reason"] and "'坏'" in rejected.loc[20, "reason"]
    assert list(report.valid.index) == [10, 30]
    assert report.summary().to_dict() == {"missing_field": 1, "bad_status": 1}


def test_twelve_digit_scheme_codes():
    # {major:2}{minor:2}{street:2}{serial:6}: 0118 路灯 in street 05; 0199 is no class of directory cjt214
    recs = [record(1, code="011805000001"), record(2, code="019905000002")]
    report = census.validate_components(frame(recs), "default12", today=TODAY)
    assert problems_of(report, 0) == []
    assert report.frame.loc[0, "class_code"] == "0118"
    assert problems_of(report, 1) == [("unknown_class", "code")]


def test_numbers_from_spreadsheets_become_text():
    rec = record(1, dept_code=12345678901234.0, cell_code=110101001001001)
    report = validate([rec])
    assert report.ok
    assert report.frame.loc[0, "dept_code"] == "12345678901234"
    assert report.frame.loc[0, "cell_code"] == "110101001001001"


def test_vectorised_on_a_larger_batch():
    n = 5000
    recs = [record(i + 1, x=X0 + 2.0 * i) for i in range(n)]
    recs[1234]["x"] = recs[1233]["x"] + 0.25
    report = validate(recs)
    assert list(report.problems["row"]) == [1234]


# ----------------------------------------------------------------------------------------------------
# Code allocation
# ----------------------------------------------------------------------------------------------------


def test_allocation_continues_after_the_largest_serial_ever_used():
    used = ["11010101037000005", "11010101037000009",  # the class in 110101: max 9 (gap 6-8 not refilled)
            "11010101038000100", "11010201037000500"]  # other class / other district
    assert census.allocate_codes("17", "01037", "110101", 3, used) == [
        "11010101037000010", "11010101037000011", "11010101037000012"]
    assert census.allocate_codes("17", "01037", "110102", 1, used) == ["11010201037000501"]
    assert census.allocate_codes("17", "01001", "110101", 1, used) == ["11010101001000001"]


def test_allocation_never_reuses_a_retired_code_and_honours_the_counter():
    # serial 12 was issued then retired (kept in the used list); the counter says 20 were reserved
    used = ["11010101037000003", "11010101037000012"]
    assert census.allocate_codes("17", "01037", "110101", 1, used) == ["11010101037000013"]
    assert census.allocate_codes("17", "01037", "110101", 2, used, floor=20) == [
        "11010101037000021", "11010101037000022"]


def test_allocation_twelve_digit_street_is_refitted():
    used = ["011805000007"]
    assert census.allocate_codes("12", "0118", 5, 1, used) == ["011805000008"]
    assert census.allocate_codes("12", "0118", "005", 1, used) == ["011805000008"]
    assert census.allocate_codes("12", "0118", "06", 1, used) == ["011806000001"]
    with pytest.raises(CodeError, match="street"):
        census.allocate_codes("12", "0118", "123", 1, used)


def test_allocation_errors():
    with pytest.raises(CodeError, match="not a class"):
        census.allocate_codes("17", "01999", "110101", 1)
    with pytest.raises(CodeError, match="5 digits"):
        census.allocate_codes("17", "0103", "110101", 1)
    with pytest.raises(InputError, match="admin"):
        census.allocate_codes("17", "01037", None, 1)
    with pytest.raises(CodeError, match="exhausted"):
        census.allocate_codes("17", "01037", "110101", 2, ["11010101037999998"])
    assert census.allocate_codes("17", "01037", "110101", 0) == []


def test_area_from_cell_codes():
    cells = pd.Series(["110101001001003", "110101012003001", "1101", None])
    assert census.areas_from_cell_codes("17", cells).tolist() == ["110101", "110101", None, None]
    assert census.areas_from_cell_codes("12", cells).tolist() == ["01", "12", None, None]
    assert census.area_key("12", 5) == "05"
    assert census.area_key("16", "110101") == "110101"


# ----------------------------------------------------------------------------------------------------
# Status changes
# ----------------------------------------------------------------------------------------------------


def test_change_status_sets_change_date_and_history_row():
    rec = {"code": "11010101037000001", "status": "完好", "initial_date": dt.date(2024, 5, 1),
           "change_date": None}
    new, hist = census.change_status(rec, "破损", "2025-03-01", note="灯罩缺失", today=TODAY)
    assert new["status"] == "破损" and new["change_date"] == dt.date(2025, 3, 1)
    assert rec["status"] == "完好"  # input untouched
    assert hist == {"code": "11010101037000001", "old_status": "完好", "new_status": "破损",
                    "change_date": dt.date(2025, 3, 1), "note": "灯罩缺失"}
    new, hist = census.change_status(rec, "移除", today=TODAY)
    assert new["change_date"] == TODAY == hist["change_date"]


@pytest.mark.parametrize(
    ("status", "date", "message"),
    [
        ("坏了", "2025-01-01", "not one of"),
        ("完好", "2025-01-01", "already"),
        ("破损", "2024-04-30", "before its initial_date"),
        ("破损", "2024-12-31", "before its change_date"),
        ("破损", "2025-07-01", "future"),
        ("破损", "2025-13-01", "not a date"),
    ],
)
def test_change_status_refusals_name_the_code(status, date, message):
    rec = {"code": "C1", "status": "完好", "initial_date": "2024-05-01", "change_date": "2025-01-01"}
    with pytest.raises(InputError, match=message) as err:
        census.change_status(rec, status, date, today=TODAY)
    assert "C1" in str(err.value)


def test_problem_kinds_and_statuses_are_the_documented_ones():
    assert census.STATUSES == ("完好", "破损", "丢失", "废弃", "移除")  # 表2 GLBJZT
    assert set(census.PROBLEM_KINDS) == {
        "bad_geometry", "missing_field", "bad_code", "unknown_class", "class_mismatch", "duplicate_code",
        "too_long", "bad_cell_code", "bad_status", "bad_date", "outside_jurisdiction", "too_close"}
    assert np.isclose(census.MIN_DISTANCE_M, 0.5)
