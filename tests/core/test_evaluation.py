"""Evaluation indicators, scores and grades on hand-built case tables (expected values worked out by hand)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from wanmi.core.errors import InputError
from wanmi.core.evaluation import (
    aggregate,
    band_scores,
    case_flags,
    composite_scores,
    count_cases,
    evaluate,
    grade_labels,
    grades,
    indicators,
    load_weights,
    monthly_trend,
    parse_period,
    score_frame,
)

T = pd.Timestamp
MARCH = "2025-03"
COLUMNS = ("case_id", "kind", "class_code", "source", "dept_code", "dept_name", "supervisor", "reported_at",
           "registered_at", "dispatched_at", "disposed_at", "feedback_at", "checked_at", "closed_at", "deadline",
           "rework_count", "state", "cell_code")
TIME_COLUMNS = [c for c in COLUMNS if c.endswith("_at") or c == "deadline"]


def case(**kw) -> dict:
    """A case registered 2025-03-05 09:00, deadline 03-06 09:00, disposed 03-05 15:00, closed 03-05 18:00."""
    row = {
        "case_id": None, "kind": "事件", "class_code": "06010", "source": "监督员", "dept_code": "D1",
        "dept_name": "环卫中心", "supervisor": "S1", "reported_at": T("2025-03-05 08:50"),
        "registered_at": T("2025-03-05 09:00"), "dispatched_at": T("2025-03-05 09:20"),
        "disposed_at": T("2025-03-05 15:00"), "feedback_at": T("2025-03-05 15:10"),
        "checked_at": T("2025-03-05 15:40"), "closed_at": T("2025-03-05 18:00"),
        "deadline": T("2025-03-06 09:00"), "rework_count": 0, "state": "已结案",
        "cell_code": "110101001001001",
    }
    row.update(kw)
    return row


def table(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["case_id"] = [f"C{i:05d}" for i in range(len(frame))]
    for col in TIME_COLUMNS:
        frame[col] = pd.to_datetime(frame[col])
    frame["rework_count"] = frame["rework_count"].astype(int)
    return frame


def tianmen() -> pd.DataFrame:
    """天门 2016-12 (docs/standards.md#42-indicators): 立案 996, 应结案 972, 结案 911, 按期结案 737 — rebuilt as cases.

    24 registered with an April deadline and no disposal yet (not due); 737 closed on time; 174 closed after
    the deadline; 61 due but not closed (30 disposed and awaiting 核查, 31 overdue and undisposed)."""
    late = {"disposed_at": T("2025-03-07 10:00"), "closed_at": T("2025-03-07 12:00"),
            "feedback_at": T("2025-03-07 10:10"), "checked_at": T("2025-03-07 11:00")}
    rows = [case() for _ in range(737)]
    rows += [case(**late) for _ in range(174)]
    rows += [case(closed_at=pd.NaT, checked_at=pd.NaT, state="办理中") for _ in range(30)]
    rows += [case(disposed_at=pd.NaT, feedback_at=pd.NaT, checked_at=pd.NaT, closed_at=pd.NaT, state="办理中")
             for _ in range(31)]
    rows += [case(deadline=T("2025-04-03 09:00"), disposed_at=pd.NaT, feedback_at=pd.NaT, checked_at=pd.NaT,
                  closed_at=pd.NaT, state="办理中") for _ in range(24)]
    return table(rows)


# --- periods ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "start", "end"), [
    ("2025-03", "2025-03-01", "2025-04-01"),
    ("2025-Q1", "2025-01-01", "2025-04-01"),
    ("2025", "2025-01-01", "2026-01-01"),
    ("2025-W10", "2025-03-03", "2025-03-10"),
    ("2025-03-05", "2025-03-05", "2025-03-06"),
    ("2025-03-01/2025-03-15", "2025-03-01", "2025-03-16"),
])
def test_periods(text, start, end):
    p = parse_period(text)
    assert (p.start, p.end) == (T(start), T(end))


def test_bad_period_names_the_text():
    with pytest.raises(InputError, match="2025-13"):
        parse_period("2025-13")
    with pytest.raises(InputError, match="March"):
        parse_period("March")


# --- the 天门 figures ----------------------------------------------------------------------------------------
def test_tianmen_closure_rates():
    result = evaluate(tianmen(), by="dept_code", period=MARCH)
    assert len(result) == 1
    row = result.iloc[0]
    assert row["registered"] == 996
    assert row["n_due"] == 972
    assert row["n_closed"] == 911
    assert row["n_closed_on_time"] == 737
    assert round(row["closure_rate"], 2) == 93.72
    assert round(row["on_time_closure_rate"], 2) == 75.82
    # 按期处置: 737 + 30 (disposed 03-05 15:00 before the 03-06 deadline); 返工 none; 超期 = 972 − 767
    assert row["n_disposed_on_time"] == 767
    assert row["on_time_disposal_rate"] == pytest.approx(100 * 767 / 972)
    assert row["rework_rate"] == 0.0
    assert row["overdue_rate"] == pytest.approx(100 * 205 / 972)
    assert row["dept_name"] == "环卫中心"
    # 立案数 996 > 500 → 分值 40 (department bands); score = 0.1·40 + 0.3·93.72 + 0.3·78.91 + 0.3·100
    expected = 0.1 * 40 + 0.3 * 100 * 911 / 972 + 0.3 * 100 * 767 / 972 + 0.3 * 100
    assert row["score"] == pytest.approx(expected)
    assert row["score"] == pytest.approx(85.79, abs=0.005)  # 4 + 28.12 + 23.67 + 30
    assert row["grade"] == "B"

def test_tianmen_region_excludes_suspended_from_registered():
    cases = tianmen()
    cases.loc[cases.index[-24:-20], "state"] = "挂账"  # 4 of the not-yet-due cases are put on the books
    cell = evaluate(cases, by="cell_code", period=MARCH).iloc[0]
    dept = evaluate(cases, by="dept_code", period=MARCH).iloc[0]
    assert cell["registered"] == 992 and dept["registered"] == 996
    assert round(cell["closure_rate"], 2) == 93.72


# --- edge cases ------------------------------------------------------------------------------------------------
def test_no_due_cases_is_no_data_not_zero():
    """Registered in March, deadline in April, nothing disposed: 应结案数 0 → rates NaN, grade 无数据."""
    cases = table([case(deadline=T("2025-04-02"), disposed_at=pd.NaT, feedback_at=pd.NaT, checked_at=pd.NaT,
                        closed_at=pd.NaT, state="办理中") for _ in range(3)])
    row = evaluate(cases, by="cell_code", period=MARCH).iloc[0]
    assert row["registered"] == 3 and row["n_due"] == 0
    assert np.isnan(row["closure_rate"]) and np.isnan(row["on_time_closure_rate"])
    assert np.isnan(row["score"]) and row["grade"] == "无数据"


def test_all_deferred_cases_are_not_due():
    cases = table([case(state="缓办", disposed_at=pd.NaT, closed_at=pd.NaT) for _ in range(5)])
    row = evaluate(cases, by="dept_code", period=MARCH).iloc[0]
    assert row["n_deferred"] == 5 and row["n_due"] == 0
    assert np.isnan(row["closure_rate"]) and row["grade"] == "无数据"


def test_void_cases_count_nowhere_but_n_void():
    cases = table([case(), case(state="作废"), case(state="作废")])
    row = evaluate(cases, by="dept_code", period=MARCH).iloc[0]
    assert (row["registered"], row["n_due"], row["n_closed"], row["n_void"]) == (1, 1, 1, 2)
    # the voided supervisor reports are not 有效上报: 1 of 3
    sup = evaluate(cases, by="supervisor", period=MARCH).iloc[0]
    assert sup["n_supervisor_reports"] == 3 and sup["valid_report_rate"] == pytest.approx(100 / 3)


def test_reopened_and_reworked_cases():
    """A case closed then reopened (back in 办理中, its old closed_at kept) is due but not closed; a case sent
    back twice (rework_count 2) counts once in 返工数."""
    cases = table([
        case(),
        case(state="办理中", rework_count=1),                       # reopened after closing
        case(rework_count=2, disposed_at=T("2025-03-06 12:00"),   # reworked, disposed late, closed
             closed_at=T("2025-03-06 13:00")),
        case(),
    ])
    row = evaluate(cases, by="dept_code", period=MARCH).iloc[0]
    assert row["n_due"] == 4
    assert row["n_closed"] == 3
    assert row["closure_rate"] == 75.0
    assert row["n_rework"] == 2 and row["rework_rate"] == 50.0
    assert row["on_time_closure_rate"] == 50.0  # the reworked one closed 03-06 13:00 > deadline 03-06 09:00
    assert row["on_time_disposal_rate"] == 75.0


def test_due_counts_deadline_or_disposal_in_period():
    cases = table([
        # deadline in March, disposed in February: counted in February, not again in March
        case(registered_at=T("2025-02-20"), reported_at=T("2025-02-20"), disposed_at=T("2025-02-25"),
             closed_at=T("2025-02-26"), deadline=T("2025-03-02")),
        # deadline in April, disposed in March: due in March (处置数)
        case(deadline=T("2025-04-10")),
        # deadline in March, never disposed: due in March (超时未处置)
        case(disposed_at=pd.NaT, closed_at=pd.NaT, state="办理中"),
        # registered in March, closed in April: due in March? disposed 03-31, closed 04-01 → due, not closed
        case(disposed_at=T("2025-03-31 20:00"), closed_at=T("2025-04-01 08:00"), deadline=T("2025-04-01 12:00")),
    ])
    f = case_flags(cases, MARCH)
    assert f["n_due"].tolist() == [0, 1, 1, 1]
    assert f["n_closed"].tolist() == [0, 1, 0, 0]
    assert f["n_overdue"].tolist() == [0, 0, 1, 0]
    assert f["n_registered_all"].tolist() == [0, 1, 1, 1]
    assert case_flags(cases, "2025-02")["n_due"].tolist() == [1, 0, 0, 0]


def test_on_time_check_rate():
    cases = table([
        case(),                                                   # checked 30 min after feedback
        case(checked_at=T("2025-03-05 16:30")),                   # 80 min: late
        case(feedback_at=pd.NaT, checked_at=pd.NaT, closed_at=pd.NaT, state="办理中"),  # no feedback yet
    ])
    row = evaluate(cases, by="supervisor", period=MARCH).iloc[0]
    assert row["n_check_due"] == 2 and row["on_time_check_rate"] == 50.0
    cfg = load_weights()
    cfg.check_limit_hours = 2.0
    assert evaluate(cases, by="supervisor", period=MARCH, config=cfg).iloc[0]["on_time_check_rate"] == 100.0


def test_supervisor_score_rescales_missing_optional_indicators():
    """漏报率/按时核实率 are not in the case table: the score uses 有效上报率 (40) and 按时核查率 (20) only."""
    cases = table([case(), case(checked_at=T("2025-03-05 16:30")), case(registered_at=pd.NaT, disposed_at=pd.NaT,
                                                                        closed_at=pd.NaT, state="办理中")])
    result = evaluate(cases, by="supervisor", period=MARCH)
    row = result.iloc[0]
    assert row["valid_report_rate"] == pytest.approx(200 / 3)
    assert row["on_time_check_rate"] == 50.0
    assert row["score"] == pytest.approx((0.4 * 200 / 3 + 0.2 * 50) / 0.6)
    assert result.attrs["unavailable"] == ["missed_report_rate", "on_time_verify_rate"]


def test_public_report_rate_enters_region_score():
    cases = table([case(source="公众举报", supervisor=None), case(), case(), case()])
    row = evaluate(cases, by="cell_code", period=MARCH).iloc[0]
    assert row["public_report_rate"] == 25.0
    # no areas → 立案数 4 through the count bands (≤50 → 100); 100 − 25 = 75 for 监督举报率
    assert row["score"] == pytest.approx(0.1 * 75 + 0.2 * 100 + 0.3 * 100 + 0.4 * 100)
    assert row["grade"] == "A"


# --- aggregation -------------------------------------------------------------------------------------------------
def cells_frame() -> gpd.GeoDataFrame:
    """Three 100 m cells: two in community 001 of street 001, one in community 001 of street 002."""
    codes = ["110101001001001", "110101001001002", "110101002001001", "110101002001002"]
    boxes = [shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100), shapely.box(200, 0, 300, 100),
             shapely.box(300, 0, 400, 100)]
    return gpd.GeoDataFrame({"code": codes, "district_code": "110101",
                             "street_code": ["001", "001", "002", "002"], "community_code": "001",
                             "area_m2": 10_000.0}, geometry=boxes, crs="EPSG:4548")


def aggregation_cases() -> pd.DataFrame:
    """Cell 1: 1 due, 1 closed (100 %); cell 2: 9 due, 3 closed (33.3 %). Community rate = 4/10 = 40 %, while
    the mean of the two cell rates would be 66.7 %. Cell 3 (another street) has one closed case."""
    open_ = {"closed_at": pd.NaT, "state": "办理中"}
    rows = [case(cell_code="110101001001001")]
    rows += [case(cell_code="110101001001002") for _ in range(3)]
    rows += [case(cell_code="110101001001002", **open_) for _ in range(6)]
    rows += [case(cell_code="110101002001001")]
    return table(rows)


def test_aggregation_recomputes_rates_from_summed_counts():
    cases, cells = aggregation_cases(), cells_frame()
    by_cell = evaluate(cases, by="cell_code", period=MARCH, cells=cells).set_index("code")
    assert by_cell.loc["110101001001001", "closure_rate"] == 100.0
    assert by_cell.loc["110101001001002", "closure_rate"] == pytest.approx(100 / 3)
    by_comm = evaluate(cases, by="community_code", period=MARCH, cells=cells).set_index("code")
    # community 001 exists in both streets: full 12-digit keys keep them apart
    assert sorted(by_comm.index) == ["110101001001", "110101002001"]
    comm = by_comm.loc["110101001001"]
    assert comm["n_due"] == 10 and comm["n_closed"] == 4
    assert comm["closure_rate"] == 40.0
    mean_of_rates = by_cell.loc[["110101001001001", "110101001001002"], "closure_rate"].mean()
    assert mean_of_rates == pytest.approx(66.667, abs=1e-3) and comm["closure_rate"] != mean_of_rates
    assert comm["area_m2"] == 20_000.0 and comm["density"] == pytest.approx(10 / 2)
    by_street = evaluate(cases, by="street_code", period=MARCH, cells=cells).set_index("code")
    assert by_street.loc["110101001", "closure_rate"] == 40.0
    assert by_street.loc["110101002", "closure_rate"] == 100.0
    district = evaluate(cases, by="district_code", period=MARCH, cells=cells)
    assert district["n_closed"].tolist() == [5] and district["closure_rate"].iloc[0] == pytest.approx(500 / 11)
    # aggregate() on the cell result gives the same community figures as evaluate(by=community)
    again = aggregate(by_cell.reset_index(), "community_code").set_index("code")
    pd.testing.assert_series_equal(again["closure_rate"], by_comm["closure_rate"], check_names=False)


def test_cells_without_cases_are_no_data_with_geometry():
    result = evaluate(aggregation_cases(), by="cell_code", period=MARCH, cells=cells_frame())
    assert isinstance(result, gpd.GeoDataFrame) and len(result) == 4
    empty = result.set_index("code").loc["110101002001002"]
    assert empty["n_cases"] == 0 and np.isnan(empty["closure_rate"]) and np.isnan(empty["score"])
    assert empty["grade"] == "无数据"
    assert empty["density"] == 0.0  # zero problems in a known area is a real zero
    communities = evaluate(aggregation_cases(), by="community_code", period=MARCH, cells=cells_frame())
    assert communities.geometry.area.tolist() == [20_000.0, 20_000.0]


def test_cases_are_overlaid_on_cells_when_they_lack_codes():
    cases = aggregation_cases().drop(columns="cell_code")
    xs = [50] + [150] * 9 + [250]
    cases = gpd.GeoDataFrame(cases, geometry=gpd.points_from_xy(xs, [50] * len(xs)), crs="EPSG:4548")
    result = evaluate(cases, by="cell_code", period=MARCH, cells=cells_frame()).set_index("code")
    assert result["n_due"].tolist() == [1, 9, 1, 0]


def test_count_cases_matches_flags_sum():
    cases = aggregation_cases()
    counts = count_cases(cases, "cell_code", MARCH)
    assert counts["n_due"].sum() == case_flags(cases, MARCH)["n_due"].sum() == 11


# --- scores, bands and grades -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("score", "grade"), [
    (100, "A"), (90, "A"), (89.999, "B"), (75, "B"), (74.99, "C"), (60, "C"), (59.9, "D"), (40, "D"),
    (39.99, "E"), (0, "E"), (np.nan, "无数据"),
])
def test_grade_thresholds(score, grade):
    assert grades([score])[0] == grade


def test_department_count_bands():
    band = load_weights().bands["department_registered"]
    values = np.array([0, 50, 51, 100, 101, 200, 201, 500, 501, 1000, 1001, np.nan])
    expected = [100, 100, 90, 90, 75, 75, 60, 60, 40, 40, 0, np.nan]
    np.testing.assert_array_equal(band_scores(values, band), expected)


def test_region_score_by_hand():
    counts = pd.DataFrame({c: [0] for c in ("n_cases", "n_reported", "n_supervisor_reports", "n_valid_reports",
                                            "n_registered_all", "n_suspended", "n_void", "n_deferred", "n_due",
                                            "n_closed", "n_closed_on_time", "n_disposed", "n_disposed_on_time",
                                            "n_rework", "n_overdue", "n_public_reports", "n_check_due",
                                            "n_checked_on_time")})
    counts.loc[0, ["n_registered_all", "n_due", "n_closed", "n_closed_on_time", "n_public_reports"]] = \
        [30, 20, 18, 12, 3]
    counts["area_m2"] = 10_000.0
    row = score_frame(counts, "region").iloc[0]
    # density 30 per 10,000 m² → band above 20 → 0; 监督举报率 10 % → 90
    assert row["density"] == 30.0
    assert row["score"] == pytest.approx(0.1 * 90 + 0.2 * 0 + 0.3 * 90 + 0.4 * 60)
    assert row["grade"] == "C"


def test_default_weights_sum_to_one_and_labels():
    cfg = load_weights()
    for kind, spec in cfg.kinds.items():
        assert sum(i["weight"] for i in spec.values()) == pytest.approx(1.0), kind
    assert grade_labels(cfg) == {"A": "A 优 (90–100)", "B": "B 良 (75–<90)", "C": "C 中 (60–<75)",
                                 "D": "D 较差 (40–<60)", "E": "E 差 (<40)", "无数据": "无数据"}


def test_load_weights_json_and_toml(tmp_path):
    p = tmp_path / "w.json"
    p.write_text(json.dumps({"grades": [{"grade": "A", "min": 80}, {"grade": "B", "min": 50},
                                        {"grade": "C", "min": 0}],
                             "grade_colors": {"A": "#000000", "B": "#111111", "C": "#222222"},
                             "kinds": {"department": {"closure_rate": {"weight": 1.0, "required": True}}}}))
    cfg = load_weights(p)
    assert grades([85, 79, 10, np.nan], cfg).tolist() == ["A", "B", "C", "无数据"]
    row = evaluate(tianmen(), by="dept_code", period=MARCH, config=cfg).iloc[0]
    assert row["score"] == pytest.approx(100 * 911 / 972) and row["grade"] == "A"
    assert "region" in cfg.kinds  # the other kinds keep their defaults
    t = tmp_path / "w.toml"
    t.write_text('check_limit_hours = 2.0\n[kinds.region.closure_rate]\nweight = 0.5\nrequired = true\n'
                 '[kinds.region.on_time_closure_rate]\nweight = 0.5\nrequired = true\n')
    cfg = load_weights(t)
    assert cfg.check_limit_hours == 2.0 and set(cfg.kinds["region"]) == {"closure_rate", "on_time_closure_rate"}


@pytest.mark.parametrize(("content", "message"), [
    ({"kinds": {"region": {"closure_rate": {"weight": 0.5}}}}, "add up to 0.5"),
    ({"kinds": {"region": {"happiness": {"weight": 1.0}}}}, "unknown indicator 'happiness'"),
    ({"grades": [{"grade": "A", "min": 50}, {"grade": "B", "min": 60}]}, "decrease"),
    ({"colour": "red"}, "unknown setting"),
    ({"bands": {"department_registered": {"max": [5, 1], "scores": [1, 2]}}}, "increase"),
])
def test_bad_weights_files(tmp_path, content, message):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(content))
    with pytest.raises(InputError, match=message):
        load_weights(p)


def test_bad_inputs_name_the_problem():
    with pytest.raises(InputError, match="closed_at"):
        case_flags(table([case()]).drop(columns="closed_at"), MARCH)
    with pytest.raises(InputError, match="colour"):
        evaluate(table([case()]), by="colour", period=MARCH)
    with pytest.raises(InputError, match="overlay"):
        evaluate(table([case()]).drop(columns="cell_code"), by="cell_code", period=MARCH)


def test_composite_required_indicator_missing_gives_nan():
    frame = indicators(count_cases(table([case()]), "dept_code", MARCH), "department")
    frame["closure_rate"] = np.nan
    assert np.isnan(composite_scores(frame, "department")[0])


def test_monthly_trend():
    cases = pd.concat([tianmen(), table([case(registered_at=T("2025-04-02"), reported_at=T("2025-04-02"),
                                              disposed_at=T("2025-04-02 12:00"), closed_at=T("2025-04-02 13:00"),
                                              deadline=T("2025-04-03"))])], ignore_index=True)
    trend = monthly_trend(cases, ("2025-03-01", "2025-05-01"))
    assert trend["month"].tolist() == ["2025-03", "2025-04"]
    assert round(trend["closure_rate"].iloc[0], 2) == 93.72
    # April: the 24 cases with an April deadline become overdue, plus the one closed on time
    assert trend["n_due"].iloc[1] == 25 and trend["n_closed"].iloc[1] == 1
