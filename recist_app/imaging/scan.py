"""Scan folders, DICOMDIRs or files for CT series, reading headers only (ARCHITECTURE §1.3 step 1).

``scan(paths)`` reads every file's header (:func:`recist_app.imaging.scan_headers.read_file`: the lean
header parser where it applies, else pydicom ``stop_before_pixels``; both give the same result),
groups images by (0020,000D) *Study Instance UID* and (0020,000E) *Series Instance UID*, and
returns one frozen :class:`SeriesSummary` per series with protocol findings as data (C8,
:mod:`recist_app.imaging.scan_findings`). Enhanced (multi-frame) images count one image per frame, with
the geometry of their functional groups. Files that are not DICOM, cannot be parsed or hold no
image come back as :class:`UnreadableFile` with a one-line reason and never stop the scan; only a
scan with no readable image at all raises :class:`~recist_app.imaging.errors.NotDicomError`, whose
message tells the reader which case it is (the folder does not exist, is empty, holds no DICOM
image, or holds DICOM files that cannot be read) and what to do. :func:`examine_series` finds one
imported series again under its folder, naming it as the reader knows it when it is gone.

DICOMDIR policy (:mod:`recist_app.imaging.dicomdir`): a DICOMDIR is not an image. Named directly, it
contributes exactly the files its directory records reference through (0004,1500) *Referenced
File ID*. Met while walking a folder, its referenced files are added too, and every file is read
once (paths are resolved and de-duplicated). So a folder and the DICOMDIR(s) inside it give the
same series whenever the DICOMDIRs reference every image under the folder; unreferenced images
are still found.
"""

from __future__ import annotations

import functools
import math
import os
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pydicom.uid import UID

from assessment.domain import Finding
from recist_app.imaging.errors import NotDicomError
from recist_app.imaging.scan_findings import (
    decoder_available,
    header_findings,
    stack_geometry,
)
from recist_app.imaging.scan_headers import GZIP, NOT_DICOM, FileHeader, read_file

#: Default threads for header reads. Parsing holds the GIL, so threads pay only when reads wait
#: on storage (cold cache, network shares, CDs). Warm cache, 2 CPUs, 300 phantom CT files: serial
#: 0.05 s, 4 threads 0.08 s (lean headers; pydicom: 0.28 s and 0.39 s). A small pool is the
#: compromise.
DEFAULT_WORKERS = 4

__all__ = ["ScanResult", "SeriesSummary", "UnreadableFile", "decoder_available", "examine_series", "find_series",
           "scan"]


@dataclass(frozen=True)
class UnreadableFile:
    """A file the scan could not use, with a one-line ``reason``."""

    path: Path
    reason: str


@dataclass(frozen=True)
class SeriesSummary:
    """One series as read from its headers; ``files`` are sorted along the slice normal.

    ``instance_count`` is the number of files (SOP instances) and ``frame_count`` the number of
    images: equal for classic single-frame series, larger when files hold several frames
    ((0028,0008) *Number of Frames*, e.g. Enhanced CT). Geometry findings count frames.
    ``spacing_between_slices`` is the median step of (0020,0032) *Image Position (Patient)*
    projected on the normal of (0020,0037) *Image Orientation (Patient)*; ``spacing_header`` is
    (0018,0088) *Spacing Between Slices* as written, if any. ``transfer_syntax`` is
    (0002,0010) *Transfer Syntax UID* of the first file and ``transfer_syntax_name`` its name;
    ``kernel`` is (0018,1210) *Convolution Kernel* ("" when absent).
    Values shared by a series (patient, dates, spacing, ...) come from its first file by path
    (for Enhanced images, from the functional groups of its first frame).
    """

    patient_id: str
    patient_name: str
    study_uid: str
    study_date: str
    study_description: str
    series_uid: str
    series_number: int | None
    modality: str
    series_description: str
    kernel: str
    instance_count: int
    frame_count: int
    rows: int | None
    columns: int | None
    pixel_spacing: tuple[float, float] | None
    slice_thickness: float | None
    spacing_between_slices: float | None
    spacing_header: float | None
    orientation: tuple[float, ...] | None
    frame_of_reference_uid: str | None
    transfer_syntax: str
    transfer_syntax_name: str
    files: tuple[Path, ...]
    findings: tuple[Finding, ...]

    def finding_codes(self) -> frozenset[str]:
        """The codes of :attr:`findings`, for quick membership tests."""
        return frozenset(finding.code for finding in self.findings)


