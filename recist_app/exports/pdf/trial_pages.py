"""The trial summary pages opening ``trial_report.pdf`` (issue 18): the tables of
:func:`recist_app.exports.trial_summary.trial_summary`, drawn with ReportLab tables (vector, fonts embedded)."""

from __future__ import annotations

from reportlab.platypus import Flowable, Paragraph, Spacer

from recist_app.exports.pdf.style import CONTENT_WIDTH_PT, cell, esc, heading, styles
from recist_app.exports.pdf.tables import grid
from recist_app.exports.trial_summary import Rate, TrialSummary

CATEGORIES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING")
IRECIST_CATEGORIES = ("iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iUPD", "iCPD", "NE", "MISSING", "—")


def _rate(rate: Rate) -> str:
    if rate.interval is None or rate.proportion is None:
        return "—"
    low, high = rate.interval
    return f"{rate.count}/{rate.total} ({100 * rate.proportion:.1f} %)<br/>[{100 * low:.1f}, {100 * high:.1f}]"


def _header(*titles: str) -> list[Flowable]:
    return [cell(f"<b>{esc(t)}</b>") for t in titles]


def trial_story(summary: TrialSummary) -> list[Flowable]:
    """Headings, tables and notes of the summary (the caller opens the page set)."""
    body, small = styles()["body"], styles()["small"]
    which = ", ".join(f"{count} × {kind}" for kind, count in sorted(summary.reads.items()))
    response = "confirmed best overall response (CBOR)" if summary.parameter == "CBOR" else \
        "best overall response (BOR, confirmation not required by the profile)"
    story: list[Flowable] = [
        heading("Trial summary"),
        Paragraph(esc(f"One read per subject: the adjudicated read, else the site investigator's ({which}). Rates "
                      f"count every subject of the arm (intention to treat) by the {response}; 95 % intervals are "
                      "exact (Clopper–Pearson). PFS is estimated by Kaplan–Meier, its interval log(−log) with "
                      "Greenwood's variance."), body), Spacer(1, 8)]
    months = round(summary.landmark_days / 30.44)
    rows = [_header("Arm", "Subjects", "Objective response (CR + PR)", "Disease control (CR + PR + SD)",
                    "PFS events", "Median PFS (days)", f"PFS at day {summary.landmark_days} (~{months} months)")]
    for arm in summary.arms:
        pfs = arm.pfs
        if not pfs.reached or pfs.survival is None:
            landmark = "not reached by follow-up"
        elif pfs.low is None or pfs.high is None:
            landmark = f"{100 * pfs.survival:.1f} %"
        else:
            landmark = f"{100 * pfs.survival:.1f} %<br/>[{100 * pfs.low:.1f}, {100 * pfs.high:.1f}]"
        rows.append([cell(esc(arm.arm)), cell(str(arm.subjects)), cell(_rate(arm.response)),
                     cell(_rate(arm.disease_control)), cell(str(arm.pfs_events)),
                     cell(str(arm.median_pfs_days) if arm.median_pfs_days is not None else "not reached"),
                     cell(landmark)])
    widths = [110.0, 50.0, 95.0, 95.0, 45.0, 55.0]
    story += [heading("Response and PFS by arm", "h2"), grid(rows, [*widths, CONTENT_WIDTH_PT - sum(widths)]),
              Spacer(1, 10)]
    arms = [arm.arm for arm in summary.arms]
    rows = [_header(summary.parameter, *arms, "In-field, all arms (irradiated)", "Out-of-field, all arms (abscopal)")]
    for category in CATEGORIES:
        counts = [arm.best[category] for arm in summary.arms]
        in_field = sum(arm.in_field[category] for arm in summary.arms)
        out_field = sum(arm.out_of_field[category] for arm in summary.arms)
        if any(counts) or in_field or out_field:
            rows.append([cell(esc(category)), *(cell(str(c)) for c in counts), cell(str(in_field)),
                         cell(str(out_field))])
    width = (CONTENT_WIDTH_PT - 90.0) / (len(arms) + 2)
    story += [heading("Best response by arm, and of the irradiated and non-irradiated lesions", "h2"),
              grid(rows, [90.0, *([width] * (len(arms) + 2))]),
              Paragraph("In-field and out-of-field are the best target responses of the irradiated and of the "
                        "non-irradiated target lesions of subjects with both (protocol-defined, reported beside the "
                        "RECIST 1.1 response, never instead of it).", small), Spacer(1, 10)]
    columns = [c for c in IRECIST_CATEGORIES if any(summary.cross[(b, c)] for b in CATEGORIES)]
    rows = [_header(f"{summary.parameter} \\ iBOR", *columns)]
    for category in CATEGORIES:
        counts = [summary.cross[(category, c)] for c in columns]
        if any(counts):
            rows.append([cell(esc(category)), *(cell(str(c) if c else "") for c in counts)])
    width = (CONTENT_WIDTH_PT - 90.0) / max(len(columns), 1)
    story += [heading("RECIST 1.1 against iRECIST best response (subjects)", "h2"),
              grid(rows, [90.0, *([width] * len(columns))])]
    return story
