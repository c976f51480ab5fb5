"""Showing the progress of long steps (a download, a load) to the person waiting for it.

``progress=`` on ``download_model``, ``watch_download``, ``load_model`` and ``ensure_model``:

- ``True`` (the default): a progress bar (percent, size, speed, time left) when a terminal (of
  known width, at least `MIN_BAR_COLUMNS`) or a notebook is attached and tqdm is installed
  (``pip install "lmstudio-integrations[progress]"``); otherwise one line on stderr per change of
  state (CI, logs, redirected output, a zero-width pseudo-terminal);
- a callable: receives each `ProgressUpdate`, for applications that draw their own (nothing
  is printed);
- ``False`` or ``None``: silent.

The flows (`model_download.py`, `model_setup.py`) call a `ProgressReporter`; it does no
network I/O, so the same reporter serves the sync and the async client.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from typing import IO, Any

from lmstudio_core.download_errors import resume_hint
from lmstudio_core.model_results import ProgressUpdate

__all__ = [
    "BarReporter",
    "CallbackReporter",
    "LineReporter",
    "ProgressOption",
    "ProgressReporter",
    "format_size",
    "progress_reporter",
]

ProgressOption = bool | Callable[[ProgressUpdate], Any] | None
"""``True`` (bar or lines, see the module), a callback taking `ProgressUpdate`, or silence."""


def format_size(size: int | None) -> str:
    """Bytes as people read them: ``2.3 GB``, ``512.0 MB`` (decimal units, as LM Studio)."""
    if size is None:
        return "unknown size"
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover - the loop always returns


class ProgressReporter:
    """Receives the progress of long steps; this base class shows nothing (``progress=False``)."""

    def update(self, update: ProgressUpdate) -> None:
        """A new state or new numbers."""

    def close(self) -> None:
        """The step is over (or abandoned): release the display."""


class CallbackReporter(ProgressReporter):
    """Passes every `ProgressUpdate` to a function of the application's."""

    def __init__(self, callback: Callable[[ProgressUpdate], Any]) -> None:
        self.callback = callback

    def update(self, update: ProgressUpdate) -> None:
        """Call the callback."""
        self.callback(update)


def _line(update: ProgressUpdate) -> str:
    model, state = update.model, update.state
    if state == "downloading":
        job = f" (LM Studio job {update.job_id})" if update.job_id else ""
        return f"Downloading {model}: {format_size(update.total_bytes)}{job}"
    if state == "paused":
        done = f" at {update.fraction:.0%}" if update.fraction is not None else ""
        return f"Download of {model} paused{done} in LM Studio; resume it in the app"
    if state == "completed":
        return f"Downloaded {model} ({format_size(update.total_bytes)})"
    if state == "already_downloaded":
        return f"{model} is already downloaded"
    if state == "failed":
        return f"Loading {model} failed" if update.step == "load" else f"Download of {model} failed"
    if state == "loading":
        return f"Loading {model}"
    if state == "loaded":
        took = f" in {update.load_time_seconds:.3g} s" if update.load_time_seconds else ""
        return f"Loaded {model}{took}"
    if state == "interrupted" and update.job_id:
        return f"Stopped watching the download of {model}. {resume_hint(update.job_id)}"
    return f"{model}: {state}"


