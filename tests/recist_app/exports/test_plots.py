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
from xml.etree import ElementTree

import numpy as np
import pytest
from PIL import Image

from recist_app.demo.store import DemoTrial, build_demo_trial
from recist_app.exports.collect import ExportedRead, evaluate_read
from recist_app.exports.errors import ExportCancelledError
from recist_app.exports.plots.charts import trial_plot
from recist_app.exports.plots.data import (
    PlotSubset,
    ReadPlotData,
    SubsetSeries,
    from_exported,
    from_snapshot,
)
from recist_app.exports.plots.style import category_colour
from recist_app.exports.plots.swimmer import IRECIST_PANEL, SBRT_COLOUR
from recist_app.exports.plots.vector import Picture
from recist_app.exports.plots.writer import TITLES, write_plots
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


SVG = "{http://www.w3.org/2000/svg}"


def _svg(picture: Picture) -> dict[str, ElementTree.Element]:
    """The picture's SVG groups by id."""
    root = ElementTree.fromstring(picture.svg("test", "test").encode("utf-8"))
    return {group.get("id", ""): group for group in root.iter(f"{SVG}g")}


def _titled(group: ElementTree.Element, tag: str) -> list[tuple[str, ElementTree.Element]]:
    """The ``tag`` elements of ``group`` with a tooltip, and their tooltip."""
    return [(title.text or "", element) for element in group.iter(f"{SVG}{tag}")
            if (title := element.find(f"{SVG}title")) is not None]


def _texts(group: ElementTree.Element) -> list[str]:
    return [text.text or "" for text in group.iter(f"{SVG}text")]


def _picture(name: str, reads: list[ReadPlotData]) -> Picture:
    return trial_plot(name, reads, TITLES[name], "TEST · engine 0")


def test_one_colour_per_best_response_and_reference_lines(exported: Exported) -> None:
    reads = _reads(exported)
    colours = {r.subject_id: category_colour(r.bor) for r in reads}
    assert colours["STS-001"] != colours["STS-002"] == colours["STS-003"]  # PR vs SD
    waterfall = _svg(_picture("waterfall", reads))
    bars = sorted(_titled(waterfall["waterfall-all"], "rect"), key=lambda bar: float(bar[1].get("x", "")))
    by_subject = {r.subject_id: r for r in reads}
    values = [float(by_subject[title.split(":")[0]].overall.best_pct_change or 0) for title, _ in bars]
    assert values == sorted(values, reverse=True) and len(bars) == len(reads)
    heights = [float(bar.get("height", "")) for _, bar in bars]
    for (title, bar), value, height in zip(bars, values, heights, strict=True):
        subject = title.split(":")[0]
        assert height / heights[-1] == pytest.approx(abs(value) / abs(values[-1]), rel=1e-3), title
        assert bar.get("fill") == colours[subject] and f"({by_subject[subject].bor})" in title
    spider = _svg(_picture("spider", reads))
    lines = _titled(spider["spider-all"], "polyline")
    assert {line.get("stroke") for title, line in lines if title.startswith("STS-")} == set(colours.values())
    for groups, prefix in ((spider, "spider"), (waterfall, "waterfall")):
        for subset in ("all", "irradiated", "non_irradiated"):
            references = {title for title, _ in _titled(groups[f"{prefix}-{subset}"], "polyline")}
            assert {"−30 %", "+20 %"} <= references, (prefix, subset)
        assert any("(%)" in text for text in _texts(groups[f"{prefix}-all"]))
    swimmer = _svg(_picture("swimmer", reads))
    panels = ["swimmer-all", "swimmer-irecist", "swimmer-irradiated", "swimmer-non_irradiated"]
    titles = [f"{PlotSubset.ALL.panel_title}: protocol overall response", IRECIST_PANEL,
              *(f"{p.panel_title}: subset target response" for p in list(PlotSubset)[1:])]
    for panel, title in zip(panels, titles, strict=True):
        assert title in _texts(swimmer[panel]), panel
    assert "Days since randomisation" in _texts(swimmer["swimmer-non_irradiated"])
    assert "Days since randomisation" not in _texts(swimmer["swimmer-all"])  # the stacked panels share the days


