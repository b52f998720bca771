"""Stable renumbering (wanmi.core.renumber): hand-made edits of a 3 x 2 grid, and Dongcheng redraws.

The old grid is the 300 m x 200 m rectangle at A = 10,000 m²: codes …001 … …006 are, row by row from the
north-west, 001 [0,100]x[100,200], 002 [100,200]x[100,200], 003 [200,300]x[100,200],
004 [0,100]x[0,100], 005 [100,200]x[0,100], 006 [200,300]x[0,100]. Expected codes, IoUs and log rows
below are worked out by hand from those boxes.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from wanmi.core.errors import InputError
from wanmi.core.grid import partition
from wanmi.core.renumber import renumber

from .conftest import assert_exact_partition, sample_layer

CRS = "EPSG:4548"
P = "110101001001"  # community key of the hand grid
NEW_DATE = "2025-01-01"


def grid(boxes: dict[str, tuple], community: str = "001") -> gpd.GeoDataFrame:
    """A hand-made cell layer: {label: (minx, miny, maxx, maxy)} in community 110101 001 <community>."""
    n = len(boxes)
    return gpd.GeoDataFrame(
        {"label": list(boxes), "district_code": ["110101"] * n, "street_code": ["001"] * n,
         "community_code": [community] * n},
        geometry=[box(*b) for b in boxes.values()],
        crs=CRS,
    )


OLD_BOXES = {
    "001": (0, 100, 100, 200), "002": (100, 100, 200, 200), "003": (200, 100, 300, 200),
    "004": (0, 0, 100, 100), "005": (100, 0, 200, 100), "006": (200, 0, 300, 100),
}


@pytest.fixture
def old() -> gpd.GeoDataFrame:
    j = gpd.GeoDataFrame({"district_code": ["110101"], "street_code": ["001"], "community_code": ["001"]},
                         geometry=[box(0, 0, 300, 200)], crs=CRS)
    cells = partition(j, target_area=10_000.0, valid_from="2024-01-01").cells
    # the fixture itself is checked against the hand layout
    got = dict(zip(cells["code"].str[-3:], [tuple(b) for b in cells.geometry.bounds.to_numpy()]))
    assert got == {k: tuple(float(v) for v in b) for k, b in OLD_BOXES.items()}
    return cells


def log_rows(log: pd.DataFrame, change: str) -> list[tuple]:
    sub = log[log["change"] == change]
    return sorted(zip(sub["old_code"].fillna(""), sub["new_code"].fillna(""), sub["iou"].round(6)))


def test_unchanged_grid_keeps_every_code(old):
    r = renumber(old, old, valid_from=NEW_DATE)
    assert r.cells["code"].tolist() == old["code"].tolist()
    assert (r.changelog["change"] == "kept").all() and len(r.changelog) == 6
    np.testing.assert_allclose(r.changelog["iou"], 1.0)
    assert r.kept_share == 1.0
    assert (r.cells["valid_from"] == date(2024, 1, 1)).all()  # a kept code keeps its start date
    assert r.retired.empty


def test_split_cell_gets_fresh_codes_and_is_logged(old):
    boxes = {k: b for k, b in OLD_BOXES.items() if k != "005"}
    boxes |= {"east": (150, 0, 200, 100), "west": (100, 0, 150, 100)}
    r = renumber(grid(boxes), old, valid_from=NEW_DATE)
    code = dict(zip(r.cells["label"], r.cells["code"]))
    for k in ("001", "002", "003", "004", "006"):
        assert code[k] == P + k
    # fresh numbers after the highest used (006), west before east in the same row
    assert code["west"] == P + "007" and code["east"] == P + "008"
    log = r.changelog
    assert log_rows(log, "split") == [(P + "005", P + "007", 0.5), (P + "005", P + "008", 0.5)]
    assert log.loc[log["change"] == "retired", "old_code"].tolist() == [P + "005"]
    assert log.loc[log["change"] == "retired", "valid_to"].tolist() == [date(2025, 1, 1)]
    assert (log["change"] == "new").sum() == 2  # the halves are not merges
    assert r.retired["code"].tolist() == [P + "005"]
    assert r.retired["valid_to"].tolist() == [date(2025, 1, 1)]
    fresh = r.cells[r.cells["label"].isin(["west", "east"])]
    assert (fresh["valid_from"] == date(2025, 1, 1)).all()


def test_merged_cells_are_logged(old):
    boxes = {k: b for k, b in OLD_BOXES.items() if k not in ("001", "002")}
    boxes |= {"wide": (0, 100, 200, 200)}
    r = renumber(grid(boxes), old, valid_from=NEW_DATE)
    code = dict(zip(r.cells["label"], r.cells["code"]))
    assert code["wide"] == P + "007"
    assert log_rows(r.changelog, "merged") == [(P + "001", P + "007", 0.5), (P + "002", P + "007", 0.5)]
    assert sorted(r.changelog.loc[r.changelog["change"] == "retired", "old_code"]) == [P + "001", P + "002"]
    assert (r.changelog["change"] == "new").sum() == 0


def test_retired_codes_are_never_reused(old):
    history = old.copy()
    history["valid_to"] = None
    gone = history.iloc[[0]].copy()
    gone["code"] = P + "009"  # retired in an earlier edition
    gone["seq"] = 9
    gone["valid_to"] = date(2024, 6, 1)
    history = pd.concat([history, gone], ignore_index=True)
    boxes = {k: b for k, b in OLD_BOXES.items() if k != "005"}
    boxes |= {"west": (100, 0, 150, 100), "east": (150, 0, 200, 100)}
    r = renumber(grid(boxes), history, valid_from=NEW_DATE)
    code = dict(zip(r.cells["label"], r.cells["code"]))
    assert code["west"] == P + "010" and code["east"] == P + "011"
    # the earlier retired row stays in the history with its own end date
    assert dict(zip(r.retired["code"], r.retired["valid_to"])) == {
        P + "005": date(2025, 1, 1), P + "009": date(2024, 6, 1)}


@pytest.mark.parametrize("top, kept", [(95, True), (85, False)])
def test_iou_threshold(old, top, kept):
    # old 004 = [0,100]x[0,100]; new [0,100]x[0,top]: IoU = top/100 (0.95 kept, 0.85 not)
    boxes = dict(OLD_BOXES) | {"004": (0, 0, 100, top)}
    r = renumber(grid(boxes), old, valid_from=NEW_DATE)
    code = dict(zip(r.cells["label"], r.cells["code"]))
    assert (code["004"] == P + "004") is kept
    if not kept:
        assert code["004"] == P + "007"
        assert r.changelog.loc[r.changelog["change"] == "new", "iou"].round(6).tolist() == [0.85]


def test_code_is_not_inherited_across_communities(old):
    boxes = {k: b for k, b in OLD_BOXES.items() if k != "006"}
    moved = grid({"006": OLD_BOXES["006"]}, community="002")
    r = renumber(pd.concat([grid(boxes), moved], ignore_index=True), old, valid_from=NEW_DATE)
    assert "110101001002001" in set(r.cells["code"])  # first number of the new community
    assert P + "006" in set(r.changelog.loc[r.changelog["change"] == "retired", "old_code"])


def test_bad_inputs(old):
    with pytest.raises(InputError, match="iou_threshold"):
        renumber(old, old, iou_threshold=0)
    broken = old.copy()
    broken.loc[2, "code"] = "11010100100100X"
    with pytest.raises(InputError, match="old cell 2"):
        renumber(old, broken)
    with pytest.raises(InputError):
        renumber(old.to_crs(4326), old)


def test_dongcheng_redraw_one_community():
    comms = sample_layer("dongcheng", "communities")
    base = partition(comms, target_area=10_000.0, valid_from="2024-01-01").cells
    same = renumber(base, base, valid_from=NEW_DATE)
    assert (same.changelog["change"] == "kept").all()
    assert same.cells["code"].tolist() == base["code"].tolist()

    target = comms.iloc[[40]]
    key = (target["district_code"] + target["street_code"] + target["community_code"]).iloc[0]
    cell_key = base["district_code"] + base["street_code"] + base["community_code"]
    redrawn = partition(target, target_area=5_000.0).cells
    new = pd.concat([base[cell_key != key], redrawn], ignore_index=True)
    r = renumber(new, base, valid_from=NEW_DATE)
    out_key = r.cells["district_code"] + r.cells["street_code"] + r.cells["community_code"]
    outside = r.cells[out_key != key]
    assert set(outside["code"]) == set(base.loc[cell_key != key, "code"])  # every code outside kept
    retired = set(r.changelog.loc[r.changelog["change"] == "retired", "old_code"])
    assert retired and retired.isdisjoint(set(r.cells["code"]))
    old_max = base.loc[cell_key == key, "seq"].max()
    inside = r.cells[out_key == key]
    kept_inside = set(inside["code"]) & set(base["code"])
    fresh = inside[~inside["code"].isin(kept_inside)]
    assert len(fresh) > 0 and (fresh["seq"] > old_max).all()
    assert sorted(fresh["seq"]) == list(range(old_max + 1, old_max + 1 + len(fresh)))
    assert_exact_partition(r.cells, comms, target_area=None, contiguous_seq=False)

    # a second edition: everything ever used (including codes retired just now) stays unused
    history = pd.concat([r.cells, r.retired], ignore_index=True)
    again = partition(target, target_area=20_000.0).cells
    new2 = pd.concat([r.cells[out_key != key], again], ignore_index=True)
    r2 = renumber(new2, history, valid_from="2026-01-01")
    ever = set(history["code"])
    fresh2 = set(r2.cells["code"]) - ever
    assert fresh2 and all(int(c[-3:]) > int(history.loc[history["code"].str[:12] == key, "seq"].max())
                          for c in fresh2)


# --- the code registry: history in, history out ----------------------------------------------------------


def rows_valid_on(frame: pd.DataFrame, day: date) -> pd.DataFrame:
    """Rows valid on ``day`` (valid_from ≤ day < valid_to, missing bounds open), computed here."""
    ok = [(f is None or f <= day) and (t is None or t > day) for f, t in zip(frame["valid_from"], frame["valid_to"])]
    return frame[np.array(ok, dtype=bool)]


def snapshot(frame: pd.DataFrame) -> set[tuple]:
    """(code, rounded bounds) of every row: what a grid looks like, independent of row order."""
    b = np.round(frame.geometry.bounds.to_numpy(), 6)
    return {(c, *map(float, r)) for c, r in zip(frame["code"], b)}


def test_history_holds_current_and_retired_rows(old):
    boxes = {k: b for k, b in OLD_BOXES.items() if k != "005"}
    boxes |= {"west": (100, 0, 150, 100), "east": (150, 0, 200, 100)}
    r = renumber(grid(boxes), old, valid_from=NEW_DATE)
    h = r.history
    assert len(h) == 8 and h.crs == r.cells.crs  # 7 current cells + the retired 005
    assert sorted(h["code"]) == sorted([P + k for k in ("001", "002", "003", "004", "005", "006", "007", "008")])
    gone = h[h["code"] == P + "005"].iloc[0]
    assert gone["valid_from"] == date(2024, 1, 1) and gone["valid_to"] == date(2025, 1, 1)
    assert gone.geometry.equals(box(*OLD_BOXES["005"]))  # the retired cell keeps its geometry
    # as of a day before the renumber the history is the old grid, after it the new one
    assert snapshot(rows_valid_on(h, date(2024, 6, 1))) == snapshot(old)
    assert snapshot(rows_valid_on(h, date(2025, 6, 1))) == snapshot(r.cells)


def test_moved_boundary_keeps_the_code_with_a_new_version(old):
    # 004 shrinks to [0,100]x[0,95] (IoU 0.95), 001 grows to [0,100]x[95,200] (IoU 100/105): both kept
    boxes = dict(OLD_BOXES) | {"004": (0, 0, 100, 95), "001": (0, 95, 100, 200)}
    r = renumber(grid(boxes), old, valid_from=NEW_DATE)
    cells = r.cells.set_index("code")
    assert cells.loc[P + "004", "label"] == "004" and cells.loc[P + "001", "label"] == "001"
    assert cells.loc[P + "004", "valid_from"] == date(2025, 1, 1)  # the new version starts today
    assert cells.loc[P + "002", "valid_from"] == date(2024, 1, 1)  # an unchanged cell keeps its start
    assert sorted(r.retired["code"]) == [P + "001", P + "004"]  # the old versions, closed today
    assert (r.retired["valid_to"] == date(2025, 1, 1)).all()
    assert (r.retired["valid_from"] == date(2024, 1, 1)).all()
    assert (r.changelog["change"] == "kept").all()
    assert snapshot(rows_valid_on(r.history, date(2024, 12, 31))) == snapshot(old)


def test_renumbering_a_history_layer_with_itself_changes_nothing(old):
    boxes = {k: b for k, b in OLD_BOXES.items() if k not in ("001", "002")} | {"wide": (0, 100, 200, 200)}
    h = renumber(grid(boxes), old, valid_from=NEW_DATE).history
    again = renumber(h, h, valid_from="2025-06-01")  # the dock offers the same layer as new and old
    assert snapshot(again.history) == snapshot(h)
    assert (again.changelog["change"] == "kept").all() and len(again.changelog) == 5
    assert sorted(zip(again.history["code"], again.history["valid_to"].astype(str))) == sorted(
        zip(h["code"], h["valid_to"].astype(str)))


def test_history_inputs_are_checked(old):
    future = old.copy()
    future.loc[0, "valid_from"] = date(2025, 3, 1)
    with pytest.raises(InputError, match="after the renumber date 2025-01-01"):
        renumber(old, future, valid_from=NEW_DATE)
    twice = pd.concat([old, old.iloc[[1]]], ignore_index=True)
    with pytest.raises(InputError, match=f"{P}002 is valid more than once"):
        renumber(old, twice, valid_from=NEW_DATE)
    # a code valid twice but on different days (an old version) is fine
    version = old.iloc[[1]].copy()
    version["valid_from"], version["valid_to"] = date(2023, 1, 1), date(2024, 1, 1)
    r = renumber(old, pd.concat([old, version], ignore_index=True), valid_from=NEW_DATE)
    assert sorted(r.retired["code"]) == [P + "002"] and (r.changelog["change"] == "kept").all()
    # a valid old row without geometry cannot be kept: its code is retired, never reissued
    blank = pd.concat([old, old.iloc[[0]].assign(code=P + "007", geometry=None)], ignore_index=True)
    blank = gpd.GeoDataFrame(blank, geometry="geometry", crs=CRS)
    boxes = {k: b for k, b in OLD_BOXES.items() if k != "006"} | {"a": (200, 0, 250, 100), "b": (250, 0, 300, 100)}
    r = renumber(grid(boxes), blank, valid_from=NEW_DATE)
    assert set(r.changelog.loc[r.changelog["change"] == "retired", "old_code"]) == {P + "006", P + "007"}
    assert sorted(r.cells["code"])[-2:] == [P + "008", P + "009"]


def test_audit_as_of_before_the_renumber_sees_the_old_grid(old):
    from wanmi.core.audit import audit

    j = gpd.GeoDataFrame({"district_code": ["110101"], "street_code": ["001"], "community_code": ["001"]},
                         geometry=[box(0, 0, 300, 200)], crs=CRS)
    boxes = {k: b for k, b in OLD_BOXES.items() if k not in ("001", "002")}  # 001 and 002 split in 4 each
    boxes |= {f"q{x}{y}": (x, y, x + 50, y + 50) for x in range(0, 200, 50) for y in (100, 150)}
    r = renumber(grid(boxes), old, valid_from=NEW_DATE)
    assert (r.changelog["change"] == "split").sum() == 8 and len(r.retired) == 2

    def problems(cells, day):
        a = audit(cells, j, as_of=day, target_area=2_500.0)
        return sorted(zip(a.problems["type"], a.problems["area_m2"].round(3))), a.checked["cells"]

    before, after = date(2024, 6, 1), date(2025, 6, 1)
    assert problems(r.history, before) == problems(old, before) == ([], 6)
    assert problems(r.history, after) == problems(r.cells, after) == ([], 12)
    # what the output without its history said about that day: the two retired cells were a gap
    assert problems(r.cells, before) == ([("gap", 20_000.0)], 4)


# --- 10 chained renumbers: a model of boxes, redrawn by split / merge / shift / move ----------------------

Box = tuple[float, float, float, float]


def _touch(a: Box, b: Box) -> bool:
    return box(*a).intersection(box(*b)).length > 0


def _side_by_side(cells: list[tuple[Box, str]], i: int, j: int) -> bool:
    (a, _), (b, _) = cells[i], cells[j]
    return a[2] == b[0] and a[1] == b[1] and a[3] == b[3]


def _redraw(cells: list[tuple[Box, str]], step: int, rng: np.random.Generator) -> tuple[list, dict]:
    """Three edits on distinct cells: ``(new cells, {op: [new boxes]})``; untouched cells stay as they are."""
    cells, done, touched = list(cells), {"split": [], "merge": [], "shift": [], "move": []}, set()
    kinds = ("split", "merge", "shift", "move")
    ops = ["move", "split"] if step == 1 else [kinds[(step + k) % 4] for k in range(3)]
    for op in ops:
        free = [i for i in range(len(cells)) if i not in touched]
        pairs = [(i, j) for i in free for j in free if i != j and _side_by_side(cells, i, j)]
        if op == "split":
            i = free[rng.integers(len(free))] if step > 1 else max(free, key=lambda k: cells[k][0][2])
            (x0, y0, x1, y1), c = cells[i]
            xm = (x0 + x1) / 2
            cells[i] = ((x0, y0, xm, y1), c)
            cells.append(((xm, y0, x1, y1), c))
            touched |= {i, len(cells) - 1}
            done["split"] += [cells[i][0], cells[-1][0]]
        elif op == "merge":
            same = [(i, j) for i, j in pairs if cells[i][1] == cells[j][1]]
            i, j = same[rng.integers(len(same))]
            (a, c), (b, _) = cells[i], cells[j]
            cells[i] = ((a[0], a[1], b[2], a[3]), c)
            cells[j] = ((0.0, 0.0, 0.0, 0.0), "")  # dropped below
            touched |= {i, j}
            done["merge"].append(cells[i][0])
        elif op == "shift":
            i, j = pairs[rng.integers(len(pairs))]
            (a, ca), (b, cb) = cells[i], cells[j]
            d = round(0.03 * min(a[2] - a[0], b[2] - b[0]), 3)  # IoU ≥ 0.97: both keep their codes
            cells[i], cells[j] = ((a[0], a[1], a[2] + d, a[3]), ca), ((b[0] + d, b[1], b[2], b[3]), cb)
            touched |= {i, j}
            done["shift"] += [cells[i][0], cells[j][0]]
        else:  # move: a cell on the community border goes to the other community (a boundary correction)
            border = [i for i in free if any(cells[k][1] != cells[i][1] and _touch(cells[i][0], cells[k][0])
                                             for k in range(len(cells)))]
            i = border[rng.integers(len(border))] if step > 1 else max(border, key=lambda k: (cells[k][1] == "001",
                                                                                             -cells[k][0][1]))
            b, c = cells[i]
            cells[i] = (b, "002" if c == "001" else "001")
            touched.add(i)
            done["move"].append(b)
    return [c for c in cells if c[1]], done


def _frame(cells: list[tuple[Box, str]]) -> gpd.GeoDataFrame:
    n = len(cells)
    return gpd.GeoDataFrame({"district_code": ["110101"] * n, "street_code": ["001"] * n,
                             "community_code": [c for _, c in cells]},
                            geometry=[box(*b) for b, _ in cells], crs=CRS)


def _check_registry(h: pd.DataFrame) -> None:
    """Every code is one cell's continuous life: its rows chain (valid_to = next valid_from), only the last
    may be open, and no code is valid twice on any day."""
    for code, rows in h.groupby("code"):
        rows = rows.sort_values("valid_from", key=lambda s: s.map(lambda d: d or date.min))
        starts, ends = list(rows["valid_from"]), list(rows["valid_to"])
        assert all(e is not None for e in ends[:-1]), code
        assert ends[:-1] == starts[1:], code


def test_ten_chained_renumbers_never_reissue_a_code():
    j = gpd.GeoDataFrame({"district_code": ["110101"] * 2, "street_code": ["001"] * 2,
                          "community_code": ["001", "002"]},
                         geometry=[box(0, 0, 600, 400), box(600, 0, 1200, 400)], crs=CRS)
    h = partition(j, target_area=10_000.0, valid_from="2024-01-01").cells
    model = [(tuple(map(float, g.bounds)), c) for g, c in zip(h.geometry, h["community_code"])]
    grids = {date(2024, 1, 1): snapshot(h)}
    rng = np.random.default_rng(13)
    applied = {"split": 0, "merge": 0, "shift": 0, "move": 0}
    bug_window = 0  # renumbers where the highest code of a community was retired (a history-less renumber
    # would then issue it again)
    for step in range(1, 11):
        day = date(2025, step, 1)
        before = h
        ever = set(before["code"])
        current = rows_valid_on(before, day)
        retired = ever - set(current["code"])
        top_ever = before["code"].str[:12].to_frame().assign(seq=before["code"].str[-3:].astype(int)).groupby(
            "code")["seq"].max()
        top_now = current["code"].str[-3:].astype(int).groupby(current["code"].str[:12]).max()
        bug_window += bool((top_now.reindex(top_ever.index).fillna(0) < top_ever).any())

        model, done = _redraw(model, step, rng)
        for op, boxes in done.items():
            applied[op] += len(boxes) > 0
        r = renumber(_frame(model), before, valid_from=day)
        h = r.history
        code_of = {s[1:]: s[0] for s in snapshot(r.cells)}
        prev_code = {s[1:]: s[0] for s in snapshot(current)}

        assert set(h["code"]) >= ever  # nothing ever issued is lost
        assert set(h["code"]) == ever | set(r.cells["code"])
        assert r.cells["code"].is_unique and not (set(r.cells["code"]) & retired)  # no retired code reissued
        fresh = set(r.cells["code"]) - ever
        for code in fresh:  # numbered after the highest sequence ever used in the community
            assert int(code[-3:]) > top_ever.get(code[:12], 0)
        _check_registry(h)
        # unchanged cells keep their code and start; moved borders keep the code with a new version
        untouched = set(code_of) - {tuple(map(float, np.round(b, 6))) for bs in done.values() for b in bs}
        for b in untouched:
            assert code_of[b] == prev_code[b], (step, b)
        for b in done["shift"]:
            key = tuple(float(v) for v in np.round(b, 6))
            code = code_of[key]
            assert code in set(current["code"]) and (h["code"] == code).sum() >= 2
        for b in done["split"] + done["merge"]:
            assert code_of[tuple(float(v) for v in np.round(b, 6))] in fresh
        assert abs(r.cells.area.sum() - 1200 * 400) < 1e-6
        # the history reproduces every earlier grid exactly, on any day of its validity
        grids[day] = snapshot(r.cells)
        for d, grid_then in grids.items():
            assert snapshot(rows_valid_on(h, d)) == grid_then, (step, d)
            assert snapshot(rows_valid_on(h, d + pd.Timedelta(days=14))) == grid_then, (step, d)
    assert all(n >= 2 for n in applied.values()), applied
    assert bug_window >= 1  # the chain did retire a community's highest code before a renumber
    # the audit of the final history as of the first day equals the audit of the original grid
    from wanmi.core.audit import audit

    first = audit(h, j, as_of="2024-06-01")
    assert first.problems.empty and first.checked["cells"] == 48


def test_cli_renumber_writes_the_history_and_chains(tmp_path, old, capsys):
    """Through files: the output keeps the retired rows, so the next renumber never issues them again and an
    audit as of a day before the renumbers sees the original grid."""
    from wanmi.cli import main
    from wanmi.layers.gpkg import write_gpkg

    j = gpd.GeoDataFrame({"district_code": ["110101"], "street_code": ["001"], "community_code": ["001"]},
                         geometry=[box(0, 0, 300, 200)], crs=CRS)
    write_gpkg(tmp_path / "g0.gpkg", {"unit_cells": old, "communities": j})
    # edition 1: the highest code (006) goes to community 002, so 001's current maximum is 005
    e1 = pd.concat([grid({k: b for k, b in OLD_BOXES.items() if k != "006"}),
                    grid({"006": OLD_BOXES["006"]}, community="002")], ignore_index=True)
    write_gpkg(tmp_path / "e1.gpkg", {"cells": e1})
    assert main(["-q", "renumber", str(tmp_path / "e1.gpkg"), str(tmp_path / "g0.gpkg"),
                 "--out", str(tmp_path / "g1.gpkg"), "--valid-from", "2025-01-01"]) == 0
    assert "6 current cells, 1 closed rows" in capsys.readouterr().out
    g1 = gpd.read_file(tmp_path / "g1.gpkg", layer="unit_cells")
    assert len(g1) == 7 and g1["valid_to"].notna().sum() == 1
    # edition 2: 005 split in two; the halves must not get 006 (retired) but 007 and 008
    e2 = grid({k: b for k, b in OLD_BOXES.items() if k not in ("005", "006")}
              | {"w": (100, 0, 150, 100), "e": (150, 0, 200, 100)})
    e2 = pd.concat([e2, grid({"006": OLD_BOXES["006"]}, community="002")], ignore_index=True)
    write_gpkg(tmp_path / "e2.gpkg", {"cells": e2})
    assert main(["-q", "renumber", str(tmp_path / "e2.gpkg"), str(tmp_path / "g1.gpkg"),
                 "--out", str(tmp_path / "g2.gpkg"), "--valid-from", "2025-06-01"]) == 0
    g2 = gpd.read_file(tmp_path / "g2.gpkg", layer="unit_cells")
    current = g2[g2["valid_to"].isna()]
    assert sorted(current["code"].str[-3:]) == ["001", "001", "002", "003", "004", "007", "008"]
    assert sorted(g2.loc[g2["valid_to"].notna(), "code"]) == [P + "005", P + "006"]
    assert g2["code"].nunique() == 9  # every code ever issued, each once
    argv = ["-q", "audit", str(tmp_path / "g2.gpkg"), "--jurisdiction", str(tmp_path / "g0.gpkg"),
            "--as-of", "2024-06-01", "--out", str(tmp_path / "audit.gpkg")]
    assert main(argv) == 0
    assert "audit: 0 errors, 0 warnings" in capsys.readouterr().out
    # partitioning over the grid with history would number from 001 again: refused, file unchanged
    before = (tmp_path / "g2.gpkg").read_bytes()
    assert main(["-q", "partition", str(tmp_path / "g0.gpkg"), "--layer", "communities",
                 "--out", str(tmp_path / "g2.gpkg")]) == 2
    assert "wanmi renumber" in capsys.readouterr().err
    assert (tmp_path / "g2.gpkg").read_bytes() == before


def test_points_cases_and_evaluation_use_the_latest_edition_of_a_history_grid():
    """A renumbered grid keeps retired cells under the current ones: whatever the row order, points and
    cases go to current cells and evaluation lists current cells only."""
    from shapely.geometry import Point

    from wanmi.core.cases import overlay_cases
    from wanmi.core.evaluation import evaluate
    from wanmi.core.geocode import assign_to_cells
    from wanmi.core.placement import geocode_components

    j = gpd.GeoDataFrame({"district_code": ["110101"] * 2, "street_code": ["001"] * 2,
                          "community_code": ["001", "002"]},
                         geometry=[box(0, 0, 300, 200), box(300, 0, 600, 200)], crs=CRS)
    old = partition(j, valid_from="2024-01-01").cells
    new = old[["district_code", "street_code", "community_code", "geometry"]].copy()
    new.loc[old["code"] == "110101001002001", "community_code"] = "001"  # a boundary correction
    history = renumber(new, old, valid_from=NEW_DATE).history
    moved = "110101001001007"  # 002001 retired, its cell now 001007 (a smaller code, listed first)
    assert set(history.loc[history["valid_to"].notna(), "code"]) == {"110101001002001"}
    pts = gpd.GeoDataFrame({"reported_at": pd.Timestamp("2025-03-01")}, index=[0],
                           geometry=[Point(350, 150)], crs=CRS)
    for grid_rows in (history, history.iloc[::-1]):
        assert assign_to_cells(pts, grid_rows)["cell_code"].tolist() == [moved]
        assert geocode_components(pts, grid_rows)["cell_code"].tolist() == [moved]
        assert overlay_cases(pts, grid_rows)["cell_code"].tolist() == [moved]
    t = pd.Timestamp("2025-03-01")
    case = pts.assign(case_id="c1", state="已结案", registered_at=t, deadline=t + pd.Timedelta(days=1),
                      disposed_at=t, closed_at=t)
    scores = evaluate(case, by="cell_code", period="2025-03", cells=history)
    assert len(scores) == 12 and "110101001002001" not in set(scores["code"])
