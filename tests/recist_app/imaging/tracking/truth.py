"""Follow-ups with a known motion for the tracking tests (issue 16): a real CT resampled through a rigid motion
and a breathing-like deformation into a new series with a new frame of reference."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pydicom
import SimpleITK as sitk
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from recist_app.imaging.tracking.grids import AIR_HU, image_of
from recist_app.imaging.volume import CtVolume

Point = tuple[float, float, float]


@dataclasses.dataclass(frozen=True)
class Motion:
    """Follow-up point x shows baseline point φ(x) = D(R·x + t): R turns by ``angles_deg`` about x, y, z around
    ``centre_mm``, t is ``translation_mm``, D pushes along z by ``wave_mm`` · sin(π·(z − bottom)/height) (0 at the
    ends of the baseline, ``wave_mm`` in its middle)."""

    angles_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    translation_mm: Point = (0.0, 0.0, 0.0)
    wave_mm: float = 0.0


def moved(volume: CtVolume, motion: Motion) -> tuple[CtVolume, Callable[[Point], np.ndarray]]:
    """The follow-up (the baseline's grid, new UIDs) and the truth: where a baseline point is in it."""
    image = image_of(volume)
    corners = [image.TransformContinuousIndexToPhysicalPoint(tuple(float(c) for c in corner))
               for corner in np.array(np.meshgrid(*[[0, n - 1] for n in image.GetSize()])).T.reshape(-1, 3)]
    low, high = np.min(corners, axis=0), np.max(corners, axis=0)
    centre = (low + high) / 2
    rigid = sitk.Euler3DTransform(tuple(float(c) for c in centre), *np.radians(motion.angles_deg),
                                  tuple(float(t) for t in motion.translation_mm))
    bottom, height = low[2], high[2] - low[2]

    def push(point: np.ndarray) -> np.ndarray:
        return np.array([0.0, 0.0, motion.wave_mm * np.sin(np.pi * (point[2] - bottom) / height)])

    transform = sitk.CompositeTransform(3)
    if motion.wave_mm:
        step = 8.0
        size = [int(np.ceil((h - lo) / step)) + 3 for lo, h in zip(low, high, strict=True)]
        field = np.zeros((size[2], size[1], size[0], 3))
        zs = low[2] - step + np.arange(size[2]) * step
        field[..., 2] = (motion.wave_mm * np.sin(np.pi * (zs - bottom) / height))[:, None, None]
        displacement = sitk.GetImageFromArray(field, isVector=True)
        displacement.SetOrigin(tuple(float(v) for v in low - step))
        displacement.SetSpacing((step,) * 3)
        transform.AddTransform(sitk.DisplacementFieldTransform(sitk.Cast(displacement, sitk.sitkVectorFloat64)))
    transform.AddTransform(rigid)  # applied first: φ(x) = D(R·x + t)
    hu = sitk.GetArrayFromImage(sitk.Resample(image, image, transform, sitk.sitkLinear, 0.0)) + AIR_HU
    followup = dataclasses.replace(
        volume, hu=np.round(hu).astype(np.int16), frame_of_reference_uid=str(generate_uid()),
        series_uid=str(generate_uid()), sop_uids=tuple(str(generate_uid()) for _ in volume.sop_uids))
    inverse = rigid.GetInverse()

    def truth(point: Point) -> np.ndarray:
        target = np.asarray(point, float)
        pushed = target.copy()
        for _ in range(50):  # y + D(y) = p, by fixed point (D is smooth and small)
            pushed = target - push(pushed)
        return np.array(inverse.TransformPoint(tuple(float(v) for v in pushed)))

    return followup, truth


def write_series(baseline: CtVolume, followup: CtVolume, baseline_files: list[Path], folder: Path) -> Path:
    """Write ``followup`` (on the baseline's grid) as a DICOM series into ``folder``: each slice in a copy of the
    baseline file of that slice, with the follow-up's pixels (uncompressed) and UIDs, and a later study date."""
    folder.mkdir(parents=True, exist_ok=True)
    by_uid = {}
    for path in baseline_files:
        dataset = pydicom.dcmread(path)
        by_uid[str(dataset.SOPInstanceUID)] = dataset
    study_uid = str(generate_uid())
    for k, sop_uid in enumerate(baseline.sop_uids):
        dataset = by_uid[sop_uid]
        slope, intercept = float(dataset.get("RescaleSlope", 1)), float(dataset.get("RescaleIntercept", 0))
        dtype = np.int16 if dataset.PixelRepresentation == 1 else np.uint16
        limits = np.iinfo(dtype)
        stored = np.clip(np.round((followup.hu[k].astype(np.float64) - intercept) / slope), limits.min, limits.max)
        dataset.PixelData = stored.astype(dtype).tobytes()
        dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit = 16, 16, 15
        dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID = followup.sop_uids[k]
        dataset.SeriesInstanceUID, dataset.StudyInstanceUID = followup.series_uid, study_uid
        dataset.FrameOfReferenceUID = followup.frame_of_reference_uid
        dataset.StudyDate = dataset.SeriesDate = "20990101"
        dataset.save_as(folder / f"{k:04d}.dcm", enforce_file_format=True)
    return folder


def tumour_centre(volume: CtVolume, annotations: Path) -> tuple[float, float, float]:
    """The centre (LPS mm) of the tumour the collection's reader boxed (one Pascal VOC file per image, named by
    its SOP Instance UID): the middle boxed image, the box's centre."""
    boxed = sorted(volume.sop_uids.index(path.stem) for path in annotations.glob("*.xml")
                   if path.stem in volume.sop_uids)
    k = boxed[len(boxed) // 2]
    box = ElementTree.parse(annotations / f"{volume.sop_uids[k]}.xml").find("object/bndbox")
    assert box is not None
    column = (float(box.findtext("xmin", "0")) + float(box.findtext("xmax", "0"))) / 2
    row = (float(box.findtext("ymin", "0")) + float(box.findtext("ymax", "0"))) / 2
    x, y, z = (float(v) for v in volume.index_to_patient(column, row, k))
    return (x, y, z)


def landmarks(volume: CtVolume) -> list[Point]:
    """Twelve points across a 512² chest at three levels: lungs, mediastinum, spine (vessels, airways, bone)."""
    last = volume.shape[0] - 1
    points = []
    for fz in (0.3, 0.5, 0.7):
        for fy, fx in ((0.5, 0.3), (0.5, 0.7), (0.4, 0.5), (0.65, 0.5)):
            x, y, z = (float(v) for v in volume.index_to_patient(fx * 511, fy * 511, fz * last))
            points.append((x, y, z))
    return points
