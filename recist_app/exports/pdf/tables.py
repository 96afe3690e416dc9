"""Tables of the PDF report as ReportLab flowables: lesions × time points, responses with their
rationales, the in-field / out-of-field subsets, best response and PFS, and the signatures.

Every cell is a :class:`~reportlab.platypus.Paragraph`, so text wraps inside its column and is
never clipped; long tables split across pages and repeat their header row. Millimetres are the
engine's values with one decimal; percentages are truncated toward zero as the rationales print
them (:func:`assessment.rationale.pct`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from reportlab.lib import colors
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from assessment.domain import Observation, Status
from assessment.rationale import pct
from assessment.survival import SurvivalTime
from recist_app.exports.collect import ExportedRead, TrialData
from recist_app.exports.pdf.style import (
    CONTENT_WIDTH_PT,
    cell,
    esc,
    heading,
    styles,
    tint,
)
from recist_app.exports.pdf.writer import REPORT_TITLE
from recist_app.exports.plots.style import category_colour
from recist_app.model.records import Lesion
from recist_app.sdtm.response_tables import day_number

#: Time points per lesion table (more are split into further tables).
TIMEPOINTS_PER_TABLE = 8
RADIATION_MARK = "†"
_ROLE_ORDER = {"TARGET": 0, "NON-TARGET": 1, "NEW TARGET": 2, "NEW NON-TARGET": 3, "NEW": 4}
_STATUS_TEXT = {Status.TOO_SMALL: "too small (5)", Status.DISAPPEARED: "disappeared (0)", Status.MERGED: "merged (0)",
                Status.NOT_ASSESSED: "not assessed"}


def _mm(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def grid(data: list[list[Flowable]], widths: Sequence[float], extra: Sequence[tuple[object, ...]] = ()) -> Table:
    table = Table(data, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9A9A9A")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E4E8EE")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        *extra,
    ]))
    return table


def _visit_cell(read: ExportedRead, visit: str, when: date) -> Paragraph:
    """Visit, scan date and its day from the reference date (day 1 on it, as SDTM --DY, PFS and the plots count)."""
    return cell(f"<b>{esc(visit)}</b><br/>{when}<br/>day {day_number(read.start_date, when)}")


def observation_text(observation: Observation | None) -> str:
    """A lesion's value or state at one time point, as the lesion table shows it."""
    if observation is None:
        return ""
    if observation.status is Status.MEASURED:
        text = _mm(observation.diameter_mm)
    elif observation.status is Status.SPLIT:
        text = f"{_mm(observation.value_mm)} (split)"
    else:
        text = _STATUS_TEXT.get(observation.status, esc(observation.status.value.lower()))
    return text + (f" {RADIATION_MARK}" if observation.radiation_induced else "")


def lesion_tables(read: ExportedRead) -> list[Flowable]:
    """Lesions × time points (mm or state), then the sums overall and per subset."""
    engine = read.report.read
    timepoints = engine.timepoints
    flow: list[Flowable] = [heading("Lesion measurements (mm)")]
    subsets = read.report.subsets
    lesions = {lesion.label: lesion for lesion in read.snapshot.lesions}
    ordered = sorted(engine.lesions, key=lambda lesion: (_ROLE_ORDER.get(lesion.role.value, 9), lesion.lesion_id))
    for start in range(0, len(timepoints), TIMEPOINTS_PER_TABLE):
        chunk = timepoints[start:start + TIMEPOINTS_PER_TABLE]
        fixed = [46.0, 62.0, 130.0, 120.0]
        width = (CONTENT_WIDTH_PT - sum(fixed)) / max(len(chunk), 1)
        header = [cell(f"<b>{text}</b>") for text in ("Lesion", "Role", "Location", "Irradiation")]
        header += [cell(f"<b>{esc(tp.visit)}</b><br/>{tp.date}") for tp in chunk]
        rows = [header]
        for lesion in ordered:
            record = lesions.get(lesion.lesion_id)
            role = lesion.role.value.lower() + (", node" if lesion.nodal else "")
            rows.append([cell(f"<b>{esc(lesion.lesion_id)}</b>"), cell(esc(role)), cell(esc(lesion.location)),
                         cell(esc(_irradiation(record)))]
                        + [cell(observation_text(tp.by_lesion.get(lesion.lesion_id))) for tp in chunk])
        results = read.report.recist.timepoints[start:start + TIMEPOINTS_PER_TABLE]
        rows.append([cell("<b>Sum of target diameters</b>"), cell(""), cell(""), cell("")]
                    + [cell(f"<b>{_mm(tp.sum_mm)}</b>") for tp in results])
        if subsets is not None:
            for name, attribute in (("In-field (irradiated) sum", "irradiated"),
                                    ("Out-of-field (non-irradiated) sum", "non_irradiated")):
                values = [getattr(tp, attribute) for tp in subsets.timepoints[start:start + TIMEPOINTS_PER_TABLE]]
                rows.append([cell(f"<b>{name}</b>"), cell(""), cell(""), cell("")]
                            + [cell(_mm(v.sum_mm) if v is not None else "") for v in values])
        spans = [("SPAN", (0, row), (3, row)) for row in range(len(ordered) + 1, len(rows))]
        flow += [grid(rows, fixed + [width] * len(chunk), spans), Spacer(1, 6)]
    flow.append(Paragraph(f"Values in mm (short axis for nodes). {RADIATION_MARK} the reader marked the change "
                          "radiation-induced (RULES A9). Empty: the lesion was not yet present.", styles()["small"]))
    return flow


