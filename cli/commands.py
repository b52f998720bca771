"""Hand-written ``wanmi`` sub-commands that have not yet moved onto a workflow declaration (issue 14)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.enums import (
    CELL_SCHEME_NAMES,
    DEFAULT_CELL_SCHEME,
    DEFAULT_COMPONENT_SCHEME,
)
from ..core.errors import WanmiError
from .feedback import BarFeedback


def _read(path: str, layer: str | None):
    import geopandas as gpd

    return gpd.read_file(path, layer=layer, engine="pyogrio")


def _print_summary(summary: dict) -> None:
    for key, value in summary.items():
        print(f"  {key:>22}: {value:,.2f}" if isinstance(value, float) else f"  {key:>22}: {value}")


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


def _read_preferred(path: str, layer: str | None, preferred: str):
    """Read ``layer``, else the ``preferred`` layer when the file has one, else its first layer."""
    if layer is None:
        import pyogrio

        try:
            names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        except Exception:  # not a multi-layer source: let the reader report it
            names = []
        layer = preferred if preferred in names else None
    return _read(path, layer)


def _parse_mix(text: str | None) -> dict[str, float] | None:
    if not text:
        return None
    out = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        try:
            out[key.strip()] = float(value) if value else 1.0
        except ValueError as exc:
            raise WanmiError(f"--mix {text!r}: {item!r} is not name=number") from exc
    return out


def _parties(text: str) -> list[str]:
    """Responsible parties from a comma-separated list or a text file with one per line."""
    path = Path(text)
    items = path.read_text(encoding="utf-8").splitlines() if path.is_file() else text.split(",")
    return [p.strip() for p in items if p.strip()]


def cmd_responsibility(args: argparse.Namespace) -> int:
    from ..core.responsibility import build_responsibility
    from ..layers import STYLES_DIR
    from ..layers.gpkg import write_gpkg

    cells = _read_preferred(args.cells, args.layer, "unit_cells")
    components = _read_preferred(args.components, args.components_layer, "components") if args.components else None
    cases = _read_preferred(args.cases, args.cases_layer, "cases") if args.cases else None
    feedback = BarFeedback("responsibility", enabled=not args.quiet)
    try:
        result = build_responsibility(cells, args.n, weight=args.weight, components=components, cases=cases,
                                      mix=_parse_mix(args.mix), allow_cross_street=args.allow_cross_street,
                                      tolerance=args.tolerance, feedback=feedback)
    finally:
        feedback.close()
    if args.responsible:
        parties = _parties(args.responsible)
        if len(parties) != len(result.areas):
            raise WanmiError(f"--responsible names {len(parties)} parties for {len(result.areas)} areas")
        result.areas["responsible"] = parties  # in area_code order
    write_gpkg(args.out, {"responsibility_areas": result.areas, "unit_cells": result.cells,
                          "allocation": result.allocation},
               styles={"responsibility_areas": STYLES_DIR / "responsibility_areas.qml",
                       "unit_cells": STYLES_DIR / "unit_cells.qml"})
    print(f"wrote {len(result.areas)} responsibility areas to {args.out} (layer responsibility_areas; "
          f"practice suggests {result.suggested_n} for this workload)")
    _print_summary({k: v for k, v in result.summary.items() if not isinstance(v, bool)})
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from ..core.audit import audit
    from ..layers.audit_report import write_audit_gpkg, write_audit_report

    cells = _read_preferred(args.cells, args.layer, "unit_cells")
    jurisdiction = _read_preferred(args.jurisdiction, args.jurisdiction_layer, "communities")
    components = _read_preferred(args.components, args.components_layer, "components") if args.components else None
    areas = _read_preferred(args.areas, args.areas_layer, "responsibility_areas") if args.areas else None
    feedback = BarFeedback("audit", enabled=not args.quiet)
    try:
        result = audit(cells, jurisdiction, components=components, areas=areas, cell_scheme=args.scheme,
                       component_scheme=args.component_scheme, target_area=args.target_area,
                       sliver_ratio=args.sliver_ratio, min_area=args.min_area, party_field=args.party_field,
                       jurisdiction_name=args.name or Path(args.jurisdiction).stem, as_of=args.as_of,
                       feedback=feedback)
    finally:
        feedback.close()
    write_audit_gpkg(result, args.out)
    print(f"audit: {result.errors} errors, {result.warnings} warnings → {args.out} (layer audit_problems)")
    for row in result.summary.itertuples():
        print(f"  {row.severity:>8} {row.type:<26} {row.layer:<11} {row.count:>6}")
    if args.report:
        files = write_audit_report(result, args.report, jurisdiction=args.name)
        print("report: " + ", ".join(str(p) for p in files.values()))
    return 1 if args.strict and result.errors else 0


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

    rg = sub.add_parser("responsibility", help="group unit cells into N balanced responsibility areas (责任网格)")
    rg.add_argument("cells", help="unit cells (GeoPackage from wanmi partition)")
    rg.add_argument("--layer", help="cell layer (default unit_cells, else the first layer)")
    rg.add_argument("--n", type=int, help="number of areas (default: from 12 cells / 180,000 m² / 1,400 "
                    "components per supervisor)")
    rg.add_argument("--weight", default="area",
                    help="workload: area, components, cases, cells, mix or a numeric cell column (default area)")
    rg.add_argument("--mix", help="weights of the mix, e.g. area=1,components=2 (each measure scaled to its mean)")
    rg.add_argument("--components", help="component points (counted per cell)")
    rg.add_argument("--components-layer")
    rg.add_argument("--cases", help="case points (counted per cell)")
    rg.add_argument("--cases-layer")
    rg.add_argument("--allow-cross-street", action="store_true", help="areas may cross street boundaries")
    rg.add_argument("--tolerance", type=float, default=0.02, help="balance target: share of the mean (0.02)")
    rg.add_argument("--responsible", help="responsible parties in area-code order: a comma-separated list or "
                    "a text file with one per line (default: left empty, to be filled in)")
    rg.add_argument("--out", required=True, help="output GeoPackage (layer responsibility_areas)")
    rg.set_defaults(func=cmd_responsibility)

    au = sub.add_parser("audit", help="audit cells/areas against the jurisdiction: gaps, overlaps, codes (边界审计)")
    au.add_argument("cells", help="unit cells to audit")
    au.add_argument("--layer", help="cell layer (default unit_cells, else the first layer)")
    au.add_argument("--jurisdiction", required=True, help="community polygons with their codes")
    au.add_argument("--jurisdiction-layer")
    au.add_argument("--components", help="component points with code and cell_code")
    au.add_argument("--components-layer")
    au.add_argument("--areas", help="responsibility areas with a responsible party field")
    au.add_argument("--areas-layer")
    au.add_argument("--party-field", default="responsible")
    au.add_argument("--scheme", default=DEFAULT_CELL_SCHEME, help=f"cell code scheme (default {DEFAULT_CELL_SCHEME})")
    au.add_argument("--component-scheme", default=DEFAULT_COMPONENT_SCHEME,
                    help=f"component code scheme (default {DEFAULT_COMPONENT_SCHEME})")
    au.add_argument("--target-area", type=float, default=10_000.0)
    au.add_argument("--sliver-ratio", type=float, default=0.3)
    au.add_argument("--min-area", type=float, default=1e-3, help="ignore pieces below this area in m² (0.001)")
    au.add_argument("--name", help="jurisdiction name for the report")
    au.add_argument("--as-of", help="audit the grid as valid on this day (YYYY-MM-DD; default today)")
    au.add_argument("--out", required=True, help="output GeoPackage (layers audit_problems, audit_points)")
    au.add_argument("--report", help="report path: writes .md, .html and .csv")
    au.add_argument("--strict", action="store_true", help="exit with status 1 when errors are found")
    au.set_defaults(func=cmd_audit)

    d = sub.add_parser("demo", help="run the whole workflow on the bundled sample data")
    d.add_argument("--out", default="demo_output")
    d.set_defaults(func=cmd_demo)
