"""Progress, cancel and messages for long engine work.

The engine never imports a UI: it reports through a :class:`Feedback`. The CLI adapts it to a tqdm bar,
Processing adapts it to ``QgsProcessingFeedback`` (progress bar + cancel button), tests use the silent
default.
"""

from __future__ import annotations

from typing import Callable


class Canceled(Exception):
    """Raised inside the engine when the user pressed cancel; nothing has been written."""


class Feedback:
    """Silent feedback: subclass and override what you need.

    ``step(i, n)`` maps progress of a sub-task onto the current ``[start, end]`` percentage window so that
    nested steps report one monotone 0–100 bar.
    """

    def __init__(self) -> None:
        self._window = (0.0, 100.0)

    # --- hooks to override -------------------------------------------------------------------------------
    def set_progress(self, percent: float) -> None:
        """Receive overall progress in percent (0–100)."""

    def is_canceled(self) -> bool:
        """Return True when the user asked to stop."""
        return False

    def info(self, message: str) -> None:
        """Report an informational message."""

    def warning(self, message: str) -> None:
        """Report a problem that did not stop the work (e.g. a repaired geometry)."""

    # --- helpers used by the engine ------------------------------------------------------------------------
    def check_canceled(self) -> None:
        """Raise :class:`Canceled` if the user asked to stop."""
        if self.is_canceled():
            raise Canceled("canceled by the user")

    def window(self, start: float, end: float) -> None:
        """Map subsequent ``step`` calls onto ``[start, end]`` percent."""
        self._window = (float(start), float(end))
        self.set_progress(start)

    def step(self, done: float, total: float) -> None:
        """Report ``done`` of ``total`` within the current window, and honour cancel."""
        lo, hi = self._window
        frac = 1.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
        self.set_progress(lo + (hi - lo) * frac)
        self.check_canceled()


class CallbackFeedback(Feedback):
    """Feedback built from plain callables (handy in notebooks and adapters)."""

    def __init__(
        self,
        progress: Callable[[float], None] | None = None,
        canceled: Callable[[], bool] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self._progress = progress
        self._canceled = canceled
        self._log = log

    def set_progress(self, percent: float) -> None:
        if self._progress:
            self._progress(percent)

    def is_canceled(self) -> bool:
        return bool(self._canceled and self._canceled())

    def info(self, message: str) -> None:
        if self._log:
            self._log(message)

    def warning(self, message: str) -> None:
        if self._log:
            self._log("WARNING: " + message)


SILENT = Feedback()


def ensure(feedback: Feedback | None) -> Feedback:
    """Return ``feedback`` or a fresh silent one."""
    return feedback if feedback is not None else Feedback()
