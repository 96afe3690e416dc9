"""What a reader needs to choose among the series of a time point, from headers only.

A time point often holds several reconstructions of one acquisition (lung and soft-tissue
kernels, thin and thick slices, coronal reformats, a scout). :func:`catalog` lists every series
under some folders, and :func:`catalog_links` every series linked to a time point, as one
:class:`SeriesOption` each: number, description, kernel, thickness, slice count, orientation,
the scan's findings, and whether the workstation can measure on it (with the reason when not).

Both build on :func:`recist_app.imaging.scan.scan` (headers only, no pixel decoding) and never
raise on a missing, empty or unreadable folder: such a series is listed as not usable, with the
reason in the reader's words ("the folder … is missing: re-import the study").

A :class:`SeriesOption` is the short choice-list entry built from the scan's full record of one
series (:class:`recist_app.imaging.scan.SeriesSummary`: patient, study, files …).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from assessment.domain import Finding
from recist_app.imaging import scan as dicom_scan
from recist_app.imaging.errors import DicomError, LoadCancelled, PacsError
from recist_app.imaging.sources.retrieve import local_folder
from recist_app.imaging.sources.servers import is_server_address

__all__ = ["LinkedSeries", "Orientation", "SeriesOption", "catalog", "catalog_links", "option_of", "orientation_of"]

#: A direction cosine above this names the patient axis a row or column runs along; below it on
#: every axis the direction is oblique (0.8 ≈ 37°: D. Clunie's dicom3tools and GDCM
#: ``gdcm::Orientation::ObliquityThresholdCosineValue``). A tilted-gantry axial stays AXIAL.
OBLIQUITY_THRESHOLD_COSINE = 0.8
#: Re-import remedy appended to folder problems.
REIMPORT = "re-import the study"
#: Findings the loader refuses today (``series_plan``: one size, one orientation, one position per
#: slice, geometry on every image, a decoder, a frame count), with the reader's reason.
BLOCKING_FINDINGS = {
    "NO_GEOMETRY": "images without position or orientation (0020,0032/0037): they cannot be placed in the patient",
    "MIXED_ORIENTATION": "images of several orientations: the workstation loads one stack of slices at a time",
    "LOCALIZER": "localizer (scout) images among the slices: the workstation loads one stack of slices at a time",
    "DUPLICATE_POSITIONS": "two images at the same position: two stacks of slices in one series",
    "MIXED_SIZE": "images of different sizes (rows × columns)",
    "NO_PIXEL_SPACING": "no pixel spacing (0028,0030): lesions cannot be measured in mm",
    "NO_FRAME_OF_REFERENCE": "no frame of reference (0020,0052): measurements could not be tied to the images",
    "UNSUPPORTED_TRANSFER_SYNTAX": "compressed in a format no installed decoder reads",
    "INVALID_NUMBER_OF_FRAMES": "an unusable Number of Frames (0028,0008): the images cannot be loaded",
}


class Orientation(StrEnum):
    """The plane of a series' images, from (0020,0037) *Image Orientation (Patient)*."""

    AXIAL = "AXIAL"
    CORONAL = "CORONAL"
    SAGITTAL = "SAGITTAL"
    OBLIQUE = "OBLIQUE"
    #: No usable orientation (no images, a scout only, no geometry).
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class SeriesOption:
    """One series as a reader chooses it.

    ``series_number`` is (0020,0011) *Series Number*, ``description`` (0008,103E) *Series
    Description*, ``kernel`` (0018,1210) *Convolution Kernel* ("" when absent), ``thickness_mm``
    (0018,0050) *Slice Thickness*, ``slice_count`` the number of images (frames), ``orientation``
    from (0020,0037) (:func:`orientation_of`), ``modality`` (0008,0060). ``findings`` are the
    scan's (gantry tilt, missing slices …, :mod:`recist_app.imaging.scan_findings`). ``usable`` is
    False when the workstation cannot measure on the series; ``reason`` then says why, in the
    reader's words, to follow "Not usable: " (several reasons are joined by "; "). ``path`` is
    the folder holding the series' files, resolved as the scan resolves them (or the path asked
    for, when it is missing or holds no image; ``series_uid`` is then "" unless a link named it).
    """

    series_uid: str
    series_number: int | None
    description: str
    kernel: str
    thickness_mm: float | None
    slice_count: int
    orientation: Orientation
    modality: str
    findings: tuple[Finding, ...]
    usable: bool
    reason: str
    path: str
    study_uid: str = ""
    frame_of_reference_uid: str = ""

    @property
    def label(self) -> str:
        """How the reader names the series: ``series 3 "5mm" (kernel B)``."""
        parts = [f"series {self.series_number}" if self.series_number is not None else "series"]
        if self.description:
            parts.append(f'"{self.description}"')
        if self.kernel:
            parts.append(f"(kernel {self.kernel})")
        return " ".join(parts)

    def finding_codes(self) -> frozenset[str]:
        """The codes of :attr:`findings`."""
        return frozenset(finding.code for finding in self.findings)

    def finding_messages(self) -> tuple[str, ...]:
        """The messages of :attr:`findings`, in order."""
        return tuple(finding.message for finding in self.findings)