@dataclass(frozen=True)
class ScanResult:
    """Series found (sorted by patient, study date, study, series number) and unreadable files."""

    series: tuple[SeriesSummary, ...]
    unreadable: tuple[UnreadableFile, ...]

    def tree(self) -> dict[str, dict[str, tuple[SeriesSummary, ...]]]:
        """Patient ID → Study Instance UID → series, in :attr:`series` order."""
        tree: dict[str, dict[str, list[SeriesSummary]]] = {}
        for summary in self.series:
            tree.setdefault(summary.patient_id, {}).setdefault(summary.study_uid, []).append(summary)
        return {pid: {uid: tuple(s) for uid, s in studies.items()} for pid, studies in tree.items()}


def scan(paths: Path | str | Sequence[Path | str], workers: int = DEFAULT_WORKERS, lean: bool = True) -> ScanResult:
    """Scan folders (recursively), DICOMDIRs and files; see the module docstring for DICOMDIRs.

    ``workers`` threads read headers (1 reads serially in the calling thread). ``lean=False``
    reads every header with pydicom (same result, slower: for checks and benchmarks).

    Raises
    ------
    NotDicomError
        If no path holds a readable DICOM image. The message says which case it is and what to do
        (the folder does not exist; it is empty; it holds N files, none of them DICOM images; it
        holds DICOM files that cannot be read, with their count and the first reason); the error
        carries ``paths``, ``unreadable`` (the :class:`UnreadableFile` records) and ``problem``.
    """
    roots = [Path(paths)] if isinstance(paths, (str, os.PathLike)) else [Path(p) for p in paths]
    found = _read_headers(roots, workers, lean)
    if not found.headers:
        problem, what, remedy = _explain(roots, found)
        raise NotDicomError(f"{what} {remedy}", paths=tuple(roots), unreadable=found.unreadable, problem=problem)
    return _result(found)


def find_series(result: ScanResult, series_uid: str, folder: Path | str, label: str = "") -> SeriesSummary:
    """The series ``series_uid`` of a scan of ``folder``.

    Raises
    ------
    NotDicomError
        If the scan holds no such series (``problem`` ``"series_missing"``); the message names the
        series by ``label`` (e.g. ``series 3 "5mm" of Week 8``), never by its UID, and the folder.
    """
    for summary in result.series:
        if summary.series_uid == series_uid:
            return summary
    raise NotDicomError(f"{_capital(label or 'the series')} is no longer in {folder} (moved or deleted?). Import it "
                        "again from where it is now (File > Open folder).", paths=(Path(folder),),
                        unreadable=result.unreadable, problem="series_missing")


def examine_series(folder: Path | str, series_uid: str, label: str = "", *, retrieve: bool = True) -> SeriesSummary:
    """Headers only: the imported series ``series_uid`` found again under ``folder`` (files in order, findings).

    ``label`` is how the reader knows the series (``series 3 "5mm" of Week 8``); messages use it,
    never the UID.

    Raises
    ------
    NotDicomError
        If the folder does not exist any more, holds no readable DICOM image, or no longer holds
        the series; the message says which, naming the series and the folder.
    PacsError
        If ``folder`` is a PACS address (issue 15) and the series cannot be retrieved from it (it is
        read from its retrieval in the series cache), or is not in the cache and not ``retrieve``.
    """
    from recist_app.imaging.sources.retrieve import local_folder

    root = local_folder(str(folder), series_uid, retrieve=retrieve)
    found = _read_headers([root], 1, True)
    if not found.headers:
        problem, what, _ = _explain([root], found)
        name = _capital(label or "the series")
        if problem == "missing":
            text = (f"{name} cannot be opened: its folder {root} does not exist any more (moved or deleted?). Put "
                    "the images back there, or import them again from where they are now (File > Open folder).")
        else:
            text = f"{name} cannot be opened. {what} Import the images again from their source (File > Open folder)."
        raise NotDicomError(text, paths=(root,), unreadable=found.unreadable, problem=problem)
    return find_series(_result(found), series_uid, root, label)


