"""Synthetic CT phantom of a chest with lesions of known diameters (demo trial, tests, benchmarks).

``spec`` (what to draw, the ground truth), ``motion`` (a follow-up's patient lying otherwise), ``anatomy``
(the chest in HU), ``encoding`` (DICOM attributes and transfer syntaxes), ``writer`` (slices → one CT series
with ``ground_truth.json``).
"""

from recist_app.demo.phantom.motion import Motion
from recist_app.demo.phantom.spec import (
    AXIAL,
    GROUND_TRUTH_NAME,
    GroundTruth,
    LesionSpec,
    LesionTruth,
    PhantomSpec,
)
from recist_app.demo.phantom.writer import render_slice, write_series

__all__ = ["AXIAL", "GROUND_TRUTH_NAME", "GroundTruth", "LesionSpec", "LesionTruth", "Motion", "PhantomSpec",
           "render_slice", "write_series"]
