"""``measure``: one rough stroke across a lesion → its RECIST long and short axes (issue 17).

    python main.py measure SERIES --instance N --line C1 R1 C2 R2 [--json]
    python main.py measure SERIES --instance N --click C R [--json]
    python main.py measure SERVER --series UID --instance N --line C1 R1 C2 R2 [--json]

SERIES is a series folder (the series with most slices, or ``--series``) or a PACS. The stroke is drawn on the
image whose Instance Number (0020,0013) is N, from pixel (column C1, row R1) to (C2, R2), pixel centres at
integers; ``--click`` is a click inside the lesion. The lesion under it is segmented and measured
(``recist_app.imaging.segmentation``). ``--json`` prints ``{"long_axis_mm", "short_axis_mm",
"long_axis_endpoints_mm", "short_axis_endpoints_mm", "area_mm2", "seconds"}``, the ends in patient LPS mm on
that image's plane and ``seconds`` the segmentation's and axes' time. No lesion found: exit 2 and the reason.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any, TextIO

from recist_app.cli.commands.pacs import add_calling_aet


def pixel(text: str) -> float:
    """A finite pixel position (argparse's error, exit 2, for anything else)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a pixel position")
    return value


def add_parser(subparsers: Any) -> None:
    """Register ``measure``."""
    parser = subparsers.add_parser(
        "measure", help="measure a lesion from one stroke across it",
        description="Segment the lesion under a stroke on one image and print its RECIST long and short axes.")
    parser.add_argument("series", metavar="SERIES", help="the series' folder, or a PACS")
    parser.add_argument("--instance", type=int, required=True, metavar="N",
                        help="the image's Instance Number (0020,0013)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--line", nargs=4, type=pixel, metavar=("C1", "R1", "C2", "R2"),
                       help="the stroke: from (column, row) to (column, row), pixel centres at integers")
    where.add_argument("--click", nargs=2, type=pixel, metavar=("C", "R"), help="a click inside the lesion")
    parser.add_argument("--series", dest="series_uid", metavar="UID", help="Series Instance UID (0020,000E)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_calling_aet(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Load the series, measure the lesion under the stroke, print the axes."""
    from recist_app.cli.commands.load import load_source
    from recist_app.imaging.segmentation.measure import measure
    from recist_app.imaging.segmentation.stroke import Stroke, StrokeError

    stream = out if out is not None else sys.stdout
    volume = load_source([args.series], args.series_uid, args.calling_aet)
    numbers = volume.image_numbers
    if args.instance not in numbers:
        raise StrokeError(f"No image of series {volume.series_uid} has Instance Number {args.instance} "
                          f"(they run from {min(numbers)} to {max(numbers)}).")
    k = numbers.index(args.instance)
    stroke = Stroke((args.line[0], args.line[1]), (args.line[2], args.line[3])) if args.line \
        else Stroke.click((args.click[0], args.click[1]))
    found = measure(volume, k, stroke)
    if args.json:
        json.dump(found.to_json(), stream, indent=2)
        stream.write("\n")
        return 0

    def ends(points: tuple[tuple[float, float, float], ...]) -> str:
        return " → ".join("(" + ", ".join(f"{v:.1f}" for v in point) + ")" for point in points)

    stream.write(f"image {args.instance} (SOP Instance UID {found.sop_uid})\n"
                 f"long axis  {found.long_axis_mm:6.1f} mm  {ends(found.long_axis_endpoints_mm)}\n"
                 f"short axis {found.short_axis_mm:6.1f} mm  {ends(found.short_axis_endpoints_mm)}\n"
                 f"area {found.area_mm2:.0f} mm²; {1000 * found.seconds:.0f} ms\n")
    return 0