def _marks(group: ElementTree.Element, subject: str) -> list[tuple[int, str]]:
    """The (day, response) of a subject's swimmer marks in a panel (from their tooltips 'S, day N: R')."""
    marks = []
    for tag in ("circle", "polygon"):
        for title, _ in _titled(group, tag):
            if title.startswith(f"{subject}, day "):
                day, response = title.removeprefix(f"{subject}, day ").split(": ")
                marks.append((int(day), response))
    return sorted(marks)


def test_the_swimmer_stops_recist_at_the_first_pd_and_names_iupd_in_the_irecist_panel_only(
        exported: Exported) -> None:
    """Issue 18: STS-003 (PD on day 92, iCPD later): no RECIST 1.1 marker after day 92 in the protocol and subset
    panels, iUPD / iCPD named in the iRECIST panel and nowhere else."""
    reads = _reads(exported)
    three = next(r for r in reads if r.subject_id == "STS-003")
    assert three.first_pd_day is not None and max(day for day, _ in three.irecist_responses) > three.first_pd_day
    swimmer = _svg(_picture("swimmer", reads))
    for panel in ("swimmer-all", "swimmer-irradiated", "swimmer-non_irradiated"):
        days = [day for day, _ in _marks(swimmer[panel], "STS-003")]
        assert days and max(days) <= three.first_pd_day, panel
        assert not set(_texts(swimmer[panel])) & {"iUPD", "iCPD"}, panel
    assert _marks(swimmer["swimmer-all"], "STS-003")[-1] == (three.first_pd_day, "PD")
    irecist = swimmer["swimmer-irecist"]
    assert {"iUPD", "iCPD"} <= set(_texts(irecist))
    assert _marks(irecist, "STS-003") == sorted(three.irecist_responses)
    spider = _svg(_picture("spider", reads))["spider-all"]  # the line goes on after the PD, dashed and faded
    lines = dict(_titled(spider, "polyline"))
    solid, after = lines["STS-003 (BOR SD)"], lines["STS-003 (BOR SD), after the first PD"]
    assert after.get("stroke-dasharray") and not solid.get("stroke-dasharray")
    assert after.get("points", "").split()[0] == solid.get("points", "").split()[-1]  # from the PD on
    shown = [p for p in three.overall.points if p.is_baseline or p.pct_change_baseline is not None]
    assert len(solid.get("points", "").split()) == sum(p.day <= three.first_pd_day for p in shown)
    assert len(after.get("points", "").split()) == 1 + sum(p.day > three.first_pd_day for p in shown)


def test_panels_without_irradiated_lesions_say_so(exported: Exported) -> None:
    reads = [replace(r, series=(r.overall, SubsetSeries(PlotSubset.IRRADIATED, (), ()),
                                SubsetSeries(PlotSubset.NON_IRRADIATED, (), ()))) for r in _reads(exported)]
    for name in ("spider", "waterfall"):
        texts = _texts(_svg(_picture(name, reads))[f"{name}-irradiated"])
        assert "No irradiated target lesion" in texts, name
    texts = _texts(_svg(_picture("swimmer", reads))["swimmer-irradiated"])
    assert texts.count("no irradiated target lesion") == len(reads)


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


def test_plots_and_pdf_pages_need_no_matplotlib() -> None:
    """Issue 18: every plot is a vector picture and the face is bundled: the plots and the PDF's fonts work where
    matplotlib cannot be imported (it is a test dependency only)."""
    code = ("import sys; sys.modules['matplotlib'] = None; "
            "from recist_app.exports.plots.vector import Picture; from recist_app.exports.pdf.style import "
            "register_fonts; register_fonts(); picture = Picture(100, 40); picture.text(5, 20, 'STS-001 −30 %', 10); "
            "assert picture.png(72).getextrema() != ((255, 255),) * 3; "
            "import recist_app.exports.plots.charts, recist_app.exports.pdf.report")
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
    waterfall = _svg(_picture("waterfall", reads))
    for subset in (PlotSubset.IRRADIATED, PlotSubset.NON_IRRADIATED):
        bars = _titled(waterfall[f"waterfall-{subset.name.lower()}"], "rect")
        assert len(bars) == len(reads)
        for title, bar in bars:
            best = next(r for r in reads if title.startswith(r.subject_id)).subset(subset).best_response
            assert best and bar.get("fill") == category_colour(best) and title.endswith(f"({best})"), title