@dataclass(frozen=True)
class _Headers:
    """What reading the headers under some roots found: images, unusable files, DICOMDIRs met."""

    headers: tuple[FileHeader, ...]
    unreadable: tuple[UnreadableFile, ...]
    dicomdirs: tuple[Path, ...]


def _read_headers(roots: list[Path], workers: int, lean: bool) -> _Headers:
    """Every file's header under ``roots`` (DICOMDIRs followed, each file read once)."""
    unreadable: dict[Path, str] = {}
    headers: dict[Path, FileHeader] = {}
    dicomdirs: list[Path] = []
    seen: set[Path] = set()
    pending = _unique(_expand(roots, unreadable), seen)
    read = functools.partial(read_file, lean=lean)
    # pydicom warns on bad values; those files are judged by their content, not by warnings.
    # The filter is process-wide for the duration of the scan (warning filters are global).
    with warnings.catch_warnings(), ThreadPoolExecutor(max(1, workers)) as pool:
        warnings.simplefilter("ignore")
        while pending:
            referenced: list[Path] = []
            outcomes = pool.map(read, pending) if workers > 1 else map(read, pending)
            for path, outcome in zip(pending, outcomes, strict=True):
                if isinstance(outcome, FileHeader):
                    headers[path] = outcome
                elif isinstance(outcome, list):
                    dicomdirs.append(path)
                    referenced.extend(outcome)
                else:
                    unreadable[path] = outcome
            pending = _unique(referenced, seen)
    return _Headers(tuple(headers.values()), tuple(UnreadableFile(p, r) for p, r in sorted(unreadable.items())),
                    tuple(dicomdirs))


def _result(found: _Headers) -> ScanResult:
    """The series of headers already read (grouped, summarised, sorted as :func:`scan` does)."""
    groups: dict[tuple[str, str], list[FileHeader]] = defaultdict(list)
    for header in found.headers:
        groups[(header.study_uid, header.series_uid)].append(header)
    series = sorted((_summarise(sorted(group, key=lambda h: h.path)) for group in groups.values()),
                    key=_series_order)
    return ScanResult(series=tuple(series), unreadable=found.unreadable)


#: Reasons (from :func:`~recist_app.imaging.scan_headers.read_file`) of files that are not DICOM at all.
_NOT_DICOM = (NOT_DICOM, GZIP)
#: An exception's class name or errno inside a reason ("FileNotFoundError: [Errno 2] …"): not the reader's words.
_CODE_WORDS = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Warning)\b:?\s*|\[Errno -?\d+\]\s*")


def _explain(roots: list[Path], found: _Headers) -> tuple[str, str, str]:
    """``(problem, what happened, what to do)`` when ``roots`` gave no DICOM image (see :class:`NotDicomError`)."""
    missing = [root for root in roots if not root.exists()]
    present = [root for root in roots if root.exists()]
    if not present:
        return "missing", _missing_words(missing), "Choose another folder."
    gone = {root.resolve() for root in missing}
    files = [u for u in found.unreadable if u.path not in gone]
    also = f" {_missing_words(missing)}" if missing else ""
    one_file = len(present) == 1 and present[0].is_file() and len(files) == 1
    if not files:
        return "empty", _empty_words(present, found.dicomdirs) + also, "Choose the folder that holds the DICOM images."
    broken = [u for u in files if u.reason not in _NOT_DICOM]
    if broken:
        what = (f"The DICOM file {present[0]} could not be read as an image ({_plain(broken[0].reason)})."
                if one_file else _unreadable_words(present, broken, len(files) - len(broken)))
        return "unreadable", what + also, "Copy the images again from their source, or choose another folder."
    if one_file:
        what = f"The file {present[0]} is not a DICOM image" + (f" ({GZIP})." if files[0].reason == GZIP else ".")
    else:
        zipped = sum(1 for u in files if u.reason == GZIP)
        none = "which is not a DICOM image" if len(files) == 1 else "none of them DICOM images"
        what = f"{_where(present)} {_holds(present)} {_count(len(files), 'file')}, {none}" + \
            (f" ({zipped} gzip-compressed: gunzip {'it' if zipped == 1 else 'them'} first)." if zipped else ".")
    return "not_dicom", what + also, "Choose the folder that holds the DICOM images."


