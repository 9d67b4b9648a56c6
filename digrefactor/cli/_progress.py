"""Reporting a run: one line per notable file, a progress bar on a terminal, a summary line."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

from digrefactor.transforms import Changed, Failed, FileResult, Skipped, Unchanged

__all__ = ["Counts", "ProgressBar", "Reporter", "bar_line"]


@dataclass
class Counts:
    scanned: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0

    def add(self, result: FileResult) -> None:
        self.scanned += 1
        if isinstance(result, Changed):
            self.changed += 1
        elif isinstance(result, Unchanged):
            self.unchanged += 1
        elif isinstance(result, Skipped):
            self.skipped += 1
        else:
            self.failed += 1


def bar_line(done: int, total: int, elapsed: float, detail: str) -> str:
    """One redrawn terminal line: bar, counts, what so far, ETA."""
    width = 24
    filled = int(width * (done / total if total else 1.0))
    eta = elapsed / done * (total - done) if done else 0.0
    bar = "#" * filled + "." * (width - filled)
    return f"\r\x1b[K[{bar}] {done}/{total}  {detail}  ETA {int(eta) // 60}:{int(eta) % 60:02d}"


@dataclass
class ProgressBar:
    """A bar for runs that print nothing per file (check, scan): shown only on a terminal."""

    total: int
    enabled: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    done: int = 0
    _start: float = field(default_factory=time.monotonic)
    _last_draw: float = 0.0

    def tick(self, detail: str = "") -> None:
        self.done += 1
        now = time.monotonic()
        if not self.enabled or (now - self._last_draw < 0.1 and self.done < self.total):
            return
        self._last_draw = now
        self.stream.write(bar_line(self.done, self.total, now - self._start, detail))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._last_draw:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


@dataclass
class Reporter:
    """Writes to *stream* (stderr): file lines, a live bar when *tty*, and the summary.

    ``quiet`` keeps only errors; ``verbose`` adds unchanged files and tracebacks. ``would``
    words changes as "would change" (``--check`` / ``--diff``).
    """

    total: int
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    tty: bool = False
    quiet: bool = False
    verbose: bool = False
    would: bool = False
    counts: Counts = field(default_factory=Counts)
    _start: float = field(default_factory=time.monotonic)
    _last_draw: float = 0.0
    _bar_shown: bool = False

    def _line(self, text: str, *, error: bool = False) -> None:
        if self.quiet and not error:
            return
        self._clear_bar()
        print(text, file=self.stream)

    def _clear_bar(self) -> None:
        if self._bar_shown:
            self.stream.write("\r\x1b[K")
            self._bar_shown = False

    def before_stdout(self) -> None:
        """Call before writing to stdout (a diff), so the bar does not garble it."""
        self._clear_bar()
        self.stream.flush()

    def result(self, result: FileResult) -> None:
        self.counts.add(result)
        if isinstance(result, Changed):
            verb = "would change" if self.would else "changed"
            moved = f" → {result.new_path}" if result.new_path is not None else ""
            self._line(f"{verb} {result.path}{moved}")
        elif isinstance(result, Skipped):
            self._line(f"skipped {result.path}: {result.reason}")
        elif isinstance(result, Failed):
            self._line(f"error: {result.message}", error=True)
            if self.verbose and result.detail:
                self._line(result.detail.rstrip(), error=True)
        elif self.verbose:
            self._line(f"unchanged {result.path}")
        if not isinstance(result, Failed):
            for warning in result.warnings:
                self._line(f"warning: {result.path}: {warning}")
        self._draw()

    def _draw(self, force: bool = False) -> None:
        if not self.tty or self.quiet:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < 0.1 and self.counts.scanned < self.total:
            return
        self._last_draw = now
        c = self.counts
        detail = (
            f"changed {c.changed}  unchanged {c.unchanged}  skipped {c.skipped}  failed {c.failed}"
        )
        self.stream.write(bar_line(c.scanned, self.total, now - self._start, detail))
        self.stream.flush()
        self._bar_shown = True

    def summary(self) -> str:
        c = self.counts
        changed = "would be changed" if self.would else "changed"
        return (
            f"{_plural(c.scanned, 'file')} scanned: {c.changed} {changed}, "
            f"{c.unchanged} unchanged, {c.skipped} skipped, {c.failed} failed"
        )

    def finish(self, *, interrupted: bool = False) -> None:
        self._clear_bar()
        if interrupted:
            # Even with --quiet: the user needs to know the run did not cover every file.
            print(
                f"interrupted after {self.counts.scanned} of {_plural(self.total, 'file')}; "
                "every file is either as it was or fully edited. " + self.summary(),
                file=self.stream,
            )
        elif not self.quiet:
            print(self.summary(), file=self.stream)
        self.stream.flush()
