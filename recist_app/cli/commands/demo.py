"""``demo``: build the STEREOSARC demo trial from phantom CT series, with one pre-filled read per subject.

    python main.py demo [--db DB] [--images DIR] [--force]

Defaults: ``<user data dir>/trials/STEREOSARC-DEMO.sqlite`` and ``<user data dir>/demo_images``
(platformdirs). Running it again reuses the images and adds only what is missing (an existing
read is left as the viewer made it); ``--force`` rewrites the images and starts a SQLite demo
database afresh. Prints the trial, its subjects, time points and series, and the readers with
their demo passwords.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO


def add_parser(subparsers: Any) -> None:
    """Register ``demo``."""
    parser = subparsers.add_parser(
        "demo", help="build the demo trial (phantom CT series, subjects, a pre-filled read)",
        description="Build the STEREOSARC demo trial: phantom CT series with their ground truth, three "
                    "subjects, readers and one complete, unsigned read per subject by 'Demo Reader'.")
    parser.add_argument("--db", help="trial database: a SQLite file or a postgresql://user@host/database URL "
                                     "(default: STEREOSARC-DEMO.sqlite in the user data folder)")
    parser.add_argument("--images", metavar="DIR",
                        help="folder of the phantom series (default: demo_images in the user data folder); reused "
                             "when it already holds them")
    parser.add_argument("--force", action="store_true",
                        help="rewrite the images and start a SQLite demo database afresh")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Build (or complete) the demo trial and describe it."""
    from recist_app.demo import store as demo_store
    from recist_app.store import TrialStore, default_trial_path

    stream = out if out is not None else sys.stdout
    db = args.db or default_trial_path(demo_store.demo_code())
    images = args.images or demo_store.default_images_dir()
    trial = demo_store.build_demo_trial(db, images, size=demo_store.DEFAULT_SIZE, slices=demo_store.DEFAULT_SLICES,
                                        force=args.force)
    how = "created" if trial.trial_created else "already built (only missing parts added)"
    lines = [f"Demo trial {trial.trial_code} {how}: {trial.db_name}",
             f"  images: {trial.images} ({'written' if trial.images_written else 'reused'}; ground truth in "
             + "demo_ground_truth.json)"]
    with TrialStore.open(trial.db, trial.trial_code) as store:
        subjects = [s for s in store.subjects() if s.subject_id in trial.subject_ids]
        timepoints = {s.subject_id: store.timepoints(s.subject_id) for s in subjects}
        reads = [r for r in store.reads() if r.reader_name == trial.demo_reader.name]
    lines.append(f"  {len(subjects)} subjects, {sum(map(len, timepoints.values()))} time points, "
                 f"{sum(len(tp.series) for tps in timepoints.values() for tp in tps)} series")
    for subject in subjects:
        tps = timepoints[subject.subject_id]
        visits = ", ".join(f"{tp.visit} {tp.scan_date}" for tp in tps)
        lines.append(f"    {subject.subject_id} ({subject.arm}): {len(tps)} time points, "
                     f"{sum(len(tp.series) for tp in tps)} CT series: {visits}")
    signed = sum(r.signed_timepoints for r in reads)
    lines.append(f"  pre-filled reads by {trial.demo_reader.name}: {len(reads)} ({signed} time points signed); "
                 "central reads left to do")
    lines.append("  readers (name, role, demo password):")
    lines += [f"    {r.name}  {r.role.value}  {r.password}" for r in trial.readers]
    lines.append(f'Log in as "{trial.demo_reader.name}" with password "{trial.demo_reader.password}".')
    stream.write("\n".join(lines) + "\n")
    return 0
