"""The images a DICOM SR references: their headers found in the attached series folders, read from
given files, or described from the UIDs when nothing can be read (:mod:`recist_app.sr.writer`)."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from recist_app.model.records import ReadSnapshot
from recist_app.sr.errors import SrExportError

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from recist_app.model.records import LineMeasurement, SeriesLink, Timepoint

#: SOP Class of an image whose header cannot be read, by (0008,0060) Modality of its series.
SOP_CLASS_BY_MODALITY = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4",
                         "PT": "1.2.840.10008.5.1.4.1.1.128"}


@dataclass
class Evidence:
    """Headers of the images a document references, found, read or described (in that order)."""

    snapshot: ReadSnapshot
    timepoint: Timepoint
    images: Iterable[Dataset | str | Path]

    def resolve(self, lines: Sequence[LineMeasurement]) -> list[Dataset]:
        """One header per measured image, the time point's own series first (its study is the SR's)."""
        headers = {ds.SOPInstanceUID: ds for ds in map(_header, self.images)}
        links = {link.series_uid: link for tp in self.snapshot.timepoints for link in tp.series}
        wanted = {line.sop_uid: line for line in lines}
        missing: dict[str, set[str]] = {}
        for sop, line in wanted.items():
            if sop not in headers:
                missing.setdefault(line.series_uid, set()).add(sop)
        from recist_app.imaging.sources.retrieve import local_folder

        for series_uid, sops in missing.items():
            link = links.get(series_uid)
            if link is not None and link.path:
                headers.update(_headers_under(local_folder(link.path, link.series_uid), sops))
        evidence = [_complete(headers[sop]) if sop in headers else self._described(line, links.get(line.series_uid))
                    for sop, line in wanted.items()]
        if not evidence:
            evidence = [_complete(self._any_image())]
        own = {link.series_uid for link in self.timepoint.series}
        return sorted(evidence, key=lambda ds: ds.SeriesInstanceUID not in own)

    def _described(self, line: LineMeasurement, link: SeriesLink | None) -> Dataset:
        """A header built from the UIDs when the image cannot be read (SOP Class from the modality)."""
        from pydicom.dataset import Dataset

        if link is None:
            raise SrExportError(f"A series measured at {self.timepoint.visit} of {self.snapshot.subject.subject_id} "
                                "is not attached to any of its time points (imported elsewhere, or unlinked): import "
                                "its folder again (File > Open folder, or `import-dicom`).")
        sop_class = SOP_CLASS_BY_MODALITY.get(link.modality.upper())
        if sop_class is None:
            raise SrExportError(f"An image of {link.label} at {self.timepoint.visit} cannot be read under "
                                f"{link.path} and the series' modality ({link.modality or 'none'}) does not tell "
                                "its SOP Class: import the series again from the folder holding its files.")
        ds = Dataset()
        ds.SOPClassUID, ds.SOPInstanceUID = sop_class, line.sop_uid
        ds.StudyInstanceUID, ds.SeriesInstanceUID = link.study_uid, link.series_uid
        ds.Modality, ds.FrameOfReferenceUID = link.modality.upper(), line.frame_of_reference_uid
        ds.PatientID, ds.PatientName, ds.PatientBirthDate, ds.PatientSex = \
            self.snapshot.subject.subject_id, "", "", ""
        ds.AccessionNumber, ds.StudyID, ds.StudyTime, ds.ReferringPhysicianName = "", "", "", ""
        scan_date = next((tp.scan_date for tp in self.snapshot.timepoints if tp.uid == link.timepoint_uid), None)
        ds.StudyDate = scan_date.strftime("%Y%m%d") if scan_date else ""
        return ds

    def _any_image(self) -> Dataset:
        """The first readable image of the time point's series (a document with no measured line)."""
        from recist_app.imaging.sources.retrieve import local_folder

        for link in self.timepoint.series:
            if link.path:
                found = _headers_under(local_folder(link.path, link.series_uid), None)
                if found:
                    return next(iter(found.values()))
        raise SrExportError(f"{self.timepoint.visit} of subject {self.snapshot.subject.subject_id} has no measured "
                            "line and no readable image in its attached series, so the SR has no study to belong "
                            "to: attach the series with the folder holding its files.")


def _header(item: Dataset | str | Path) -> Dataset:
    """A given header, or the header (no pixels) of a given file."""
    from pydicom import dcmread
    from pydicom.dataset import Dataset
    from pydicom.errors import InvalidDicomError

    if isinstance(item, Dataset):
        return item
    try:
        return dcmread(item, stop_before_pixels=True)
    except (InvalidDicomError, OSError, EOFError, ValueError) as exc:
        raise SrExportError(f'Argument "images" must hold DICOM images, got {str(item)!r} ({exc}).') from None


#: Type 2 Patient and General Study attributes highdicom copies from the first image (PS3.3 C.7.1.1, C.7.2.1).
_TYPE2 = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber", "StudyID", "StudyDate",
          "StudyTime", "ReferringPhysicianName")


def _complete(ds: Dataset) -> Dataset:
    """``ds``, or a copy with empty values for the type 2 attributes an image lacks."""
    absent = [keyword for keyword in _TYPE2 if keyword not in ds]
    if not absent:
        return ds
    ds = copy.deepcopy(ds)
    for keyword in absent:
        setattr(ds, keyword, "")
    return ds


def _headers_under(path: Path, sops: set[str] | None) -> dict[str, Dataset]:
    """Headers of the files under ``path`` whose (0008,0018) SOP Instance UID is in ``sops`` (all: None).

    Files that are not readable DICOM are skipped, and pydicom's warnings about them silenced:
    the folder is only searched for the referenced images, it is not being validated here.
    """
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError

    from recist_app.imaging.errors import DicomError
    from recist_app.imaging.header import read_header

    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []
    found: dict[str, Dataset] = {}
    for file in files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sop = str(read_header(file, lean=True)[0].get("SOPInstanceUID", ""))  # the lean header: 10 × faster
                if sop and (sops is None or sop in sops):
                    found[sop] = dcmread(file, stop_before_pixels=True)
        except (DicomError, InvalidDicomError, OSError, ValueError, EOFError):
            continue
        if (sops is None and found) or (sops is not None and len(found) == len(sops)):
            break
    return found
