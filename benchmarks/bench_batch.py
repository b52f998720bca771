"""Province batch on dask.distributed: components/s on 1 and 2 workers, 10⁶ → 10⁷ points, memory per worker.

Input: the real boundaries of Beijing's six central districts (城六区: 东城, 西城, 朝阳, 丰台, 石景山, 海淀;
1,376 km², ``--province`` for all 16 districts, 16,408 km²) from ``layers/sample/beijing_districts.gpkg``,
split into synthetic communities, with seeded synthetic components (``wanmi.core.province``, written by
``wanmi.layers.province_io``) scaled to
``--sizes`` points (default 10⁶, 3·10⁶, 10⁷; ``--quick`` 10⁵, 3·10⁵) and written as a GeoParquet dataset
of 2¹⁸-point files (one dask chunk each) in a temporary directory. Partition target 10,000 m² (≈ 140,000 cells).

For every size and worker count (LocalCluster, processes, 1 thread each — this machine has 2 cores) one
:func:`wanmi.workflow.batch.run_batch` is timed end to end and per stage (split = read + locate district +
Hilbert sort + write; partition+assign; merge into one GeoParquet; the GeoPackage is left out — writing
10⁷ features to SQLite is a single-writer step, timed separately at the smallest size). Throughput =
points / (split + partition+assign + merge) wall seconds; the partition tasks (≈ 140,000 cells, the same at
every size) run during the split and are listed as the sum of their task seconds. Peak RSS is that of
each dask worker process (``ru_maxrss``) and of the driver process, which never holds the points (they are
generated, and the GeoPackage written, in child processes).

Reference in the same run: the single-process path (one ``partition`` + one ``assign_to_cells`` with every
point in memory) at the smallest size, its wall time
and peak RSS (the QGIS native comparison for assignment itself is ``bench_assign.py``).
Results: ``benchmarks/results/batch.txt``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import shapely

from benchmarks import RESULTS, ROOT, peak_rss_mib
from wanmi.core.batch import BatchOptions
from wanmi.core.province import ZONES, _zone, synthetic_communities
from wanmi.layers.province_io import read_districts
from wanmi.workflow.batch import run_batch

CENTRAL = ["110101", "110102", "110105", "110106", "110107", "110108"]
SEED = 20260101
OPTIONS = BatchOptions(valid_from="2026-01-01")
ROWS_PER_FILE = 1 << 18  # input files (= dask chunks) of ~262,000 points: the unit of streaming


def expected_points(communities: gpd.GeoDataFrame) -> float:
    """Expected number of synthetic components at scale 1 (zone density × area)."""
    area = shapely.area(communities.geometry.values) / 1e6
    dens = communities["district_code"].map(lambda c: _zone(c).density).to_numpy()
    return float((area * dens).sum())


def generate_points(communities_path: Path, out: Path, scale: float) -> int:
    """:func:`write_synthetic_points` in a fresh interpreter; returns the number of points."""
    code = f"""
import geopandas as gpd
from wanmi.layers.province_io import write_synthetic_points
comm = gpd.read_file({str(communities_path)!r}, engine="pyogrio")
print(write_synthetic_points(comm, {str(out)!r}, scale={scale!r}, seed={SEED}, rows_per_file={ROWS_PER_FILE})[1])
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT.parent)
    return int(res.stdout.split()[-1])


def gpkg_time(batch_out: Path, target: Path) -> float:
    """Seconds to stream a batch's cells and components into one GeoPackage, in a child process."""
    code = f"""
import time
from pathlib import Path
from wanmi.layers.batch_io import write_gpkg_streamed
out = Path({str(batch_out)!r})
t = time.perf_counter()
write_gpkg_streamed(Path({str(target)!r}), [("unit_cells", sorted(out.glob("districts/*/unit_cells.parquet"))),
                     ("components", sorted(out.glob("districts/*/components/*.parquet")))])
print(time.perf_counter() - t)
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT.parent)
    return float(res.stdout.split()[-1])


def single_process_reference(communities_path: Path, points_dir: Path) -> tuple[float, float]:
    """Wall time and peak RSS of the single-process path, in a fresh interpreter."""
    code = f"""
