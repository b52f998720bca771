"""A capability declared once: its parameters, its outputs and its run (issue 14).

The front ends are generated from a :class:`Capability`: the ``wanmi`` CLI sub-command (:mod:`wanmi.cli.generated`)
and the Processing algorithm (``processing_scripts/workflow_adapter.py``), whose dock button follows from the
step. So a parameter's name, type, default, choices and help text exist once, and both front ends run the
same :attr:`Capability.run` through :func:`invoke`, the single error boundary. The run receives plain values
and GeoDataFrames (each front end reads its own layer inputs: files for the CLI, feature sources in QGIS; file
parameters arrive as paths and the run reads them with ``wanmi.layers``) and returns the output frames; it is
where input is checked, so a bad input gets the same message everywhere. :func:`expected_failure` is the one
rule for what counts as the user's problem (a message, exit status 2) rather than a bug (a traceback).

Strings (labels, help, choice labels) are English source text; the Processing front end and the dock show
them through the ``Wanmi`` translation context (``i18n/wanmi_zh_CN.ts``; ``scripts/i18n.py`` collects them
from the declarations).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import WanmiError
from ..core.feedback import Feedback

#: parameter kinds. ``vector``: a layer (a file for the CLI, a feature source in QGIS; the run gets a
#: GeoDataFrame). ``file``: an input file the run reads itself (a path). ``output_file``/``folder``: a file or
#: folder the run writes (a path). ``field``: a field of the ``parent`` vector (its name). ``crs``: a CRS
#: (authority id or WKT). ``store``: a census/case store (a :class:`StoreRef`). The rest are plain values.
KINDS = ("vector", "file", "output_file", "folder", "field", "crs", "store", "enum", "string", "number",
         "integer", "bool")
#: workflow steps (the dock's boxes and the Processing groups), in order
STEPS = ("grid", "census", "cases", "evaluation", "audit")
#: front ends a parameter or capability can be limited to
FRONTS = ("cli", "processing")
#: what every run reads its layers with: the packages a capability needs unless it declares more
ENGINE: tuple[str, ...] = ("numpy", "pandas", "geopandas")


@dataclass(frozen=True)
class Param:
    """One input of a capability.

    ``name`` is the run's keyword; ``processing`` the Processing parameter name (kept stable: models and
    scripts store it); ``cli`` the command-line spelling (a bare word for a positional argument, else a
    ``--flag``). Enum ``choices`` are the values the run receives, in a fixed order (Processing stores the
    index), with English ``choice_labels``. A ``geographic`` layer must be in longitude/latitude.

    Vector layers on the command line: ``layer_option`` is the option naming the layer inside the file
    (default ``--layer`` for a positional file, ``--<flag>-layer`` otherwise); ``preferred_layer`` is read when
    the file has it and no layer is named; ``table`` accepts CSV/XLSX tables with lon/lat columns (adds
    ``--x``/``--y`` options). ``multiple`` strings are a list (CLI: several words; Processing: one text,
    separated by commas or spaces). ``front`` limits a parameter to one front end (e.g. the XLSX sheet of a
    file the QGIS dialog picks as a layer).
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
    parent: str = ""  #: field: the ``name`` of the vector parameter it belongs to
    layer_option: str = ""
    preferred_layer: str = ""
    table: bool = False
    multiple: bool = False
    minimum: float | None = None
    maximum: float | None = None
    file_filter: str = ""  #: file/output_file: e.g. "CSV (*.csv)"
    front: str = ""  #: "" (both), "cli" or "processing"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown parameter kind {self.kind!r}")
        if self.kind == "enum" and len(self.choices) != len(self.choice_labels):
            raise ValueError(f"{self.name}: one label per choice")
        if self.kind == "field" and not self.parent:
            raise ValueError(f"{self.name}: a field parameter needs its parent layer")
        if self.front and self.front not in FRONTS:
            raise ValueError(f"{self.name}: unknown front end {self.front!r}")

    @property
    def required(self) -> bool:
        return not self.optional and self.default is None and self.kind != "bool"

    def on(self, front: str) -> bool:
        """Whether the parameter exists in ``front`` (``"cli"`` or ``"processing"``)."""
        return not self.front or self.front == front


@dataclass(frozen=True)
class Output:
    """One output layer: its name in the run's result, label, QML style and GeoPackage layer name.

    ``layer`` may name parameters in braces (``case_counts_{by}``: filled from the run's values, a trailing
    ``_code`` dropped). A ``table`` has no geometry. An ``optional`` output may be left out: absent from some
    results, or not asked for by a Processing caller (the front ends then write nothing for it); the QGIS dialog
    still creates it unless it is ticked off when it is ``by_default``. ``guard(path, layer)`` refuses a
    GeoPackage layer the output must not replace (raises :class:`~wanmi.core.errors.InputError`); both front
    ends call it before anything is computed or written."""

    name: str
    label: str
    layer: str
    processing: str = "OUTPUT"
    style: str = ""
    table: bool = False
    optional: bool = False
    by_default: bool = False
    geometry: str = "any"
    guard: Callable[[str, str], None] | None = None

    def layer_name(self, values: Mapping[str, Any]) -> str:
        """The GeoPackage layer name with the parameter placeholders filled in."""
        if "{" not in self.layer:
            return self.layer
        return self.layer.format(**{k: str(v).removesuffix("_code") for k, v in values.items()})


@dataclass(frozen=True)
class StoreRef:
    """A census or case store as the front end names it: a GeoPackage path or a PostgreSQL connection string
    (``dsn``, with the password filled in by the front end and never shown), its schema, and the URI QGIS
    loads the stored layer from (no password)."""

    dsn: str
    schema: str = "wanmi"
    layer_uri: str = ""


