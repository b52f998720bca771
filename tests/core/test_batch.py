"""Province batches on dask.distributed (workflow/batch.py, core/batch.py) against the single-machine path.

Data: three real Beijing districts (东城 110101, 西城 110102, 石景山 110107; real boundaries from
layers/sample/beijing_districts.gpkg) split into synthetic communities, ~10,000 synthetic components
(seeded) written as a GeoParquet dataset of several files (so districts get several chunks and some files
hold points of several districts), plus hand-made hard points: on lattice lines and vertices (cell edges),
on vertices of the shared district borders (the district tie rule decides) and outside every district.

The reference is :func:`single_machine` (here) — one :func:`partition` of all communities and one
:func:`assign_to_cells` of all points in this process — computed independently of the batch code path
(no dask, no per-district split, no files). Codes and counts must agree exactly.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from wanmi.core.batch import BatchOptions, dask_available
from wanmi.core.cases import overlay_cases, synthetic_cases
from wanmi.core.evaluation import evaluate
from wanmi.core.geocode import assign_to_cells
from wanmi.core.grid import partition
from wanmi.core.province import synthetic_communities, synthetic_components
from wanmi.layers.province_io import read_districts
from wanmi.workflow.batch import run_batch

needs_dask = pytest.mark.skipif(not dask_available(), reason="dask[distributed] / dask-geopandas not installed")

ROOT = Path(__file__).resolve().parents[2]
DISTRICTS = ["110101", "110102", "110107"]
OPTIONS = BatchOptions(valid_from="2026-01-01")


def single_machine(jurisdiction: gpd.GeoDataFrame, points: gpd.GeoDataFrame, options: BatchOptions
                   ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The single-process reference: one :func:`partition` of the whole jurisdiction, one
    :func:`assign_to_cells` of all points. Returns (cells with ``component_count``, point codes)."""
    result = partition(jurisdiction, **options.partition_kwargs())
    cells = result.cells
    codes = assign_to_cells(points, cells, lattice=result.lattice)
    idx = pd.Index(cells["code"]).get_indexer(codes["cell_code"])
    cells = cells.copy()
    cells.insert(cells.columns.get_loc("geometry"), "component_count",
                 np.bincount(idx + 1, minlength=len(cells) + 1)[1:].astype(np.int64))
    return cells, codes


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("batch")
    districts = read_districts(ROOT / "layers" / "sample" / "beijing_districts.gpkg", DISTRICTS)
    communities = synthetic_communities(districts, seed=7)
    parts = [synthetic_components(communities, code, scale=0.03, seed=7) for code in DISTRICTS]
    pts = pd.concat(parts, ignore_index=True)
    # hard points: lattice lines / vertices (100 m lattice), shared district-border vertices, outside
    rng = np.random.default_rng(3)
    inside = pts.sample(300, random_state=1).geometry
    on_x = shapely.points(np.round(inside.x.to_numpy() / 100) * 100, inside.y.to_numpy())
    on_v = shapely.points(np.round(inside.x.to_numpy() / 100) * 100, np.round(inside.y.to_numpy() / 100) * 100)
    g = districts.geometry.values
    shared = shapely.intersection(shapely.boundary(g[0]), shapely.boundary(g[1]))
    border = shapely.get_coordinates(shared)
    border = border[rng.choice(len(border), min(60, len(border)), replace=False)]
    _x0, y0, x1, y1 = districts.total_bounds
    outside = shapely.points(rng.uniform(x1 + 100, x1 + 5000, 40), rng.uniform(y0, y1, 40))
    extra = np.concatenate([on_x, on_v, shapely.points(border), outside])
    hard = gpd.GeoDataFrame({"code": [f"HARD{k:06d}" for k in range(len(extra))],
                             "class_code": "0101", "synthetic": 1}, geometry=extra, crs=pts.crs)
    pts = pd.concat([pts, hard], ignore_index=True).sample(frac=1.0, random_state=5).reset_index(drop=True)
    points_dir = tmp / "points"
    points_dir.mkdir()
    for k, start in enumerate(range(0, len(pts), 3_000)):  # several files, districts mixed within files
        pts.iloc[start:start + 3_000].to_parquet(points_dir / f"part-{k:05d}.parquet", index=False)
    comm_path = tmp / "communities.gpkg"
    communities.to_file(comm_path, layer="communities", engine="pyogrio")
    cells, codes = single_machine(communities, pts, OPTIONS)
    # cases (synthetic, seeded) + hard ones on the shared district border and outside
    cases = synthetic_cases(pts[codes["cell_code"].notna().to_numpy()], cells, 3_000, "2025-01-01", "2026-01-01",
                            seed=11)
    cases = cases.reset_index(drop=True)
    cases.loc[:39, "geometry"] = shapely.points(np.resize(border, (40, 2)))
    cases.loc[40:44, "geometry"] = outside[:5]
    cases_dir = tmp / "cases"
    cases_dir.mkdir()
    for k, start in enumerate(range(0, len(cases), 1_000)):
        cases.iloc[start:start + 1_000].to_parquet(cases_dir / f"part-{k:05d}.parquet", index=False)
    return {"tmp": tmp, "communities": communities, "comm_path": comm_path, "points": pts,
            "points_dir": points_dir, "cells": cells, "codes": codes, "n_outside": len(outside),
            "outside_codes": list(hard["code"].iloc[-len(outside):]), "cases": cases,
            "cases_dir": cases_dir}


