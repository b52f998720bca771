"""Engine feedback for the command line: a progress bar on stderr."""

from __future__ import annotations

import sys

from ..core.feedback import Feedback


class BarFeedback(Feedback):
    """Engine feedback on a tqdm progress bar (stderr), messages above it."""

    def __init__(self, description: str, enabled: bool = True) -> None:
        super().__init__()
        from tqdm import tqdm

        self.bar = tqdm(total=100, desc=description, unit="%", disable=not enabled, leave=False,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}")

    def set_progress(self, percent: float) -> None:
        self.bar.n = round(percent, 1)
        self.bar.refresh()

    def info(self, message: str) -> None:
        self.bar.write(message, file=sys.stderr)

    def warning(self, message: str) -> None:
        self.bar.write("warning: " + message, file=sys.stderr)

    def close(self) -> None:
        self.bar.close()
