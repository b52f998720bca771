"""Run every ``benchmarks/bench_*.py`` module's ``main()`` in turn (``make bench``).

Each module runs in a fresh Python process (QGIS timings are sensitive to what ran before in the same
process, and a QgsApplication should be started and stopped once per process). ``--quick`` is passed on
to every module; names select modules (``python -m benchmarks assign``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def modules() -> list[str]:
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="modules to run, e.g. assign partition (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    args = parser.parse_args(argv)
    names = modules()
    if args.names:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in args.names}
        unknown = wanted - set(names)
        if unknown:
            parser.error(f"no such benchmark: {', '.join(sorted(unknown))} (have: {', '.join(names)})")
        names = [n for n in names if n in wanted]
    failed = []
    for name in names:
        print(f"== {name}", flush=True)
        code = (f"import sys; from benchmarks.{name} import main; "
                f"raise SystemExit(main({['--quick'] if args.quick else []!r}))")
        rc = subprocess.call([sys.executable, "-c", code], cwd=HERE.parent)
        if rc != 0:
            failed.append(f"{name} (exit {rc})")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
