"""CT series of the demo trial: one phantom series per subject × visit and ``demo_ground_truth.json``.

Each series is a :func:`recist_app.demo.phantom.write_series` chest phantom with its own Study Instance
UID, Study Date (0008,0020) = the visit date and Patient ID (0010,0020) = the subject id; lesions
have the design's sizes at that visit, a disappeared or absent lesion is simply not drawn. Lesion
centres sit on a slice plane and a pixel corner (as in :meth:`PhantomSpec.chest`), so the slice
through a centre shows its full long and short axes. Layout::

    folder/demo_ground_truth.json          design, image settings, the series and their truths
    folder/STS-001/V0_BASELINE/*.dcm       one series
    folder/STS-001/V0_BASELINE/ground_truth.json   its phantom ground truth (axis end points, UIDs)
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from pydicom.uid import ExplicitVRLittleEndian

from recist_app.demo.design import (
    DemoDesign,
    DemoLesion,
    DemoSubject,
    DemoVisit,
    Position,
    Size,
    from_jsonable,
    to_jsonable,
)
from recist_app.demo.errors import PhantomSpecError
from recist_app.demo.phantom import (
    GROUND_TRUTH_NAME,
    GroundTruth,
    LesionSpec,
    PhantomSpec,
    write_series,
)
from recist_app.demo.trial import DEMO_DESIGN
from recist_app.errors import InputFileError

DEMO_GROUND_TRUTH_NAME = "demo_ground_truth.json"
FORMAT = "recist_app demo trial"
FORMAT_VERSION = 1
#: Field of view of the phantom (mm); pixel spacing is FOV / size.
FOV_MM = 400.0
#: Lesions closer than this (mm, in plane and along the normal at once) count as overlapping.
LESION_GAP_MM = 2.0


@dataclass(frozen=True)
class DemoSeries:
    """One written series: whose, which visit, where, and what the phantom wrote."""

    subject_id: str
    visit_id: str
    folder: Path
    truth: GroundTruth

    @property
    def ground_truth_path(self) -> Path:
        """The series' phantom ``ground_truth.json``."""
        return self.folder / GROUND_TRUTH_NAME


@dataclass(frozen=True)
class DemoImages:
    """All series of the demo trial under ``folder``, in design order (subject, then visit)."""

    folder: Path
    design: DemoDesign
    size: int
    slices: int
    transfer_syntax: str
    series: tuple[DemoSeries, ...]

    @property
    def ground_truth_path(self) -> Path:
        """``folder / demo_ground_truth.json``."""
        return self.folder / DEMO_GROUND_TRUTH_NAME

    def series_of(self, subject_id: str, visit_id: str) -> DemoSeries:
        """The series of ``subject_id`` at ``visit_id``.

        Raises
        ------
        KeyError
            If there is no such series.
        """
        for series in self.series:
            if (series.subject_id, series.visit_id) == (subject_id, visit_id):
                return series
        raise KeyError(f"No demo series for subject {subject_id!r} at visit {visit_id!r}.")


def lesion_centre(probe: PhantomSpec, position: Position) -> tuple[float, float, float]:
    """Patient LPS of ``(left_mm, posterior_mm, t)``, snapped to a pixel corner and a slice plane."""
    left, posterior, t = position
    row_mm, col_mm = probe.pixel_spacing_mm
    half_z = (probe.slices - 1) / 2 * probe.slice_spacing_mm
    a = (round(left / col_mm + (probe.columns - 1) / 2) + 0.5) * col_mm
    b = (round(posterior / row_mm + (probe.rows - 1) / 2) + 0.5) * row_mm
    z = round((t * half_z + half_z) / probe.slice_spacing_mm) * probe.slice_spacing_mm
    return probe.index_mm_to_patient(a, b, z)


def phantom_spec(design: DemoDesign, subject: DemoSubject, visit: DemoVisit, *, size: int = 256,
                 slices: int = 40, transfer_syntax: str = ExplicitVRLittleEndian, seed: int = 0) -> PhantomSpec:
    """The phantom of ``subject`` at ``visit``: the lesions visible then, at the design's sizes.

    Raises
    ------
    PhantomSpecError
        If a lesion centre falls outside the slab or two lesions overlap.
    """
    spacing = float(design.slice_thickness_mm)
    probe = PhantomSpec.chest(slices=slices, rows=size, columns=size, fov_mm=FOV_MM, slice_spacing_mm=spacing,
                              lesions=())
    lesions = tuple(_lesion_spec(probe, subject.lesion(item.lesion_id), item) for item in visit.sizes if item.visible)
    spec = replace(probe, lesions=lesions, seed=seed, patient_id=subject.subject_id,
                   study_date=visit.date.strftime("%Y%m%d"), transfer_syntax=transfer_syntax,
                   series_description=f"{design.study_id} demo CT {visit.visit}")
    _check_layout(spec)
    return spec


