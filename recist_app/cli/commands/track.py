"""``track``: carry points of a baseline series to a follow-up series (issue 16).

    python main.py track BASELINE FOLLOWUP --point X Y Z [--point X Y Z …] [--json]
    python main.py track SERVER SERVER --baseline-series UID --followup-series UID --point X Y Z … [--json]

BASELINE and FOLLOWUP are series folders (the series with most slices of each), or PACS addresses with the
series named. Each ``--point`` is in the baseline's patient coordinates (LPS mm); each answer is in the
follow-up's own, with a confidence between 0 and 1 (``recist_app.imaging.tracking``). ``--json`` prints
``{"points": [{"baseline_mm", "followup_mm", "confidence"}], "seconds"}``, one entry per point in the order
given; ``seconds`` is the command's whole wall time, loading included.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any, TextIO

from recist_app.cli.commands.pacs import add_calling_aet


def millimetres(text: str) -> float:
    """A finite coordinate in mm (argparse's error, exit 2, for anything else)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a coordinate in mm")
    return value


def add_parser(subparsers: Any) -> None:
    """Register ``track``."""
    parser = subparsers.add_parser(
        "track", help="find baseline points again in a follow-up series",
        description="Align a follow-up series to a baseline series and carry points across.")
    parser.add_argument("baseline", metavar="BASELINE", help="the baseline series' folder, or a PACS")
    parser.add_argument("followup", metavar="FOLLOWUP", help="the follow-up series' folder, or a PACS")
    parser.add_argument("--point", nargs=3, type=millimetres, action="append", required=True, metavar=("X", "Y", "Z"),
                        help="a point of the baseline, LPS mm (repeat for more)")
    parser.add_argument("--baseline-series", metavar="UID", help="the baseline's Series Instance UID (0020,000E)")
    parser.add_argument("--followup-series", metavar="UID", help="the follow-up's Series Instance UID (0020,000E)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_calling_aet(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Load both series, track the points, print them."""
    from recist_app.cli.commands.load import load_source
    from recist_app.imaging.tracking.refine import LOW_CONFIDENCE
    from recist_app.imaging.tracking.track import track

    start = time.perf_counter()
    stream = out if out is not None else sys.stdout
    baseline = load_source([args.baseline], args.baseline_series, args.calling_aet, "--baseline-series")
    followup = load_source([args.followup], args.followup_series, args.calling_aet, "--followup-series")
    result = track(baseline, followup, [tuple(point) for point in args.point])
    seconds = time.perf_counter() - start
    if args.json:
        json.dump({"points": [{"baseline_mm": list(p.baseline_mm), "followup_mm": [round(v, 3) for v in p.followup_mm],
                               "confidence": p.confidence} for p in result.points],
                   "seconds": round(seconds, 3)}, stream, indent=2)
        stream.write("\n")
        return 0
    angle = result.alignment.angle_degrees
    shift = ", ".join(f"{v:.1f}" for v in result.alignment.translation)
    stream.write(f"aligned: rotation {angle:.1f}°, translation ({shift}) mm\n")
    for p in result.points:
        stream.write(f"({', '.join(f'{v:.1f}' for v in p.baseline_mm)}) → "
                     f"({', '.join(f'{v:.1f}' for v in p.followup_mm)}) mm  confidence {p.confidence:.2f}"
                     f"{'  LOW: check by eye' if p.confidence < LOW_CONFIDENCE else ''}\n")
    stream.write(f"{seconds:.1f} s\n")
    return 0
