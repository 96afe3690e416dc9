"""How the patient lies at a follow-up: a known rigid motion and a breathing-like push along z, so that a
phantom follow-up tests the tracking of issue 16 against the truth (docs/VIEWER.md, lesions found again).

The motion is a pull-back: follow-up point x (patient LPS mm) shows the body point φ(x) = D(R·(x − c) + c + t),
R turning by ``angles_deg`` about the x, then y, then z axis around ``centre_mm``, t being ``translation_mm`` and
D pushing along z by ``wave_mm`` · sin(π·(z − bottom)/(top − bottom)) between ``wave_span_mm`` = (bottom, top)
(0 at both ends and outside, ``wave_mm`` in the middle). :meth:`Motion.body_of` is φ, :meth:`Motion.followup_of`
its inverse (where a body point is seen at the follow-up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Point = tuple[float, float, float]


@dataclass(frozen=True)
class Motion:
    """A rigid motion and a push along z (module docstring); the identity by default."""

    angles_deg: Point = (0.0, 0.0, 0.0)
    translation_mm: Point = (0.0, 0.0, 0.0)
    wave_mm: float = 0.0
    centre_mm: Point = (0.0, 0.0, 0.0)
    wave_span_mm: tuple[float, float] = (0.0, 0.0)

    @property
    def rotation(self) -> np.ndarray:
        """R = Rz·Ry·Rx (3 × 3)."""
        ax, ay, az = (math.radians(angle) for angle in self.angles_deg)
        rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
        ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
        rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
        return rz @ ry @ rx

    def _push_mm(self, z_mm: np.ndarray) -> np.ndarray:
        bottom, top = self.wave_span_mm
        if not self.wave_mm or top <= bottom:
            return np.zeros_like(z_mm)
        phase = np.clip((z_mm - bottom) / (top - bottom), 0.0, 1.0)
        return self.wave_mm * np.sin(np.pi * phase)

    def body_of(self, points_mm: np.ndarray) -> np.ndarray:
        """φ: the body points (…, 3) that follow-up points (…, 3) show."""
        centre = np.asarray(self.centre_mm)
        moved = (np.asarray(points_mm, float) - centre) @ self.rotation.T + centre + np.asarray(self.translation_mm)
        moved[..., 2] += self._push_mm(moved[..., 2])
        return moved

    def followup_of(self, point_mm: Point | np.ndarray) -> np.ndarray:
        """φ⁻¹: where a body point is seen at the follow-up (the push undone by fixed-point iteration: it is smooth
        and its slope |π·wave/(top − bottom)| is below 1 for any breathing-like wave)."""
        target = np.asarray(point_mm, float)
        pushed = target.copy()
        for _ in range(60):
            pushed[..., 2] = target[..., 2] - self._push_mm(pushed[..., 2])
        centre = np.asarray(self.centre_mm)
        return (pushed - centre - np.asarray(self.translation_mm)) @ self.rotation + centre
