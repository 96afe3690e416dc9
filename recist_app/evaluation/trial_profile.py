"""The trial's profile as the workstation reads it: the engine's flat keys, ``[series]`` and ``[[visit]]``.

One TOML text, stored in the trial (``Trial.profile_toml``) or given as a file (``--profile``), holds:

- **flat keys**: the engine's protocol profile (RULES §7, :class:`assessment.profile.Profile`). They
  are handed to the engine exactly as before; the engine never sees the tables below.
- ``[series]``: the series a time point opens on by default (the reader may choose another)::

      [series]
      orientation = "AXIAL"      # AXIAL | CORONAL | SAGITTAL | ANY   (default ANY)
      kernel = "soft"            # soft | lung | bone | any           (default any)
      min_thickness_mm = 2.0     # the thinnest series at or above this (default 0)

  The orientation is the plane of (0020,0037) *Image Orientation (Patient)*
  (:func:`recist_app.imaging.catalog.orientation_of`); the
  kernel family comes from (0018,1210) *Convolution Kernel*, else from (0008,103E) *Series
  Description*, by the keyword table :data:`KERNEL_TABLE` (:func:`kernel_family`); the thickness is
  (0018,0050) *Slice Thickness*.
- ``[[visit]]``: the visit schedule, one table per planned visit, in day order::

      [[visit]]
      name = "BASELINE"          # CDISC VISIT (CDISC.md §2: names come from the sponsor's TV design)
      day = 0                    # planned study day
      window_before_days = 28    # the window is [day − before, day + after], both ends included
      window_after_days = 0

  **Study days count from the subject's baseline scan**: day 0 is the baseline (earliest) scan and
  ``day = 56`` is 56 days after it. This is not SDTM ``VISITDY`` / ``--DY``, which count from
  ``RFSTDTC`` with no day 0. The first visit is the baseline, at day 0; days increase strictly;
  names are unique (case-insensitive) and never ``UNSCHEDULED`` (the name of a scan outside every
  window); windows do not overlap, so a study day lies in at most one window.
  :func:`recist_app.evaluation.visits.match_visits` matches scan dates to this schedule.
- ``[sdtm]``: choices of the SDTM export (issue 18)::

      [sdtm]
      diameters = "both"         # both | recist   (default both)
      sbrt_domain = "PR"         # PR | EX         (default PR)

  ``both`` exports every diameter the reader drew, SUPPTR ``TRRECIST`` marking the one RECIST 1.1 uses (the long
  axis, a lymph node's short axis); ``recist`` exports only that one. ``sbrt_domain`` is where the SBRT courses go:
  PR (Procedures), or EX (Exposure) when the protocol holds the SBRT as study treatment.

- ``[trial_summary]``: the protocol's facts for SDTM TS (Trial Summary) that the workstation cannot know, by
  TSPARMCD (:data:`TS_SPONSOR_PARAMETERS`); a list gives one TS record per value::

      [trial_summary]
      REGID = "NCT03548428"      # ClinicalTrials.gov identifier
      TPHASE = "PHASE II TRIAL"  # CDISC CT C66737
      RANDOM = "Y"
      SSTDTC = "2018-06-01"      # study start date (ISO 8601); FDA's technical rejection criteria require it

  Dates are ISO 8601 (a year, year-month or full date), ages ISO 8601 durations (``P18Y``), flags ``Y`` or
  ``N``, PLANSUB a whole number; every value at most 200 characters (TSVAL). TITLE, ACTSUB and NARMS are the
  export's own (the trial's name, the subjects exported, the arms).

Every bad value raises :class:`assessment.errors.ProfileError` naming its key (``series.kernel``,
``visit[2].day`` …), as the engine's keys do; a file's errors become
:class:`recist_app.errors.InputFileError` naming the file (:mod:`recist_app.evaluation.profile_file`).
The engine's flat keys must come before the first table (TOML puts every key after a table
header into that table).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from assessment.errors import ProfileError
from assessment.profile import Profile

if TYPE_CHECKING:  # the CLI's engine path imports no numpy or pydicom (tests/test_architecture.py)
    from recist_app.imaging.catalog import SeriesOption

#: The visit of the earliest scan when the profile has no schedule, and of scans outside every window.
BASELINE_VISIT, UNSCHEDULED_VISIT = "BASELINE", "UNSCHEDULED"

ORIENTATIONS = ("AXIAL", "CORONAL", "SAGITTAL", "ANY")
KERNELS = ("soft", "lung", "bone", "any")
SERIES_KEYS = ("orientation", "kernel", "min_thickness_mm")
VISIT_KEYS = ("name", "day", "window_before_days", "window_after_days")
SDTM_KEYS = ("diameters", "sbrt_domain")
DIAMETER_CHOICES = ("both", "recist")
SBRT_DOMAINS = ("PR", "EX")
#: The workstation's tables; everything else in the profile is the engine's.
TABLES = ("series", "visit", "sdtm", "trial_summary")
#: TS parameters the export fills in itself (TSPARMCD → TSPARM, CDISC CT C66738 / C67152).
TS_EXPORT_PARAMETERS = {"TITLE": "Trial Title", "ACTSUB": "Actual Number of Subjects",
                        "NARMS": "Planned Number of Arms"}
#: TS parameters a profile may give.
TS_SPONSOR_PARAMETERS = {
    "ADDON": "Added on to Existing Treatments", "AGEMAX": "Planned Maximum Age of Subjects",
    "AGEMIN": "Planned Minimum Age of Subjects", "DCUTDTC": "Data Cutoff Date", "DCUTDESC": "Data Cutoff Description",
    "FCNTRY": "Planned Country of Investigational Sites", "HLTSUBJI": "Healthy Subject Indicator",
    "INDIC": "Trial Disease/Condition Indication", "INTMODEL": "Intervention Model", "INTTYPE": "Intervention Type",
    "LENGTH": "Trial Length", "OBJPRIM": "Trial Primary Objective", "OBJSEC": "Trial Secondary Objective",
    "OUTMSPRI": "Primary Outcome Measure", "OUTMSSEC": "Secondary Outcome Measure",
    "PLANSUB": "Planned Number of Subjects", "RANDOM": "Trial is Randomized", "REGID": "Registry Identifier",
    "SENDTC": "Study End Date", "SEXPOP": "Sex of Participants", "SPONSOR": "Clinical Study Sponsor",
    "SSTDTC": "Study Start Date", "STYPE": "Study Type", "TBLIND": "Trial Blinding Schema",
    "TCNTRL": "Control Type", "TINDTP": "Trial Intent Type", "TPHASE": "Trial Phase Classification",
    "TRT": "Investigational Therapy or Treatment", "TTYPE": "Trial Type"}
#: What the values of some TS parameters must look like (the others are free text).
TS_DATES = frozenset({"SSTDTC", "SENDTC", "DCUTDTC"})
TS_FLAGS = frozenset({"ADDON", "HLTSUBJI", "RANDOM"})
TS_DURATIONS = frozenset({"AGEMIN", "AGEMAX", "LENGTH"})
#: Trial Phase Classification (CDISC CT C66737).
TS_PHASES = frozenset({"PHASE 0 TRIAL", "PHASE I TRIAL", "PHASE I/II TRIAL", "PHASE II TRIAL", "PHASE IIA TRIAL",
                       "PHASE IIB TRIAL", "PHASE II/III TRIAL", "PHASE III TRIAL", "PHASE IIIA TRIAL",
                       "PHASE IIIB TRIAL", "PHASE IV TRIAL", "PHASE V TRIAL", "NOT APPLICABLE"})
TSVAL_MAX_CHARS = 200
_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_ISO_DURATION = re.compile(r"^P\d+[YMWD]$")

#: Kernel families: (family, patterns a whole kernel token must match, words of the series description).
#: Tokens are the upper-cased parts of (0018,1210) *Convolution Kernel* split at ``\``, spaces, commas,
#: ``/``, ``_`` and ``-``. The kernel decides first (bone, then lung, then soft); only when no token
#: matches do the description's words decide, in the same order. Examples: GE ``STANDARD`` / ``SOFT`` /
#: ``LUNG`` / ``BONE`` / ``BONEPLUS``; Philips ``B`` (soft), ``L`` (lung); Siemens ``B30f``, ``Br40d``,
#: ``I31f`` (sharpness below 50: soft; B60f, B70f … are sharp and left to the description), ``H70h``
#: (bone); Canon/Toshiba ``FC0x``/``FC1x`` (soft), ``FC5x``/``FC8x`` (lung).
KERNEL_TABLE: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("bone", (r"BONE\w*", r"H7\d\w*"), ("BONE",)),
    ("lung", (r"LUNGS?", r"L", r"FC[58]\d"), ("LUNG", "LUNGS")),
    ("soft", (r"STANDARD", r"STD", r"SOFT\w*", r"B", r"[BI][A-Z]?[1-4]\d[A-Z]?", r"FC[01]\d"),
     ("SOFT", "STANDARD", "STD", "MEDIASTINUM", "MEDIASTINAL")),
)
_TOKENS = re.compile(r"[\\\s,/_-]+")
_WORDS = re.compile(r"[^A-Z0-9]+")


@dataclass(frozen=True)
class SeriesPreference:
    """``[series]``: the default series of a time point. Defaults: any series, the thinnest first."""

    orientation: str = "ANY"
    kernel: str = "any"
    min_thickness_mm: float = 0.0

    def __post_init__(self) -> None:
        if self.orientation not in ORIENTATIONS:
            raise ProfileError("series.orientation", f"must be one of {', '.join(ORIENTATIONS)}, "
                                                     f"got {self.orientation!r}.")
        if self.kernel not in KERNELS:
            raise ProfileError("series.kernel", f"must be one of {', '.join(KERNELS)}, got {self.kernel!r}.")
        thickness = self.min_thickness_mm
        if isinstance(thickness, bool) or not isinstance(thickness, (int, float)) or not math.isfinite(thickness) \
                or thickness < 0:
            raise ProfileError("series.min_thickness_mm", f"must be a non-negative number of mm, got {thickness!r}.")

    def fits(self, option: SeriesOption) -> bool:
        """True when the series has the preferred plane, kernel family and at least the minimum thickness.

        A series whose plane, family or thickness is unknown fits only a preference of ``ANY`` /
        ``any`` / 0 for that item.
        """
        if self.orientation != "ANY" and option.orientation != self.orientation:
            return False
        if self.kernel != "any" and kernel_family(option.kernel, option.description) != self.kernel:
            return False
        thickness = option.thickness_mm
        return self.min_thickness_mm == 0 or (thickness is not None and thickness >= self.min_thickness_mm)

    def choose(self, options: Sequence[SeriesOption]) -> int | None:
        """The index of the preferred series among ``options``: the thinnest usable one that fits (the
        first of equals; unknown thickness last); None when none fits (the caller keeps its own default)."""
        fitting = [index for index, option in enumerate(options) if option.usable and self.fits(option)]
        if not fitting:
            return None
        return min(fitting, key=lambda index: (options[index].thickness_mm is None,
                                               options[index].thickness_mm or 0.0, index))


def kernel_family(kernel: str, description: str = "") -> str | None:
    """``"soft"``, ``"lung"`` or ``"bone"`` by :data:`KERNEL_TABLE`; None when neither text says.

    >>> kernel_family("Br40d\\\\3"), kernel_family("BONEPLUS"), kernel_family("", "Thorax 1.0 Lung")
    ('soft', 'bone', 'lung')
    """
    tokens = [token for token in _TOKENS.split(kernel.upper()) if token]
    for family, patterns, _words in KERNEL_TABLE:
        if any(re.fullmatch(pattern, token) for pattern in patterns for token in tokens):
            return family
    words = set(_WORDS.split(description.upper()))
    return next((family for family, _patterns, names in KERNEL_TABLE if words & set(names)), None)


@dataclass(frozen=True)
class PlannedVisit:
    """One ``[[visit]]``: its name, planned study day (0 = the baseline scan) and window in days."""

    name: str
    day: int
    window_before_days: int = 0
    window_after_days: int = 0

    @property
    def first_day(self) -> int:
        """The first study day of the window (included)."""
        return self.day - self.window_before_days

    @property
    def last_day(self) -> int:
        """The last study day of the window (included)."""
        return self.day + self.window_after_days

    def holds(self, study_day: int) -> bool:
        """True when ``study_day`` lies in the window, both ends included."""
        return self.first_day <= study_day <= self.last_day


@dataclass(frozen=True)
class VisitSchedule:
    """The ``[[visit]]`` tables in day order; empty when the profile has no schedule.

    Checked on construction (keys named as in the TOML, ``visit[n]`` counting from 1): non-negative
    whole days, the first visit the baseline at day 0, unique names, strictly increasing days and
    windows that do not overlap.
    """

    visits: tuple[PlannedVisit, ...] = ()

    def __post_init__(self) -> None:
        _check_schedule(self.visits)

    @property
    def baseline(self) -> PlannedVisit | None:
        """The day-0 visit; None without a schedule."""
        return self.visits[0] if self.visits else None

    def visit(self, name: str) -> PlannedVisit | None:
        """The planned visit called ``name`` (case-insensitive); None when there is none."""
        wanted = name.strip().upper()
        return next((visit for visit in self.visits if visit.name.upper() == wanted), None)


@dataclass(frozen=True)
class SdtmChoices:
    """``[sdtm]``: the SDTM export's choices. Default: every diameter drawn, the RECIST one marked."""

    diameters: str = "both"
    sbrt_domain: str = "PR"

    def __post_init__(self) -> None:
        if self.diameters not in DIAMETER_CHOICES:
            raise ProfileError("sdtm.diameters", f"must be one of {', '.join(DIAMETER_CHOICES)}, "
                                                 f"got {self.diameters!r}.")
        if self.sbrt_domain not in SBRT_DOMAINS:
            raise ProfileError("sdtm.sbrt_domain", f"must be one of {', '.join(SBRT_DOMAINS)}, "
                                                   f"got {self.sbrt_domain!r}.")


