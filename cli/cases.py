"""``wanmi cases …``: cases (案卷) from the command line.

    wanmi cases import cases.xlsx --out cases.gpkg --components census.gpkg --jurisdiction dongcheng.gpkg
    wanmi cases overlay cases.gpkg cells.gpkg --out overlay.gpkg --period 2025-03 --by community_code
    wanmi cases synth cells.gpkg --n 20000 --start 2025-01-01 --end 2025-07-01 --seed 1 --out synthetic.gpkg

Imports write everything or nothing: valid records land in the ``cases`` layer, rejected ones go to the
reject CSV with the reason.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core.enums import COORD_SYSTEMS, GROUP_KEYS
from ..core.errors import InputError


def _read_layer(path: str, layer: str | None) -> Any:
    import geopandas as gpd

    if not Path(path).exists():
        raise InputError(f"{path}: no such file")
    return gpd.read_file(path, layer=layer, engine="pyogrio")


def _cells(path: str, layer: str | None) -> Any:
    import pyogrio

    if layer is None and Path(path).suffix.lower() == ".gpkg" and Path(path).exists():
        names = [n for n, _ in pyogrio.list_layers(path)]
        layer = "unit_cells" if "unit_cells" in names else None
    return _read_layer(path, layer)


def _cases(path: str, layer: str | None) -> Any:
    from ..layers.case_store import CASE_LAYER, read_case_store, read_cases

    if Path(path).suffix.lower() == ".gpkg":
        import pyogrio

        names = [n for n, _ in pyogrio.list_layers(path)] if Path(path).exists() else []
        if (layer or CASE_LAYER) in names:
            return read_case_store(path, layer or CASE_LAYER)
    from ..core.cases import normalize_cases

    return normalize_cases(read_cases(path, layer=layer))


def _feedback(args: argparse.Namespace, what: str) -> Any:
    from . import BarFeedback

    return BarFeedback(what, enabled=not getattr(args, "quiet", False))


def cmd_import(args: argparse.Namespace) -> int:
    from ..layers.case_store import import_cases

    jurisdiction = _read_layer(args.jurisdiction, args.jurisdiction_layer) if args.jurisdiction else None
    rejects = args.rejects or str(Path(args.input).with_suffix(".rejects.csv"))
    fb = _feedback(args, "import cases")
    try:
        result = import_cases(args.input, args.out, components=args.components, jurisdiction=jurisdiction,
                              rejects=rejects, strict=args.strict, feedback=fb, layer=args.layer, x=args.x,
                              y=args.y, coords=args.coords, sheet=args.sheet, encoding=args.encoding)
    finally:
        fb.close()
    print(f"{args.input}: {result.n_written} case(s) stored in {args.out}, {result.n_rejected} rejected "
          f"(of {result.n_total})")
    if len(result.problems):
        for kind, n in result.report.summary().items():
            print(f"  {kind:>22}: {n} record(s)")
        print(f"rejected records with the reason: {result.rejects_path}")
    return 0


def cmd_overlay(args: argparse.Namespace) -> int:
    from ..core.cases import Period, case_counts, counts_on_cells, overlay_cases
    from ..layers.case_store import write_cases

    cases = _cases(args.cases, args.cases_layer)
    cells = _cells(args.cells, args.cells_layer)
    period = Period.parse(args.period) if args.period else None
    fb = _feedback(args, "overlay cases")
    try:
        overlaid = overlay_cases(cases, cells, period, feedback=fb)
    finally:
        fb.close()
    counts = case_counts(overlaid, by=args.by, by_class=not args.no_class, by_stage=True, by_state=True)
    name = f"case_counts_{args.by.removesuffix('_code')}"
    meta = {"period": str(period) if period else "all", "count_by": args.by, "cases_source": args.cases}
    write_cases(args.out, overlaid, meta, extra_layers={name: counts_on_cells(counts, cells, args.by)})
    inside = int(overlaid["cell_code"].notna().sum())
    print(f"{len(overlaid)} case(s){f' reported in {period}' if period else ''}: {inside} in cells, "
          f"{len(overlaid) - inside} outside; {len(counts)} {args.by} key(s) → {args.out} (layers cases, {name})")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from ..core.cases import synthetic_cases
    from ..layers.case_store import load_components, write_cases

    cells = _cells(args.cells, args.cells_layer)
    components = load_components(args.components) if args.components else None
    fb = _feedback(args, "synthetic cases")
    try:
        cases = synthetic_cases(components, cells, args.n, args.start, args.end, seed=args.seed, feedback=fb)
    finally:
        fb.close()
    write_cases(args.out, cases)
    print(f"wrote {len(cases)} SYNTHETIC case(s) ({args.start} → {args.end}, seed {args.seed}) to {args.out} "
          "(layer cases; case_metadata synthetic = 1)")
    return 0


def add_parser(sub: Any) -> None:
    """Register ``wanmi cases import|overlay|synth`` on the main parser's subparsers."""
    cases = sub.add_parser("cases", help="cases (案卷): import, overlay on the grid, synthetic cases")
    csub = cases.add_subparsers(dest="cases_command", required=True)

    p = csub.add_parser("import", help="validate case records and store the valid ones (all or nothing)")
    p.add_argument("input", help="CSV/XLSX (lon/lat or WKT columns, or component codes) or a vector file")
    p.add_argument("--out", required=True, help="case store GeoPackage (layer cases; appended to)")
    p.add_argument("--components", help="census (GeoPackage store or vector file) to place cases and check codes")
    p.add_argument("--jurisdiction", help="polygons the cases must lie in")
    p.add_argument("--jurisdiction-layer")
    p.add_argument("--rejects", help="reject CSV (default: <input>.rejects.csv)")
    p.add_argument("--strict", action="store_true", help="store nothing when any record is rejected")
    p.add_argument("--layer", help="layer of a multi-layer input file")
    p.add_argument("--x", help="longitude/x column (default: found by name)")
    p.add_argument("--y", help="latitude/y column (default: found by name)")
    p.add_argument("--coords", default=COORD_SYSTEMS[0],
                   help=f"coordinates: {COORD_SYSTEMS[0]} (default), {', '.join(COORD_SYSTEMS[1:])}, EPSG:n")
    p.add_argument("--sheet", help="XLSX sheet name")
    p.add_argument("--encoding", help="CSV encoding (default: UTF-8, then GB18030)")
    p.set_defaults(func=cmd_import)

    p = csub.add_parser("overlay", help="give cases their cell/community/street and count them")
    p.add_argument("cases", help="case store GeoPackage (layer cases) or a case file")
    p.add_argument("cells", help="unit cells (e.g. the output of wanmi partition)")
    p.add_argument("--out", required=True, help="output GeoPackage (layers cases and case_counts_<by>)")
    p.add_argument("--period", help="only cases reported in: 2025-03-01, 2025-W10, 2025-03, 2025-Q1, 2025, "
                                    "2025-03-01/2025-03-31")
    p.add_argument("--by", default=GROUP_KEYS[0], choices=GROUP_KEYS)
    p.add_argument("--no-class", action="store_true", help="no per-class count columns")
    p.add_argument("--cases-layer")
    p.add_argument("--cells-layer")
    p.set_defaults(func=cmd_overlay)

    p = csub.add_parser("synth", help="seeded SYNTHETIC cases over cells (and components), labelled synthetic")
    p.add_argument("cells", help="unit cells")
    p.add_argument("--cells-layer")
    p.add_argument("--components", help="census GeoPackage or vector file (optional)")
    p.add_argument("--n", type=int, default=10_000, help="number of cases (default 10000)")
    p.add_argument("--start", default="2025-01-01", help="first report date (default 2025-01-01)")
    p.add_argument("--end", default="2025-07-01", help="end of the period, exclusive (default 2025-07-01)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="output GeoPackage (layer cases)")
    p.set_defaults(func=cmd_synth)
