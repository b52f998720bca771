"""Helpers of the PostGIS CLI tests: survey CSVs, ``wanmi census import`` processes, password checks."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

LON0, LAT0 = 116.3975, 39.9087  # near Tiananmen, inside street 01 of the 12-digit default scheme
HEADER = ["code", "class_code", "name", "dept_code", "dept_name", "status", "initial_date", "cell_code",
          "lon", "lat"]


def survey_csv(path: Path, codes: Iterable[str | None], row: int, class_code: str = "0118") -> Path:
    """One record per code (None: class only, to allocate) on row ``row`` of a 9 m lattice (WGS 84)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i, code in enumerate(codes):
            writer.writerow([code or "", class_code, "路灯", "D01", "城管委", "完好", "2024-03-01",
                             "110101001001001", f"{LON0 + 0.0001 * i:.7f}", f"{LAT0 + 0.0001 * row:.7f}"])
    return path


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


def wanmi(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen:
    """Start ``python -m wanmi.cli ARGS`` (not waited for)."""
    full = dict(os.environ)
    full.update(env or {})
    return subprocess.Popen([sys.executable, "-m", "wanmi.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=full, cwd=cwd)


def run_all(commands: list[list[str]], env: Mapping[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 120) -> list[Run]:
    """Run the commands at the same time; their outcomes in order."""
    start = time.monotonic()
    procs = [wanmi(*c, env=env, cwd=cwd) for c in commands]
    runs = []
    for cmd, proc in zip(commands, procs):
        out, err = proc.communicate(timeout=timeout)
        runs.append(Run(cmd, proc.returncode, out, err, time.monotonic() - start))
    return runs


def run_one(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Run:
    return run_all([list(args)], env=env, cwd=cwd)[0]


def assert_secret_absent(secret: str, runs: Iterable[Run] = (), folders: Iterable[Path] = ()) -> None:
    """``secret`` appears in no stdout/stderr of ``runs`` and in no file under ``folders``."""
    for run in runs:
        assert secret not in run.text, f"password shown: {run.text}"
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), f"password written to {path}"