class LinkedSeries(Protocol):
    """A series linked to a time point, as the trial database records it
    (:class:`recist_app.model.records.SeriesLink` is one)."""

    @property
    def series_uid(self) -> str:
        """(0020,000E) *Series Instance UID*."""

    @property
    def series_number(self) -> int | None:
        """(0020,0011) *Series Number*, when recorded."""

    @property
    def path(self) -> str:
        """The folder the series was imported from."""

    @property
    def description(self) -> str:
        """(0008,103E) *Series Description* as recorded."""

    @property
    def modality(self) -> str:
        """(0008,0060) *Modality* as recorded."""

    @property
    def slice_thickness_mm(self) -> float | None:
        """(0018,0050) *Slice Thickness* as recorded."""


def orientation_of(iop: Sequence[float] | None) -> Orientation:
    """The plane of (0020,0037) *Image Orientation (Patient)*.

    Each of the row and column directions is named by the patient axis whose cosine exceeds
    :data:`OBLIQUITY_THRESHOLD_COSINE` (LPS: x left, y posterior, z head); rows and columns
    along x and y are AXIAL, x and z CORONAL, y and z SAGITTAL; a direction along no axis is
    OBLIQUE (Clunie's dicom3tools, GDCM ``gdcm::Orientation::GetType``).

    Examples
    --------
    >>> orientation_of((1, 0, 0, 0, 1, 0)), orientation_of((1, 0, 0, 0, 0, -1))
    (<Orientation.AXIAL: 'AXIAL'>, <Orientation.CORONAL: 'CORONAL'>)
    >>> orientation_of((0, 1, 0, 0, 0, -1)), orientation_of((0.7071, 0.7071, 0, 0, 0, -1))
    (<Orientation.SAGITTAL: 'SAGITTAL'>, <Orientation.OBLIQUE: 'OBLIQUE'>)
    """
    if iop is None or len(iop) != 6:
        return Orientation.UNKNOWN
    axes = []
    for direction in (iop[:3], iop[3:]):
        major = [axis for axis, cosine in enumerate(direction) if abs(float(cosine)) > OBLIQUITY_THRESHOLD_COSINE]
        if len(major) != 1:
            return Orientation.OBLIQUE
        axes.append(major[0])
    planes = {frozenset({0, 1}): Orientation.AXIAL, frozenset({0, 2}): Orientation.CORONAL,
              frozenset({1, 2}): Orientation.SAGITTAL}
    return planes.get(frozenset(axes), Orientation.OBLIQUE)


def catalog(paths: Path | str | Iterable[Path | str],
            workers: int = dicom_scan.DEFAULT_WORKERS) -> tuple[SeriesOption, ...]:
    """Every series under ``paths`` (folders, searched recursively, or files), headers only.

    Each path is scanned on its own, in the order given; a series found under two paths is listed
    once. A path that is missing, or holds no readable DICOM image, is listed as one not-usable
    entry whose ``reason`` says so. Never raises for a bad folder.

    Parameters
    ----------
    paths : path or iterable of paths
        Folders or files, e.g. the paths of a time point's series links.
    workers : int
        Threads reading headers (:func:`recist_app.imaging.scan.scan`).

    Returns
    -------
    tuple of SeriesOption
        Per path, its series in the scan's order (series number), then the next path's.
    """
    roots = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    found: list[SeriesOption] = []
    seen: set[str] = set()
    for root in dict.fromkeys(Path(p) for p in roots):
        for summary in _catalog_folder(root, workers):
            if not summary.series_uid or summary.series_uid not in seen:
                seen.add(summary.series_uid)
                found.append(summary)
    return tuple(found)


