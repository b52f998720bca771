"""``wanmi`` sub-commands generated from the workflow declarations (``wanmi.workflow``).

A vector parameter is a file (any GDAL vector format, or a CSV/XLSX table with lon/lat columns) with a
``--layer`` option (``--<flag>-layer`` for a non-positional one); an enum is ``--flag`` with its choices; the
outputs go into the GeoPackage ``--out`` (the first one's layer name can be changed with ``--out-layer``).
"""

from __future__ import annotations

import argparse
from typing import Any

from .workflow import CAPABILITIES, Capability, Param

_TYPES = {"number": float, "integer": int, "string": str}


def _add_vector(p: argparse.ArgumentParser, param: Param) -> None:
    help_text = f"{param.label}: {param.help}" if param.help else param.label
    if param.cli.startswith("--"):
        p.add_argument(param.cli, dest=param.name, required=not param.optional, help=help_text)
        prefix = f"--{param.cli[2:]}-"
    else:
        p.add_argument(param.name, metavar=param.cli, help=help_text)
        prefix = "--"
    p.add_argument(f"{prefix}layer", dest=f"{param.name}_layer", metavar="LAYER",
                   help="layer inside the file (GeoPackage)")
    p.add_argument(f"{prefix}x", dest=f"{param.name}_x", metavar="COLUMN",
                   help="longitude column of a table (default: found by name: lon, lng, 经度 …)")
    p.add_argument(f"{prefix}y", dest=f"{param.name}_y", metavar="COLUMN",
                   help="latitude column of a table (default: found by name: lat, 纬度 …)")


def _add_argument(p: argparse.ArgumentParser, param: Param) -> None:
    if param.kind == "vector":
        _add_vector(p, param)
        return
    help_text = param.help or param.label
    if param.kind == "bool":
        p.add_argument(param.cli, dest=param.name, action="store_true", help=help_text)
        return
    required = param.default is None and not param.optional
    p.add_argument(param.cli, dest=param.name, required=required, default=param.default, help=help_text,
                   choices=param.choices or None, type=_TYPES.get(param.kind, str))


def add_parsers(sub: Any) -> None:
    """One sub-command per capability of the workflow layer."""
    for capability in CAPABILITIES.values():
        p = sub.add_parser(capability.cli_command, help=capability.summary or capability.title,
                           description=capability.help)
        for param in capability.params:
            _add_argument(p, param)
        p.add_argument("--out", required=True, help="output GeoPackage")
        p.add_argument("--out-layer", default=capability.outputs[0].layer,
                       help=f"layer name in --out (default {capability.outputs[0].layer})")
        p.set_defaults(func=lambda args, c=capability: run_command(c, args))


def _read(param: Param, args: argparse.Namespace) -> Any:
    from .layers.importers import read_layer

    value = getattr(args, param.name)
    if param.kind != "vector" or value is None:
        return value
    return read_layer(value, getattr(args, f"{param.name}_layer"), getattr(args, f"{param.name}_x"),
                      getattr(args, f"{param.name}_y"))


def run_command(capability: Capability, args: argparse.Namespace) -> int:
    """Read the inputs, run the capability, write its outputs into ``--out`` (one transaction)."""
    from .cli import BarFeedback
    from .layers import STYLES_DIR
    from .layers.gpkg import write_gpkg

    values = {param.name: _read(param, args) for param in capability.params}
    feedback = BarFeedback(capability.cli_command, enabled=not args.quiet)
    try:
        result = capability.run(**values, feedback=feedback)
    finally:
        feedback.close()
    names = [args.out_layer, *(out.layer for out in capability.outputs[1:])]
    write_gpkg(args.out, {name: result.frames[out.name] for name, out in zip(names, capability.outputs)},
               styles={name: STYLES_DIR / out.style for name, out in zip(names, capability.outputs) if out.style})
    print(f"{result.message} → {args.out} (layer {', '.join(names)})")
    return 0