def test_the_swimmer_draws_duration_of_response_and_sbrt_courses(exported: Exported) -> None:
    reads = _reads(exported)
    overall = _svg(_picture("swimmer", reads))["swimmer-all"]
    lines = dict(_titled(overall, "polyline"))
    one = next(r for r in reads if r.subject_id == "STS-001")  # PR from its first follow-up, no PD
    first_pr = min(p.day for p in one.overall.follow_ups if p.response == "PR")
    spans = [title for title in lines if "duration of response" in title]
    assert spans == [f"STS-001: duration of response, day {first_pr} to day {one.last_day}"]
    assert all(r.bor in ("CR", "PR") for r in reads if any(t.startswith(r.subject_id) for t in spans))
    arrows = {title.split(":")[0] for title in lines if "follow-up goes on" in title}
    assert arrows == {r.subject_id for r in reads if r.first_pd_day is None and r.pfs_censored}
    assert len(arrows) >= 2
    courses = [(title, rect) for title, rect in _titled(overall, "rect") if ": SBRT of " in title]
    assert len(courses) == sum(len(r.sbrt) for r in reads) > 0
    assert all(rect.get("fill") == "none" for _, rect in courses)
    hatching = [line for line in overall.iter(f"{SVG}polyline") if line.get("stroke") == SBRT_COLOUR]
    assert len(hatching) > 2 * len(courses)  # each course hatched with several lines


def test_a_read_that_ended_before_day_0_stays_inside_the_swimmer(exported: Exported) -> None:
    """A subject scanned only at baseline, before randomisation (day −4): no bar, and its arrow starts at day 0."""
    reads = _reads(exported)
    two = next(r for r in reads if r.subject_id == "STS-002")
    early = replace(two, subject_id="EARLY", series=tuple(replace(s, points=s.points[:1]) for s in two.series))
    assert early.last_day < 0 and early.first_pd_day is None and early.pfs_censored
    overall = _svg(_picture("swimmer", [*reads, early]))["swimmer-all"]
    (bar,) = [rect for title, rect in _titled(overall, "rect") if title.startswith("EARLY:") and "on study" in title]
    frame_left = float(list(overall.iter(f"{SVG}polyline"))[-1].get("points", "").split()[0].split(",")[0])
    assert float(bar.get("width", "")) == 0 and float(bar.get("x", "")) == pytest.approx(frame_left)
    arrow = dict(_titled(overall, "polyline"))[f"EARLY: follow-up goes on after day {early.last_day}"]
    assert float(arrow.get("points", "").split()[0].split(",")[0]) == pytest.approx(frame_left)


def test_the_trial_plots_scale_to_100_subjects(exported: Exported) -> None:
    """Issue 18: at 100 subjects the swimmer's panels stand side by side (one page high, subject rows shared), the
    waterfall drops per-bar values and subject ids, the spider thins its lines; each draws to a non-blank PNG."""
    base = _reads(exported)
    reads = [replace(base[i % len(base)], subject_id=f"S-{i + 1:03d}") for i in range(100)]
    pictures = {name: _picture(name, reads) for name in ("swimmer", "waterfall", "spider")}
    assert pictures["swimmer"].height_pt < 20 * 72
    swimmer = _svg(pictures["swimmer"])
    tops = set()
    for panel in ("swimmer-all", "swimmer-irecist", "swimmer-irradiated", "swimmer-non_irradiated"):
        frame_line = [line for line in swimmer[panel].iter(f"{SVG}polyline")][-1]  # the frame, drawn last
        tops.add(frame_line.get("points", "").split()[0].split(",")[1])
    assert len(tops) == 1  # side by side
    first = sorted(reads, key=lambda r: (r.last_day, r.subject_id))[0].subject_id
    assert first in _texts(swimmer["swimmer-all"]) and first not in _texts(swimmer["swimmer-irecist"])
    waterfall = _texts(_svg(pictures["waterfall"])["waterfall-all"])
    assert not [text for text in waterfall if text.endswith("%") and text[0] in "+−0123456789"]
    assert not [text for text in waterfall if text.startswith("S-")] and "100 subjects, sorted by change" in waterfall
    spider = _titled(_svg(pictures["spider"])["spider-all"], "polyline")
    assert max(float(line.get("stroke-width", "")) for title, line in spider if title.startswith("S-")) < 1.0
    for name, picture in pictures.items():
        pixels = np.asarray(picture.png(60).convert("L"))
        assert pixels.std() > 10, name