def _check_identical(out: Path, sample: dict) -> None:
    """The batch outputs in ``out`` equal the single-machine reference exactly."""
    ref_cells = sample["cells"].sort_values("code").reset_index(drop=True)
    cells = gpd.read_parquet(out / "unit_cells.parquet").sort_values("code").reset_index(drop=True)
    assert len(cells) == len(ref_cells) > 10_000
    assert (cells["code"].to_numpy() == ref_cells["code"].to_numpy()).all()
    assert (cells["component_count"].to_numpy() == ref_cells["component_count"].to_numpy()).all()
    assert (cells["area_m2"].to_numpy() == ref_cells["area_m2"].to_numpy()).all()
    assert (shapely.to_wkb(cells.geometry.values) == shapely.to_wkb(ref_cells.geometry.values)).all()

    pts, ref = sample["points"], sample["codes"]
    comps = gpd.read_parquet(out / "components.parquet")
    unassigned = gpd.read_parquet(out / "unassigned_components.parquet")
    assert len(comps) + len(unassigned) == len(pts)
    # outside every district: the far points, and lattice-snapped ones that left the district (the communities
    # leave no gaps inside a district, so these are exactly the points without a cell)
    assert len(unassigned) == int(ref["cell_code"].isna().sum()) >= sample["n_outside"]
    assert set(sample["outside_codes"]) <= set(unassigned["code"])
    assert comps["code"].is_unique
    assert not {"_pid", "_halo", "_district"} & set(comps.columns)
    want = pd.concat([pts[["code"]], ref], axis=1).set_index("code")
    inside = want.index.difference(pd.Index(unassigned["code"]))
    assert len(inside) == len(comps)
    got = comps.set_index("code").loc[inside]
    for col in ("cell_code", "community_code", "street_code", "district_code"):
        assert (got[col].fillna("-").astype(str).to_numpy() ==
                want.loc[inside, col].fillna("-").astype(str).to_numpy()).all(), col
    assert want.loc[pd.Index(unassigned["code"]), "cell_code"].isna().all()
    # the shared-border vertices really needed the halo: they were assigned in both districts
    summary = pd.read_csv(out / "districts.csv", dtype={"district_code": str})
    assert summary["border_points"].sum() >= 30
    # the points were really spatially partitioned: every chunk file holds one district, Hilbert-sorted
    for d in DISTRICTS:
        files = sorted((out / "partitioned_points" / f"district={d}").glob("part-*.parquet"))
        assert len(files) >= 2
        for f in files:
            part = gpd.read_parquet(f)
            halo = part["_halo"].to_numpy()
            assert set(comps.set_index("code").loc[part["code"][~halo], "district_code"]
                       .dropna()) <= {d}
            h = part.geometry.hilbert_distance(total_bounds=read_districts(
                ROOT / "layers" / "sample" / "beijing_districts.gpkg", DISTRICTS).total_bounds).to_numpy()
            assert (np.diff(h) >= 0).all()
    # per-district outputs exist and add up
    assert list(summary["district_code"]) == DISTRICTS
    assert summary["components"].sum() == len(comps)
    for d in DISTRICTS:
        part = gpd.read_parquet(out / "districts" / d / "unit_cells.parquet")
        assert set(part["district_code"]) == {d}
        assert part["component_count"].sum() == (comps["district_code"] == d).sum()


