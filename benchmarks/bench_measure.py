"""One-stroke RECIST measurement (issue 17): accuracy and time per measurement, against a plain threshold flood
fill and the manual caliper, the same strokes.

    python benchmarks/bench_measure.py [--size 512] [--strokes 12] [--overlays DIR]

Lesions of known axes (``tests/recist_app/imaging/segmentation/lesions.py``: round, elongated and lobulated in
lung, against the chest wall, in liver, a node; partial volume, 12 HU noise) on ``size``² images of a 400 mm
field, and the two real tumours of ``../shared/data/ct/lung_pet_ct_dx`` (their boxes). Contenders, per stroke:

- **ours**: ``recist_app.imaging.segmentation.measure``;
- **flood fill**: the region connected to the stroke's middle above −400 HU (a plain threshold half-way to air,
  the usual quick tool), measured by the same axes;
- **manual**: the reader's stroke itself taken as the long axis (what a rough caliper gives without the tool).

Printed per lesion: the true axes, each contender's mean absolute error and worst error (mm), the long axis'
coefficient of variation across strokes, and the time per measurement (median, ms); then the goal (≤ 0.15 s
per measurement, on 2 cores) and whether it holds. ``--overlays DIR`` also draws each real tumour's image
(lung window) with its box (white), our contour (yellow) and axes (green, cyan) and the flood fill's contour
(red), as ``DIR/<patient>.png``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from recist_app.imaging.segmentation.axes import recist_axes
from recist_app.imaging.segmentation.contour import LesionRegion, NoLesionFoundError, segment
from recist_app.imaging.segmentation.stroke import Stroke, bilinear
from tests.recist_app.imaging.segmentation.lesions import CASES, lesion_image, strokes

GOAL_S = 0.15
FLOOD_HU = -400.0
DATA = REPO_ROOT.parent / "shared" / "data" / "ct" / "lung_pet_ct_dx"


def flood_fill(image: np.ndarray, spacing_mm: tuple[float, float], stroke: Stroke) -> LesionRegion:
    """The 4-connected region above :data:`FLOOD_HU` holding the stroke's middle (the whole image: no square)."""
    import SimpleITK as sitk

    column, row = (round(float(v)) for v in stroke.middle)
    inside = image > FLOOD_HU
    if not inside[row, column]:
        raise NoLesionFoundError("the stroke's middle is below the threshold")
    labels = sitk.GetArrayFromImage(sitk.ConnectedComponent(sitk.GetImageFromArray(inside.astype(np.uint8))))
    mask = labels == labels[row, column]
    lesion = float(bilinear(image, stroke.middle[None])[0])
    return LesionRegion(mask, (0, 0), image, image, lesion, 2 * FLOOD_HU - lesion, True)


def ours(image: np.ndarray, spacing_mm: tuple[float, float], stroke: Stroke) -> tuple[float, float]:
    axes = recist_axes(segment(image, spacing_mm, stroke), spacing_mm)
    return axes.long_axis_mm, axes.short_axis_mm


def flooded(image: np.ndarray, spacing_mm: tuple[float, float], stroke: Stroke) -> tuple[float, float]:
    axes = recist_axes(flood_fill(image, spacing_mm, stroke), spacing_mm)
    return axes.long_axis_mm, axes.short_axis_mm


def manual(image: np.ndarray, spacing_mm: tuple[float, float], stroke: Stroke) -> tuple[float, float]:
    return stroke.length_mm(spacing_mm), float("nan")


CONTENDERS = {"ours": ours, "flood fill": flooded, "manual": manual}


def run(size: int, count: int) -> list[dict[str, object]]:
    """One row per lesion × contender: errors (mm), long-axis CV, median time (s), refusals."""
    rows = []
    for case in CASES:
        image = lesion_image(case, size=size)
        drawn = [Stroke(*ends) for ends in strokes(image, count=count)]
        for name, contender in CONTENDERS.items():
            found, seconds, refused = [], [], 0
            for stroke in drawn:
                start = time.perf_counter()
                try:
                    found.append(contender(image.hu, image.spacing_mm, stroke))
                except NoLesionFoundError:
                    refused += 1
                seconds.append(time.perf_counter() - start)
            axes = np.array(found) if found else np.full((1, 2), np.nan)
            long_error = np.abs(axes[:, 0] - image.long_axis_mm)
            short_error = np.abs(axes[:, 1] - image.short_axis_mm)
            rows.append({"lesion": case.name, "contender": name, "truth": (image.long_axis_mm, image.short_axis_mm),
                         "long_mean": float(np.mean(long_error)), "long_worst": float(np.max(long_error)),
                         "short_mean": float(np.mean(short_error)), "short_worst": float(np.max(short_error)),
                         "cv": float(np.std(axes[:, 0]) / np.mean(axes[:, 0])),
                         "seconds": float(np.median(seconds)), "refused": refused, "strokes": len(drawn)})
    return rows


