"""Keep ``i18n/wanmi_zh_CN.ts`` in step with the user-facing strings of the plugin and algorithms.

pylupdate5 cannot see strings that reach ``tr()`` through class constants (``DISPLAY``, ``GROUP``,
``HELP``), so the strings are collected from the Python AST instead:

* literal arguments of ``tr(...)`` / ``self.tr(...)`` / ``QCoreApplication.translate("Wanmi", ...)``;
* ``DISPLAY``, ``GROUP`` and ``HELP`` class constants (passed to ``tr`` by ``WanmiAlgorithm``).

``python scripts/i18n.py update`` adds new strings as unfinished entries and marks vanished ones obsolete;
``python scripts/i18n.py check`` exits non-zero while any string lacks a finished translation. The .ts
file is the source of truth: translate it in Qt Linguist or by hand.
"""

from __future__ import annotations

import ast
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS_FILE = ROOT / "i18n" / "wanmi_zh_CN.ts"
SOURCE_DIRS = ("plugin", "processing_scripts", "workflow")
#: workflow declarations: keyword arguments shown in QGIS, and the label's position in Param/Output/Capability
DECLARATION_KEYWORDS = {"label", "help", "title", "choice_labels"}
DECLARATION_LABEL_ARG = {"Param": 2, "Output": 1}
CONTEXT = "Wanmi"
CLASS_CONSTANTS = {"DISPLAY", "GROUP", "HELP"}


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def extract(root: Path = ROOT) -> dict[str, str]:
    """User-facing strings → ``file:line`` of their first use."""
    found: dict[str, str] = {}
    for folder in SOURCE_DIRS:
        for path in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            where = path.relative_to(root).as_posix()
            for node in ast.walk(tree):
                text = None
                if isinstance(node, ast.Call):
                    func = node.func
                    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                    for declared in _declaration_strings(node, name):
                        found.setdefault(declared, f"{where}:{node.lineno}")
                    if name == "tr" and node.args:
                        text = _literal(node.args[0])
                    elif name == "translate" and len(node.args) >= 2 and _literal(node.args[0]) == CONTEXT:
                        text = _literal(node.args[1])
                elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target = node.targets[0]
                    if isinstance(target, ast.Name) and target.id in CLASS_CONSTANTS:
                        text = _literal(node.value)
                if text:
                    found.setdefault(text, f"{where}:{node.lineno}")
    for text in declared_strings():
        found.setdefault(text, "workflow/__init__.py:1")
    return found


def declared_strings() -> list[str]:
    """What QGIS shows of the workflow declarations, read from the declarations themselves (labels built
    from constants count too): titles, help, parameter labels, help and choices, output and value labels."""
    sys.path.insert(0, str(ROOT.parent))
    from wanmi.workflow import CAPABILITIES

    texts: list[str] = []
    for capability in CAPABILITIES.values():
        if "processing" not in capability.fronts:
            continue
        texts += [capability.title, capability.help]
        for p in capability.params:
            if p.on("processing"):
                texts += [p.label, p.help, *p.choice_labels]
        texts += [out.label for out in capability.outputs]
        texts += [label for _name, label in (*capability.numbers, *capability.texts)]
    return [text for text in texts if text]


def _declaration_strings(node: ast.Call, name: str | None) -> list[str]:
    """User-facing strings of a workflow declaration (``Param``/``Output``/``Capability`` call)."""
    if name not in ("Param", "Output", "Capability"):
        return []
    values = [kw.value for kw in node.keywords if kw.arg in DECLARATION_KEYWORDS]
    index = DECLARATION_LABEL_ARG.get(name)
    if index is not None and len(node.args) > index:
        values.append(node.args[index])
    texts = []
    for value in values:
        for item in value.elts if isinstance(value, ast.Tuple) else [value]:
            text = _literal(item)
            if text:
                texts.append(text)
    return texts


def load_ts(path: Path = TS_FILE) -> ET.ElementTree:
    if path.exists():
        return ET.parse(path)
    root = ET.Element("TS", version="2.1", language="zh_CN", sourcelanguage="en")
    ET.SubElement(ET.SubElement(root, "context"), "name").text = CONTEXT
    return ET.ElementTree(root)


def _context(tree: ET.ElementTree) -> ET.Element:
    for ctx in tree.getroot().iter("context"):
        if ctx.findtext("name") == CONTEXT:
            return ctx
    ctx = ET.SubElement(tree.getroot(), "context")
    ET.SubElement(ctx, "name").text = CONTEXT
    return ctx


def translations(tree: ET.ElementTree) -> dict[str, tuple[str, str]]:
    """source → (translation text, type attribute: '' when finished)."""
    out = {}
    for message in _context(tree).iter("message"):
        tr_el = message.find("translation")
        out[message.findtext("source")] = (
            (tr_el.text or "") if tr_el is not None else "",
            tr_el.get("type", "") if tr_el is not None else "unfinished",
        )
    return out


def update(path: Path = TS_FILE) -> tuple[int, int]:
    """Add new strings (unfinished), mark vanished ones obsolete; return (added, obsoleted)."""
    tree = load_ts(path)
    ctx = _context(tree)
    strings = extract()
    existing = {m.findtext("source"): m for m in ctx.iter("message")}
    added = obsoleted = 0
    for text, where in strings.items():
        if text in existing:
            tr_el = existing[text].find("translation")
            if tr_el is not None and tr_el.get("type") == "obsolete":
                tr_el.attrib.pop("type")
            continue
        message = ET.SubElement(ctx, "message")
        file_name, line = where.rsplit(":", 1)
        ET.SubElement(message, "location", filename=f"../{file_name}", line=line)
        ET.SubElement(message, "source").text = text
        ET.SubElement(message, "translation", type="unfinished")
        added += 1
    for text, message in existing.items():
        tr_el = message.find("translation")
        if text not in strings and tr_el is not None and tr_el.get("type") != "obsolete":
            tr_el.set("type", "obsolete")
            obsoleted += 1
    ET.indent(tree, space="    ")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        tree.write(fh, encoding="utf-8", xml_declaration=False)
        fh.write(b"\n")
    return added, obsoleted


def missing(path: Path = TS_FILE) -> list[str]:
    """Strings used in the code that have no finished zh_CN translation."""
    done = translations(load_ts(path))
    return [s for s in extract() if not done.get(s, ("", "unfinished"))[0].strip() or done[s][1]]


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        added, obsoleted = update()
        print(f"{TS_FILE.name}: {added} new (unfinished), {obsoleted} obsolete")
    todo = missing()
    for text in todo:
        print(f"untranslated: {text[:90]!r}")
    return 1 if todo and command == "check" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
