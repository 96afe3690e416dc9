"""``scan``: list the DICOM series under a folder, a DICOMDIR or files, with findings.

    python main.py scan PATH [PATH ...] [--json]

Prints patient → study → series with counts, sizes, spacing and findings, then the unreadable
files with their reasons. ``--json`` prints one object::

    {"series": [{"patient_id", "patient_name", "study_uid", "study_date", "study_description",
                 "series_uid", "series_number", "modality", "series_description",
                 "instance_count", "frame_count", "rows", "columns", "pixel_spacing", "slice_thickness",
                 "spacing_between_slices", "spacing_header", "orientation",
                 "frame_of_reference_uid", "transfer_syntax": {"uid", "name"}, "files",
                 "findings": [{"code", "message"}]}, ...],
     "unreadable": [{"path", "reason"}, ...]}

``instance_count`` counts files, ``frame_count`` images (frames of multi-frame files included).

Exit status 0 even when some files are unreadable; 2 (``NotDicomError``) when no path holds a
readable DICOM image.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from recist_app.imaging.scan import DEFAULT_WORKERS, ScanResult, SeriesSummary, scan


def add_parser(subparsers: Any) -> None:
    """Register the ``scan`` sub-command."""
    parser = subparsers.add_parser(
        "scan", help="list DICOM series (headers only) with findings",
        description="Scan folders (recursively), DICOMDIRs or files for DICOM series; headers only.")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="folder, DICOMDIR or DICOM file")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the tree")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"threads reading headers (default {DEFAULT_WORKERS})")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Scan ``args.paths`` and print the result; raises ``NotDicomError`` when nothing is readable."""
    stream = out if out is not None else sys.stdout
    result = scan(args.paths, workers=getattr(args, "workers", DEFAULT_WORKERS))
    if args.json:
        json.dump(result_to_json(result), stream, indent=2)
        stream.write("\n")
    else:
        stream.write(render_tree(result))
    return 0


def series_to_json(summary: SeriesSummary) -> dict[str, Any]:
    """One series as a JSON-ready dict (see the module docstring for the keys)."""
    return {
        "patient_id": summary.patient_id, "patient_name": summary.patient_name,
        "study_uid": summary.study_uid, "study_date": summary.study_date,
        "study_description": summary.study_description, "series_uid": summary.series_uid,
        "series_number": summary.series_number, "modality": summary.modality,
        "series_description": summary.series_description,
        "instance_count": summary.instance_count, "frame_count": summary.frame_count,
        "rows": summary.rows, "columns": summary.columns,
        "pixel_spacing": list(summary.pixel_spacing) if summary.pixel_spacing else None,
        "slice_thickness": summary.slice_thickness,
        "spacing_between_slices": summary.spacing_between_slices,
        "spacing_header": summary.spacing_header,
        "orientation": list(summary.orientation) if summary.orientation else None,
        "frame_of_reference_uid": summary.frame_of_reference_uid,
        "transfer_syntax": {"uid": summary.transfer_syntax, "name": summary.transfer_syntax_name},
        "files": [str(path) for path in summary.files],
        "findings": [{"code": f.code, "message": f.message} for f in summary.findings],
    }


def result_to_json(result: ScanResult) -> dict[str, Any]:
    """The whole scan as ``{"series": [...], "unreadable": [{"path", "reason"}]}``."""
    return {"series": [series_to_json(summary) for summary in result.series],
            "unreadable": [{"path": str(u.path), "reason": u.reason} for u in result.unreadable]}


def render_tree(result: ScanResult) -> str:
    """Patient → study → series as indented text, then the unreadable files."""
    lines: list[str] = []
    for patient_id, studies in result.tree().items():
        first = next(iter(studies.values()))[0]
        lines.append(f"Patient {patient_id or '(no ID)'} {first.patient_name}".rstrip())
        for study_uid, series in studies.items():
            head = series[0]
            lines.append(f"  Study {head.study_date or '(no date)'} {head.study_description} "
                         f"[{study_uid}]".replace("  [", " ["))
            for summary in series:
                lines.extend("    " + line for line in _series_lines(summary))
    if result.unreadable:
        lines.append(f"Unreadable files ({len(result.unreadable)}):")
        lines.extend(f"  {u.path}: {u.reason}" for u in result.unreadable)
    return "\n".join(lines) + "\n"


def _series_lines(s: SeriesSummary) -> list[str]:
    """The lines of one series: identity, size and spacing, then one line per finding."""
    number = "?" if s.series_number is None else s.series_number
    spacing = "no pixel spacing" if s.pixel_spacing is None else \
        f"{s.pixel_spacing[0]:g}×{s.pixel_spacing[1]:g} mm"
    step = "" if s.spacing_between_slices is None else f", step {s.spacing_between_slices:.2f} mm"
    thick = "" if s.slice_thickness is None else f", thickness {s.slice_thickness:g} mm"
    syntax = s.transfer_syntax_name or "no transfer syntax"
    if s.frame_count == s.instance_count:
        count = f"{s.instance_count} image{'s' if s.instance_count != 1 else ''}"
    else:  # multi-frame files: frames are the images
        count = f"{s.frame_count} frames in {s.instance_count} file{'s' if s.instance_count != 1 else ''}"
    lines = [(f"Series {number} {s.modality} \"{s.series_description}\": {count}, "
              f"{s.rows}×{s.columns}, {spacing}{thick}{step}, {syntax}")]
    lines.extend(f"  ! {f.code}: {f.message}" for f in s.findings)
    return lines