def report(rows: list[dict[str, object]], spacing_mm: float) -> bool:
    print(f"{'lesion':24} {'contender':10} {'true LA×SA':>12} {'LA err mean/worst':>18} "
          f"{'SA err mean/worst':>18} {'LA CV':>6} {'ms':>6} {'refused':>8}")
    for row in rows:
        truth = row["truth"]
        assert isinstance(truth, tuple)
        print(f"{row['lesion']!s:24} {row['contender']!s:10} {truth[0]:5.1f}×{truth[1]:5.1f} "
              f"{row['long_mean']:8.2f}/{row['long_worst']:6.2f} {row['short_mean']:11.2f}/{row['short_worst']:6.2f} "
              f"{100 * float(row['cv']):5.1f}% {1000 * float(row['seconds']):6.1f} "
              f"{row['refused']!s:>4}/{row['strokes']!s}")
    ours_rows = [row for row in rows if row["contender"] == "ours"]
    worst_s = max(float(row["seconds"]) for row in ours_rows)
    within = all(float(row["long_worst"]) <= spacing_mm for row in ours_rows)
    flood = [row for row in rows if row["contender"] == "flood fill"]
    ratio = np.mean([float(f["long_mean"]) for f in flood]) / np.mean([float(o["long_mean"]) for o in ours_rows])
    print(f"pixel spacing {spacing_mm:.2f} mm; long axis within a pixel for every stroke: {within}; "
          f"flood fill's mean long-axis error / ours: {ratio:.0f}x")
    print(f"{'PASS' if worst_s <= GOAL_S else 'FAIL'}  median time per measurement <= {GOAL_S} s "
          f"(slowest lesion {1000 * worst_s:.0f} ms)")
    return worst_s <= GOAL_S


def real_tumours(overlays: Path | None = None) -> None:
    """The two real tumours: ours and the flood fill from the box's middle, a stroke across it (drawn into
    ``overlays`` when given)."""
    from xml.etree import ElementTree

    from recist_app.imaging.load import load_series_from_folder

    for patient in ("A0001", "A0002"):
        if not (DATA / f"Lung_Dx-{patient}").is_dir():
            return
        volume = load_series_from_folder(DATA / f"Lung_Dx-{patient}")
        boxed = sorted(volume.sop_uids.index(p.stem) for p in (DATA / "annotations" / patient).glob("*.xml")
                       if p.stem in volume.sop_uids)
        k = boxed[len(boxed) // 2]
        box = ElementTree.parse(DATA / "annotations" / patient / f"{volume.sop_uids[k]}.xml").find("object/bndbox")
        assert box is not None and volume.pixel_spacing is not None
        x0, x1, y0, y1 = (float(box.findtext(tag, "0")) for tag in ("xmin", "xmax", "ymin", "ymax"))
        spacing = (float(volume.pixel_spacing[0]), float(volume.pixel_spacing[1]))
        stroke = Stroke((x0 + 0.1 * (x1 - x0), (y0 + y1) / 2), (x1 - 0.1 * (x1 - x0), (y0 + y1) / 2))
        image = volume.hu[k].astype(np.float32)
        line = f"real {patient}: box {(x1 - x0) * spacing[1]:.0f} × {(y1 - y0) * spacing[0]:.0f} mm;"
        for name in ("ours", "flood fill"):
            try:
                long_mm, short_mm = CONTENDERS[name](image, spacing, stroke)
                line += f" {name} {long_mm:.0f} × {short_mm:.0f} mm;"
            except NoLesionFoundError as refused:
                line += f" {name} refused ({str(refused)[:40]}…);"
        print(line)
        if overlays is not None:
            overlay(overlays / f"Lung_Dx-{patient}.png", image, spacing, stroke, (x0, x1, y0, y1))


def overlay(path: Path, image: np.ndarray, spacing_mm: tuple[float, float], stroke: Stroke,
            box: tuple[float, float, float, float]) -> None:
    """The image around the box (lung window), the box, the stroke, our contour and axes, the flood fill's
    contour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x0, x1, y0, y1 = box
    figure, axes = plt.subplots(figsize=(6, 6), dpi=110)
    axes.imshow(image, cmap="gray", vmin=-1350, vmax=150)
    for name, colour in (("flood fill", "red"), ("ours", "yellow")):
        try:
            region = (flood_fill if name == "flood fill" else segment)(image, spacing_mm, stroke)
        except NoLesionFoundError:
            continue
        full = np.zeros(image.shape, dtype=bool)
        r0, c0 = region.origin
        full[r0:r0 + region.mask.shape[0], c0:c0 + region.mask.shape[1]] = region.mask
        axes.contour(full, levels=[0.5], colors=colour, linewidths=1.0)
        if name == "ours":
            found = recist_axes(region, spacing_mm)
            for (a, b), axis_colour in ((found.long_axis, "lime"), (found.short_axis, "cyan")):
                axes.plot([a[0], b[0]], [a[1], b[1]], color=axis_colour, linewidth=1.5)
            axes.set_title(f"{path.stem}: ours {found.long_axis_mm:.0f} × {found.short_axis_mm:.0f} mm "
                           f"(box {(x1 - x0) * spacing_mm[1]:.0f} × {(y1 - y0) * spacing_mm[0]:.0f} mm)", fontsize=9)
    axes.plot([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], color="white", linewidth=0.8, linestyle="--")
    (sc, sr), (ec, er) = stroke.start, stroke.end
    axes.plot([sc, ec], [sr, er], color="orange", linewidth=1.0, linestyle=":")
    reach = 1.2 * max(x1 - x0, y1 - y0)
    axes.set_xlim((x0 + x1) / 2 - reach, (x0 + x1) / 2 + reach)
    axes.set_ylim((y0 + y1) / 2 + reach, (y0 + y1) / 2 - reach)
    axes.set_axis_off()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, bbox_inches="tight")
    plt.close(figure)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--strokes", type=int, default=12)
    parser.add_argument("--overlays", type=Path, help="draw the real tumours' contours into this folder")
    args = parser.parse_args(argv)
    report(run(args.size, args.strokes), 400.0 / args.size)
    real_tumours(args.overlays)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
