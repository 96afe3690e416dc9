"""Plots of the exports (issue 7): spider, waterfall, swimmer and subject plots as PNG and SVG.

The demo trial (three subjects, small phantom images) is built and exported once for the module.
Checked: the files exist, PNGs are not blank, SVGs parse; the plotted numbers are the engine's;
one colour per best overall response across plots; reference lines; a cancel leaves nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast
from xml.etree import ElementTree

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from PIL import Image

from recist_app.demo.store import DemoTrial, build_demo_trial
from recist_app.exports.collect import ExportedRead, evaluate_read
from recist_app.exports.errors import ExportCancelledError
from recist_app.exports.plots.charts import (
    DURATION_OF_RESPONSE,
    FOLLOW_UP_GOES_ON,
    IRECIST_PANEL,
    SBRT_COLOUR,
    spider_figure,
    swimmer_figure,
    waterfall_figure,
)
from recist_app.exports.plots.data import (
    PlotSubset,
    ReadPlotData,
    SubsetSeries,
    from_exported,
    from_snapshot,
)
from recist_app.exports.plots.style import PD_LINE_PCT, PR_LINE_PCT, category_colour
from recist_app.exports.plots.writer import write_plots
from recist_app.exports.pool import WORKERS_VARIABLE
from recist_app.exports.runner import FORMATS, ExportResult, export_trial
from recist_app.store import TrialStore, signoff
from tests.support import REPO_ROOT

pytestmark = pytest.mark.slow

SUBJECTS = ("STS-001", "STS-002", "STS-003")


@dataclass(frozen=True)
class Exported:
    demo: DemoTrial
    result: ExportResult
    reads: dict[str, ExportedRead]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    """The demo trial (128 px, 16 slices) and its ``plots`` export, drawn by two worker processes."""
    folder = tmp_path_factory.mktemp("plots")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(WORKERS_VARIABLE, "2")
        patch.setattr(signoff, "SCRYPT_N", 2**10)
        patch.setitem(FORMATS, "plots", write_plots)
        demo = build_demo_trial(folder / "demo.sqlite", folder / "images", size=128, slices=16)
        with TrialStore.open(demo.db) as store:
            result = export_trial(store, folder / "export", formats=["plots"])
            reads = {}
            login = store.log_in(demo.demo_reader.uid, demo.demo_reader.password)
            for subject in SUBJECTS:
                snapshot = store.reader_session(login, subject).snapshot()
                reads[subject] = evaluate_read(snapshot, store.profile)
        yield Exported(demo, result, reads)


def _expected_files() -> list[str]:
    stems = [f"subjects/{s}_investigator" for s in SUBJECTS]
    stems += [f"trial/{name}_investigator" for name in ("spider", "waterfall", "swimmer")]
    return sorted(f"plots/{stem}.{ext}" for stem in stems for ext in ("png", "svg"))


def test_every_plot_is_written_as_png_and_svg_and_listed(exported: Exported) -> None:
    listed = sorted(f.path for f in exported.result.files)
    assert listed == _expected_files()
    assert {f.format for f in exported.result.files} == {"plot-png", "plot-svg"}
    for path in listed:
        assert (exported.result.out_dir / path).stat().st_size > 10_000, path


def test_pngs_are_not_blank(exported: Exported) -> None:
    for path in _expected_files():
        if not path.endswith(".png"):
            continue
        with Image.open(exported.result.out_dir / path) as image:
            pixels = np.asarray(image.convert("RGB"))
            assert image.info.get("Description", "").count("engine") == 1, path
        assert pixels.shape[0] > 500 and pixels.shape[1] > 1000, path
        assert pixels.std() > 20, path
        packed = (pixels[..., 0].astype(np.uint32) << 16) | (pixels[..., 1].astype(np.uint32) << 8) | pixels[..., 2]
        assert len(np.unique(packed)) > 50, path  # more than one colour: lines, markers, text


def test_svgs_parse_and_carry_the_versions(exported: Exported) -> None:
    """The SVGs' text is text (searchable, editable in a journal's figure), not glyph outlines."""
    for path in _expected_files():
        if path.endswith(".svg"):
            root = ElementTree.parse(exported.result.out_dir / path).getroot()
            assert root.tag.endswith("svg"), path
            texts = " ".join("".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text"))
            assert "engine" in texts and "STS-00" in texts, path


def test_plot_data_are_the_engine_numbers(exported: Exported) -> None:
    for subject, read in exported.reads.items():
        data = from_exported(read)
        recist = read.report.recist
        follow_ups = [tp.pct_change_baseline for tp in recist.follow_ups if tp.pct_change_baseline is not None]
        assert data.overall.best_pct_change == min(follow_ups), subject  # exact Decimal, the waterfall's value
        assert [p.sum_mm for p in data.overall.points] == [tp.sum_mm for tp in recist.timepoints]
        assert [p.response for p in data.overall.follow_ups] == [tp.overall.value for tp in recist.follow_ups]
        assert (data.bor, data.confirmed_bor) == (read.outcome.best_response.category,
                                                 read.outcome.confirmed_best_response.category)
        assert data.pfs_days == read.outcome.pfs.days and data.start_date == read.start_date
        assert read.report.subsets is not None
        for subset, attribute in ((PlotSubset.IRRADIATED, "irradiated"), (PlotSubset.NON_IRRADIATED, "non_irradiated")):
            engine = [getattr(tp, attribute) for tp in read.report.subsets.timepoints]
            series = data.subset(subset)
            assert [p.sum_mm for p in series.points] == [r.sum_mm for r in engine], (subject, subset)
            assert series.best_pct_change == min(r.pct_change_baseline for r in engine[1:]), (subject, subset)
        assert from_snapshot(read.snapshot) == data  # the GUI's entry gives the same data


def test_plot_data_of_the_demo_subjects(exported: Exported) -> None:
    one, two, three = (from_exported(exported.reads[s]) for s in SUBJECTS)
    # days as SDTM --DY and PFS count them: day 1 on the reference date, no day 0 (issue 18)
    assert (one.bor, one.first_pd_day, one.pfs_censored, one.last_day) == ("PR", None, True, 176)
    assert [w.lesion_id for w in one.sbrt] == ["T01"] and one.sbrt[0].start_day == 8
    assert two.overall.points[0].day == -4  # baseline scan 4 days before randomisation
    assert (three.first_pd_day, three.irecist_progression_day, three.irecist_progression_confirmed) == (92, 92, True)
    assert three.first_pd_day == three.pfs_days  # the PD day is the PFS in days
    read = exported.reads[SUBJECTS[2]]
    assert read.outcome.first_pd_date is not None
    assert read.study_day(read.outcome.first_pd_date) == three.first_pd_day  # and its SDTM --DY
    out_of_field = three.subset(PlotSubset.NON_IRRADIATED)
    assert out_of_field.first_pd is not None and out_of_field.first_pd.visit == "WEEK 18"
    assert str(out_of_field.first_pd.pct_change_baseline) == "20"  # the inclusive boundary (A2)
    assert (three.reader_label, three.reference) == ("Site radiologist (investigator)", "RANDOMISATION")


def _reads(exported: Exported) -> list[ReadPlotData]:
    return [from_exported(exported.reads[s]) for s in SUBJECTS]


def _hline_values(ax: object) -> set[float]:
    return {float(line.get_ydata()[0]) for line in ax.get_lines()
            if len(set(line.get_ydata())) == 1 and len(line.get_ydata()) == 2}


def test_one_colour_per_best_response_and_reference_lines(exported: Exported) -> None:
    reads = _reads(exported)
    colours = {r.subject_id: category_colour(r.bor) for r in reads}
    assert colours["STS-001"] != colours["STS-002"] == colours["STS-003"]  # PR vs SD
    waterfall = waterfall_figure(reads)
    overall = waterfall.axes[0]
    bars = sorted(overall.patches, key=lambda p: p.get_x())
    labels = [t.get_text() for t in overall.get_xticklabels()]
    heights = [bar.get_height() for bar in bars]
    assert heights == sorted(heights, reverse=True)
    for label, bar in zip(labels, bars, strict=True):
        read = next(r for r in reads if r.subject_id == label)
        assert bar.get_height() == pytest.approx(float(read.overall.best_pct_change or 0))
        assert to_hex(bar.get_facecolor()) == colours[label].lower()
    spider = spider_figure(reads)
    spider_colours = {to_hex(line.get_color()) for line in spider.axes[0].get_lines() if line.get_marker() == "o"}
    assert spider_colours == {c.lower() for c in colours.values()}
    for figure in (spider, waterfall):
        for ax in figure.axes[:3]:
            assert {PR_LINE_PCT, PD_LINE_PCT} <= _hline_values(ax)
        assert "%" in figure.axes[0].get_ylabel()
    swimmer = swimmer_figure(reads)
    titles = [ax.get_title(loc="left").split(":")[0] for ax in swimmer.axes[:4]]
    assert titles == [PlotSubset.ALL.panel_title, IRECIST_PANEL, *(p.panel_title for p in list(PlotSubset)[1:])]
    assert swimmer.axes[3].get_xlabel() == "Days since randomisation"


def test_the_swimmer_stops_recist_at_the_first_pd_and_names_iupd_in_the_irecist_panel_only(
        exported: Exported) -> None:
    """Issue 18: STS-003 (PD on day 92, iCPD later): no RECIST 1.1 marker after day 92 in the protocol and subset
    panels, iUPD / iCPD named in the iRECIST panel and nowhere else."""
    reads = _reads(exported)
    three = next(r for r in reads if r.subject_id == "STS-003")
    assert three.first_pd_day is not None and max(day for day, _ in three.irecist_responses) > three.first_pd_day
    swimmer = swimmer_figure(reads)
    order = sorted(reads, key=lambda r: (r.last_day, r.subject_id))
    row = order.index(three)
    recist_panels = [swimmer.axes[0], *swimmer.axes[2:4]]
    for ax in recist_panels:
        days = [x for collection in ax.collections for x, y in collection.get_offsets() if round(y) == row]
        assert days and max(days) <= three.first_pd_day
        assert not {t.get_text() for t in ax.texts} & {"iUPD", "iCPD"}
    spider = spider_figure(reads).axes[0]  # the line goes on after the PD, dashed and faded (iRECIST)
    after = [line for line in spider.get_lines() if line.get_marker() == "."]
    solid = [line for line in spider.get_lines() if line.get_marker() == "o"]
    assert after and all(min(line.get_xdata()) == three.first_pd_day for line in after)
    assert max(max(line.get_xdata()) for line in solid) <= max(r.last_day for r in reads)
    assert any(max(line.get_xdata()) == three.first_pd_day for line in solid)
    irecist = swimmer.axes[1]
    assert {"iUPD", "iCPD"} <= {t.get_text() for t in irecist.texts}
    days = [x for collection in irecist.collections for x, y in collection.get_offsets() if round(y) == row]
    assert sorted(days) == sorted(day for day, _ in three.irecist_responses)


def test_panels_without_irradiated_lesions_say_so(exported: Exported) -> None:
    reads = [replace(r, series=(r.overall, SubsetSeries(PlotSubset.IRRADIATED, (), ()),
                                SubsetSeries(PlotSubset.NON_IRRADIATED, (), ()))) for r in _reads(exported)]
    for make in (spider_figure, waterfall_figure):
        texts = [t.get_text() for t in make(reads).axes[1].texts]
        assert any("No irradiated target lesion" in text for text in texts), make.__name__


def test_the_subject_plot_places_every_sum_and_response_in_its_svg_and_png(exported: Exported) -> None:
    """Issue 18: the subject plot is drawn without matplotlib; its SVG and PNG show the same shapes: a black dot per
    sum of all targets (higher sums higher up), the response above each follow-up, the reference lines labelled."""
    svg = "{http://www.w3.org/2000/svg}"
    for read in _reads(exported):
        stem = exported.result.out_dir / "plots" / "subjects" / f"{read.subject_id}_investigator"
        groups = {g.get("id"): g for g in ElementTree.parse(stem.with_suffix(".svg")).getroot().iter(f"{svg}g")}
        dots = [(float(c.get("cx", "")), float(c.get("cy", ""))) for c in groups["sums"].iter(f"{svg}circle")
                if c.get("fill") == "#000000"]
        sums = [float(p.sum_mm) for p in read.overall.points if p.sum_mm is not None]
        assert len(dots) == len(sums) and [x for x, _ in dots] == sorted(x for x, _ in dots), read.subject_id
        assert np.argsort([y for _, y in dots], kind="stable").tolist() == \
            np.argsort([-v for v in sums], kind="stable").tolist(), read.subject_id
        badges = [t.text for t in groups["sums"].iter(f"{svg}text") if t.get("fill") == "#ffffff"]
        assert badges == [p.response for p in read.overall.follow_ups if p.response], read.subject_id
        assert {"+20 %", "−30 %"} <= {t.text for t in groups["changes"].iter(f"{svg}text")}
        with Image.open(stem.with_suffix(".png")) as png:
            pixels = np.asarray(png.convert("RGB"), dtype=int)
        for x, y in dots:  # the same place in the PNG (150 dpi), where the dot is black
            assert pixels[round(y * 150 / 72), round(x * 150 / 72)].max() < 60, (read.subject_id, x, y)


def test_plots_import_no_pyplot() -> None:
    code = ("import sys, recist_app.exports.plots.charts, recist_app.exports.pdf.report; "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                          cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr


def test_the_exports_own_process_leaves_the_drawing_libraries_to_its_workers(exported: Exported,
                                                                           tmp_path: Path) -> None:
    """matplotlib, ReportLab and highdicom load in the worker processes only: importing them cost the export's own
    process a second, while the workers waited for their tasks (issue 18)."""
    out = tmp_path / "export"
    code = ("import sys; from recist_app.exports.runner import export_trial; "
            f"export_trial({str(exported.demo.db)!r}, {str(out)!r}, formats=['sr', 'plots', 'pdf']); "
            "print(sorted(name for name in ('matplotlib', 'reportlab', 'highdicom') if name in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=REPO_ROOT,
                          env={**os.environ, WORKERS_VARIABLE: "2"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert len(list((out / "sr").glob("*.dcm"))) == 11 and (out / "pdf" / "trial_report.pdf").is_file()
    assert len(list((out / "plots").rglob("*.svg"))) == len(SUBJECTS) + 3


def test_a_cancelled_export_leaves_nothing(exported: Exported, tmp_path: Path) -> None:
    cancel = threading.Event()
    steps: list[int] = []

    def progress(done: int, total: int) -> None:
        steps.append(done)
        if len(steps) == 5:  # evaluation done, the first subject plot written
            cancel.set()

    with pytest.MonkeyPatch.context() as patch, TrialStore.open(exported.demo.db) as store:
        patch.setitem(FORMATS, "plots", write_plots)
        with pytest.raises(ExportCancelledError):
            export_trial(store, tmp_path / "out", formats=["plots"], on_progress=progress, cancel=cancel)
    assert list(tmp_path.iterdir()) == []


def test_waterfall_subset_panels_take_their_own_best_response(exported: Exported) -> None:
    """Issue 18: the in-field and out-of-field bars are coloured by the subset's best target response (ADRS BORIRR /
    BORNIR), not by the overall BOR: STS-003 is SD overall and PR in-field."""
    reads = _reads(exported)
    three = next(r for r in reads if r.subject_id == "STS-003")
    assert (three.bor, three.subset(PlotSubset.IRRADIATED).best_response) == ("SD", "PR")
    waterfall = waterfall_figure(reads)
    for ax, subset in zip(waterfall.axes[1:3], (PlotSubset.IRRADIATED, PlotSubset.NON_IRRADIATED), strict=True):
        bars = sorted(ax.patches, key=lambda p: p.get_x())
        labels = [t.get_text() for t in ax.get_xticklabels()]
        for label, bar in zip(labels, bars, strict=True):
            best = next(r for r in reads if r.subject_id == label).subset(subset).best_response
            assert best and to_hex(bar.get_facecolor()) == category_colour(best).lower(), (subset, label)


def test_the_swimmer_draws_duration_of_response_and_sbrt_courses(exported: Exported) -> None:
    reads = _reads(exported)
    swimmer = swimmer_figure(reads)
    order = sorted(reads, key=lambda r: (r.last_day, r.subject_id))
    overall = swimmer.axes[0]

    def segments(gid: str) -> list[np.ndarray]:
        return [segment for collection in overall.collections if collection.get_gid() == gid
                for segment in cast(LineCollection, collection).get_segments()]

    spans = segments(DURATION_OF_RESPONSE)
    one = next(r for r in reads if r.subject_id == "STS-001")  # PR from its first follow-up, no PD
    first_pr = min(p.day for p in one.overall.follow_ups if p.response == "PR")
    assert [(s[0][0], s[1][0]) for s in spans if round(s[0][1]) == order.index(one)] == [(first_pr, one.last_day)]
    assert not any(round(s[0][1]) == order.index(r) for s in spans for r in reads if r.bor not in ("CR", "PR"))
    arrows = {round(s[0][1]): s[0][0] for s in segments(FOLLOW_UP_GOES_ON)}  # row: where the arrow starts
    assert arrows == {order.index(r): r.last_day for r in reads if r.first_pd_day is None and r.pfs_censored}
    assert len(arrows) >= 2
    hatched = [p for p in overall.patches if p.get_hatch()]
    assert len(hatched) == sum(len(r.sbrt) for r in reads) > 0
    assert all(to_hex(p.get_edgecolor()) == SBRT_COLOUR for p in hatched)


def test_the_trial_plots_scale_to_100_subjects(exported: Exported, tmp_path: Path) -> None:
    """Issue 18: at 100 subjects the swimmer's panels stand side by side (one page high, subject rows shared), the
    waterfall drops per-bar values and the spider thins its lines; each renders to a non-blank PNG."""
    base = _reads(exported)
    reads = [replace(base[i % len(base)], subject_id=f"S-{i + 1:03d}") for i in range(100)]
    swimmer = swimmer_figure(reads)
    assert swimmer.get_size_inches()[1] < 20 and len({ax.get_position().y0 for ax in swimmer.axes[:4]}) == 1
    assert [t.get_text() for t in swimmer.axes[0].get_yticklabels()][:1] == [
        sorted(reads, key=lambda r: (r.last_day, r.subject_id))[0].subject_id]
    waterfall = waterfall_figure(reads)
    assert not waterfall.axes[0].texts and not waterfall.axes[0].get_xticklabels()
    spider = spider_figure(reads)
    assert max(line.get_linewidth() for line in spider.axes[0].get_lines() if line.get_marker() == "o") < 1.0
    for name, figure in (("swimmer", swimmer), ("waterfall", waterfall), ("spider", spider)):
        path = tmp_path / f"{name}.png"
        figure.savefig(path, dpi=60)
        pixels = np.asarray(Image.open(path).convert("L"))
        assert pixels.std() > 10, name
