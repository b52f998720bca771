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

from ..core.feedback import Canceled
from .feedback import BarFeedback

__all__ = ["BarFeedback", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``wanmi`` parser: one sub-command per workflow capability."""
    from .generated import add_parsers

    parser = argparse.ArgumentParser(prog="wanmi", description="Wanmi 万米网格 — digital urban management tools")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an internal error")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command: bad input gets one message and exit status 2; an internal error (a bug) gets one
    line asking for ``--debug``, which shows its traceback, and exit status 1."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Canceled:
        print("canceled", file=sys.stderr)
        return 130
    except Exception as exc:
        from ..workflow.base import expected_failure

        message = expected_failure(exc)
        if message is not None:
            print(f"wanmi {args.command}: error: {message}", file=sys.stderr)
            return 2
        if args.debug:
            raise
        print(f"wanmi {args.command}: internal error ({type(exc).__name__}: {exc}). Run again with --debug to "
              f"see the details, and report them.", file=sys.stderr)
        return 1

