"""A progress bar on stderr for long scans, counting files read; only when stderr is a TTY (never in pipes or CI)."""
from __future__ import annotations

import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO, delay: float = 0.5) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.delay = delay
        self.shown = False
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.start < self.delay or (now - self.last < 0.1 and done != total):
            return
        self.last = now
        width = 30
        filled = int(width * done / max(total, 1))
        self.shown = True  # first: a Ctrl-C during the write must still clear the line
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        self.stream.flush()

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()
