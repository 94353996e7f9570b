"""`Progbar`: Keras 3's progress display, byte for byte where it matters.

verbose=1 on a terminal (or in Jupyter) redraws one line with a 20-character bar; when stdout is
not a terminal it prints only each finished line, so log files get one line per epoch instead of
carriage-return noise. verbose=2 prints one plain line at the end.
"""

from __future__ import annotations

import math
import sys
import time

_BOLD, _RESET, _GREEN, _WHITE = "\x1b[1m", "\x1b[0m", "\x1b[32m", "\x1b[37m"


def format_value(value) -> str:
    """``1.2345`` -> ``'1.2345'``; tiny values in scientific notation, as Keras prints them."""
    value = float(value)
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def format_step_time(seconds: float) -> str:
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def format_eta(seconds: float) -> str:
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _interactive(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) or "ipykernel" in sys.modules


class Progbar:
    """A progress bar for `target` steps.

    Args:
        target: total steps, or None if unknown.
        verbose: 1 (bar) or 2 (one line when finished); 0 prints nothing.
        stream: where to write (default `sys.stdout`).

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> bar = Progbar(2, verbose=2, stream=out)
        >>> bar.update(2, {"loss": 0.5}, finalize=True)
        >>> out.getvalue().split(" - ")[-1]
        'loss: 0.5000\\n'
    """

    def __init__(self, target, verbose=1, stream=None, interval=0.05):
        self.target = target
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.interval = interval
        self.seen = 0
        self._start = time.time()
        self._first_update = None
        self._last_draw = 0.0
        self._total_width = 0
        self._width = 0
        self._dynamic = _interactive(self.stream)

    def _step_time(self, now: float, current: int) -> float:
        if self._first_update is not None and current > self._first_update[0]:
            first_step, first_time = self._first_update
            return (now - first_time) / (current - first_step)
        return (now - self._start) / max(current, 1)

    def update(self, current: int, values=None, finalize=False) -> None:
        """Show progress at step `current` with the log `values` (sorted by name)."""
        now = time.time()
        if self._first_update is None and current > 0:
            self._first_update = (current, now)
        self.seen = current
        if self.verbose == 0:
            return
        items = sorted((values or {}).items())
        metrics = "".join(f" - {k}: {format_value(v)}" for k, v in items)
        per_step = self._step_time(now, current)
        target = self.target
        if self.verbose == 2:
            if finalize:
                digits = int(math.log10(target)) + 1 if target else 1
                shown = f"{current:>{digits}}/{target}" if target else f"{current}"
                line = f"{shown} - {now - self._start:.0f}s - {format_step_time(per_step)}{metrics}"
                self.stream.write(line + "\n")
                self.stream.flush()
            return
        if not finalize and now - self._last_draw < self.interval:
            return
        self._last_draw = now
        if target:
            digits = int(math.log10(target)) + 1
            done = int(20 * current / target)
            counter = f"%{digits}d/%d" % (current, target)
            bar_plain = counter + " " + "━" * 20
            bar_ansi = (
                f"{_BOLD}{counter}{_RESET} "
                + (f"{_GREEN}{'━' * done}{_RESET}" if done else "")
                + f"{_WHITE}{'━' * (20 - done)}{_RESET}"
            )
            remaining = per_step * (target - current)
            clock = f"{now - self._start:.0f}s" if finalize else format_eta(remaining)
        else:
            bar_plain = bar_ansi = "%7d/Unknown" % current
            clock = f"{now - self._start:.0f}s"
        info_plain = f" {clock} {format_step_time(per_step)}{metrics}"
        info_ansi = f" {_BOLD}{clock}{_RESET} {format_step_time(per_step)}{metrics}"
        if not self._dynamic:
            if finalize:
                self.stream.write(bar_plain + info_plain + "\n")
                self.stream.flush()
            return
        width = len(bar_plain) + len(info_plain)
        line = "\b" * self._total_width + "\r" + bar_ansi + info_ansi
        if width < self._width:
            line += " " * (self._width - width)
        if finalize:
            line += "\n"
        self.stream.write(line)
        self.stream.flush()
        self._width = width
        self._total_width = width
