"""Write ``docs/tools.md``: the reference of every Wanmi tool, generated from the workflow declarations.

Each Processing algorithm's help button opens this page at the tool's anchor (``helpUrl``), and each
``wanmi`` sub-command is listed with the same parameters, so the page cannot drift from what the front
ends offer. Labels are shown in English and, where the zh_CN translation has them, in Chinese.

    python scripts/tools_doc.py          # rewrite docs/tools.md
    python scripts/tools_doc.py --check  # exit 1 when docs/tools.md is not current
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "tools.md"
STEP_TITLES = {"grid": "1 · Grid 单元网格", "census": "2 · Census 部件普查", "cases": "3 · Cases 案卷",
               "evaluation": "4 · Evaluation 综合评价", "audit": "5 · Audit 边界审计"}
KIND_TEXT = {"vector": "layer", "file": "file", "output_file": "output file", "folder": "folder",
             "field": "field", "crs": "CRS", "store": "census store", "enum": "choice", "string": "text",
             "number": "number", "integer": "integer", "bool": "yes/no"}


def _chinese() -> dict[str, str]:
    """English source → finished zh_CN translation (read by ``scripts/i18n.py``, the .ts file's one reader)."""
    spec = importlib.util.spec_from_file_location("wanmi_i18n_script", ROOT / "scripts" / "i18n.py")
    i18n = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(i18n)
    return {source: text for source, (text, kind) in i18n.translations(i18n.load_ts()).items()
            if text and not kind}


def _both(text: str, zh: dict[str, str]) -> str:
    return f"{text} · {zh[text]}" if text in zh else text


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _param_rows(capability, zh: dict[str, str]) -> list[str]:
    rows = ["| Parameter | Command line | Processing | Kind | Default | Help |", "|---|---|---|---|---|---|"]
    for p in capability.params:
        cli = f"`{p.cli}`" if p.on("cli") and "cli" in capability.fronts else "—"
        processing = f"`{p.processing}`" if p.on("processing") and "processing" in capability.fronts else "—"
        kind = KIND_TEXT[p.kind] + (f" ({', '.join(p.choices)})" if p.choices else "")
        default = "" if p.default in (None, "", ()) else f"`{p.default}`"
        flags = " *(advanced)*" if p.advanced else (" *(optional)*" if p.optional else "")
        rows.append(f"| {_cell(_both(p.label, zh))}{flags} | {cli} | {processing} | {kind} | {default} | "
                    f"{_cell(_both(p.help, zh))} |")
    return rows


def _capability(capability, zh: dict[str, str]) -> list[str]:
    anchor = capability.name.replace("_", "-")
    lines = [f'<a id="{anchor}"></a>', "", f"### {_both(capability.title, zh)}", ""]
    fronts = []
    if "cli" in capability.fronts:
        fronts.append(f"command line `wanmi {capability.cli_command}`")
    if "processing" in capability.fronts:
        fronts.append(f"Processing `wanmi:{capability.name}` (dock step {STEP_TITLES[capability.step]})")
    lines += [" · ".join(fronts), "", capability.help, ""]
    if capability.help in zh:
        lines += [f"> {zh[capability.help]}", ""]
    lines += _param_rows(capability, zh)
    if capability.outputs:
        lines += ["", "Outputs: " + "; ".join(
            f"{_both(out.label, zh)} (layer `{out.layer}`{', table' if out.table else ''})"
            for out in capability.outputs)]
    if capability.tags:
        lines += ["", "Keywords: " + ", ".join(capability.tags)]
    return [*lines, ""]


def render() -> str:
    """The whole page."""
    sys.path.insert(0, str(ROOT.parent))
    from wanmi.workflow import CAPABILITIES
    from wanmi.workflow.base import STEPS

    zh = _chinese()
    lines = ["# Wanmi tools 工具参考", "",
             "Generated from the workflow declarations (`workflow/`) by `scripts/tools_doc.py`; do not edit by "
             "hand. Every tool has the same parameters on the command line and in QGIS Processing (the dock "
             "opens the Processing dialogs).", ""]
    for step in STEPS:
        tools = [c for c in CAPABILITIES.values() if c.step == step]
        if tools:
            lines += [f"## {STEP_TITLES[step]}", ""]
            for capability in tools:
                lines += _capability(capability, zh)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/tools.md is not current")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is not current: run python scripts/tools_doc.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