@needs_dask
def test_cli_batch_equals_single_machine(sample: dict) -> None:
    from wanmi.cli import main

    out = sample["tmp"] / "out_cli"
    rc = main(["-q", "batch", str(sample["comm_path"]), "--points", str(sample["points_dir"]), "--out", str(out),
               "--workers", "2", "--valid-from", "2026-01-01"])
    assert rc == 0
    _check_identical(out, sample)
    import pyogrio

    layers = dict(pyogrio.list_layers(out / "wanmi_batch.gpkg"))
    assert {"unit_cells", "components", "districts"} <= set(layers)
    assert pyogrio.read_info(out / "wanmi_batch.gpkg", layer="components")["features"] == \
        int(sample["codes"]["cell_code"].notna().sum())
    gp_cells = pyogrio.read_dataframe(out / "wanmi_batch.gpkg", layer="unit_cells", read_geometry=False)
    assert sorted(gp_cells["code"]) == sorted(sample["cells"]["code"])


class _KillOnce:
    """Kill the worker process running the first assignment task of ``district`` (marker file = done)."""

    def __init__(self, marker: Path, district: str) -> None:
        self.marker, self.district = str(marker), district

    def __call__(self, district: str, chunk: int) -> None:
        if district == self.district and not os.path.exists(self.marker):
            with open(self.marker, "w") as fh:
                fh.write(f"{os.getpid()} {district} {chunk}\n")
            os._exit(1)  # the worker process dies mid-run; its nanny restarts it, the scheduler retries


@needs_dask
def test_killed_worker_is_retried_and_output_identical(sample: dict) -> None:
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test module
    out = sample["tmp"] / "out_kill"
    marker = sample["tmp"] / "killed.txt"
    result = run_batch(sample["communities"], sample["points_dir"], out, options=OPTIONS, workers=2,
                       task_hook=_KillOnce(marker, "110102"), gpkg=False)
    assert marker.exists(), "the fault was not injected"
    killed_pid = int(marker.read_text().split()[0])
    # the nanny started a replacement process, which did part of the work
    assert killed_pid > 0 and len(result.workers) >= 3
    assert result.n_outside == int(sample["codes"]["cell_code"].isna().sum())
    _check_identical(out, sample)


@needs_dask
def test_batch_refuses_bad_input(sample: dict, tmp_path: Path) -> None:
    from wanmi.core.errors import InputError

    with pytest.raises(InputError, match="no communities of district 110105"):
        run_batch(sample["communities"], sample["points_dir"], tmp_path, districts=["110105"])
    with pytest.raises(InputError, match="does not exist"):
        run_batch(sample["communities"], tmp_path / "missing.parquet", tmp_path)


