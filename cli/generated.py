"""``wanmi`` sub-commands generated from the workflow declarations (:mod:`wanmi.workflow`).

A vector parameter is a file (any GDAL vector format; with ``table``, also a CSV/XLSX table with lon/lat
columns) with an option naming the layer inside it (``--layer`` for a positional file, ``--<flag>-layer``
otherwise); a ``store`` is ``--store`` (GeoPackage or PostgreSQL connection string) with ``--schema``; the
layer outputs go into the GeoPackage ``--out`` (the first one's layer name can be changed with ``--out-layer``).
A command of two words (``census import``) is a sub-command of a group.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..workflow import CAPABILITIES, Capability, Param
from ..workflow.base import Result, invoke

_TYPES = {"number": float, "integer": int}


def _help(param: Param) -> str:
    return f"{param.label}: {param.help}" if param.help else param.label


def layer_option(param: Param) -> str:
    """The option naming the layer inside a vector parameter's file."""
    if param.layer_option:
        return param.layer_option
    return f"--{param.cli[2:]}-layer" if param.cli.startswith("--") else "--layer"


def _add_vector(p: argparse.ArgumentParser, param: Param) -> None:
    if param.cli.startswith("--"):
        p.add_argument(param.cli, dest=param.name, required=param.required, help=_help(param))
    else:
        p.add_argument(param.name, metavar=param.cli, nargs=None if param.required else "?", help=_help(param))
    default = f" (default {param.preferred_layer} when the file has it)" if param.preferred_layer else ""
    p.add_argument(layer_option(param), dest=f"{param.name}_layer", metavar="LAYER",
                   help=f"layer inside the file{default}")
    if param.table:
        prefix = "--" if layer_option(param) == "--layer" else layer_option(param).removesuffix("layer")
        p.add_argument(f"{prefix}x", dest=f"{param.name}_x", metavar="COLUMN",
                       help="longitude column of a table (default: found by name: lon, lng, 经度 …)")
        p.add_argument(f"{prefix}y", dest=f"{param.name}_y", metavar="COLUMN",
                       help="latitude column of a table (default: found by name: lat, 纬度 …)")


def _add_store(p: argparse.ArgumentParser, param: Param) -> None:
    p.add_argument(param.cli, dest=param.name, required=param.required, help=_help(param))
    p.add_argument("--schema", dest=f"{param.name}_schema", default="wanmi", help="PostGIS schema (default wanmi)")


def _add_argument(p: argparse.ArgumentParser, param: Param) -> None:
    if param.kind == "vector":
        _add_vector(p, param)
    elif param.kind == "store":
        _add_store(p, param)
    elif param.kind == "bool":
        p.add_argument(param.cli, dest=param.name, action="store_true", help=_help(param))
    elif not param.cli.startswith("--"):
        p.add_argument(param.name, metavar=param.cli, nargs="+" if param.multiple else None, help=_help(param))
    else:
        p.add_argument(param.cli, dest=param.name, required=param.required, default=param.default,
                       help=_help(param), choices=param.choices or None, type=_TYPES.get(param.kind, str),
                       nargs="+" if param.multiple else None)


def _layer_outputs(capability: Capability) -> bool:
    return bool(capability.outputs)


def _group(sub: Any, groups: dict[str, Any], word: str) -> Any:
    if word not in groups:
        group = sub.add_parser(word, help=GROUP_HELP.get(word, word))
        groups[word] = group.add_subparsers(dest=f"{word}_command", required=True)
    return groups[word]


#: help of the command groups (``wanmi census …``)
GROUP_HELP = {"census": "component census (部件普查): import, validate, geocode, locate",
              "cases": "cases (案卷): import, overlay on the grid, synthetic cases"}


def add_parsers(sub: Any) -> None:
    """One sub-command per capability of the workflow layer offered on the command line."""
    groups: dict[str, Any] = {}
    for capability in CAPABILITIES.values():
        if "cli" not in capability.fronts:
            continue
        *group, word = capability.cli_command.split()
        parent = _group(sub, groups, group[0]) if group else sub
        p = parent.add_parser(word, help=capability.summary or capability.title, description=capability.help)
        for param in capability.params:
            if param.on("cli"):
                _add_argument(p, param)
        if _layer_outputs(capability):
            first = capability.outputs[0].layer
            required = not all(out.optional for out in capability.outputs)
            p.add_argument("--out", required=required,
                           help="output GeoPackage" if required else "output GeoPackage (optional)")
            p.add_argument("--out-layer", default=first, help=f"layer name in --out (default {first})")
        p.set_defaults(func=lambda args, c=capability: run_command(c, args))


def read_value(param: Param, args: argparse.Namespace) -> Any:
    """The run's value of ``param`` from the parsed command line (vector files read, stores named)."""
    from ..layers.importers import read_layer
    from ..workflow.base import StoreRef

    value = getattr(args, param.name)
    if value is None or param.kind not in ("vector", "store"):
        return value
    if param.kind == "store":
        return StoreRef(value, getattr(args, f"{param.name}_schema"))
    return read_layer(value, getattr(args, f"{param.name}_layer"), getattr(args, f"{param.name}_x", None),
                      getattr(args, f"{param.name}_y", None), preferred=param.preferred_layer or None,
                      geometry=param.geometry != "none")


def layer_names(capability: Capability, values: dict[str, Any], out_layer: str | None) -> list[str]:
    """The GeoPackage layer names of the outputs (the first one renamed by ``--out-layer``)."""
    names = [out.layer_name(values) for out in capability.outputs]
    if out_layer and out_layer != capability.outputs[0].layer:
        names[0] = out_layer
    return names


def write_outputs(capability: Capability, result: Result, path: str, names: list[str]) -> list[str]:
    """Write the result's frames into the GeoPackage ``path`` (one transaction) with their styles; the names
    of the layers written."""
    from ..layers import STYLES_DIR
    from ..layers.gpkg import write_gpkg

    if capability.write is not None:
        return capability.write(path, result, names)
    present = [(name, out) for name, out in zip(names, capability.outputs) if result.frames.get(out.name) is not None]
    write_gpkg(path, {name: result.frames[out.name] for name, out in present},
               styles={name: STYLES_DIR / out.style for name, out in present if out.style})
    return [name for name, _ in present]


def run_command(capability: Capability, args: argparse.Namespace) -> int:
    """Read the inputs, run the capability (the workflow's error boundary), write its outputs into ``--out``."""
    from .feedback import BarFeedback

    values = {param.name: read_value(param, args) if param.on("cli") else param.default
              for param in capability.params}
    names = layer_names(capability, values, args.out_layer) if _layer_outputs(capability) and args.out else []
    for name, out in zip(names, capability.outputs):
        if out.guard is not None:  # before the run: a refused output costs no computing
            out.guard(args.out, name)
    feedback = BarFeedback(capability.cli_command, enabled=not args.quiet)
    try:
        result = invoke(capability, values, feedback)
    finally:
        feedback.close()
    for line in result.warnings:
        print(f"warning: {line}", file=sys.stderr)
    if names:
        names = write_outputs(capability, result, args.out, names)
        print(f"{result.message} → {args.out} (layer {', '.join(names)})")
    else:
        print(result.message)
    return result.status
