"""Best overall response: unconfirmed (BOR) and confirmed (CBOR), RULES §1.10.

The semantics are those of admiralonco ``derive_param_bor`` and ``derive_param_confirmed_bor``
(RULES §1.10, "Exact peer algorithm for confirmed BOR" steps 1–5 and "Unconfirmed BOR"), with the
windows of RULES §7 A8 and A8b taken from the :class:`~assessment.profile.Profile`.

The category names and their ranking come from a :class:`CategoryScheme`, so that iRECIST
(iCR, iPR, iSD, NON-iCR/NON-iUPD, …) can reuse the same machinery with its own scheme.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from assessment.domain import Response
from assessment.errors import InvalidInputError
from assessment.irecist import IResponse
from assessment.profile import Profile


@dataclass(frozen=True)
class CategoryScheme:
    """Names of the response categories and their ranking, best first (RULES §1.10 step 5).

    Parameters
    ----------
    complete, partial, stable, non_measurable, progression, not_evaluable, not_done, missing
        The category playing each role (RECIST 1.1: CR, PR, SD, NON-CR/NON-PD, PD, NE, ND,
        MISSING).
    ranking : tuple of str
        Every category, best first; ``missing`` is never a time-point value.
    """

    complete: str
    partial: str
    stable: str
    non_measurable: str
    progression: str
    not_evaluable: str
    not_done: str
    missing: str
    ranking: tuple[str, ...]

    @property
    def timepoint_values(self) -> frozenset[str]:
        """Values a time-point assessment may carry (every ranked category but ``missing``)."""
        return frozenset(self.ranking) - {self.missing}

    def rank(self, category: str) -> int:
        """0 for the best category, larger is worse."""
        return self.ranking.index(category)


#: RECIST 1.1 ordering CR > PR > SD > NON-CR/NON-PD > PD > NE > ND > MISSING (RULES §1.10).
_RECIST11_RANKING = (
    Response.CR,
    Response.PR,
    Response.SD,
    Response.NON_CR_NON_PD,
    Response.PD,
    Response.NE,
    Response.ND,
    Response.MISSING,
)
RECIST11 = CategoryScheme(
    complete=Response.CR.value,
    partial=Response.PR.value,
    stable=Response.SD.value,
    non_measurable=Response.NON_CR_NON_PD.value,
    progression=Response.PD.value,
    not_evaluable=Response.NE.value,
    not_done=Response.ND.value,
    missing=Response.MISSING.value,
    ranking=tuple(r.value for r in _RECIST11_RANKING),
)

#: iRECIST (RULES §2.1, §2.6–2.7): iCR > iPR > iSD > NON-iCR/NON-iUPD > iCPD > iUPD > NE > ND >
#: MISSING, the admiralonco iRECIST vignette's IBOR event order. ``progression`` is the
#: *confirmed* iCPD (what best response stops at); iUPD ranks between iCPD and NE. NE, ND and
#: MISSING keep their RECIST 1.1 names (CDISC C96785 has no iRECIST variant of them).
IRECIST = CategoryScheme(
    complete=IResponse.ICR.value,
    partial=IResponse.IPR.value,
    stable=IResponse.ISD.value,
    non_measurable=IResponse.NON_ICR_NON_IUPD.value,
    progression=IResponse.ICPD.value,
    not_evaluable=Response.NE.value,
    not_done=Response.ND.value,
    missing=Response.MISSING.value,
    ranking=(
        IResponse.ICR.value, IResponse.IPR.value, IResponse.ISD.value, IResponse.NON_ICR_NON_IUPD.value,
        IResponse.ICPD.value, IResponse.IUPD.value,
        Response.NE.value, Response.ND.value, Response.MISSING.value,
    ),
)


@dataclass(frozen=True)
class Assessment:
    """One time-point overall response (SDTM RS ``OVRLRESP``) of one read."""

    date: date
    response: str
    visit_id: str = ""


@dataclass(frozen=True)
class BestResponse:
    """A best overall response, the date of the assessment it comes from, and why."""

    category: str
    date: date | None
    rationale: str


def restrict_to_first_progression(
    assessments: Iterable[Assessment],
    first_pd_date: date | None = None,
    scheme: CategoryScheme = RECIST11,
) -> tuple[Assessment, ...]:
    """Assessments up to and including the first PD date, sorted by date (RULES §1.10 step 1).

    ``first_pd_date`` is the first PD from another source (admiralonco ``source_pd``); when
    None, the first assessment with the progression category is used.
    """
    ordered = tuple(sorted(assessments, key=lambda a: a.date))
    if first_pd_date is None:
        first_pd_date = next((a.date for a in ordered if a.response == scheme.progression), None)
    if first_pd_date is None:
        return ordered
    return tuple(a for a in ordered if a.date <= first_pd_date)


def best_overall_response(
    assessments: Iterable[Assessment],
    reference_date: date,
    profile: Profile,
    *,
    first_pd_date: date | None = None,
    scheme: CategoryScheme = RECIST11,
) -> BestResponse:
    """Unconfirmed BOR (admiralonco ``derive_param_bor``; RULES §1.10 "Unconfirmed BOR").

    CR and PR count whenever they occur; SD and NON-CR/NON-PD count only on or after
    ``reference_date + profile.sd_min_days`` (§7 A8), earlier they count as NE; PD, NE and ND
    count as themselves. The best category wins, ties go to the earliest date.
    """
    kept, note = _prepare(assessments, profile, first_pd_date, scheme)
    sd_start = reference_date + timedelta(days=profile.sd_min_days)
    candidates = []
    for item in kept:
        if item.response in (scheme.complete, scheme.partial):
            why = f"{item.response} on {item.date} (unconfirmed BOR: CR/PR count on any date)"
            candidates.append(_Candidate(item.response, item.date, why))
        else:
            candidates.append(_window_candidate(item, item.response, sd_start, profile, scheme))
    return _pick(candidates, profile, scheme, note)


def confirmed_best_overall_response(
    assessments: Iterable[Assessment],
    reference_date: date,
    profile: Profile,
    *,
    first_pd_date: date | None = None,
    scheme: CategoryScheme = RECIST11,
) -> BestResponse:
    """Confirmed BOR (admiralonco ``derive_param_confirmed_bor``; RULES §1.10 steps 1–5).

    A CR is confirmed by the first later CR at least ``confirm_min_days`` later with only CR or
    NE in between (step 2); a PR by the first later CR or PR at least that far with only
    CR/PR/NE (and one SD if ``accept_sd_between``) in between and no PR after a CR (step 3);
    at most ``max_ne_between`` NE in both cases (§7 A8b). Unconfirmed CR/PR and SD count as SD
    on or after ``reference_date + sd_min_days``, else NE (step 4). Best wins (step 5).
    """
    kept, note = _prepare(assessments, profile, first_pd_date, scheme)
    sd_start = reference_date + timedelta(days=profile.sd_min_days)
    candidates = []
    for index, item in enumerate(kept):
        if item.response in (scheme.complete, scheme.partial):
            confirmed, why = _confirmation(kept, index, profile, scheme)
            if confirmed:
                candidates.append(_Candidate(item.response, item.date, why))
                continue
            candidate = _window_candidate(item, scheme.stable, sd_start, profile, scheme, why)
            candidates.append(candidate)
        else:
            candidates.append(_window_candidate(item, item.response, sd_start, profile, scheme))
    return _pick(candidates, profile, scheme, note)


@dataclass(frozen=True)
class _Candidate:
    category: str
    date: date
    rationale: str


def _prepare(
    assessments: Iterable[Assessment],
    profile: Profile,
    first_pd_date: date | None,
    scheme: CategoryScheme,
) -> tuple[tuple[Assessment, ...], str]:
    """Validate the categories, sort by date and apply step 1 when the profile asks for it."""
    items = tuple(assessments)
    allowed = scheme.timepoint_values
    for index, item in enumerate(items):
        if item.response not in allowed:
            expected = "one of " + ", ".join(r for r in scheme.ranking if r in allowed)
            raise InvalidInputError(f"assessments[{index}].response", item.response, expected)
    if not profile.restrict_to_first_pd:
        return tuple(sorted(items, key=lambda a: a.date)), ""
    kept = restrict_to_first_progression(items, first_pd_date, scheme)
    dropped = len(items) - len(kept)
    note = f"; {dropped} assessment(s) after the first PD ignored" if dropped else ""
    return kept, note


def _window_candidate(
    item: Assessment,
    category: str,
    sd_start: date,
    profile: Profile,
    scheme: CategoryScheme,
    prefix: str = "",
) -> _Candidate:
    """Step 4: SD-like categories count on or after ``sd_start`` (§7 A8), else NE."""
    if category not in (scheme.complete, scheme.partial, scheme.stable, scheme.non_measurable):
        return _Candidate(category, item.date, f"{category} on {item.date}")
    lead = f"{prefix}; it" if prefix else f"{item.response} on {item.date}"
    window = f"{sd_start} (reference + {profile.sd_min_days} days)"
    if item.date >= sd_start:
        return _Candidate(category, item.date, f"{lead} counts as {category}: on or after {window}")
    why = f"{lead} counts as {scheme.not_evaluable}: before {window}"
    return _Candidate(scheme.not_evaluable, item.date, why)


def _confirmation(
    kept: Sequence[Assessment], index: int, profile: Profile, scheme: CategoryScheme
) -> tuple[bool, str]:
    """Steps 2 and 3: is ``kept[index]`` (CR or PR) confirmed? Returns (confirmed, reason)."""
    first = kept[index]
    is_cr = first.response == scheme.complete
    targets = (scheme.complete,) if is_cr else (scheme.complete, scheme.partial)
    earliest = first.date + timedelta(days=profile.confirm_min_days)
    window: list[Assessment] = []
    for later in kept[index + 1 :]:
        window.append(later)
        if later.response in targets and later.date >= earliest:
            break
    else:
        wanted = " or ".join(targets)
        return False, (
            f"{first.response} on {first.date} not confirmed: no later {wanted} "
            f"≥ {profile.confirm_min_days} days later"
        )
    problem = _window_problem(window, is_cr, profile, scheme)
    confirming = window[-1]
    days = (confirming.date - first.date).days
    if problem:
        return False, (
            f"{first.response} on {first.date} not confirmed by {confirming.response} "
            f"on {confirming.date}: {problem}"
        )
    n_ne = sum(a.response == scheme.not_evaluable for a in window)
    return True, (
        f"{first.response} on {first.date} confirmed by {confirming.response} on {confirming.date} "
        f"({days} days ≥ {profile.confirm_min_days}, {n_ne} NE between ≤ {profile.max_ne_between})"
    )


def _window_problem(
    window: Sequence[Assessment], is_cr: bool, profile: Profile, scheme: CategoryScheme
) -> str:
    """Why the assessments after a CR/PR up to its confirming one fail steps 2/3 ('' if none)."""
    allowed = {scheme.complete, scheme.not_evaluable}
    if not is_cr:
        allowed |= {scheme.partial, scheme.stable}
    for item in window:
        if item.response not in allowed:
            return f"{item.response} on {item.date} in between"
    n_ne = sum(a.response == scheme.not_evaluable for a in window)
    if n_ne > profile.max_ne_between:
        return f"{n_ne} NE in between > max_ne_between {profile.max_ne_between}"
    if is_cr:
        return ""
    n_sd = sum(a.response == scheme.stable for a in window)
    max_sd = 1 if profile.accept_sd_between else 0
    if n_sd > max_sd:
        setting = "on" if profile.accept_sd_between else "off"
        return f"{n_sd} SD in between (accept_sd_between {setting}, at most {max_sd})"
    crs = [a.date for a in window if a.response == scheme.complete]
    prs = [a.date for a in window if a.response == scheme.partial]
    if crs and prs and min(crs) <= max(prs):
        return f"PR on {max(prs)} follows CR on {min(crs)}"
    return ""


def _pick(
    candidates: Sequence[_Candidate], profile: Profile, scheme: CategoryScheme, note: str
) -> BestResponse:
    """Step 5: best category, ties to the earliest date; none → MISSING (or NE)."""
    if not candidates:
        if profile.missing_as_ne:
            why = f"no assessments: {scheme.not_evaluable} (missing_as_ne){note}"
            return BestResponse(scheme.not_evaluable, None, why)
        return BestResponse(scheme.missing, None, f"no assessments: {scheme.missing}{note}")
    best = min(candidates, key=lambda c: (scheme.rank(c.category), c.date))
    others = len(candidates) - 1
    tail = f" (best of {others + 1} assessments)" if others else ""
    return BestResponse(best.category, best.date, f"{best.rationale}{tail}{note}")


def first_response(
    assessments: Iterable[Assessment],
    profile: Profile,
    *,
    first_pd_date: date | None = None,
    scheme: CategoryScheme = RECIST11,
) -> Assessment | None:
    """The first CR or PR (admiralonco ``derive_param_response``, ADaM ``RSP``), up to the first PD when the
    profile restricts to it (RULES §1.10 step 1); None without one."""
    kept, _ = _prepare(assessments, profile, first_pd_date, scheme)
    return next((a for a in kept if a.response in (scheme.complete, scheme.partial)), None)


def first_confirmed_response(
    assessments: Iterable[Assessment],
    profile: Profile,
    *,
    first_pd_date: date | None = None,
    scheme: CategoryScheme = RECIST11,
) -> Assessment | None:
    """The first CR or PR that a later assessment confirms (admiralonco ``derive_param_confirmed_resp``, ADaM
    ``CRSP``; RULES §1.10 steps 2–3 with the windows of §7 A8b); None without one."""
    kept, _ = _prepare(assessments, profile, first_pd_date, scheme)
    for index, item in enumerate(kept):
        if item.response in (scheme.complete, scheme.partial) and _confirmation(kept, index, profile, scheme)[0]:
            return item
    return None


def clinical_benefit(
    assessments: Iterable[Assessment],
    reference_date: date,
    profile: Profile,
    response_date: date | None,
    *,
    first_pd_date: date | None = None,
    scheme: CategoryScheme = RECIST11,
    values: Sequence[str] | None = None,
) -> date | None:
    """The date clinical benefit is first shown (admiralonco ``derive_param_clinbenefit``, ADaM ``CB`` / ``CCB``):
    the earlier of ``response_date`` (the first response, confirmed for ``CCB``) and the first assessment in
    ``values`` (CR, PR, SD, NON-CR/NON-PD by default) on or after ``reference_date + profile.sd_min_days``
    (RULES §7 A8), up to the first PD when the profile restricts to it; None without benefit."""
    kept, _ = _prepare(assessments, profile, first_pd_date, scheme)
    wanted = values if values is not None else (scheme.complete, scheme.partial, scheme.stable, scheme.non_measurable)
    window = reference_date + timedelta(days=profile.sd_min_days)
    dates = [a.date for a in kept if a.response in wanted and a.date >= window]
    if response_date is not None:
        dates.append(response_date)
    return min(dates, default=None)
