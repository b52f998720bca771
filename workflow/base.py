"""A capability declared once: its parameters, its outputs and its run (issue 14).

The front ends are generated from a :class:`Capability`: the ``wanmi`` CLI sub-command (``cli_workflow.py``)
and the Processing algorithm (``processing_scripts/workflow_adapter.py``), whose dock button follows from the
step. So a parameter's name, type, default, choices and help text exist once, and both front ends run the
same :attr:`Capability.run`. The run receives plain values and GeoDataFrames (each front end reads its own
inputs: files for the CLI, feature sources in QGIS) and returns the output frames; it is where input is
checked, so a bad input gets the same message everywhere. :func:`expected_failure` is the one rule for what
counts as the user's problem (a message, exit status 2) rather than a bug (a traceback).

Strings (labels, help, choice labels) are English source text; the Processing front end and the dock show
them through the ``Wanmi`` translation context (``i18n/wanmi_zh_CN.ts``; ``scripts/i18n.py`` collects them
from the declarations).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import WanmiError

#: parameter kinds: a layer (file or QGIS source), a choice, text, a number, a flag
KINDS = ("vector", "enum", "string", "number", "integer", "bool")
#: workflow steps (the dock's boxes and the Processing groups), in order
STEPS = ("grid", "census", "cases", "evaluation", "audit")


@dataclass(frozen=True)
class Param:
    """One input of a capability.

    ``name`` is the run's keyword; ``processing`` the Processing parameter name (kept stable: models and
    scripts store it); ``cli`` the command-line spelling (``"input"`` for a positional argument, else a
    ``--flag``). Enum ``choices`` are the values the run receives, in a fixed order (Processing stores the
    index), with English ``choice_labels``. A ``geographic`` layer must be in longitude/latitude.
    """

    name: str
    kind: str
    label: str
    processing: str
    cli: str
    help: str = ""
    default: Any = None
    choices: tuple[str, ...] = ()
    choice_labels: tuple[str, ...] = ()
    optional: bool = False
    advanced: bool = False
    geometry: str = "any"
    geographic: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown parameter kind {self.kind!r}")
        if self.kind == "enum" and len(self.choices) != len(self.choice_labels):
            raise ValueError(f"{self.name}: one label per choice")


@dataclass(frozen=True)
class Output:
    """One output layer: its name in the run's result, label, QML style and GeoPackage layer name."""

    name: str
    label: str
    layer: str
    processing: str = "OUTPUT"
    style: str = ""


@dataclass(frozen=True)
class Result:
    """What a run gives back: output frames by output name, one line for the user, numbers for Processing."""

    frames: Mapping[str, Any]
    message: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Capability:
    """A workflow step's tool, declared once (see the module docstring)."""

    name: str
    title: str
    help: str
    step: str
    params: tuple[Param, ...]
    outputs: tuple[Output, ...]
    run: Callable[..., Result]
    command: str = ""  #: CLI sub-command (default: ``name`` with dashes)
    summary: str = ""  #: one-line CLI help

    def __post_init__(self) -> None:
        if self.step not in STEPS:
            raise ValueError(f"{self.name}: unknown step {self.step!r}")

    @property
    def cli_command(self) -> str:
        return self.command or self.name.replace("_", "-")

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)


def layer_name(frame: Any) -> str:
    """How messages name an input layer: the file (and layer) or QGIS layer the front end read it from."""
    return str(frame.attrs.get("name") or "the layer")


def expected_failure(exc: BaseException) -> str | None:
    """The message for a failure that is the user's to fix (bad input, unreadable or unwritable file), or
    None for a bug, which keeps its traceback."""
    if isinstance(exc, WanmiError):
        return str(exc)
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    return None