def _irradiation(lesion: Lesion | None) -> str:
    """'SBRT 45 Gy / 3 fx, 2024-01-15 to 2024-01-19', 'not irradiated' or 'previously irradiated'."""
    if lesion is None:
        return ""
    if not lesion.irradiated:
        return "previously irradiated" if lesion.previously_irradiated else "not irradiated"
    dose = f" {lesion.sbrt_dose_gy:g} Gy" if lesion.sbrt_dose_gy else ""
    fractions = f" / {lesion.sbrt_fractions} fx" if dose and lesion.sbrt_fractions else ""
    dates = f", {lesion.sbrt_start} to {lesion.sbrt_end or lesion.sbrt_start}" if lesion.sbrt_start else ""
    return f"SBRT{dose}{fractions}{dates}"


def response_table(read: ExportedRead) -> list[Flowable]:
    """RECIST 1.1 and iRECIST per time point with the numbers and the full rationale."""
    irecist = {tp.visit_id: tp for tp in read.report.irecist.timepoints}
    widths = [66.0, 38.0, 48.0, 48.0, 42.0, 78.0, 36.0, 48.0, 50.0]
    widths.append(CONTENT_WIDTH_PT - sum(widths))
    rows = [[cell(f"<b>{t}</b>") for t in ("Visit", "Sum (mm)", "Change from baseline", "Change from nadir",
                                            "Target", "Non-target", "New lesion", "RECIST 1.1", "iRECIST",
                                            "Why (engine rationale)")]]
    extra: list[tuple[object, ...]] = []
    for row, tp in enumerate(read.report.recist.timepoints, start=1):
        itp = irecist.get(tp.visit_id)
        why = esc(tp.rationale) + (f"<br/><i>iRECIST:</i> {esc(itp.rationale)}" if itp is not None else "")
        findings = "".join(f"<br/><i>Note:</i> {esc(f.message)}" for f in tp.findings)
        overall = "baseline" if tp.is_baseline else tp.overall.value
        rows.append([_visit_cell(read, tp.visit, tp.date), cell(_mm(tp.sum_mm)), cell(pct(tp.pct_change_baseline)),
                     cell(pct(tp.pct_change_nadir)), cell(_value(tp.target_response)),
                     cell(_value(tp.nontarget_response)),
                     cell("" if tp.is_baseline else "yes" if tp.new_lesion else "no"),
                     cell(f"<b>{esc(overall)}</b>"), cell(f"<b>{esc(itp.overall.value)}</b>" if itp else ""),
                     cell(why + findings)])
        if not tp.is_baseline:
            extra.append(("BACKGROUND", (7, row), (7, row), tint(category_colour(tp.overall.value))))
            if itp is not None:
                extra.append(("BACKGROUND", (8, row), (8, row), tint(category_colour(itp.overall.value))))
    return [heading("Response by time point, with rationales"), grid(rows, widths, extra)]


