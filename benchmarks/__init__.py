"""Benchmarks: Wanmi's engine against QGIS native algorithms and geopandas, timed in the same run.

``python -m benchmarks`` (``make bench``) runs every ``bench_*.py`` module's ``main()`` in turn; results go
to ``benchmarks/results/``. Helpers shared by the modules live here.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"


def time_median(fn: Callable[[], Any], repeat: int = 3, warmup: bool = True) -> tuple[float, Any]:
    """Median wall time (s) of ``repeat`` calls of ``fn`` and the result of the last call.

    ``warmup``: one untimed call first (first-touch page faults, lazily built indexes and caches)."""
    runs, result = [], None
    if warmup:
        fn()
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), result


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, MiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def start_qgis() -> tuple[Any, bool]:
    """A headless ``QgsApplication`` with Processing initialised; ``created`` is False if one was running.

    Call ``app.exitQgis()`` only if ``created``, and only after every ``QgsVectorLayer`` is deleted (a layer
    alive at exit crashes the process with SIGSEGV).
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    runtime = Path(tempfile.gettempdir()) / f"runtime-{os.getuid()}"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    if QGIS_PLUGINS not in sys.path:
        sys.path.append(QGIS_PLUGINS)
    from qgis.core import QgsApplication

    app = QgsApplication.instance()
    created = app is None
    if created:
        app = QgsApplication([], False)
        app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    return app, created
