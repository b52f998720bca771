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
from collections.abc import Mapping, Sequence
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


def polygon_layer(geoms: Any, crs: str, name: str, columns: Mapping[str, Sequence[Any]] | None = None, *,
                  multi: bool = False, index: bool = True) -> Any:
    """A QGIS memory layer of the polygons ``geoms`` with ``columns`` (integer columns stay integers, the rest
    become text), spatially indexed when ``index``: the QGIS side of a benchmark, built before timing."""
    import numpy as np
    import shapely
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    columns = {key: np.asarray(values) for key, values in (columns or {}).items()}
    kinds = {key: "integer" if values.dtype.kind in "iu" else "string" for key, values in columns.items()}
    spec = "".join(f"&field={key}:{kind}" for key, kind in kinds.items())
    layer = QgsVectorLayer(f"{'MultiPolygon' if multi else 'Polygon'}?crs={crs}{spec}", name, "memory")
    rows = list(zip(*[values.tolist() if kinds[key] == "integer" else values.astype(str).tolist()
                      for key, values in columns.items()])) or [()] * len(geoms)
    feats = []
    for wkb, row in zip(shapely.to_wkb(np.asarray(geoms, dtype=object)), rows):
        feature = QgsFeature(layer.fields())
        geom = QgsGeometry()
        geom.fromWkb(wkb)
        feature.setGeometry(geom)
        feature.setAttributes(list(row))
        feats.append(feature)
    layer.dataProvider().addFeatures(feats)
    if index:
        layer.dataProvider().createSpatialIndex()
    return layer
