"""One district/street/community key derivation (wanmi.core.regions) and every caller agreeing with it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from wanmi.core.cases import _cell_keys, overlay_cases
from wanmi.core.errors import InputError
from wanmi.core.evaluation import _region_key_frame, evaluate
from wanmi.core.feedback import Feedback
from wanmi.core.grid import jurisdiction_codes
from wanmi.core.regions import code_text, derive_keys, region_key, region_keys

CRS = "EPSG:4548"
KEYS = ["community_code", "street_code", "district_code"]


def test_the_disagreeing_cell_gets_the_column_community_and_a_conflict():
    keys = derive_keys(None, None, ["002"], ["110101001001001"])
    row = keys.iloc[0]
    assert (row["district_code"], row["street_code"], row["community_code"]) == (
        "110101", "110101001", "110101001002")
    assert row["conflict"] == "community_code 002 disagrees with the cell code 110101001001001 (community)"
    assert region_key("110101001001001", community="002") == ("110101001002", "110101001", "110101")


def test_three_digit_parts_and_full_codes_give_the_same_keys():
    parts = derive_keys(["110101"] * 2, ["001", "002"], ["003", "004"])
    full = derive_keys(None, ["110101001", "110101002"], ["110101001003", "110101002004"])
    mixed = derive_keys(["110101"] * 2, ["110101001", "002"], ["003", "110101002004"])
    for frame in (full, mixed):
        pd.testing.assert_frame_equal(frame, parts)
    assert parts["community_code"].tolist() == ["110101001003", "110101002004"]
    assert parts["street_code"].tolist() == ["110101001", "110101002"]
    assert parts["conflict"].isna().all()


def test_missing_columns_come_from_the_cell_code_and_nothing_is_guessed():
    keys = derive_keys(None, [None, "002", None, None], [None, None, "005", None],
                       ["110101001003007", "110101001003007", None, "12345"])
    assert keys["community_code"].tolist() == ["110101001003", "110101002003", None, None]
    assert keys["street_code"].tolist() == ["110101001", "110101002", None, None]
    assert keys["district_code"].tolist() == ["110101", "110101", None, None]
    assert keys["conflict"].tolist()[0] is None and "street_code 002" in keys["conflict"].iloc[1]
    # a 14-digit CJ/T 213 code carries the same 12-digit community prefix
    assert region_key("11010100100307") == ("110101001003", "110101001", "110101")


def test_integer_columns_are_padded_and_blanks_are_missing():
    keys = derive_keys(pd.Series([110101, 110101]), pd.Series([1, 110101002]), pd.Series([3.0, 4.0]))
    assert keys["community_code"].tolist() == ["110101001003", "110101002004"]
    assert code_text(pd.Series(["  001 ", "", None], dtype=object)).tolist() == ["001", None, None]
    # typed with full-width digits, or read from a spreadsheet as a number: the engine's text normaliser
    assert derive_keys(["１１０１０１"], ["００１"], [2.0])["community_code"].tolist() == ["110101001002"]


def test_conflicts_between_columns_are_named():
    keys = derive_keys(["110102"], ["001"], ["110101001003"])
    assert keys["district_code"].iloc[0] == "110102"  # the district column wins for the district
    assert keys["community_code"].iloc[0] == "110102001003"  # keys nest by construction
    assert "district_code 110102 disagrees with community_code 110101001003" in keys["conflict"].iloc[0]


def test_vectorised_over_many_rows():
    n = 200_000
    seq = np.arange(n) % 999 + 1
    codes = pd.Series(["110101001" + str(c % 50 + 1).zfill(3) + str(s).zfill(3) for c, s in zip(range(n), seq)])
    keys = region_keys(pd.DataFrame({"code": codes}), "code")
    assert (keys["community_code"] == codes.str[:12]).all() and keys["conflict"].isna().all()


def _cells() -> gpd.GeoDataFrame:
    """Three cells: consistent 3-digit parts, the disagreeing cell, and one without code columns' values."""
    return gpd.GeoDataFrame(
        {"code": ["110101001001001", "110101001001002", "110101002003001"],
         "district_code": ["110101", None, None], "street_code": ["001", None, None],
         "community_code": ["001", "002", None]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)], crs=CRS)


