"""Cached engine results per read × time point, with engine and rules versions (issue 5).

The cache is derived data: it is replaced whole whenever the read, the profile or the engine
changed, which :func:`fingerprint` detects (SHA-256 of the unblinded snapshot without row
versions, the profile and both versions). It is not a reader's change, so it is neither audited
nor undoable; it can always be recomputed from the stored read (ARCHITECTURE C10).
"""

from __future__ import annotations

import dataclasses
import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from assessment import ENGINE_VERSION, RULES_VERSION
from assessment.profile import Profile
from assessment.read_report import ReadReport
from recist_app.model.records import ReadSnapshot, TimepointResultRecord
from recist_app.store import mapping
from recist_app.store.audit import canonical_json, utc_now
from recist_app.store.schema import TimepointResultRow


def fingerprint(snapshot: ReadSnapshot, profile: Profile) -> str:
    """SHA-256 over what the results depend on: the read's content, the profile, the versions."""
    content = {"read": _without_versions(dataclasses.asdict(snapshot)), "profile": repr(profile),
               "engine": ENGINE_VERSION, "rules": RULES_VERSION}
    return hashlib.sha256(canonical_json(_jsonable(content)).encode("utf-8")).hexdigest()


def store(session: Session, read_uid: str, report: ReadReport, digest: str) -> tuple[TimepointResultRecord, ...]:
    """Replace the read's cached results by those of ``report``."""
    session.execute(delete(TimepointResultRow).where(TimepointResultRow.read_uid == read_uid))
    irecist = {tp.visit_id: tp for tp in report.irecist.timepoints}
    computed_at = utc_now()
    rows = []
    for tp in report.recist.timepoints:
        itp = irecist.get(tp.visit_id)
        rows.append(TimepointResultRow(
            read_uid=read_uid, timepoint_uid=tp.visit_id, recist_overall=tp.overall.value,
            target_response=_text(tp.target_response), nontarget_response=_text(tp.nontarget_response),
            new_lesion=tp.new_lesion, sum_mm=_text(tp.sum_mm), pct_change_baseline=_text(tp.pct_change_baseline),
            pct_change_nadir=_text(tp.pct_change_nadir), irecist_overall=_text(itp.overall if itp else None),
            rationale=tp.rationale, engine_version=ENGINE_VERSION, rules_version=RULES_VERSION,
            input_sha256=digest, computed_at=computed_at))
    session.add_all(rows)
    session.flush()
    return tuple(mapping.result(row) for row in rows)


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def _without_versions(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_versions(v) for k, v in value.items() if k != "version"}
    if isinstance(value, (list, tuple)):
        return [_without_versions(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Decimal):
        return str(value)
    return str(getattr(value, "isoformat", lambda: value)())