@dataclass(frozen=True)
class TrialProfile:
    """A trial's whole profile: ``engine`` (the flat keys), ``series``, ``visits``, ``sdtm`` and ``trial_summary``
    (TSPARMCD → its values, in the file's order)."""

    engine: Profile = field(default_factory=Profile)
    series: SeriesPreference = field(default_factory=SeriesPreference)
    visits: VisitSchedule = field(default_factory=VisitSchedule)
    sdtm: SdtmChoices = field(default_factory=SdtmChoices)
    trial_summary: tuple[tuple[str, tuple[str, ...]], ...] = ()


def parse_trial_profile(text: str) -> TrialProfile:
    """Parse a profile: flat keys for the engine, ``[series]`` and ``[[visit]]`` for the workstation.

    The engine gets exactly the flat keys (:meth:`assessment.profile.Profile.from_mapping`), so a
    profile evaluates the same with or without the tables. Raises :class:`ProfileError` naming the
    key of the first bad value.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError("<file>", f"not valid TOML ({exc}).") from exc
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in TABLES:
            continue
        if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value)):
            raise ProfileError(key, "unknown table. The workstation's tables are [series], [[visit]], [sdtm] and "
                                    "[trial_summary]; the engine's keys are flat.")
        flat[key] = value
    return TrialProfile(Profile.from_mapping(flat), _series(data.get("series")), _schedule(data.get("visit")),
                        _sdtm(data.get("sdtm")), _trial_summary(data.get("trial_summary")))


_AFTER_TABLE = "(the engine's flat keys go before the first table)"


def _series(table: object) -> SeriesPreference:
    if table is None:
        return SeriesPreference()
    checked = _table("series", table, SERIES_KEYS)
    thickness = checked.get("min_thickness_mm", 0.0)
    if isinstance(thickness, int) and not isinstance(thickness, bool):
        thickness = float(thickness)
    return SeriesPreference(_text("series", checked, "orientation", "ANY").upper(),
                            _text("series", checked, "kernel", "any").lower(), thickness)


def _sdtm(table: object) -> SdtmChoices:
    if table is None:
        return SdtmChoices()
    checked = _table("sdtm", table, SDTM_KEYS)
    return SdtmChoices(_text("sdtm", checked, "diameters", "both").lower(),
                       _text("sdtm", checked, "sbrt_domain", "PR").upper())


def _trial_summary(table: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if table is None:
        return ()
    if isinstance(table, dict) and (own := [key for key in table if key in TS_EXPORT_PARAMETERS]):
        raise ProfileError(f"trial_summary.{own[0]}", "is the export's own (TITLE the trial's name, ACTSUB the "
                                                     "subjects exported, NARMS their arms); leave it out.")
    checked = _table("trial_summary", table, tuple(TS_SPONSOR_PARAMETERS))
    return tuple((code, _ts_values(code, value)) for code, value in checked.items())


def _ts_values(code: str, value: object) -> tuple[str, ...]:
    """The TSVALs of parameter ``code``: a string, or a list of strings (one TS record each), checked."""
    key = f"trial_summary.{code}"
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        raise ProfileError(key, f"must be a string or a list of strings, got {value!r}.")
    texts = tuple(str(v).strip() for v in values)
    for text in texts:
        if not text or len(text) > TSVAL_MAX_CHARS:
            raise ProfileError(key, f"must hold 1 to {TSVAL_MAX_CHARS} characters (TSVAL), got {text!r}.")
        if code in TS_DATES and not _ISO_DATE.match(text):
            raise ProfileError(key, f"must be an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD), got {text!r}.")
        if code in TS_FLAGS and text not in ("Y", "N"):
            raise ProfileError(key, f"must be Y or N, got {text!r}.")
        if code in TS_DURATIONS and not _ISO_DURATION.match(text):
            raise ProfileError(key, f"must be an ISO 8601 duration such as P18Y, got {text!r}.")
        if code == "TPHASE" and text not in TS_PHASES:
            raise ProfileError(key, f"must be a CDISC trial phase ({', '.join(sorted(TS_PHASES))}), got {text!r}.")
        if code == "PLANSUB" and not text.isdigit():
            raise ProfileError(key, f"must be a whole number of subjects, got {text!r}.")
    return texts


def _table(name: str, table: object, known: tuple[str, ...]) -> dict[str, Any]:
    """``[name]`` as a table of ``known`` keys only."""
    if not isinstance(table, dict):
        raise ProfileError(name, f"must be a table ([{name}] on its own line), got {table!r}.")
    _refuse_unknown(name, table, known)
    return table


def _text(name: str, table: dict[str, Any], key: str, default: str) -> str:
    """The string at ``key`` of table ``name`` (``default`` when absent), stripped."""
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ProfileError(f"{name}.{key}", f"must be a string, got {value!r}.")
    return value.strip()


def _schedule(tables: object) -> VisitSchedule:
    if tables is None:
        return VisitSchedule()
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        raise ProfileError("visit", f"must be an array of tables: write [[visit]] above each visit, got {tables!r}.")
    visits = []
    for number, table in enumerate(tables, 1):
        key = f"visit[{number}]"
        _refuse_unknown(key, table, VISIT_KEYS)
        for required in ("name", "day"):
            if required not in table:
                raise ProfileError(f"{key}.{required}", "missing: every [[visit]] has a name and a day.")
        if not isinstance(table["name"], str):
            raise ProfileError(f"{key}.name", f"must be a string, got {table['name']!r}.")
        days = [table.get(name, 0) for name in VISIT_KEYS[1:]]
        for name, value in zip(VISIT_KEYS[1:], days, strict=True):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ProfileError(f"{key}.{name}", f"must be a whole number of days, got {value!r}.")
        visits.append(PlannedVisit(table["name"].strip(), *days))
    return VisitSchedule(tuple(visits))


def _refuse_unknown(table_key: str, table: dict[str, Any], known: tuple[str, ...]) -> None:
    for key in table:
        if key not in known:
            raise ProfileError(f"{table_key}.{key}", f"unknown key. Known keys: {', '.join(known)} {_AFTER_TABLE}.")


def _check_schedule(visits: tuple[PlannedVisit, ...]) -> None:
    """The rules of :class:`VisitSchedule`; ProfileError naming ``visit[n].<key>`` on the first breach."""
    names: dict[str, int] = {}
    for number, visit in enumerate(visits, 1):
        key = f"visit[{number}]"
        if not isinstance(visit.name, str) or not visit.name.strip():
            raise ProfileError(f"{key}.name", f"must be a non-empty visit name (CDISC VISIT), got {visit.name!r}.")
        if visit.name.strip().upper() == UNSCHEDULED_VISIT:
            raise ProfileError(f"{key}.name", f"{UNSCHEDULED_VISIT} names scans outside every window; "
                                              "give the planned visit another name.")
        if visit.name.upper() in names:
            raise ProfileError(f"{key}.name", f"{visit.name!r} is also the name of visit[{names[visit.name.upper()]}]: "
                                              "visit names are unique.")
        names[visit.name.upper()] = number
        for name in VISIT_KEYS[1:]:
            value = getattr(visit, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ProfileError(f"{key}.{name}", f"must be a non-negative whole number of days, got {value!r}.")
        if number == 1:
            if visit.day != 0:
                raise ProfileError(f"{key}.day", f"the first visit is the baseline at day 0 (study days count from "
                                                 f"the baseline scan), got {visit.day}.")
            continue
        before = visits[number - 2]
        if visit.day == before.day:
            raise ProfileError(f"{key}.day", f"day {visit.day} is also the day of {before.name!r}: "
                                             "one planned visit per day.")
        if visit.day < before.day:
            raise ProfileError(f"{key}.day", f"visits are listed in day order, but {visit.name!r} on day {visit.day} "
                                             f"comes after {before.name!r} on day {before.day}.")
        if visit.first_day <= before.last_day:
            raise ProfileError(f"{key}.window_before_days",
                               f"the window of {visit.name!r} (days {visit.first_day} to {visit.last_day}) overlaps "
                               f"that of {before.name!r} (days {before.first_day} to {before.last_day}): a scan "
                               "must fall in one window at most.")


@cache
def stored_trial_profile(profile_toml: str) -> TrialProfile:
    """A trial's stored profile (the defaults when it has none), parsed once per text (an export asks per read)."""
    return parse_trial_profile(profile_toml) if profile_toml else TrialProfile()


def trial_series_preference(profile_toml: str) -> SeriesPreference:
    """The ``[series]`` preference of a stored trial profile (the defaults when it has none)."""
    return stored_trial_profile(profile_toml).series
