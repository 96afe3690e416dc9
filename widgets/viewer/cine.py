"""Cine: a view's images played one after another at a frame rate (VIEWER.md; key c, ``[`` / ``]``).

:class:`Cine` owns the timer and the rate; the view gives it one function that shows the next image
(in the PACS's order, wrapping at the end) and says whether there was one.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6 import QtCore

CINE_DEFAULT_FPS = 10.0
CINE_MIN_FPS = 1.0
CINE_MAX_FPS = 60.0
#: The rates ``[`` and ``]`` step through (images per second).
CINE_FPS_STEPS = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 24.0, 30.0, 40.0, 50.0, 60.0)


def next_fps(fps: float, direction: int) -> float:
    """The next step of :data:`CINE_FPS_STEPS` above (``direction`` > 0) or below ``fps``."""
    if direction > 0:
        return next((step for step in CINE_FPS_STEPS if step > fps + 1e-9), CINE_MAX_FPS)
    return next((step for step in reversed(CINE_FPS_STEPS) if step < fps - 1e-9), CINE_MIN_FPS)


class Cine(QtCore.QObject):
    """A precise timer calling ``advance`` at :attr:`fps`; ``changed(playing, fps)`` when either changes.

    ``advance()`` shows the next image and returns False when there is nothing to show (cine stops).
    """

    changed = QtCore.Signal(bool, float)

    def __init__(self, advance: Callable[[], bool], parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._advance = advance
        self._fps = CINE_DEFAULT_FPS
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.setInterval(round(1000.0 / self._fps))
        self._timer.timeout.connect(self._tick)

    @property
    def playing(self) -> bool:
        """True while the timer runs."""
        return self._timer.isActive()

    @property
    def fps(self) -> float:
        """Images per second (default 10, within 1–60)."""
        return self._fps

    def set(self, on: bool, fps: float | None = None) -> None:
        """Play or stop; ``fps`` (clamped to 1–60) sets the rate, None keeps it.

        Raises
        ------
        ValueError
            When ``fps`` is not a finite number.
        """
        if fps is not None:
            if not math.isfinite(fps):
                raise ValueError(f'Argument "fps" must be a finite number of images per second, got {fps!r}.')
            fps = min(max(float(fps), CINE_MIN_FPS), CINE_MAX_FPS)
        new_fps = self._fps if fps is None else fps
        if bool(on) == self.playing and new_fps == self._fps:
            return
        self._fps = new_fps
        self._timer.setInterval(max(1, round(1000.0 / new_fps)))
        if on and not self._timer.isActive():
            self._timer.start()
        elif not on:
            self._timer.stop()
        self.changed.emit(bool(on), new_fps)

    def _tick(self) -> None:
        if not self._advance():
            self.set(False)
