"""``load``: load one CT series and print its shape, spacing, affine, HU range and findings.

    python main.py load PATH [PATH …] [--series UID] [--json]
    python main.py load SERVER --series UID [--calling-aet AET] [--json]

PATH is a folder (searched recursively) or files. With several series the ``--series`` one is
loaded, else the one with the most slices. SERVER is a PACS: a DICOMweb root
(``http://host:port/dicom-web``) or a DIMSE node (``dimse://AET@host:port``, C-GET); the series is
retrieved into the user's cache folder (once), each image decoded as it arrives, and checked and sorted
there exactly as a folder (``recist_app.imaging.sources.streaming``).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from recist_app.cli.commands.pacs import add_calling_aet
from recist_app.imaging.errors import PacsError
from recist_app.imaging.load import load_series_from_paths
from recist_app.imaging.sources.retrieve import in_server_terms
from recist_app.imaging.sources.servers import is_server_address
from recist_app.imaging.sources.streaming import load_from_server
from recist_app.imaging.volume import CtVolume


def add_parser(subparsers: Any) -> None:
    """Register the ``load`` sub-command."""
    parser = subparsers.add_parser(
        "load", help="load one CT series and describe it",
        description="Load one CT series into an int16 HU volume and print its geometry and findings.")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="folder(s) or DICOM files, or a PACS (DICOMweb or DIMSE)")
    parser.add_argument("--series", help="Series Instance UID (0020,000E) to load (default: most slices)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    add_calling_aet(parser)
    parser.set_defaults(handler=run)


def describe(volume: CtVolume, seconds: float) -> dict[str, Any]:
    """Plain-data summary of ``volume`` (what ``load`` prints)."""
    return {
        "series_uid": volume.series_uid,
        "study_uid": volume.study_uid,
        "frame_of_reference_uid": volume.frame_of_reference_uid,
        "shape_zyx": list(volume.shape),
        "calibrated": volume.calibrated,
        "spacing_mm_zyx": list(volume.spacing_mm) if volume.calibrated else None,
        "affine": volume.affine.round(6).tolist() if volume.affine is not None else None,
        "hu_min": int(volume.hu.min()),
        "hu_max": int(volume.hu.max()),
        "window_presets": [list(pair) for pair in volume.window_presets],
        "findings": [{"code": f.code, "message": f.message} for f in volume.findings],
        "load_seconds": round(seconds, 3),
    }


def load_source(paths: Sequence[str], series_uid: str | None, calling_aet: str | None = None,
                option: str = "--series") -> CtVolume:
    """The series ``series_uid`` of folders or files (default: the one with most slices), or of a PACS (one
    address; ``series_uid`` required, ``option`` names it in the message)."""
    server = next((str(path) for path in paths if is_server_address(str(path))), "")
    if not server:
        return load_series_from_paths([Path(path) for path in paths], series_uid)
    if len(paths) != 1 or not series_uid:
        raise PacsError(f"Load from a PACS one series at a time: SERVER {option} UID.")
    with in_server_terms(server, series_uid):  # a corrupt copy is dropped: fetched again next time
        return load_from_server(server, series_uid, calling_aet=calling_aet)


def run(args: argparse.Namespace) -> int:
    """Load the selected series and print its summary (text or ``--json``)."""
    start = time.perf_counter()
    volume = load_source(args.paths, getattr(args, "series", None), getattr(args, "calling_aet", None))
    summary = describe(volume, time.perf_counter() - start)
    if getattr(args, "json", False):
        print(json.dumps(summary, indent=2))
        return 0
    for key, value in summary.items():
        if key == "findings":
            print("findings:" + ("" if value else " none"))
            for finding in value:
                print(f"  - {finding['code']}: {finding['message']}")
        elif key == "affine" and value is not None:
            print("affine (index → LPS mm):")
            for line in value:
                print("  " + " ".join(f"{v:11.4f}" for v in line))
        else:
            print(f"{key}: {value}")
    return 0
