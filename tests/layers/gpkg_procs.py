"""Shared harness of the GeoPackage system-of-record tests: input files, forked importer processes, store
inspection. Workers are forked (``multiprocessing`` "fork"), so the engine is imported once by the parent."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

CTX = multiprocessing.get_context("fork")
CRS = "EPSG:4548"
X0, Y0 = 500_000.0, 4_400_000.0  # metres, EPSG:4548 (Beijing)


def _lonlat(xs: Sequence[float], ys: Sequence[float]) -> tuple[list[float], list[float]]:
    pts = gpd.GeoSeries([shapely.Point(x, y) for x, y in zip(xs, ys)], crs=CRS).to_crs(4326)
    return pts.x.tolist(), pts.y.tolist()


def cases_csv(path: Path, ids: Sequence[str], dx: float = 0.0) -> Path:
    """A case export (Chinese headers) with one valid event case per id."""
    lon, lat = _lonlat([X0 + 100 + dx + 0.5 * i for i in range(len(ids))], [Y0 + 100] * len(ids))
    rows = [{"案卷编号": cid, "案卷类型": "事件", "小类代码": "0102", "案卷来源": "监督员", "监督员": "S1",
             "处置部门": "环卫", "上报时间": "2025-03-01 08:00", "立案时间": "2025-03-01 08:10",
             "派遣时间": "2025-03-01 08:30", "处置时间": "2025-03-01 10:00", "结案时间": "2025-03-01 11:00",
             "处置时限": "2025-03-01 12:00", "返工次数": "0", "案卷状态": "已结案", "经度": lon[i], "纬度": lat[i]}
            for i, cid in enumerate(ids)]
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def census_csv(path: Path, n: int, dx: float, codes: Sequence[str | None] | None = None) -> Path:
    """Census records (17-digit scheme; class 01037 street lamps unless a code says otherwise, 3 m apart from
    ``X0 + dx``) without codes unless given."""
    lon, lat = _lonlat([X0 + dx + 3.0 * i for i in range(n)], [Y0] * n)
    codes = list(codes) if codes else [None] * n
    rows = [{"code": codes[i], "class_code": codes[i][6:11] if codes[i] else "01037", "name": "路灯", "dept_code": "D",
             "dept_name": "城管委", "cell_code": "110101001001001", "status": "完好",
             "initial_date": "2024-05-01", "lon": lon[i], "lat": lat[i]} for i in range(n)]
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def cli(argv: Sequence[str]) -> int:
    """``wanmi …`` in this process; its exit status."""
    from wanmi import cli as wanmi_cli

    try:
        return wanmi_cli.main(list(argv))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _entry(barrier: Any, func: Callable[..., int], args: tuple) -> None:
    import threading

    from tqdm import tqdm

    # tqdm's global lock is a multiprocessing lock shared with the parent after fork: a child killed while
    # holding it would freeze the parent's progress bar. Real importers are separate programs, so each child
    # gets a lock of its own.
    tqdm.set_lock(threading.RLock())
    if barrier is not None:
        barrier.wait(timeout=60)
    try:
        code = func(*args)
    except BaseException as exc:  # the exit status tells the parent; the message goes to stderr
        print(f"worker failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        code = 99
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(code or 0))


def start(func: Callable[..., int], args: tuple, barrier: Any = None) -> Any:
    """A forked process running ``func(*args)``; its exit status is func's return value (99: it raised)."""
    proc = CTX.Process(target=_entry, args=(barrier, func, args))
    proc.start()
    return proc


def run_parallel(func: Callable[..., int], jobs: Sequence[tuple], timeout: float = 120) -> list[int]:
    """Run ``func(*job)`` for every job in its own process, all released together; their exit statuses."""
    barrier = CTX.Barrier(len(jobs))
    procs = [start(func, job, barrier) for job in jobs]
    for proc in procs:
        proc.join(timeout)
    for proc in procs:
        if proc.is_alive():
            proc.kill()
            proc.join()
    return [proc.exitcode for proc in procs]


def column(path: Path, sql: str) -> list[Any]:
    """First column of a query on the store (a fresh connection)."""
    con = sqlite3.connect(path)
    try:
        return [r[0] for r in con.execute(sql)]
    finally:
        con.close()


def integrity(path: Path) -> str:
    return column(path, "PRAGMA integrity_check")[0]


def leftovers(folder: Path, keep: Sequence[str]) -> list[str]:
    """Files in ``folder`` other than ``keep`` (temporary copies, journals, stray outputs)."""
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)