def _value(value: object) -> str:
    return "" if value is None else esc(getattr(value, "value", value))


def subset_table(read: ExportedRead) -> list[Flowable]:
    """In-field and out-of-field subset responses, abscopal verdicts and local control."""
    subsets = read.report.subsets
    if subsets is None:
        return [heading("Irradiated and non-irradiated lesions"),
                Paragraph("No lesion of this read is irradiated on study: no subset responses (RULES §3.2).",
                          styles()["body"])]
    widths = [70.0, 50.0, 48.0, 48.0, 60.0, 60.0, 60.0, 58.0]
    widths.append(CONTENT_WIDTH_PT - sum(widths))
    rows = [[cell(f"<b>{t}</b>") for t in ("Visit", "In-field sum (mm)", "In-field change", "In-field response",
                                            "Out-of-field sum (mm)", "Out-of-field change", "Out-of-field response",
                                            "Abscopal (sum30 / any30)", "Why")]]
    extra: list[tuple[object, ...]] = []
    for row, (tp, rtp) in enumerate(zip(subsets.timepoints, read.report.recist.timepoints, strict=True), start=1):
        inside, outside = tp.irradiated, tp.non_irradiated
        abscopal = "" if tp.is_baseline else f"{_yes_no(tp.abscopal_sum30)} / {_yes_no(tp.abscopal_any_lesion30)}"
        rows.append([_visit_cell(read, rtp.visit, tp.date),
                     cell(_mm(inside.sum_mm) if inside else "—"),
                     cell(pct(inside.pct_change_baseline) if inside else "—"),
                     cell(_value(inside.response) if inside else "—"),
                     cell(_mm(outside.sum_mm) if outside else "—"),
                     cell(pct(outside.pct_change_baseline) if outside else "—"),
                     cell(_value(outside.response) if outside else "—"), cell(abscopal), cell(esc(tp.rationale))])
        for column, result in ((3, inside), (6, outside)):
            if result is not None and result.response is not None:
                extra.append(("BACKGROUND", (column, row), (column, row), tint(category_colour(result.response.value))))
    flow: list[Flowable] = [heading("Irradiated (in-field) and non-irradiated (out-of-field) lesions"),
                            grid(rows, widths, extra), Spacer(1, 4)]
    for control in subsets.local_control:
        details = "; ".join(v.rationale for v in control.verdicts)
        flow.append(Paragraph(f"<b>Local control {esc(control.rationale)}.</b> {esc(details)}", styles()["small"]))
    return flow


def _yes_no(value: bool | None) -> str:
    return "not evaluable" if value is None else "yes" if value else "no"


def outcome_table(read: ExportedRead) -> list[Flowable]:
    """Best overall response (unconfirmed, confirmed, iRECIST), PFS, iPFS and GMI with rationales."""
    outcome, irecist, gmi = read.outcome, read.irecist, read.gmi
    pfs, ipfs = outcome.pfs, irecist.pfs
    results = [("Best overall response (BOR)", esc(outcome.best_response.category), outcome.best_response.rationale),
               ("Confirmed BOR", esc(outcome.confirmed_best_response.category),
                outcome.confirmed_best_response.rationale),
               ("iRECIST BOR (iBOR)", esc(irecist.best_response.category), irecist.best_response.rationale),
               ("Progression-free survival", f"{pfs.days} days</b><br/>{_event(pfs)}<b>", pfs.rationale),
               ("iRECIST PFS (iPFS)", f"{ipfs.days} days</b><br/>{_event(ipfs)}<b>", ipfs.rationale),
               ("Growth modulation index", esc(gmi.category), gmi.rationale)]
    rows = [[cell(f"<b>{t}</b>") for t in ("Result", "Value", "Why")]]
    rows += [[cell(esc(name)), cell(f"<b>{value}</b>"), cell(esc(why))] for name, value, why in results]
    widths = [150.0, 110.0, CONTENT_WIDTH_PT - 260.0]
    extra = [("BACKGROUND", (1, row), (1, row), tint(category_colour(category))) for row, category in
             ((1, outcome.best_response.category), (2, outcome.confirmed_best_response.category),
              (3, irecist.best_response.category))]
    return [heading(f"Best overall response and PFS (from {read.reference.lower()} {read.start_date})"),
            grid(rows, widths, extra)]


