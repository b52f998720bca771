"""Functions short enough to read at once (issue 14).

No function or method in ``core/``, ``layers/``, ``workflow/`` and ``cli/`` may be longer than
:data:`LIMIT` lines. A function's length counts from its ``def`` line to the last line of its body:
the signature, the docstring, comments and blank lines inside it are included; decorators are not.
Nested functions count towards their parent and are also checked on their own.

What is still longer is listed in :data:`ALLOWED` with its current length, so it cannot grow silently:
an entry must match the function exactly, and an entry whose function got down to the limit (or was
removed or renamed) must leave the list.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "layers", "workflow", "cli", "processing_scripts", "plugin")
LIMIT = 60

#: Functions still over the limit: ``"<path>::<qualified name>"`` → length in lines. Empty: keep it so.
ALLOWED: dict[str, int] = {}


def function_lengths(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, int]:
    """Length of every function and method under ``packages``, keyed like :data:`ALLOWED`."""
    lengths: dict[str, int] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            _collect(ast.parse(path.read_text(encoding="utf-8"), rel), rel, "", lengths)
    return lengths


def _collect(node: ast.AST, rel: str, prefix: str, lengths: dict[str, int]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = prefix + child.name
            lengths[f"{rel}::{name}"] = child.end_lineno - child.lineno + 1
            _collect(child, rel, name + ".", lengths)
        elif isinstance(child, ast.ClassDef):
            _collect(child, rel, prefix + child.name + ".", lengths)
        else:
            _collect(child, rel, prefix, lengths)


def test_the_count_runs_from_def_to_the_end_of_the_body(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(
        "@decorator\n"
        "def f(a,\n"
        "      b):\n"
        '    """Doc."""\n'
        "\n"
        "    def inner():\n"
        "        return 1\n"
        "    return a\n"
        "\n"
        "\n"
        "class C:\n"
        "    def m(self):\n"
        "        pass\n",
        encoding="utf-8",
    )
    assert function_lengths(tmp_path, ("pkg",)) == {"pkg/m.py::f": 7, "pkg/m.py::f.inner": 2, "pkg/m.py::C.m": 2}


def test_no_function_is_longer_than_the_limit() -> None:
    lengths = function_lengths()
    too_long = {name: n for name, n in lengths.items() if n > LIMIT and name not in ALLOWED}
    assert not too_long, f"functions over {LIMIT} lines (split them into named steps): {too_long}"


def test_the_allow_list_holds_exactly_what_is_still_too_long() -> None:
    lengths = function_lengths()
    gone = sorted(name for name in ALLOWED if name not in lengths)
    assert not gone, f"allow-listed functions that no longer exist; remove them from ALLOWED: {gone}"
    short = sorted(name for name, n in ALLOWED.items() if lengths[name] <= LIMIT)
    assert not short, f"now at most {LIMIT} lines; remove them from ALLOWED: {short}"
    changed = {name: (n, lengths[name]) for name, n in ALLOWED.items() if lengths[name] != n}
    assert not changed, f"allow-listed lengths changed (listed, actual); a function may not grow: {changed}"
