"""``wanmi evaluate`` and ``wanmi render``: evaluation scores (综合评价) and score maps from the command line.

    wanmi evaluate overlaid_cases.gpkg --cells cells.gpkg --by cell_code --period 2025-03 --out scores.gpkg
    wanmi evaluate overlaid_cases.gpkg --by dept_code --period 2025-Q1 --out depts.gpkg --weights my.toml
    wanmi render scores.gpkg --out map.png --pdf --title "东城区单元网格综合评价 2025年3月"

Evaluate the overlay of *all* cases (not one filtered by report date): a case reported in February can be
due, disposed or closed in March. The output layer ``scores`` carries the grade style (grades.qml).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core.enums import CLASSIFICATION_METHODS, GROUP_KEYS
from ..core.errors import InputError

SCORE_LAYER = "scores"
BY = GROUP_KEYS


def _layers(path: str) -> list[str]:
    import pyogrio

    if not Path(path).exists():
        raise InputError(f"{path}: no such file")
    try:
        return [str(n) for n, _ in pyogrio.list_layers(path)]
    except Exception:  # not a multi-layer source
        return []


def _read(path: str, layer: str | None, preferred: str) -> Any:
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    names = _layers(path)
    if layer is None and preferred in names:
        layer = preferred
    if layer is not None and names and layer not in names:
        raise InputError(f"{path}: no layer {layer!r} (layers: {', '.join(names)})")
    info = pyogrio.read_info(path, layer=layer)
    if info.get("geometry_type") in (None, "Unknown") and not info.get("geometry_name"):
        return pd.DataFrame(pyogrio.read_dataframe(path, layer=layer, read_geometry=False))
    return gpd.read_file(path, layer=layer, engine="pyogrio")


def _read_cases(path: str, layer: str | None) -> Any:
    try:
        from ..layers.case_store import CASE_LAYER, read_case_store
    except ImportError:  # cases store not available: plain read
        return _read(path, layer, "cases")
    if Path(path).suffix.lower() == ".gpkg" and (layer or CASE_LAYER) in _layers(path):
        return read_case_store(path, layer or CASE_LAYER)
    return _read(path, layer, CASE_LAYER)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ..core.evaluation import evaluate
    from ..layers import STYLES_DIR
    from ..layers.gpkg import write_gpkg
    from . import BarFeedback

    cases = _read_cases(args.cases, args.cases_layer)
    cells = _read(args.cells, args.cells_layer, "unit_cells") if args.cells else None
    fb = BarFeedback("evaluate", enabled=not args.quiet)
    try:
        result = evaluate(cases, by=args.by, period=args.period, cells=cells, config=args.weights,
                          code_field=args.code_field, feedback=fb)
    finally:
        fb.close()
    has_geometry = getattr(result, "_geometry_column_name", None) is not None
    styles = {args.out_layer: STYLES_DIR / "grades.qml"} if has_geometry else None
    write_gpkg(args.out, {args.out_layer: result}, styles=styles)
    counts = result["grade"].value_counts()
    summary = ", ".join(f"{g} {int(counts.get(g, 0))}" for g in [*sorted(c for c in counts.index if c != "无数据"),
                                                                  "无数据"] if g in counts.index)
    print(f"{len(result)} {args.by} unit(s) evaluated for {result.attrs.get('period')}: {summary} → {args.out} "
          f"(layer {args.out_layer})")
    if result.attrs.get("unavailable"):
        print("  not in the case table (weights rescaled): " + ", ".join(result.attrs["unavailable"]))
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from ..core.render import ranking_chart, save_figure, score_map

    frame = _read(args.scores, args.layer, SCORE_LAYER)
    if "period" in frame.columns and len(frame):
        frame.attrs["period"] = str(frame["period"].iloc[0])
    if getattr(frame, "_geometry_column_name", None) is not None and frame.geometry.notna().any():
        fig = score_map(frame, args.column, title=args.title, source=args.source, method=args.method,
                        classes=args.classes)
    else:  # departments / supervisors: a ranking chart
        fig = ranking_chart(frame, "score" if args.column == "grade" else args.column, title=args.title,
                            source=args.source)
    written = save_figure(fig, args.out, pdf=args.pdf, dpi=args.dpi)
    classes = getattr(fig, "wanmi_classes", None)
    if classes:
        print("  " + "; ".join(f"{label}: {n}" for label, _c, n in classes))
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


def add_parser(sub: Any) -> None:
    """Register ``wanmi evaluate`` and ``wanmi render`` on the main parser's subparsers."""
    e = sub.add_parser("evaluate", help="evaluation indicators, scores and grades per cell/region/department")
    e.add_argument("cases", help="cases overlaid on the grid (wanmi cases overlay), or case points with --cells")
    e.add_argument("--cases-layer", help="layer of the cases (default: cases)")
    e.add_argument("--cells", help="unit cells: every cell in the output, with areas and polygons")
    e.add_argument("--cells-layer", help="layer of the cells (default: unit_cells)")
    e.add_argument("--code-field", default="code", help="cell code field of the cells (default code)")
    e.add_argument("--by", choices=BY, default="cell_code", help="evaluated unit (default cell_code)")
    e.add_argument("--period", help="2025-03, 2025-Q1, 2025, 2025-W10, 2025-03-05 or 2025-03-01/2025-03-15 "
                                    "(default: all cases)")
    e.add_argument("--weights", help="JSON/TOML file with weights, bands and grade thresholds")
    e.add_argument("--out", required=True, help="output GeoPackage")
    e.add_argument("--out-layer", default=SCORE_LAYER)
    e.set_defaults(func=cmd_evaluate)

    r = sub.add_parser("render", help="static score map (PNG/PDF) or ranking chart of an evaluation result")
    r.add_argument("scores", help="output of wanmi evaluate")
    r.add_argument("--layer", help=f"layer (default: {SCORE_LAYER})")
    r.add_argument("--out", required=True, help="image file (.png, .pdf or .svg)")
    r.add_argument("--pdf", action="store_true", help="also write a PDF next to the image")
    r.add_argument("--title")
    r.add_argument("--source", help="data-source line (default: Wanmi, period, number of units)")
    r.add_argument("--column", default="grade", help="grade (default), score, density or any numeric field")
    r.add_argument("--method", choices=CLASSIFICATION_METHODS, default=CLASSIFICATION_METHODS[0],
                   help="classes of numeric columns (default quantile)")
    r.add_argument("--classes", type=int, default=5, choices=range(3, 8), metavar="3..7")
    r.add_argument("--dpi", type=int, default=200)
    r.set_defaults(func=cmd_render)
