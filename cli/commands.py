"""Hand-written ``wanmi`` sub-commands that have not yet moved onto a workflow declaration (issue 14)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.enums import (
    CELL_SCHEME_NAMES,
    DEFAULT_CELL_SCHEME,
)
from .feedback import BarFeedback


def cmd_batch(args: argparse.Namespace) -> int:
    from ..core.batch import BatchOptions, run_batch
    from ..layers import STYLES_DIR
    from ..layers.gpkg import store_styles

    options = BatchOptions(target_area=args.target_area, sliver_ratio=args.sliver_ratio, code_scheme=args.scheme,
                           valid_from=args.valid_from, crs=args.crs)
    only = [c.strip() for c in args.only.split(",") if c.strip()] if args.only else None
    feedback = BarFeedback("batch", enabled=not args.quiet)
    try:
        result = run_batch(args.districts, args.points, args.out, layer=args.layer, options=options,
                           districts=only, scheduler=args.scheduler,
                           workers=args.workers, gpkg=not args.no_gpkg, cases=args.cases, period=args.period,
                           evaluation_config=args.weights, gpkg_components=not args.no_gpkg_components,
                           feedback=feedback)
    finally:
        feedback.close()
    if result.gpkg_path is not None:
        store_styles(result.gpkg_path, {"unit_cells": STYLES_DIR / "unit_cells.qml",
                                        "components": STYLES_DIR / "components.qml"})
    print(f"wrote {result.n_cells:,} unit cells and {result.n_points - result.n_outside:,} components of "
          f"{len(result.districts)} districts to {result.out_dir} ({result.n_outside:,} points outside every "
          f"district) in {result.timings['total_s']:.1f} s")
    if result.evaluation_path is not None:
        print(f"  {result.n_cases:,} cases overlaid and evaluated: {result.cases_path}, {result.evaluation_path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ..workflow.demo import run_demo

    outputs = run_demo(Path(args.out), quiet=args.quiet)
    print("\nWanmi demo finished. Outputs:")
    for label, path in outputs.items():
        print(f"  {label:<40} {path}")
    return 0


def add_parsers(sub) -> None:
    """The hand-written sub-commands."""

    from .census import add_parser as add_census_parser

    add_census_parser(sub)

    from .cases import add_parser as add_cases_parser

    add_cases_parser(sub)

    from .evaluate import add_parser as add_evaluate_parser

    add_evaluate_parser(sub)

    b = sub.add_parser("batch", help="partition many districts and assign components on dask (省级批量)")
    b.add_argument("districts", help="communities (or districts) of many districts with their codes")
    b.add_argument("--layer", help="layer name inside the jurisdiction file")
    b.add_argument("--points", required=True, help="component points: GeoParquet file or directory")
    b.add_argument("--out", required=True, help="output directory (per district + one GeoParquet/GeoPackage)")
    b.add_argument("--cases", help="cases (案卷) to overlay and evaluate: GeoParquet file or directory")
    b.add_argument("--period", help="evaluation period of the cases, e.g. 2025, 2025-Q1, 2025-03 (default all)")
    b.add_argument("--weights", help="evaluation weights/grades file (JSON/TOML; default the built-in ones)")
    b.add_argument("--scheduler", help="dask scheduler address, e.g. tcp://host:8786 (default: a local cluster)")
    b.add_argument("--workers", type=int, default=2, help="local cluster worker processes (default 2)")
    b.add_argument("--only", help="only these district codes (comma-separated); the merged files hold them, other "
                                  "districts' results under <out>/districts/ and files the batch did not write stay")
    b.add_argument("--target-area", type=float, default=10_000.0, help="target cell area in m² (default 10000)")
    b.add_argument("--sliver-ratio", type=float, default=0.3)
    b.add_argument("--crs", help="metric CRS for all districts (default: chosen once for the whole input)")
    b.add_argument("--scheme", default=DEFAULT_CELL_SCHEME, help=f"cell code scheme: {' or '.join(CELL_SCHEME_NAMES)}")
    b.add_argument("--valid-from", help="date the cells take effect (YYYY-MM-DD; default today)")
    b.add_argument("--no-gpkg", action="store_true", help="GeoParquet only, no GeoPackage")
    b.add_argument("--no-gpkg-components", action="store_true",
                   help="leave the components out of the GeoPackage (they stay in components.parquet)")
    b.set_defaults(func=cmd_batch)

    d = sub.add_parser("demo", help="run the whole workflow on the bundled sample data")
    d.add_argument("--out", default="demo_output")
    d.set_defaults(func=cmd_demo)
