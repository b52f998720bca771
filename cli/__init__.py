"""The ``wanmi`` command line, generated from the workflow declarations (the same capabilities, parameters and
runs as the Processing algorithms), with a progress bar.

    wanmi partition layers/sample/dongcheng.gpkg --layer communities --out cells.gpkg
    wanmi renumber new.gpkg old.gpkg --out renumbered.gpkg
    wanmi convert-coords phone_points.csv --from gcj02 --out points.gpkg
    wanmi batch communities.gpkg --points points.parquet --out batch_out --workers 2
    wanmi responsibility cells.gpkg --n 10 --weight area --out areas.gpkg
    wanmi audit cells.gpkg --jurisdiction communities.gpkg --areas areas.gpkg --out audit.gpkg --report audit.md
    wanmi evaluate overlaid_cases.gpkg --cells cells.gpkg --by cell_code --period 2025-03 --out scores.gpkg
    wanmi render scores.gpkg --out map.png --pdf
    wanmi demo --out demo_output
"""

from __future__ import annotations

import argparse
import sys

from ..core.errors import WanmiError
from ..core.feedback import Canceled
from .feedback import BarFeedback

__all__ = ["BarFeedback", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``wanmi`` parser: one sub-command per workflow capability."""
    from .generated import add_parsers

    parser = argparse.ArgumentParser(prog="wanmi", description="Wanmi 万米网格 — digital urban management tools")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Canceled:
        print("canceled", file=sys.stderr)
        return 130
    except (WanmiError, OSError) as exc:
        from ..workflow.base import expected_failure

        message = expected_failure(exc)
        if message is None:
            raise
        print(f"wanmi {args.command}: error: {message}", file=sys.stderr)
        return 2