def _empty_words(present: list[Path], dicomdirs: tuple[Path, ...]) -> str:
    if dicomdirs and all(root.is_file() for root in present):
        return f"The DICOMDIR {dicomdirs[0]} lists no images."
    if all(root.is_dir() for root in present):
        return f"{_where(present)} {'is' if len(present) == 1 else 'are'} empty."
    return f"{_where(present)} {_holds(present)} no files."


def _unreadable_words(present: list[Path], broken: list[UnreadableFile], others: int) -> str:
    """Where, how many DICOM files could not be read, the first reason, and how many other files are not DICOM."""
    first = f"{broken[0].path.name}: {_plain(broken[0].reason)}"
    what = ("1 DICOM file that could not be read as an image" if len(broken) == 1 else
            f"{len(broken)} DICOM files that could not be read as images")
    detail = first if len(broken) == 1 else f"the first, {first}"
    rest = f", and {_count(others, 'other file')} that {'is' if others == 1 else 'are'} not DICOM" if others else ""
    return f"{_where(present)} {_holds(present)} {what} ({detail}){rest}."


def _where(roots: list[Path]) -> str:
    if len(roots) == 1:
        return f"The {'folder' if roots[0].is_dir() else 'file'} {roots[0]}"
    return f"The chosen folders and files ({', '.join(str(root) for root in roots)})"


def _holds(roots: list[Path]) -> str:
    return "holds" if len(roots) == 1 else "hold"


def _missing_words(missing: list[Path]) -> str:
    if len(missing) == 1:
        kind = "file" if missing[0].suffix or missing[0].name.upper() == "DICOMDIR" else "folder"
        return f"The {kind} {missing[0]} does not exist (moved or deleted?)."
    return f"None of {', '.join(str(path) for path in missing)} exists (moved or deleted?)."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _plain(reason: str) -> str:
    """A file's reason without exception class names or errno codes."""
    return _CODE_WORDS.sub("", reason).strip()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _expand(roots: Iterable[Path], unreadable: dict[Path, str]) -> list[Path]:
    """Files under ``roots``, folders walked recursively in sorted order (hidden names skipped)."""
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            for folder, dirs, names in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                files.extend(Path(folder, n) for n in sorted(names) if not n.startswith("."))
        elif root.is_file():
            files.append(root)
        else:
            unreadable[root.resolve()] = "no such file or folder"
    return files


def _unique(paths: Iterable[Path], seen: set[Path]) -> list[Path]:
    """Resolved ``paths`` not yet in ``seen`` (which is updated), in order."""
    fresh = []
    for path in paths:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            fresh.append(resolved)
    return fresh


def _summarise(group: list[FileHeader]) -> SeriesSummary:
    """One series from its files (sorted by path): shared values from the first, geometry from
    every frame; files ordered by where their first frame lies along the normal."""
    first = group[0].values
    frames = [frame for header in group for frame in header.frames]
    owners = [header.path for header in group for _ in header.frames]
    stack = stack_geometry(frames)
    ts = first.transfer_syntax
    return SeriesSummary(
        patient_id=first.patient_id, patient_name=first.patient_name,
        study_uid=group[0].study_uid, study_date=first.study_date,
        study_description=first.study_description, series_uid=group[0].series_uid,
        series_number=first.series_number, modality=first.modality,
        series_description=first.series_description, kernel=first.kernel,
        instance_count=len(group), frame_count=len(frames),
        rows=frames[0].rows, columns=frames[0].columns,
        pixel_spacing=first.pixel_spacing, slice_thickness=first.slice_thickness,
        spacing_between_slices=stack.spacing_mm, spacing_header=first.spacing_header,
        orientation=stack.orientation, frame_of_reference_uid=first.frame_of_reference_uid,
        transfer_syntax=ts, transfer_syntax_name=UID(ts).name if ts else "",
        files=tuple(dict.fromkeys(owners[i] for i in stack.order)),
        findings=stack.findings + header_findings(group))


def _series_order(summary: SeriesSummary) -> tuple[object, ...]:
    number = summary.series_number if summary.series_number is not None else math.inf
    return (summary.patient_id, summary.study_date, summary.study_uid, number, summary.series_uid)
