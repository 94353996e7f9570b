"""`Progbar`: Keras 3's progress display, byte for byte where it matters.

verbose=1 on a terminal (or in Jupyter) redraws one line with a 20-character bar; when the stream
is not a terminal it prints only each finished line, so log files get one line per epoch instead of
carriage-return noise (Keras redraws with ``\\b``/``\\r`` even into a pipe). verbose=2 prints one
plain line at the end.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

_BOLD, _RESET, _GREEN, _WHITE = "\x1b[1m", "\x1b[0m", "\x1b[32m", "\x1b[37m"
_BAR_WIDTH = 20


def format_value(value) -> str:
    """A metric as the bar shows it: 4 decimals, or scientific notation when tiny (a metric with
    one value per threshold shows their mean, as Keras's bar does).

    Example:
        >>> format_value(0.67854), format_value(-0.5), format_value(0.0005)
        ('0.6785', '-0.5000', '5.0000e-04')
    """
    value = float(np.mean(value))
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def format_step_time(seconds: float) -> str:
    """Time per step in s, ms or us, rounded to a whole number.

    Example:
        >>> format_step_time(0.0123), format_step_time(2.4), format_step_time(0.0000644)
        ('12ms/step', '2s/step', '64us/step')
    """
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def format_eta(seconds: float) -> str:
    """Time left: ``"42s"``, ``"2:05"`` past a minute, ``"1:02:05"`` past an hour.

    Example:
        >>> format_eta(42.9), format_eta(125), format_eta(3725)
        ('42s', '2:05', '1:02:05')
    """
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

    Metrics are shown in the order they first appear in `values` (callers pass them sorted), with
    the value from the latest update.

    Args:
        target: total steps, or None if unknown.
        verbose: 1 (bar) or 2 (one line when finished); 0 prints nothing.
        stream: where to write (default `sys.stdout`).
        interval: minimum seconds between two redraws of the bar (the final one always draws).

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
        self.stream = stream if stream is not None else sys.stdout
        self.interval = interval
        self.seen = 0
        self._values: dict = {}
        self._start = time.time()
        self._first_update = None
        self._last_draw = 0.0
        self._width = 0
        self._dynamic = _interactive(self.stream)

    def _step_time(self, now: float, current: int) -> float:
        # As Keras: after the first update, time per step leaves out that update's steps (the
        # first step includes compiling); before it, the average since the start.
        if self._first_update is not None and current > self._first_update[0]:
            first_step, first_time = self._first_update
            return (now - first_time) / (current - first_step)
        return (now - self._start) / max(current, 1)

    def update(self, current: int, values=None, finalize=False) -> None:
        """Show progress at step `current` with `values` (a dict or ``(name, value)`` pairs)."""
        now = time.time()
        pairs = values.items() if isinstance(values, dict) else values or ()
        for key, value in pairs:
            self._values[key] = value
        per_step = self._step_time(now, current)
        if self._first_update is None and current > 0:
            self._first_update = (current, now)
        self.seen = current
        if self.verbose == 1:
            self._update_bar(current, per_step, now, finalize)
        elif self.verbose == 2 and finalize and self.target is not None:
            # With no target there is no "n/target" line to print (Keras prints nothing either).
            self._write(self._summary_line(current, per_step, now) + "\n")

    def _summary_line(self, current: int, per_step: float, now: float) -> str:
        target = self.target
        digits = int(math.log10(max(target, 1))) + 1
        # Keras's verbose=2 line compares the value itself, not its magnitude, with 1e-3, so
        # negative values print in scientific notation.
        metrics = "".join(
            f" - {k}: {v:.4f}" if v > 1e-3 else f" - {k}: {v:.4e}"
            for k, v in ((k, float(np.mean(v))) for k, v in self._values.items())
        )
        return (
            f"{current:>{digits}}/{target} - {now - self._start:.0f}s - "
            f"{format_step_time(per_step)}{metrics}"
        )

    def _update_bar(self, current: int, per_step: float, now: float, finalize: bool) -> None:
        if not finalize and now - self._last_draw < self.interval:
            return
        self._last_draw = now
        target = self.target
        if target:
            counter = f"{current:>{int(math.log10(target)) + 1}}/{target}"
            done = min(int(_BAR_WIDTH * current / target), _BAR_WIDTH)
            bar_plain = f"{counter} {'━' * _BAR_WIDTH}"
            bar_ansi = (
                f"{_BOLD}{counter}{_RESET} "
                + (f"{_GREEN}{'━' * done}{_RESET}" if done else "")
                + f"{_WHITE}{'━' * (_BAR_WIDTH - done)}{_RESET}"
            )
            if finalize:
                clock = f"{now - self._start:.0f}s"
            else:
                clock = format_eta(per_step * (target - current))
        else:
            bar_plain = bar_ansi = f"{current:>7}/Unknown"
            clock = f"{now - self._start:.0f}s"
        metrics = "".join(f" - {k}: {format_value(v)}" for k, v in self._values.items())
        info_plain = f" {clock} {format_step_time(per_step)}{metrics}"
        if not self._dynamic:
            if finalize:
                self._write(bar_plain + info_plain + "\n")
            return
        info_ansi = f" {_BOLD}{clock}{_RESET} {format_step_time(per_step)}{metrics}"
        # Step back over the previous line, redraw, and blank out what a longer line left.
        width = len(bar_plain) + len(info_plain)
        line = "\b" * self._width + "\r" + bar_ansi + info_ansi
        if width < self._width:
            line += " " * (self._width - width)
        if finalize:
            line += "\n"
        self._width = width
        self._write(line)

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