def catalog_links(links: Iterable[LinkedSeries],
                  workers: int = dicom_scan.DEFAULT_WORKERS) -> tuple[SeriesOption, ...]:
    """One entry per linked series, in the links' order: what its folder holds now.

    Each distinct folder is scanned once. A link whose folder is missing, holds no image, or no
    longer holds its series is listed as not usable with the stored description, modality and
    thickness, and the reason ("the folder … is missing: re-import the study"). Never raises for a
    bad folder.
    """
    links = list(links)
    by_folder: dict[str, tuple[SeriesOption, ...]] = {}
    for link in links:
        if is_server_address(link.path):  # a series on a PACS (issue 15): its cached retrieval
            by_folder[f"{link.path}\n{link.series_uid}"] = _catalog_server(link, workers)
        elif link.path not in by_folder:
            by_folder[link.path] = _catalog_folder(Path(link.path), workers) if link.path else ()
    result = []
    for link in links:
        entries = by_folder[f"{link.path}\n{link.series_uid}" if is_server_address(link.path) else link.path]
        match = next((entry for entry in entries if entry.series_uid == link.series_uid), None)
        if match is not None:
            result.append(match)
            continue
        problem = next((entry.reason for entry in entries if not entry.series_uid), "")
        if not link.path:
            problem = f"no folder was recorded for it: {REIMPORT}"
        elif not problem:
            problem = f"the folder {link.path} no longer holds this series: {REIMPORT}"
        result.append(_unusable(link.path, problem, series_uid=link.series_uid, description=link.description,
                                modality=link.modality, thickness_mm=link.slice_thickness_mm,
                                series_number=link.series_number))
    return tuple(result)


def _catalog_server(link: LinkedSeries, workers: int) -> tuple[SeriesOption, ...]:
    """The linked series retrieved from its PACS into the cache (or why it cannot be)."""
    try:
        folder = local_folder(link.path, link.series_uid)
    except (PacsError, LoadCancelled) as exc:
        return (_unusable(link.path, f"{exc}", series_uid=""),)
    return _catalog_folder(folder, workers)


def _catalog_folder(root: Path, workers: int) -> tuple[SeriesOption, ...]:
    """The series under one folder (or file), or one not-usable entry saying why there are none."""
    if not root.exists():
        return (_unusable(str(root), f"the folder {root} is missing: {REIMPORT}"),)
    try:
        result = dicom_scan.scan(root, workers=workers)
    except DicomError:  # NotDicomError: nothing readable there
        return (_unusable(str(root), f"the folder {root} holds no readable DICOM image: {REIMPORT}"),)
    except OSError as exc:
        return (_unusable(str(root), f"the folder {root} cannot be read ({exc.strerror or exc}): {REIMPORT}"),)
    return tuple(option_of(summary) for summary in result.series)


def option_of(summary: dicom_scan.SeriesSummary) -> SeriesOption:
    """The choice-list entry of one scanned series (no file is read)."""
    orientation = orientation_of(summary.orientation)
    reasons = _reasons(summary)
    files = [str(path) for path in summary.files]
    folder = os.path.commonpath(files) if len(files) > 1 else os.path.dirname(files[0]) if files else ""
    return SeriesOption(series_uid=summary.series_uid, series_number=summary.series_number,
                         description=summary.series_description, kernel=summary.kernel,
                         thickness_mm=summary.slice_thickness, slice_count=summary.frame_count,
                         orientation=orientation, modality=summary.modality, findings=summary.findings,
                         usable=not reasons, reason="; ".join(reasons), path=folder, study_uid=summary.study_uid,
                         frame_of_reference_uid=summary.frame_of_reference_uid or "")


def _reasons(summary: dicom_scan.SeriesSummary) -> list[str]:
    """Why the workstation cannot measure on ``summary`` (empty when it can)."""
    codes = summary.finding_codes()
    if summary.modality != "CT":
        return [f"not CT (modality {summary.modality or 'missing'})"]
    if "LOCALIZER" in codes and summary.orientation is None:
        return ["a localizer (scout) image, not a stack of slices"]
    reasons = [reason for code, reason in BLOCKING_FINDINGS.items() if code in codes]
    if summary.frame_count < 2 and not reasons:
        reasons.append("a single image, not a stack of slices")
    return reasons


def _unusable(path: str, reason: str, *, series_uid: str = "", description: str = "", modality: str = "",
              thickness_mm: float | None = None, series_number: int | None = None) -> SeriesOption:
    return SeriesOption(series_uid=series_uid, series_number=series_number, description=description, kernel="",
                         thickness_mm=thickness_mm, slice_count=0, orientation=Orientation.UNKNOWN,
                         modality=modality, findings=(), usable=False, reason=reason, path=path)