def test_all_callers_give_the_same_keys():
    cells = _cells()
    expected = region_keys(cells, "code")[KEYS]
    assert expected["community_code"].tolist() == ["110101001001", "110101001002", "110101002003"]
    # the case overlay
    overlay = _cell_keys(cells, "code")
    assert [overlay[k][:-1].tolist() for k in KEYS] == [expected[k].tolist() for k in KEYS]
    cases = gpd.GeoDataFrame({"case_id": ["a", "b", "c"]},
                             geometry=[Point(50, 50), Point(150, 50), Point(250, 50)], crs=CRS)
    placed = overlay_cases(cases, cells)
    assert [placed[k].tolist() for k in KEYS] == [expected[k].tolist() for k in KEYS]
    # the evaluation, from the cells' columns and from the overlaid cases
    table = cells.rename(columns={"code": "cell_code"}).drop(columns="geometry")
    for frame in (table, pd.DataFrame(placed.drop(columns="geometry"))):
        keys = _region_key_frame(frame)
        assert [keys[k].astype(object).tolist() for k in KEYS] == [expected[k].tolist() for k in KEYS]
    # a community layer (no cell code) with the same columns, and the plugin's batch wrapper (pure core)
    communities = pd.DataFrame({"district_code": ["110101"] * 2, "street_code": ["001", "002"],
                                "community_code": ["002", "003"]})
    jur = jurisdiction_codes(communities)
    assert jur["community_key"].tolist() == derive_keys(
        communities["district_code"], communities["street_code"], communities["community_code"]
    )["community_code"].tolist() == ["110101001002", "110101002003"]


def test_a_community_layer_with_disagreeing_columns_is_refused():
    with pytest.raises(InputError, match="feature 0: street_code 002 disagrees with community_code 110101001003"):
        jurisdiction_codes(pd.DataFrame({"street_code": ["002"], "community_code": ["110101001003"]}))
    with pytest.raises(InputError, match="has 3 digits but there is no street_code"):
        jurisdiction_codes(pd.DataFrame({"district_code": ["110101"], "community_code": ["003"]}))
    lone = jurisdiction_codes(pd.DataFrame({"district_code": [110101]}))
    assert lone["community_key"].tolist() == ["110101000000"]


def test_overlay_and_evaluation_warn_about_conflicts():
    class Recorder(Feedback):
        def __init__(self) -> None:
            super().__init__()
            self.warnings: list[str] = []

        def warning(self, message: str) -> None:
            self.warnings.append(message)

    fb = Recorder()
    cases = gpd.GeoDataFrame({"case_id": ["a"]}, geometry=[Point(150, 50)], crs=CRS)
    overlay_cases(cases, _cells(), feedback=fb)
    assert len(fb.warnings) == 1 and "1 cells have code columns that disagree" in fb.warnings[0]
    assert "community_code 002 disagrees with the cell code 110101001001002" in fb.warnings[0]
    fb = Recorder()
    t = pd.Timestamp("2025-03-02")
    table = pd.DataFrame({"cell_code": ["110101001001002"], "reported_at": t, "state": "结案", "registered_at": t,
                          "deadline": t, "disposed_at": t, "closed_at": t})
    evaluate(table, by="community_code", cells=_cells(), feedback=fb)
    assert any("community_code 002 disagrees" in w for w in fb.warnings)


def test_the_audit_reports_what_the_rule_calls_a_conflict():
    from wanmi.core.audit import audit
    from wanmi.core.grid import partition

    x0, y0 = 500_000.0, 4_400_000.0
    communities = gpd.GeoDataFrame({"district_code": ["110101"], "street_code": ["001"], "community_code": ["001"]},
                                   geometry=[box(x0, y0, x0 + 200, y0 + 100)], crs=CRS)
    cells = partition(communities, target_area=10_000.0, valid_from="2026-01-01").cells
    assert audit(cells, communities).problems.empty
    cells["street_code"] = cells["street_code"].astype(object)
    cells.loc[0, "street_code"] = "110102001"  # a full street code of another district; its tail still says 001
    assert derive_keys(cells["district_code"], cells["street_code"], cells["community_code"],
                       cells["code"])["conflict"].notna().tolist() == [True, False]
    problems = audit(cells, communities).problems
    assert problems["type"].tolist() == ["code_mismatch"]
    assert f"column street_code = 110102001 but the code says {cells['code'].iloc[0][:9]}" in problems["detail"].iloc[0]
