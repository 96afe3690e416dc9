"""``import-dicom``: scan folders, or a patient's studies on a PACS, and attach the series to subjects and
time points.

    python main.py import-dicom PATH [PATH ...] [--add-subjects --site SITE] [--dry-run] [--db DB | --trial CODE]
    python main.py import-dicom SERVER --patient ID [--calling-aet AET] [--add-subjects --site SITE] [--dry-run] …

Series are matched to subjects by (0010,0020) *Patient ID* (= the pseudonymised subject id) and
to time points by (0008,0020) *Study Date*; a missing time point is created and named by the trial
profile's ``[[visit]]`` schedule (README "Profile keys for the workstation"): the visit whose window
holds the study day, else UNSCHEDULED; without a schedule, BASELINE for a new subject's earliest
study and UNSCHEDULED otherwise. Each line shows the study's visit and study day (day 0 = the
subject's baseline scan), e.g. ``WEEK 8 (day 61, planned 63)``. With ``--add-subjects --site SITE``
an unknown patient becomes a subject at SITE (created if missing); without it, its series are skipped.
``--dry-run`` prints the plan and writes nothing. Series without a study date are listed as
skipped, with the reason. A path with no readable DICOM exits 2.

From a PACS (``http(s)://host:port/dicom-web`` or ``dimse://AET@host:port``; issue 15) every series of
the patient is retrieved into the user's cache folder and scanned there like a folder, and the link
records the server, not the cache: the workstation reads the series from the server (through its
cache) from then on.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from recist_app.cli.commands.pacs import add_calling_aet
from recist_app.cli.store_options import actor, add_db_options, open_store
from recist_app.imaging.errors import PacsError
from recist_app.imaging.sources.servers import is_server_address
from recist_app.model.errors import InvalidRecordError

if TYPE_CHECKING:
    pass

VERBS = {"attach": "attach", "attach-new": "attach (new time point)", "attached": "already attached",
         "skip": "skip"}


def add_parser(subparsers: Any) -> None:
    """Register ``import-dicom``."""
    parser = subparsers.add_parser(
        "import-dicom", help="attach scanned DICOM series to subjects / time points",
        description="Scan folders for DICOM and attach the series by PatientID and StudyDate.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="folder, DICOMDIR or DICOM file, or a PACS")
    parser.add_argument("--patient", help="with a PACS: the Patient ID (0010,0020) whose studies are imported")
    add_calling_aet(parser)
    parser.add_argument("--add-subjects", action="store_true",
                        help="make unknown patients subjects (subject id = Patient ID) at --site")
    parser.add_argument("--site", default="", help="with --add-subjects: the site of new subjects (created if missing)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    add_db_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Scan, plan, print and (unless ``--dry-run``) apply."""
    from recist_app.imaging.scan import scan
    from recist_app.pacs.patient_import import plan_patient_import, scan_patient
    from recist_app.store.dicom_import import apply_import, plan_import

    stream = out if out is not None else sys.stdout
    if args.add_subjects != bool(args.site):
        raise InvalidRecordError("--site", args.site or None, "given together with --add-subjects")
    server = next((str(path) for path in args.paths if is_server_address(str(path))), "")
    if server and (len(args.paths) != 1 or not args.patient):
        raise PacsError("Import from a PACS one patient at a time: import-dicom SERVER --patient ID.")
    if args.patient and not server:
        raise InvalidRecordError("--patient", args.patient, "given with a PACS address (SERVER), not a folder")
    with open_store(args) as store:
        if server:
            result = scan_patient(server, args.patient, calling_aet=args.calling_aet)
            plan = plan_patient_import(store, result, server, add_subjects_at=args.site)
        else:
            result = scan([Path(path) for path in args.paths])
            plan = plan_import(store, result, add_subjects_at=args.site)
        for item in plan:
            s = item.series
            when = item.scan_date.isoformat() if item.scan_date else "(no date)"
            why = f": {item.reason}" if item.reason else ""
            verb = VERBS[item.action]
            if item.action == "attach-new":
                verb = f"attach (new time point {item.visit})"
            if item.new_subject_site:
                verb += f", new subject at {item.new_subject_site}"
            visit = f"  {item.match.text}" if item.match else ""
            stream.write(f"{item.subject_id}  {when}{visit}  {s.modality} "
                         f"\"{s.series_description}\" ({s.frame_count} images) {s.series_uid}  → {verb}{why}\n")
        counts = Counter(item.action for item in plan)
        to_attach = counts["attach"] + counts["attach-new"]
        new_timepoints = len({(i.subject_id, i.scan_date) for i in plan if i.action == "attach-new"})
        summary = (f"{to_attach} series to attach ({new_timepoints} new time point(s)), "
                   f"{counts['attached']} already attached, {counts['skip']} skipped, "
                   f"{len(result.unreadable)} unreadable file(s)")
        if args.dry_run:
            stream.write(f"Dry run: {summary}; nothing written.\n")
            return 0
        attached = apply_import(store, plan, actor(args))
        stream.write(f"Imported: {summary}; {attached} series attached.\n")
    return 0