class LineReporter(ProgressReporter):
    """One line per change of state, for logs, CI and output that is not a terminal."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._last: tuple[str, str] | None = None

    def update(self, update: ProgressUpdate) -> None:
        """Write a line when the step or its state changed."""
        key = (update.step, update.state)
        if key != self._last:
            self._last = key
            self.stream.write(_line(update) + "\n")
            self.stream.flush()


class BarReporter(LineReporter):
    """A tqdm bar: percent, size, speed and time left for a download, elapsed time for a load."""

    def __init__(self, tqdm_class: Any, stream: IO[str]) -> None:
        super().__init__(stream)
        self.tqdm_class = tqdm_class
        self._bar: Any = None
        self._step: tuple[str, str] | None = None

    def update(self, update: ProgressUpdate) -> None:
        """Draw ``update``; states without a bar (already downloaded) become a line."""
        if update.state in ("already_downloaded", "interrupted"):
            self.close()
            super().update(update)
            return
        step = (update.step, update.model)
        if self._bar is None or step != self._step:
            self.close()
            self._step = step
            self._bar = self._new_bar(update)
        bar = self._bar
        if update.step == "download":
            if update.total_bytes is not None and bar.total != update.total_bytes:
                bar.total = update.total_bytes
            done = update.downloaded_bytes
            if update.state == "completed":
                done = update.total_bytes or done
            if done is not None and done != bar.n:
                bar.update(done - bar.n)
            if update.state in ("paused", "failed"):
                bar.set_postfix_str(update.state + " in LM Studio", refresh=True)
            elif bar.postfix:
                bar.set_postfix_str("", refresh=False)
        elif update.state == "failed":
            bar.set_postfix_str("failed", refresh=True)
        elif update.state == "loaded":
            took = f"{update.load_time_seconds:.3g} s" if update.load_time_seconds else "done"
            bar.set_postfix_str(f"loaded in {took}", refresh=True)
        if update.finished:
            self.close()

    def _new_bar(self, update: ProgressUpdate) -> Any:
        if update.step == "load":
            return self.tqdm_class(
                desc=f"Loading {update.model}",
                bar_format="{desc} [{elapsed}]{postfix}",
                file=self.stream,
                leave=True,
            )
        return self.tqdm_class(
            desc=f"Downloading {update.model}",
            total=update.total_bytes,
            initial=update.downloaded_bytes or 0,
            unit="B",
            unit_scale=True,
            unit_divisor=1000,
            file=self.stream,
            leave=True,
            dynamic_ncols=True,
            miniters=1,
            mininterval=0.1,
        )

    def close(self) -> None:
        """Finish the bar (it stays on screen)."""
        bar, self._bar = self._bar, None
        if bar is not None:
            bar.close()


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (where stderr is not a terminal but a bar displays)."""
    if "ipykernel" not in sys.modules:
        return False
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


MIN_BAR_COLUMNS = 20
"""Narrower than this (or of unknown width: ``0 0`` from ``stty size`` under ``script`` or
``docker run -t``) a terminal gets lines: a bar would render as an empty line."""


def _terminal_columns(stream: IO[str]) -> int:
    """The width of the terminal ``stream`` writes to; ``0`` when unknown."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):  # no file descriptor, or not a terminal
        columns = 0
    if columns <= 0:  # a zero-width pseudo-terminal: COLUMNS may still say
        columns = shutil.get_terminal_size(fallback=(0, 0)).columns
    return columns


def _tqdm(notebook: bool) -> Any:
    """The tqdm bar class (``tqdm.auto`` in a notebook), or ``None`` when tqdm is not installed."""
    try:
        if notebook:
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


def progress_reporter(progress: ProgressOption, stream: IO[str] | None = None) -> ProgressReporter:
    """The reporter for a ``progress=`` value (see the module); ``stream`` defaults to stderr."""
    if progress is None or progress is False:
        return ProgressReporter()
    if progress is not True:
        if not callable(progress):
            from lmstudio_core.errors import InvalidRequestError

            raise InvalidRequestError(
                f"progress= takes True, False, None or a function of ProgressUpdate; "
                f"got {type(progress).__name__}."
            )
        return CallbackReporter(progress)
    out = stream if stream is not None else sys.stderr
    notebook = _in_notebook()
    if notebook or (_is_terminal(out) and _terminal_columns(out) >= MIN_BAR_COLUMNS):
        tqdm_class = _tqdm(notebook)
        if tqdm_class is not None:
            return BarReporter(tqdm_class, out)
    return LineReporter(out)
