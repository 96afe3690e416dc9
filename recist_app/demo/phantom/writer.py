"""The phantom writer: renders the slices of a :class:`~recist_app.demo.phantom.spec.PhantomSpec` and
writes them as one CT series with its ``ground_truth.json`` (see :mod:`recist_app.demo.phantom.spec`)."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
from pydicom.uid import CTImageStorage, generate_uid

from recist_app.demo.phantom.anatomy import AIR_HU, chest_slice, fill_ellipse
from recist_app.demo.phantom.encoding import (
    INTERCEPT,
    check_encoder,
    ds_text,
    encode_stored,
    write_slice,
)
from recist_app.demo.phantom.spec import (
    GROUND_TRUTH_NAME,
    GroundTruth,
    LesionSpec,
    LesionTruth,
    PhantomSpec,
    Point,
    lesion_frame,
)
from recist_app.imaging.interpolate import trilinear


def series_header(spec: PhantomSpec, uids: tuple[str, str, str]) -> dict[str, object]:
    """Tags shared by every slice: Patient, Study, Series, Frame of Reference, Image Plane,
    Image Pixel and CT Image modules (PS3.3 A.3), keyed by pydicom keyword."""
    return {
        "SOPClassUID": CTImageStorage, "ImageType": ["ORIGINAL", "PRIMARY", "AXIAL"],
        "Modality": "CT", "Manufacturer": "recist_app phantom",
        "PatientName": f"Phantom^{spec.patient_id}", "PatientID": spec.patient_id,
        "PatientBirthDate": "", "PatientSex": "O",
        "StudyInstanceUID": uids[0], "SeriesInstanceUID": uids[1], "FrameOfReferenceUID": uids[2],
        "PositionReferenceIndicator": "", "StudyDate": spec.study_date, "SeriesDate": spec.study_date,
        "ContentDate": spec.study_date, "StudyTime": "120000", "StudyID": "1", "AccessionNumber": "",
        "ReferringPhysicianName": "", "SeriesNumber": 1, "AcquisitionNumber": 1,
        "SeriesDescription": spec.series_description, "PatientPosition": "HFS",
        "BodyPartExamined": "CHEST", "KVP": "120",
        "SliceThickness": ds_text(spec.slice_thickness_mm),
        "SpacingBetweenSlices": ds_text(spec.slice_spacing_mm),
        "ImageOrientationPatient": ds_text(spec.orientation), "PixelSpacing": ds_text(spec.pixel_spacing_mm),
        "SamplesPerPixel": 1, "PhotometricInterpretation": "MONOCHROME2",
        "Rows": spec.rows, "Columns": spec.columns,
        "BitsAllocated": 16, "BitsStored": 12, "HighBit": 11, "PixelRepresentation": 0,
        "RescaleIntercept": str(INTERCEPT), "RescaleSlope": "1", "RescaleType": "HU",
        "WindowCenter": "40", "WindowWidth": "400",
    }


def render_slice(spec: PhantomSpec, k: int) -> np.ndarray:
    """Noise-free HU of slice ``k`` (float32, rows × columns): anatomy plus lesion sections."""
    half = (spec.slices - 1) / 2 * spec.slice_spacing_mm
    t = 0.0 if half == 0 else (k * spec.slice_spacing_mm - half) / half
    image = chest_slice((spec.rows, spec.columns), spec.pixel_spacing_mm, t)
    z = k * spec.slice_spacing_mm
    for lesion in spec.lesions:
        a, b, zc = lesion_frame(spec, lesion)
        offset = (z - zc) / (lesion.height_mm / 2)
        if abs(offset) < 1:
            scale = float(np.sqrt(1 - offset * offset))
            fill_ellipse(image, spec.pixel_spacing_mm, (a, b), (lesion.long_axis_mm / 2 * scale,
                         lesion.short_axis_mm / 2 * scale), lesion.angle_deg, lesion.hu)
    return image


def _truth(spec: PhantomSpec, lesion: LesionSpec, sop_uids: Sequence[str]) -> LesionTruth:
    truth = _unmoved_truth(spec, lesion, sop_uids)
    if spec.motion is None:
        return truth
    motion = spec.motion

    def carried(point: Point) -> Point:
        x, y, z = (float(v) for v in motion.followup_of(point))
        return (x, y, z)

    centre = carried(truth.centre_mm)
    k = int(np.clip(round(float(spec.axes[2] @ (np.asarray(centre) - spec.origin)) / spec.slice_spacing_mm),
                    0, spec.slices - 1))
    return replace(truth, centre_mm=centre, slice_index=k, sop_instance_uid=sop_uids[k],
                   long_axis_endpoints_mm=(carried(truth.long_axis_endpoints_mm[0]),
                                           carried(truth.long_axis_endpoints_mm[1])),
                   short_axis_endpoints_mm=(carried(truth.short_axis_endpoints_mm[0]),
                                            carried(truth.short_axis_endpoints_mm[1])))


def _unmoved_truth(spec: PhantomSpec, lesion: LesionSpec, sop_uids: Sequence[str]) -> LesionTruth:
    a, b, zc = lesion_frame(spec, lesion)
    k = int(np.clip(round(zc / spec.slice_spacing_mm), 0, spec.slices - 1))
    offset = (k * spec.slice_spacing_mm - zc) / (lesion.height_mm / 2)
    scale = float(np.sqrt(max(0.0, 1 - offset * offset)))
    angle = np.radians(lesion.angle_deg)
    along, across = np.array([np.cos(angle), np.sin(angle)]), np.array([-np.sin(angle), np.cos(angle)])

    def ends(direction: np.ndarray, length: float) -> tuple[Point, Point]:
        d = direction * length / 2 * scale
        z = k * spec.slice_spacing_mm
        return (spec.index_mm_to_patient(a - d[0], b - d[1], z), spec.index_mm_to_patient(a + d[0], b + d[1], z))

    x, y, z = map(float, lesion.centre_mm)
    return LesionTruth(lesion.lesion_id, lesion.organ, lesion.nodal, (x, y, z),
                       lesion.long_axis_mm, lesion.short_axis_mm, k, sop_uids[k],
                       ends(along, lesion.long_axis_mm), ends(across, lesion.short_axis_mm))


def anatomy_of(spec: PhantomSpec) -> Callable[[int], np.ndarray]:
    """Slice index → its noise-free HU (float32): :func:`render_slice`, or with ``spec.motion`` the body rendered
    unmoved once and read at φ of each pixel centre (trilinear, :mod:`recist_app.demo.phantom.motion`)."""
    motion = spec.motion
    if motion is None:
        return lambda k: render_slice(spec, k)
    body = np.stack([render_slice(spec, k) for k in range(spec.slices)])
    rows, columns = np.meshgrid(np.arange(spec.rows), np.arange(spec.columns), indexing="ij")
    in_plane = np.stack([columns * spec.pixel_spacing_mm[1], rows * spec.pixel_spacing_mm[0],
                         np.zeros(rows.shape)], axis=-1)  # image-plane mm (a, b, z) of slice 0
    steps = np.array([spec.pixel_spacing_mm[1], spec.pixel_spacing_mm[0], spec.slice_spacing_mm])

    def moved(k: int) -> np.ndarray:
        shown = motion.body_of(spec.origin + (in_plane + np.array([0.0, 0.0, k * spec.slice_spacing_mm])) @ spec.axes)
        return trilinear(body, ((shown - spec.origin) @ spec.axes.T) / steps, AIR_HU).astype(np.float32)

    return moved


def write_series(spec: PhantomSpec, folder: str | Path, shuffle: bool = True) -> GroundTruth:
    """Write one CT Image Storage file per slice and ``ground_truth.json`` into ``folder``.

    Image Position (Patient) (0020,0032) of slice ``k`` is ``origin + k·SpacingBetweenSlices·n``
    with ``n`` the normal of (0020,0037); Instance Number (0020,0013) is ``k + 1``. With
    ``shuffle`` the file names are random UUIDs (seeded) and files are written in random order.

    Raises
    ------
    UnsupportedTransferSyntaxError
        If no encoder for ``spec.transfer_syntax`` is installed (checked before writing).
    """
    plugin = check_encoder(spec.transfer_syntax)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    uids = spec.uids()
    sop_uids = [generate_uid(entropy_srcs=[uids[1], str(k)]) for k in range(spec.slices)]
    names_rng = random.Random(f"{spec.seed}/{uids[1]}")
    names = ([f"{uuid.UUID(int=names_rng.getrandbits(128), version=4)}.dcm" for _ in range(spec.slices)]
             if shuffle else [f"CT{k + 1:06d}.dcm" for k in range(spec.slices)])
    order = list(range(spec.slices))
    if shuffle:
        names_rng.shuffle(order)
    header, normal = series_header(spec, uids), spec.axes[2]
    anatomy = anatomy_of(spec)
    for k in order:  # noise seeded per slice: pixels do not depend on the write order
        noise = np.random.default_rng([spec.seed, k]).standard_normal((spec.rows, spec.columns), dtype=np.float32)
        stored = encode_stored(anatomy(k) + noise * np.float32(spec.noise_hu))
        position = spec.origin + k * spec.slice_spacing_mm * normal
        write_slice(folder / names[k], header, stored, sop_uids[k], k + 1, position, normal,
                    spec.transfer_syntax, plugin)
    truth = GroundTruth(str(folder), *uids, spec.transfer_syntax, tuple(sop_uids), tuple(names),
                        tuple(_truth(spec, lesion, sop_uids) for lesion in spec.lesions))
    (folder / GROUND_TRUTH_NAME).write_text(json.dumps(asdict(truth), indent=2), encoding="utf-8")
    return truth