@needs_dask
def test_cases_overlay_and_evaluation_equal_single_machine(sample: dict) -> None:
    from distributed import LocalCluster

    out = sample["tmp"] / "out_cases"
    # a cluster started elsewhere, reached by its scheduler address (as `wanmi batch --scheduler tcp://...`)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        result = run_batch(sample["communities"], sample["points_dir"], out, options=OPTIONS,
                           scheduler=cluster.scheduler_address, cases=sample["cases_dir"], period="2025",
                           gpkg=True, gpkg_components=False)
    assert cluster.scheduler_address.startswith("tcp://")
    cells = sample["cells"]
    ref = overlay_cases(sample["cases"], cells)
    got = gpd.read_parquet(out / "cases.parquet").set_index("case_id")
    unassigned = gpd.read_parquet(out / "unassigned_cases.parquet")
    assert len(got) + len(unassigned) == len(ref) == result.n_cases
    assert set(unassigned["case_id"]) == set(ref.loc[ref["cell_code"].isna(), "case_id"])
    want = ref.set_index("case_id").loc[got.index]
    for col in ("cell_code", "community_code", "street_code", "district_code"):
        assert (got[col].fillna("-").astype(str) == want[col].fillna("-").astype(str)).all(), col
    assert (got["reported_at"] == want["reported_at"]).all()
    # evaluation per level: the same counts, rates, scores and grades as evaluate() on everything at once
    ev = pd.read_parquet(out / "evaluation.parquet")
    for by, level in (("cell_code", "cell"), ("community_code", "community"), ("street_code", "street"),
                      ("district_code", "district"), ("dept_code", "department"), ("supervisor", "supervisor")):
        single = evaluate(ref, by=by, period="2025", cells=cells)
        mine = ev[ev["level"] == level].set_index("code").sort_index()
        single = pd.DataFrame(single.drop(columns=[c for c in ("geometry",) if c in single.columns]))
        single = single.set_index("code").sort_index()
        assert list(mine.index) == list(single.index), level
        numeric = [c for c in mine.columns if c in single.columns and pd.api.types.is_numeric_dtype(single[c])]
        assert "n_registered_all" in numeric and "score" in numeric
        for col in numeric:
            a, b = mine[col].to_numpy(dtype=float), single[col].to_numpy(dtype=float)
            assert ((a == b) | (np.isnan(a) & np.isnan(b))).all(), (level, col)
        assert (mine["grade"].astype(str) == single["grade"].astype(str)).all(), level
        if level == "department":  # every case counts for its department, also the ones outside every cell
            assert mine["n_cases"].sum() == len(ref) and len(mine) >= 5
            assert (mine["dept_name"].astype(str) == single["dept_name"].astype(str)).all()
        if level == "district":
            assert mine["n_cases"].sum() == int(ref["cell_code"].notna().sum())
    import pyogrio

    assert {"unit_cells", "cases", "evaluation", "districts"} <= {n for n, _ in pyogrio.list_layers(result.gpkg_path)}


@needs_dask
def test_only_never_deletes_what_it_did_not_write(sample: dict, tmp_path: Path) -> None:
    """``--only 110101`` after other runs: other districts' results, foreign folders and a user's files stay;
    only the run's own stale chunk files are replaced."""
    from wanmi.cli import main

    out = tmp_path / "out"
    other = out / "districts" / "110102"
    kept = {other / "unit_cells.parquet": b"an earlier result of 110102",
            other / "components" / "part-00000.parquet": b"an earlier chunk of 110102",
            out / "districts" / "notes" / "readme.txt": b"a folder the batch never wrote",
            out / "districts" / "110101" / "components" / "keep.txt": b"a user's file in a batch folder",
            out / "partitioned_points" / "district=110102" / "part-00000.parquet": b"points of 110102"}
    stale = out / "districts" / "110101" / "components" / "part-00099.parquet"
    for path, data in [*kept.items(), (stale, b"a chunk of an earlier run")]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    rc = main(["-q", "batch", str(sample["comm_path"]), "--points", str(sample["points_dir"]), "--out", str(out),
               "--workers", "2", "--valid-from", "2026-01-01", "--only", "110101", "--no-gpkg"])
    assert rc == 0
    assert {p: p.read_bytes() for p in kept} == kept
    assert not stale.exists()  # the batch's own file, rewritten by this run (it would break the merge)
    cells = gpd.read_parquet(out / "unit_cells.parquet")
    ref = sample["cells"]
    assert sorted(cells["code"]) == sorted(ref.loc[ref["district_code"] == "110101", "code"])
    comps = gpd.read_parquet(out / "components.parquet")
    assert set(comps["district_code"].dropna()) == {"110101"} and comps["code"].is_unique
    summary = pd.read_csv(out / "districts.csv", dtype={"district_code": str})
    assert summary["district_code"].tolist() == ["110101"]