@dataclass(frozen=True)
class Result:
    """What a run gives back: output frames by output name, the lines for the user, numbers for Processing,
    and the command line's exit status (0, or 1 for "done, but something was found": problems, codes not
    found, audit errors under ``--strict``)."""

    frames: Mapping[str, Any]
    message: str
    values: Mapping[str, Any] = field(default_factory=dict)
    status: int = 0
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Capability:
    """A workflow step's tool, declared once (see the module docstring).

    ``command`` is the CLI sub-command (words separated by spaces for a group: ``"census import"``);
    ``tags`` are search keywords (Chinese terms included) for the Processing toolbox; ``fronts`` the front ends
    it is offered in (the province batch and the demo are command-line tools); ``write`` replaces the CLI's
    default GeoPackage writer (``write(path, result, layer_names)`` → the names written) where the output
    carries more than layers (metadata tables); ``numbers`` and ``texts`` declare the plain values of
    :attr:`Result.values` that Processing models can use."""

    name: str
    title: str
    help: str
    step: str
    params: tuple[Param, ...]
    outputs: tuple[Output, ...]
    run: Callable[..., Result]
    command: str = ""
    summary: str = ""
    tags: tuple[str, ...] = ()
    fronts: tuple[str, ...] = FRONTS
    write: Callable[..., Any] | None = None
    requires: tuple[str, ...] = ENGINE  #: Python packages every run imports (the provider's missing-package guard)
    numbers: tuple[tuple[str, str], ...] = ()  #: (Processing output name, label) of numbers in Result.values
    texts: tuple[tuple[str, str], ...] = ()  #: (Processing output name, label) of texts in Result.values

    def __post_init__(self) -> None:
        if self.step not in STEPS:
            raise ValueError(f"{self.name}: unknown step {self.step!r}")
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: a parameter is declared twice")
        for p in self.params:
            if p.kind == "field" and p.parent not in names:
                raise ValueError(f"{self.name}.{p.name}: no parent parameter {p.parent!r}")

    @property
    def cli_command(self) -> str:
        return self.command or self.name.replace("_", "-")

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    def defaults(self, front: str) -> dict[str, Any]:
        """The values of the parameters that ``front`` does not offer (their defaults)."""
        return {p.name: p.default for p in self.params if not p.on(front)}


class WorkflowError(WanmiError):
    """An expected failure of a run, with its one-line message (the front ends show it; exit status 2)."""


def invoke(capability: Capability, values: Mapping[str, Any], feedback: Feedback | None = None) -> Result:
    """Run ``capability`` with ``values``: the single error boundary of every front end.

    An expected failure (:func:`expected_failure`) is raised again as a :class:`WorkflowError` carrying its
    message; anything else is a bug and keeps its traceback."""
    try:
        check_values(capability, values)
        return capability.run(**values, feedback=feedback)
    except WorkflowError:
        raise
    except (WanmiError, OSError) as exc:
        message = expected_failure(exc)
        if message is None:
            raise
        raise WorkflowError(message) from exc


def check_values(capability: Capability, values: Mapping[str, Any]) -> None:
    """Refuse a number outside its declared minimum/maximum and a choice that is not declared, for every front
    end alike (Processing's widgets enforce them too, the command line and Python callers rely on this)."""
    from ..core.errors import InputError

    for p in capability.params:
        value = values.get(p.name)
        if value is None:
            continue
        if p.kind == "vector":
            check_coordinates(value)
        if p.kind == "enum" and value not in p.choices:
            raise InputError(f"{p.label}: unknown choice {value!r}; choose {', '.join(p.choices)}")
        if p.kind in ("number", "integer"):
            low = p.minimum if p.minimum is not None else float("-inf")
            high = p.maximum if p.maximum is not None else float("inf")
            if not low <= value <= high:
                limits = f"at least {low:g}" if p.maximum is None else f"between {low:g} and {high:g}"
                raise InputError(f"{p.label}: {value:g} is out of range; it must be {limits}")


def check_coordinates(frame: Any) -> None:
    """Refuse a layer whose coordinates cannot be in its CRS: beyond ±180°/±90° in a geographic CRS, or all
    within ±180/±90 in a projected one (longitudes/latitudes labelled with a metric CRS would give cells and
    distances of a few metres). Detected from the extent, before any work is done."""
    from ..core.errors import InputError

    crs = getattr(frame, "crs", None)
    if crs is None or not len(frame) or frame.geometry.isna().all():
        return
    x0, y0, x1, y1 = frame.geometry.total_bounds
    if not all(abs(v) < float("inf") for v in (x0, y0, x1, y1)):
        return  # the readers report non-finite coordinates per feature
    degrees = x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90
    if crs.is_geographic and not degrees:
        raise InputError(f"{layer_name(frame)}: the layer is labelled {crs.name} (degrees), but its coordinates "
                         f"reach {x0:.0f}…{x1:.0f}, {y0:.0f}…{y1:.0f}: they are metres. Set the layer's real CRS "
                         f"(e.g. EPSG:4548) and run again. Nothing was written.")
    if crs.is_projected and degrees and (x1 - x0) < 10 and (y1 - y0) < 10 and (abs(x0) > 1 or abs(y0) > 1):
        raise InputError(f"{layer_name(frame)}: the layer is labelled {crs.name} (metres), but its coordinates "
                         f"({x0:.4f}…{x1:.4f}, {y0:.4f}…{y1:.4f}) look like longitudes/latitudes. Set the layer's "
                         f"CRS to EPSG:4490 or EPSG:4326 and run again. Nothing was written.")


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