def _event(time: SurvivalTime) -> str:
    return f"{'censored' if time.censored else 'event'} on {time.date}"


def signature_rows(read: ExportedRead) -> list[list[str]]:
    """Per time point: visit, date, signer, signing time (UTC) and meaning, or 'not signed'."""
    signed = {rt.timepoint_uid: rt for rt in read.snapshot.read_timepoints if rt.signed}
    reader = read.snapshot.reader
    rows = []
    for tp in read.timepoints:
        record = signed.get(tp.uid)
        if record is None:
            rows.append([tp.visit, str(tp.scan_date), "not signed", "", ""])
            continue
        who = reader.name if record.signed_by_uid in (None, reader.uid) else f"reader {record.signed_by_uid}"
        rows.append([tp.visit, str(tp.scan_date), who, record.signed_at or "", record.meaning])
    return rows


def signature_block(read: ExportedRead) -> list[Flowable]:
    """Who signed which time point when (electronic signature of the trial database), or 'not signed'."""
    rows = [[cell(f"<b>{t}</b>") for t in ("Visit", "Scan date", "Signed by", "Signed at (UTC)", "Meaning")]]
    rows += [[cell(esc(text) if text != "not signed" else "<i>not signed</i>") for text in row]
             for row in signature_rows(read)]
    widths = [90.0, 70.0, 150.0, 130.0, CONTENT_WIDTH_PT - 440.0]
    reader = read.snapshot.reader
    return [heading(f"Reader's signatures: {reader.name}"), grid(rows, widths),
            Paragraph("Signatures are the reader's electronic sign-off in the trial database (password-confirmed, "
                      "audited); a signed time point is read-only.", styles()["small"])]


def cover(read: ExportedRead, data: TrialData, reader_label: str) -> list[Flowable]:
    """The first page of a read's set: who, what, the outcome in one line each, the versions."""
    subject, reader = read.snapshot.subject, read.snapshot.reader
    outcome, signed = read.outcome, len(read.signed_timepoint_uids)
    facts: list[tuple[str, str]] = [
        ("Trial", f"{data.trial.code} · {data.trial.name}"),
        ("Subject (pseudonymised id)", subject.subject_id), ("Site", subject.site_code), ("Arm", subject.arm or "—"),
        ("Randomised / first dose", f"{subject.randomised_on or '—'} / {subject.first_dose_on or '—'}"),
        ("Reference date of BOR and PFS", f"{read.reference.lower()} {read.start_date}"),
        ("Reader", (f"{reader.name} · {reader_label} "
                    f"({read.evaluator}{' ' + read.evaluator_id if read.evaluator_id else ''})")),
        ("Read status", (f"{signed} of {len(read.timepoints)} time points signed; "
                         f"{'accepted by the adjudicator' if read.accepted else 'not selected by an adjudicator'}")),
        ("Best overall response", (f"BOR {outcome.best_response.category}; confirmed BOR "
                                   f"{outcome.confirmed_best_response.category}; "
                                   f"iBOR {read.irecist.best_response.category}")),
        ("Progression-free survival", (f"{outcome.pfs.days} days "
                                       f"({'censored' if outcome.pfs.censored else 'event'} on {outcome.pfs.date})")),
        ("Engine / rules version", f"{data.engine_version} / {data.rules_version}"),
        ("Exported (UTC)", data.exported_at),
    ]
    table = Table([[cell(f"<b>{esc(k)}</b>"), Paragraph(esc(v), styles()["body"])] for k, v in facts],
                  colWidths=[190.0, CONTENT_WIDTH_PT - 190.0], hAlign="LEFT")
    contents = ("Contents: key images of the target lesions · lesion measurements · response by time point with "
                "rationales · irradiated and non-irradiated lesions · best overall response and PFS · plots · "
                "the reader's signatures.")
    return [Paragraph(REPORT_TITLE, styles()["title"]),
            Paragraph("RECIST 1.1 and iRECIST, with irradiated (in-field) and non-irradiated (out-of-field) lesions "
                      "reported beside the protocol response", styles()["subtitle"]),
            table, Spacer(1, 14), Paragraph(esc(contents), styles()["small"])]