def test_core_imports_without_dask(tmp_path: Path) -> None:
    """wanmi.core.batch and the batch run import (and say what to install) when dask is missing."""
    import subprocess

    code = (
        "import sys\n"
        "for m in ('dask', 'distributed', 'dask_geopandas'): sys.modules[m] = None\n"
        "import wanmi.core, wanmi.core.batch as b, wanmi.workflow.batch as w\n"
        "from wanmi.core.errors import InputError\n"
        "assert not b.dask_available()\n"
        "try:\n"
        "    w.run_batch(None, 'x', 'y')\n"
        "except InputError as e:\n"
        "    print('refused:', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert "refused: batches need dask" in out.stdout


def _help(command: str, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> str:
    from wanmi.cli import main

    monkeypatch.setenv("COLUMNS", "10000")  # argparse wraps at the terminal width (and after hyphens)
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("name", ["batch", "demo"])
def test_batch_and_demo_commands_are_generated_from_their_declarations(name: str, capsys, monkeypatch) -> None:
    """``wanmi batch/demo --help`` spell every declared parameter with its label and help; the commands are
    command-line tools only (no Processing algorithm) and no hand-written parser is left."""
    import argparse

    from wanmi.cli import build_parser
    from wanmi.workflow import CAPABILITIES

    capability = CAPABILITIES[name]
    assert capability.fronts == ("cli",)
    text = _help(name, capsys, monkeypatch)
    assert " ".join(capability.help.split()) in text
    for param in capability.params:
        assert param.cli in text, param.name
        assert " ".join(f"{param.label}: {param.help}".split()) in text, param.name
        for choice in param.choices:
            assert choice in text, (param.name, choice)
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    run = sub.choices[name].get_default("func")
    assert run.__code__.co_filename.endswith("generated.py")  # the generated command, not a hand-written one


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Helsinki's communities and roads (layers/sample/helsinki.gpkg) and its OSM points as GeoParquet."""
    tmp = tmp_path_factory.mktemp("helsinki")
    gpkg = ROOT / "layers" / "sample" / "helsinki.gpkg"
    points = gpd.read_file(gpkg, layer="points", engine="pyogrio")
    points.to_parquet(tmp / "points.parquet", index=False)
    return {"tmp": tmp, "gpkg": gpkg, "points": tmp / "points.parquet",
            "communities": gpd.read_file(gpkg, layer="communities", engine="pyogrio"),
            "roads": gpd.read_file(gpkg, layer="roads", engine="pyogrio")}


@needs_dask
def test_method_reaches_the_batch(helsinki: dict, capsys) -> None:
    """``--method street-block --roads`` gives the street-block cells of the single-machine partition (not the
    lattice squares of the default method); without roads the batch refuses before it starts."""
    from wanmi.cli import main

    out = helsinki["tmp"] / "out_blocks"
    rc = main(["-q", "batch", str(helsinki["gpkg"]), "--layer", "communities", "--points", str(helsinki["points"]),
               "--out", str(out), "--workers", "1", "--valid-from", "2026-01-01", "--no-gpkg",
               "--method", "street-block", "--roads", str(helsinki["gpkg"]), "--roads-layer", "roads"])
    assert rc == 0, capsys.readouterr().err
    cells = gpd.read_parquet(out / "unit_cells.parquet").sort_values("code").reset_index(drop=True)
    blocks = partition(helsinki["communities"], method="street-block", roads=helsinki["roads"],
                       valid_from="2026-01-01").cells
    regular = partition(helsinki["communities"], valid_from="2026-01-01").cells
    assert list(cells["code"]) == list(blocks["code"])
    assert shapely.equals_exact(cells.geometry.values, blocks.geometry.values, tolerance=1e-6).all()
    assert len(cells) != len(regular) or not shapely.equals_exact(
        cells.geometry.values, regular.geometry.values, tolerance=1e-6).all()
    # street blocks follow the roads: far fewer cells are squares of the 100 m lattice than in the regular grid
    def squares(frame: gpd.GeoDataFrame) -> float:
        return float((abs(frame.area - 10_000.0) < 1.0).mean())

    assert squares(cells) < 0.5 * squares(regular)
    capsys.readouterr()
    rc = main(["-q", "batch", str(helsinki["gpkg"]), "--layer", "communities", "--points", str(helsinki["points"]),
               "--out", str(helsinki["tmp"] / "out_refused"), "--method", "street-block"])
    assert rc == 2
    assert "street-block method cuts the cells along roads" in capsys.readouterr().err
    assert not (helsinki["tmp"] / "out_refused").exists()
