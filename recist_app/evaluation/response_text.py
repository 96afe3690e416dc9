"""Text of the engine's numbers for the views (Qt-free), so widgets print them exactly as the engine's
rationales do and compute nothing themselves (ARCHITECTURE §1.2, C3).

``mm``, ``pct`` and ``signed_mm`` are the engine's own formatters (numbers truncated toward zero,
RULES §7 A2). :func:`lesion_change_text` says how one target lesion and the target sum changed at a
time point, from the observations and results of the engine's report.
"""

from __future__ import annotations

from assessment.rationale import mm, pct, percent_change, signed_mm
from assessment.read_report import ReadReport

__all__ = ["lesion_change_text", "mm", "pct", "signed_mm"]


def lesion_change_text(report: ReadReport, lesion_id: str, visit_id: str) -> str:
    """Lines (each starting with a newline) on ``lesion_id`` at ``visit_id``: its change from its own
    baseline and from its smallest earlier value, then the target sum's changes from baseline and
    nadir; '' when there is nothing to compare."""
    values = {t.visit_id: t.by_lesion[lesion_id].value_mm if lesion_id in t.by_lesion else None
              for t in report.read.timepoints}
    order = list(values)
    here = values.get(visit_id)
    earlier = [values[v] for v in order[: order.index(visit_id)]] if visit_id in values else []
    known = [value for value in earlier if value is not None]
    lines: list[str] = []
    base = earlier[0] if earlier else None
    if here is not None and base is not None:
        lines.append(f"\n{lesion_id}: {pct(percent_change(here, base))} ({signed_mm(here - base)}) from its "
                     f"baseline {mm(base)}")
    if here is not None and known:
        low = min(known)
        lines.append(f"\n{lesion_id}: {signed_mm(here - low)} from its smallest earlier value {mm(low)}")
    result = next((r for r in report.recist.timepoints if r.visit_id == visit_id), None)
    if result is not None and result.sum_mm is not None and not result.is_baseline:
        lines.append(f"\nSum of targets {mm(result.sum_mm)}: {pct(result.pct_change_baseline)} from baseline, "
                     f"{pct(result.pct_change_nadir)} from nadir {mm(result.nadir_mm)}")
    return "".join(lines)
