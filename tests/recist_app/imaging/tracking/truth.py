"""Follow-ups with a known motion for the tracking tests (issue 16): a real CT resampled through a rigid motion
and a breathing-like push along z (the phantom's :class:`~recist_app.demo.phantom.motion.Motion`) into a new
series with a new frame of reference."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pydicom
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from recist_app.demo.phantom import GroundTruth, Motion, PhantomSpec
from recist_app.demo.phantom import write_series as write_series_of
from recist_app.imaging.tracking.grids import axes_of, sample
from recist_app.imaging.tracking.kept import fingerprint
from recist_app.imaging.volume import CtVolume

Point = tuple[float, float, float]
#: The phantom follow-up's patient: turned about 4.7°, shifted 29 mm, breathing 8 mm mid-slab.
PHANTOM_MOTION = Motion((1.5, -2.0, 4.0), (12.0, -18.0, 20.0), 8.0)
#: Each default phantom lesion's size at the follow-up, as a share of its baseline size.
PHANTOM_GROWTH = {"L1": 1.3, "L2": 0.7, "L3": 1.2, "N1": 0.8}


#: Follow-ups made by :func:`moved`, by the baseline's fingerprint and the motion (read-only pixels: several tests
#: share one).
_MOVED: dict[tuple[str, Motion], tuple[CtVolume, Callable[[Point], np.ndarray]]] = {}


def moved(volume: CtVolume, motion: Motion) -> tuple[CtVolume, Callable[[Point], np.ndarray]]:
    """The follow-up (the baseline's grid, new UIDs, read-only pixels) showing the baseline moved by ``motion``
    about the middle of its box (the push spanning its height), and the truth: where a baseline point is in it."""
    key = (fingerprint(volume), motion)
    if key not in _MOVED:
        _MOVED[key] = _moved(volume, motion)
    return _MOVED[key]


def _moved(volume: CtVolume, motion: Motion) -> tuple[CtVolume, Callable[[Point], np.ndarray]]:
    direction, (sx, sy, _sz) = axes_of(volume)
    rows, columns = volume.shape[1:]
    corners = np.array([volume.index_to_patient(c, r, k) for c in (0, columns - 1) for r in (0, rows - 1)
                        for k in (0, volume.shape[0] - 1)])
    low, high = corners.min(axis=0), corners.max(axis=0)
    x, y, z = (float(v) for v in (low + high) / 2)
    motion = dataclasses.replace(motion, centre_mm=(x, y, z), wave_span_mm=(float(low[2]), float(high[2])))
    r, c = np.meshgrid(np.arange(rows), np.arange(columns), indexing="ij")
    in_plane = (c[..., None] * sx) * direction[:, 0] + (r[..., None] * sy) * direction[:, 1]
    hu = np.empty_like(volume.hu)
    for k, position in enumerate(volume.slice_positions):
        hu[k] = np.round(sample(volume, motion.body_of(position + in_plane)))
    hu.flags.writeable = False
    followup = dataclasses.replace(
        volume, hu=hu, frame_of_reference_uid=str(generate_uid()),
        series_uid=str(generate_uid()), sop_uids=tuple(str(generate_uid()) for _ in volume.sop_uids))
    return followup, motion.followup_of


def phantom_pair(folder: Path, slices: int = 64, size: int = 256, patient_id: str = "TRACK-001"
                 ) -> tuple[GroundTruth, GroundTruth]:
    """A phantom baseline and its follow-up written under ``folder`` (``baseline/``, ``followup/``): the patient
    moved by :data:`PHANTOM_MOTION` (about the slab's middle, the push spanning it), each lesion grown or shrunk
    by :data:`PHANTOM_GROWTH`; the follow-up truth holds each lesion's centre there."""
    spec = PhantomSpec.chest(slices=slices, rows=size, columns=size, slice_spacing_mm=2.5, patient_id=patient_id)
    half = (slices - 1) * spec.slice_spacing_mm / 2
    changed = tuple(dataclasses.replace(lesion, long_axis_mm=lesion.long_axis_mm * PHANTOM_GROWTH[lesion.lesion_id],
                                        short_axis_mm=lesion.short_axis_mm * PHANTOM_GROWTH[lesion.lesion_id],
                                        height_mm=lesion.height_mm * PHANTOM_GROWTH[lesion.lesion_id])
                    for lesion in spec.lesions)
    followup = dataclasses.replace(spec, lesions=changed, study_date="20250401", seed=1,
                                   motion=dataclasses.replace(PHANTOM_MOTION, wave_span_mm=(-half, half)))
    return write_series_of(spec, folder / "baseline"), write_series_of(followup, folder / "followup")


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
