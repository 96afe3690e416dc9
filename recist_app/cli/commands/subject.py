"""``subject add``: add a pseudonymised subject to a trial (its site is created when new).

    python main.py subject add ID --site CODE [--arm ARM] [--randomised YYYY-MM-DD]
                               [--first-dose YYYY-MM-DD] [--prev-pfs-days N [--prev-pfs-censored]]
                               [--db DB | --trial CODE]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from recist_app.cli.store_options import actor, add_db_options, open_store, parse_date


def add_parser(subparsers: Any) -> None:
    """Register ``subject add``."""
    parser = subparsers.add_parser("subject", help="add subjects to a trial", description="Manage subjects.")
    actions = parser.add_subparsers(dest="subject_action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a pseudonymised subject")
    add.add_argument("subject_id", metavar="ID", help="pseudonymised subject id (as the DICOM PatientID)")
    add.add_argument("--site", required=True, help="site code (created when new)")
    add.add_argument("--arm", default="", help="randomised arm")
    add.add_argument("--randomised", help="randomisation date, YYYY-MM-DD")
    add.add_argument("--first-dose", help="first-dose date, YYYY-MM-DD")
    add.add_argument("--prev-pfs-days", type=int, help="PFS of the previous line in days (growth modulation index)")
    add.add_argument("--prev-pfs-censored", action="store_true", help="the previous-line PFS is censored")
    add_db_options(add)
    add.set_defaults(handler=run_add)


def run_add(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Add the subject (and its site when new)."""
    stream = out if out is not None else sys.stdout
    randomised = parse_date(args.randomised, "--randomised")
    first_dose = parse_date(args.first_dose, "--first-dose")
    with open_store(args) as store:
        if args.site not in {site.code for site in store.sites()}:
            store.add_site(args.site, actor=actor(args))
            stream.write(f"Added site {args.site}\n")
        subject = store.add_subject(args.subject_id, args.site, arm=args.arm, randomised_on=randomised,
                                    first_dose_on=first_dose, prev_pfs_days=args.prev_pfs_days,
                                    prev_pfs_censored=args.prev_pfs_censored, actor=actor(args))
    stream.write(f"Added subject {subject.subject_id} at site {subject.site_code}\n")
    return 0
