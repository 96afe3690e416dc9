"""DICOMDIR records: which files a DICOMDIR references (PS3.10 §8, PS3.3 Annex F).

A DICOMDIR (Media Storage SOP Class 1.2.840.10008.1.3.10) is not an image. Its directory records
((0004,1220) *Directory Record Sequence*) name files through (0004,1500) *Referenced File ID*, a
path relative to the DICOMDIR's folder given as one value per path component. Records are read
directly, not through ``pydicom.fileset``, so a DICOMDIR with an invalid record hierarchy (no
patient record, reordered or missing offsets) still yields its files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Media Storage Directory Storage SOP Class (PS3.4 Annex F): a DICOMDIR.
DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"

__all__ = ["DICOMDIR_SOP_CLASS", "is_dicomdir", "referenced_files"]


def is_dicomdir(ds: Any) -> bool:
    """True when ``ds`` (a pydicom Dataset or lean header) is a DICOMDIR: (0002,0002) *Media
    Storage SOP Class UID* is 1.2.840.10008.1.3.10 or it holds a (0004,1220) *Directory Record
    Sequence*."""
    meta = getattr(ds, "file_meta", None)
    media_class = meta.get("MediaStorageSOPClassUID") if meta is not None else None
    return media_class == DICOMDIR_SOP_CLASS or "DirectoryRecordSequence" in ds


def referenced_files(path: Path, ds: Any) -> list[Path]:
    """The files the records of DICOMDIR ``ds`` (read from ``path``) reference, in record order.

    Each (0004,1500) *Referenced File ID* is joined to ``path``'s folder component by component;
    records without one (patient, study, series records) are skipped. Files are not checked for
    existence: a missing one is reported when the scan reads it.
    """
    records = ds.get("DirectoryRecordSequence") or ()
    ids = [record.ReferencedFileID for record in records if record.get("ReferencedFileID")]
    return [path.parent.joinpath(*([i] if isinstance(i, str) else i)) for i in ids]