import time, geopandas as gpd, pandas as pd, glob, resource
from wanmi.core.batch import BatchOptions
from wanmi.core.geocode import assign_to_cells
from wanmi.core.grid import partition
t = time.perf_counter()
comm = gpd.read_file({str(communities_path)!r}, engine="pyogrio")
pts = pd.concat([gpd.read_parquet(f) for f in sorted(glob.glob({str(points_dir / '*.parquet')!r}))],
                ignore_index=True)
result = partition(comm, **BatchOptions(valid_from="2026-01-01").partition_kwargs())
assign_to_cells(pts, result.cells, lattice=result.lattice)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT.parent)
    wall, rss = out.stdout.split()[-2:]
    return float(wall), float(rss)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10⁵ and 3·10⁵ points")
    ap.add_argument("--province", action="store_true", help="all 16 districts instead of the 6 central ones")
    ap.add_argument("--sizes", help="comma-separated point counts (default 1e6,3e6,1e7)")
    ap.add_argument("--workers", default="1,2", help="worker counts (default 1,2)")
    ap.add_argument("--tmp", type=Path, help="working directory (default: a temporary one, removed)")
    args = ap.parse_args(argv)
    sizes = [int(float(v)) for v in (args.sizes or ("1e5,3e5" if args.quick else "1e6,3e6,1e7")).split(",")]
    worker_counts = [int(v) for v in args.workers.split(",")]
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp_name:
        tmp = Path(tmp_name)
        districts = read_districts(ROOT / "layers" / "sample" / "beijing_districts.gpkg",
                                   None if args.province else CENTRAL)
        communities = synthetic_communities(districts, seed=SEED)
        comm_path = tmp / "communities.gpkg"
        communities.to_file(comm_path, layer="communities", engine="pyogrio")
        base = expected_points(communities)
        say(f"bench_batch — {platform.node()} ({os.cpu_count()} cores), Python {platform.python_version()}")
        say(f"input: {len(districts)} real Beijing districts ({districts.area.sum() / 1e6:,.0f} km²), "
            f"{len(communities):,} synthetic communities; synthetic components (zone densities "
            + ", ".join(f"{z.name_zh} {z.density:,.0f}/km²" for z in ZONES.values()) + " at scale 1)")
        say("")
        say(f"{'points':>11} {'workers':>7} {'split s':>8} {'part+assign s':>13} {'merge s':>8} {'total s':>8} "
            f"{'comp/s':>10} {'worker peak MiB':>16} {'driver MiB':>10} {'partition task s':>16}")
        reference = None
        for n in sizes:
            pts_dir = tmp / f"points_{n}"
            t0 = time.perf_counter()
            got = generate_points(comm_path, pts_dir, n / base)  # in a child process: the driver stays small
            gen_s = time.perf_counter() - t0
            for w in worker_counts:
                out = tmp / f"out_{n}_{w}"
                r = run_batch(comm_path, pts_dir, out, options=OPTIONS, workers=w, gpkg=False)
                t = r.timings
                work = t["split_points_s"] + t["partition_assign_s"] + t["merge_s"]
                say(f"{r.n_points:>11,} {w:>7} {t['split_points_s']:>8.1f} {t['partition_assign_s']:>13.1f} "
                    f"{t['merge_s']:>8.1f} {t['total_s']:>8.1f} {r.n_points / work:>10,.0f} "
                    f"{max(r.workers.values()):>16,.0f} {peak_rss_mib():>10,.0f} "
                    f"{r.districts['partition_s'].sum():>16.1f}")
                cells_n = r.n_cells
                if n == sizes[0] and w == worker_counts[-1]:
                    kept = out  # for the GeoPackage timing at the end (in a child process)
                else:
                    shutil.rmtree(out)
            say(f"{'':>11} (generating {got:,} points took {gen_s:.1f} s, not counted)")
            if n == sizes[0]:
                reference = single_process_reference(comm_path, pts_dir)
            shutil.rmtree(pts_dir)
        gpkg_s = gpkg_time(kept, tmp / "bench.gpkg")
        say("")
        say(f"cells: {cells_n:,}. GeoPackage (unit_cells + {sizes[0]:,} components, streamed, one writer): "
            f"{gpkg_s:.1f} s")
        if reference:
            say(f"single process, all {sizes[0]:,} points in memory (partition + assign_to_cells, no dask): "
                f"{reference[0]:.1f} s, peak RSS {reference[1]:,.0f} MiB")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ("batch_quick.txt" if args.quick else "batch.txt")).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