def _lesion_spec(probe: PhantomSpec, lesion: DemoLesion, size: Size) -> LesionSpec:
    """An ellipsoid with the visit's long and short axes in plane and the short axis as height."""
    return LesionSpec(lesion.lesion_id, lesion.organ, lesion_centre(probe, lesion.position),
                      float(size.long_axis_mm), float(size.short_axis_mm), float(size.short_axis_mm),
                      lesion.angle_deg, lesion.hu, lesion.nodal)


def _check_layout(spec: PhantomSpec) -> None:
    """Two lesions whose ellipsoids could touch (bounding spheres within LESION_GAP_MM) raise."""
    for one, two in itertools.combinations(spec.lesions, 2):
        offset = spec.axes @ (np.asarray(one.centre_mm) - np.asarray(two.centre_mm))
        in_plane, along = math.hypot(offset[0], offset[1]), abs(offset[2])
        if (in_plane < (one.long_axis_mm + two.long_axis_mm) / 2 + LESION_GAP_MM
                and along < (one.height_mm + two.height_mm) / 2 + LESION_GAP_MM):
            raise PhantomSpecError(f'Argument "lesions" must not overlap, got {one.lesion_id!r} and '
                                   f"{two.lesion_id!r} of {spec.patient_id} on {spec.study_date}. Move one.")


def write_demo_images(folder: str | Path, *, design: DemoDesign = DEMO_DESIGN, size: int = 256, slices: int = 40,
                      transfer_syntax: str = ExplicitVRLittleEndian) -> DemoImages:
    """Write one CT series per subject × visit of ``design`` under ``folder`` and the demo ground truth.

    ``size`` is Rows = Columns (pixel spacing 400 mm / size), ``slices`` the number of 5 mm slices.

    Raises
    ------
    PhantomSpecError
        If the design does not fit the slab or lesions overlap.
    UnsupportedTransferSyntaxError
        If no encoder for ``transfer_syntax`` is installed.
    """
    top = Path(folder).resolve()
    written = []
    for number, subject in enumerate(design.subjects, start=1):
        for index, visit in enumerate(subject.visits):
            spec = phantom_spec(design, subject, visit, size=size, slices=slices,
                                transfer_syntax=transfer_syntax, seed=100 * number + index)
            where = top / subject.subject_id / f"{visit.visit_id}_{visit.visit.replace(' ', '_')}"
            written.append(DemoSeries(subject.subject_id, visit.visit_id, where,
                                      write_series(spec, where, shuffle=False)))
    images = DemoImages(top, design, size, slices, transfer_syntax, tuple(written))
    document = {
        "format": FORMAT, "version": FORMAT_VERSION,
        "image": {"size": size, "slices": slices, "transfer_syntax": transfer_syntax, "fov_mm": FOV_MM},
        "design": to_jsonable(design),
        "series": [{"subject_id": s.subject_id, "visit_id": s.visit_id,
                    "study_instance_uid": s.truth.study_instance_uid,
                    "series_instance_uid": s.truth.series_instance_uid,
                    "folder": s.folder.relative_to(top).as_posix(),
                    "ground_truth": s.ground_truth_path.relative_to(top).as_posix()} for s in written],
    }
    images.ground_truth_path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return images


def load_demo_images(folder: str | Path) -> DemoImages:
    """Read back what :func:`write_demo_images` wrote under ``folder`` (paths relative to it).

    Raises
    ------
    InputFileError
        If ``demo_ground_truth.json`` is missing, not JSON or not of this format and version.
    """
    top = Path(folder).resolve()
    path = top / DEMO_GROUND_TRUTH_NAME
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(str(path), None, f"cannot be read as JSON ({exc}). Write the demo again.") from exc
    if not isinstance(document, dict) or (document.get("format"), document.get("version")) != (FORMAT, FORMAT_VERSION):
        raise InputFileError(str(path), None, f'must be a "{FORMAT}" file of version {FORMAT_VERSION}. '
                             "Write the demo again.")
    image = document["image"]
    series = tuple(DemoSeries(item["subject_id"], item["visit_id"], top / item["folder"],
                              GroundTruth.from_json(top / item["ground_truth"])) for item in document["series"])
    return DemoImages(top, from_jsonable(DemoDesign, document["design"]), image["size"], image["slices"],
                      image["transfer_syntax"], series)
