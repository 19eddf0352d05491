"""How ``fit`` shows its progress: a tqdm bar in a terminal, printed lines elsewhere.

Printed lines come at the first epoch, about ten times over the run, at the last epoch, and
whenever ``PRINT_EVERY_SECONDS`` have passed without one, so a long run in a log file or a
pipe is never silent for long.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import Any

PRINT_EVERY_SECONDS = 2.0
clock = time.monotonic  # a module attribute so that tests can drive the time


def summary(loss: float, accuracy: float | None) -> str:
    """The one way a loss and an accuracy are written: ``loss 0.0712  accuracy 98.7%``."""
    return f"loss {loss:.4f}" + ("" if accuracy is None else f"  accuracy {accuracy:.1%}")


class Progress:
    """``progress``: None shows a tqdm bar when tqdm is installed and stdout is a terminal,
    else nothing; True always shows progress (a bar, or printed lines without tqdm);
    ``"text"`` prints lines; False shows nothing."""

    def __init__(self, progress: bool | str | None, epochs: int) -> None:
        if progress not in (None, True, False, "text"):
            raise ValueError(f"fit: progress must be None, True, False or 'text', got "
                             f"{progress!r}")
        self.epochs = epochs
        self.every = 0  # print every k epochs (0: no lines)
        self.bar: Any = None
        self.last_print = clock()
        if progress is False or (progress is None and not sys.stdout.isatty()):
            return
        if progress != "text":
            try:
                from tqdm import tqdm  # only when needed: the base install is numpy only
            except ImportError:
                if progress is None:
                    return
            else:
                # the width from shutil, which falls back to 80 where a terminal reports 0
                # columns (tqdm would then draw nothing)
                width = shutil.get_terminal_size().columns
                self.bar = tqdm(total=epochs, desc="training", unit="epoch", file=sys.stdout,
                                ncols=width)
                return
        self.every = max(1, epochs // 10)

    def epoch_end(self, epoch: int, loss: float, accuracy: float | None) -> None:
        """Show epoch ``epoch`` (counted from 0) with its loss and accuracy."""
        if self.bar is not None:
            # update(1) below redraws the bar
            self.bar.set_postfix_str(summary(loss, accuracy), refresh=False)
            self.bar.update(1)
            return
        if not self.every:
            return
        done, now = epoch + 1, clock()
        if (done == 1 or done % self.every == 0 or done == self.epochs
                or now - self.last_print >= PRINT_EVERY_SECONDS):
            width = len(str(self.epochs))
            print(f"epoch {done:>{width}}/{self.epochs}  {summary(loss, accuracy)}", flush=True)
            self.last_print = now

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
