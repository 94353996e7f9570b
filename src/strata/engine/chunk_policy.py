"""How many steps each compiled call of a loop runs.

Batch-level callbacks need to see every step (1 per call); a fixed `steps_per_execution` is
honoured; otherwise a loop without a progress bar runs a whole epoch per call, and one with a
bar grows its calls until each takes about `PROGRESS_INTERVAL_S`, so the bar moves a few times
per second without the host waiting on the device after every step.
"""

from __future__ import annotations

from dataclasses import dataclass

# Aim for the host to hear from the device about this often when a progress bar is shown.
PROGRESS_INTERVAL_S = 0.1


@dataclass(frozen=True)
class ChunkPolicy:
    """Steps per compiled call for one loop.

    Args:
        every_batch: a callback must see every batch, or the model runs eagerly.
        fixed: the compiled model's `steps_per_execution`, or None (automatic).
        progress_bar: a progress bar is drawn (verbose 1 or "auto").

    Example:
        >>> policy = ChunkPolicy(every_batch=False, fixed=None, progress_bar=True)
        >>> policy.first(steps=100), policy.next(1, 1, seconds=0.001, steps=100)
        (1, 100)
    """

    every_batch: bool
    fixed: int | None
    progress_bar: bool

    def first(self, steps: int) -> int:
        if self.every_batch:
            return 1
        if self.fixed is not None:
            return self.fixed
        return 1 if self.progress_bar else steps

    def next(self, previous: int, last_n: int, seconds: float, steps: int) -> int:
        """The next call's steps, given that the last one (asked for `previous`) ran `last_n`
        steps in `seconds`."""
        if self.every_batch:
            return 1
        if self.fixed is not None:
            return self.fixed
        if not self.progress_bar:
            return steps
        per_step = seconds / max(last_n, 1)
        target = int(PROGRESS_INTERVAL_S / max(per_step, 1e-7))
        return max(1, min(steps, max(target, previous)))
