"""The coarse rigid alignment of a follow-up series to a baseline series (issue 16).

Both are averaged over blocks to about :data:`COARSE_MM` (:mod:`recist_app.imaging.tracking.grids`), started
from their bodies' centres of mass (intensity moments, air being 0), and registered rigidly (Euler 3-D:
three rotations, three translations) by Mattes mutual information with a regular-step gradient descent over
two levels (8 and 4 mm). Measured on this project's 2 cores: full-resolution rigid registration of
512² × 320 takes minutes; at 4 mm it takes seconds and lands within about 2 mm, which the local refinement
(:mod:`recist_app.imaging.tracking.refine`) then corrects, point by point.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from recist_app.imaging.tracking.grids import block_factors, image_of
from recist_app.imaging.volume import CtVolume

COARSE_MM = 4.0
#: Fraction of the voxels the metric samples at each iteration (random, seeded: the same pair aligns alike).
SAMPLING = 0.25
SEED = 16


@dataclass(frozen=True)
class Alignment:
    """A rigid map of baseline LPS mm to follow-up LPS mm: ``followup = rotation · baseline + translation``."""

    rotation: tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]
    translation: tuple[float, float, float]
    #: The metric at the end (Mattes mutual information: more negative is better).
    metric: float
    seconds: float

    def map(self, point_mm: np.ndarray | tuple[float, float, float]) -> np.ndarray:
        """Where a baseline point lies in the follow-up, by the alignment alone."""
        return np.asarray(self.rotation) @ np.asarray(point_mm, float) + np.asarray(self.translation)

    def inverse(self) -> Alignment:
        """The map the other way: follow-up LPS mm to baseline LPS mm."""
        rotation = np.asarray(self.rotation).T
        translation = -rotation @ np.asarray(self.translation)
        return Alignment(tuple(tuple(float(v) for v in row) for row in rotation),  # type: ignore[arg-type]
                         (float(translation[0]), float(translation[1]), float(translation[2])), self.metric, 0.0)

    @property
    def angle_degrees(self) -> float:
        """The rotation's angle."""
        trace = float(np.trace(np.asarray(self.rotation)))
        return float(np.degrees(np.arccos(np.clip((trace - 1) / 2, -1.0, 1.0))))


def align(baseline: CtVolume, followup: CtVolume, coarse_mm: float = COARSE_MM) -> Alignment:
    """The rigid alignment of ``followup`` to ``baseline`` (each in its own patient coordinates)."""
    start = time.perf_counter()
    fixed = image_of(baseline, block_factors(baseline, coarse_mm))
    moving = image_of(followup, block_factors(followup, coarse_mm))
    initial = sitk.CenteredTransformInitializer(fixed, moving, sitk.Euler3DTransform(),
                                                sitk.CenteredTransformInitializerFilter.MOMENTS)
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=32)
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentage(SAMPLING, SEED)
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsRegularStepGradientDescent(learningRate=4.0, minStep=0.01, numberOfIterations=300,
                                                    relaxationFactor=0.6, gradientMagnitudeTolerance=1e-6)
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetShrinkFactorsPerLevel([2, 1])
    method.SetSmoothingSigmasPerLevel([1.0, 0.0])
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOff()
    method.SetInitialTransform(initial, inPlace=False)
    transform = method.Execute(fixed, moving)
    origin = np.array(transform.TransformPoint((0.0, 0.0, 0.0)))
    columns = [np.array(transform.TransformPoint(tuple(float(v) for v in axis))) - origin for axis in np.eye(3)]
    rotation = np.column_stack(columns)
    return Alignment(tuple(tuple(float(v) for v in row) for row in rotation),  # type: ignore[arg-type]
                     (float(origin[0]), float(origin[1]), float(origin[2])),
                     float(method.GetMetricValue()), time.perf_counter() - start)
