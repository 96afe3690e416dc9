"""The controlled list of organs and sites offered by the lesion editor (plain data, no Qt).

A lesion's location is stored as free text (SDTM ``TULOC``), ``"ORGAN, SITE"`` in capitals, e.g.
``"LUNG, RIGHT LOWER LOBE"`` or ``"LYMPH NODE, SUBCARINAL"``. The engine counts targets per organ
by the part before the comma, and all lymph nodes as one organ (RULES §1.2;
``assessment.baseline.organ_of``), so picking from this list keeps that count right. Any other
text a reader types, or an older read holds, is kept as it is.

Lymph-node stations follow the usual CT reporting names (IASLC mediastinal stations, cervical,
axillary, abdominal and pelvic groups); nodes are measured on the short axis (RECIST 1.1 §4.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LYMPH_NODE = "LYMPH NODE"
OTHER = "OTHER"


@dataclass(frozen=True)
class Organ:
    """An organ (``name``, as stored) with its common sites; ``nodal`` for lymph nodes."""

    name: str
    label: str
    sites: tuple[str, ...] = ()
    nodal: bool = False


#: Organs in the order the editor lists them (the STEREOSARC metastatic sites first).
ORGANS: tuple[Organ, ...] = (
    Organ("LUNG", "Lung", ("RIGHT UPPER LOBE", "RIGHT MIDDLE LOBE", "RIGHT LOWER LOBE", "LEFT UPPER LOBE",
                           "LINGULA", "LEFT LOWER LOBE")),
    Organ("LIVER", "Liver", ("SEGMENT I", "SEGMENT II", "SEGMENT III", "SEGMENT IVA", "SEGMENT IVB", "SEGMENT V",
                             "SEGMENT VI", "SEGMENT VII", "SEGMENT VIII")),
    Organ(LYMPH_NODE, "Lymph node", (
        "CERVICAL, RIGHT", "CERVICAL, LEFT", "SUPRACLAVICULAR, RIGHT", "SUPRACLAVICULAR, LEFT",
        "AXILLARY, RIGHT", "AXILLARY, LEFT", "RIGHT PARATRACHEAL", "LEFT PARATRACHEAL", "PREVASCULAR",
        "AORTOPULMONARY WINDOW", "SUBCARINAL", "PARAESOPHAGEAL", "HILAR, RIGHT", "HILAR, LEFT",
        "INTERNAL MAMMARY", "RETROCRURAL", "CELIAC", "PORTOCAVAL", "MESENTERIC", "RETROPERITONEAL",
        "PARA-AORTIC", "ILIAC, RIGHT", "ILIAC, LEFT", "INGUINAL, RIGHT", "INGUINAL, LEFT"), nodal=True),
    Organ("BONE", "Bone", ("CERVICAL SPINE", "THORACIC SPINE", "LUMBAR SPINE", "SACRUM", "PELVIS", "RIB",
                           "STERNUM", "SCAPULA", "CLAVICLE", "HUMERUS", "FEMUR", "SKULL")),
    Organ("ADRENAL GLAND", "Adrenal", ("RIGHT", "LEFT")),
    Organ("BRAIN", "Brain", ("FRONTAL LOBE", "PARIETAL LOBE", "TEMPORAL LOBE", "OCCIPITAL LOBE", "CEREBELLUM")),
    Organ("SOFT TISSUE", "Soft tissue", ("CHEST WALL", "ABDOMINAL WALL", "PARASPINAL", "RETROPERITONEUM",
                                         "BUTTOCK", "THIGH", "LOWER LIMB", "UPPER LIMB", "HEAD AND NECK")),
    Organ("PERITONEUM", "Peritoneum", ("OMENTUM", "MESENTERY", "PELVIS", "SUBDIAPHRAGMATIC")),
    Organ("PLEURA", "Pleura", ("RIGHT", "LEFT")),
    Organ("KIDNEY", "Kidney", ("RIGHT", "LEFT")),
    Organ("SPLEEN", "Spleen"),
    Organ(OTHER, "Other"),
)


def organ(name: str) -> Organ | None:
    """The organ of :data:`ORGANS` called ``name`` (case-insensitive), or None."""
    key = name.strip().upper()
    return next((o for o in ORGANS if o.name == key), None)


def location(organ_name: str, site: str = "") -> str:
    """The stored text of an organ and site: ``location("LUNG", "RIGHT LOWER LOBE")`` →
    ``"LUNG, RIGHT LOWER LOBE"``; the organ alone without a site."""
    organ_name, site = organ_name.strip().upper(), site.strip().upper()
    return f"{organ_name}, {site}" if site else organ_name


def split_location(text: str) -> tuple[str, str]:
    """``("LUNG", "RIGHT LOWER LOBE")`` from ``"LUNG, RIGHT LOWER LOBE"`` (site "" when absent)."""
    name, _, site = text.partition(",")
    return name.strip().upper(), site.strip().upper()


def is_nodal_location(text: str) -> bool:
    """True when ``text`` names a lymph node (such lesions are measured on the short axis)."""
    return split_location(text)[0] == LYMPH_NODE


def choices() -> tuple[str, ...]:
    """Every organ and organ-with-site text, in list order (for an editable combo box)."""
    return tuple(text for o in ORGANS for text in (o.name, *(location(o.name, s) for s in o.sites)))


def display(text: str) -> str:
    """A stored location as readers write it: ``"LUNG, RIGHT LOWER LOBE"`` → ``"Lung, right lower lobe"``."""
    name, site = split_location(text)
    known = organ(name)
    head = known.label if known is not None else name.capitalize()
    return f"{head}, {_site_words(site)}" if site else head


def site_display(site: str) -> str:
    """A site as a menu shows it: ``"RIGHT LOWER LOBE"`` → ``"Right lower lobe"``."""
    text = _site_words(site)
    return text[:1].upper() + text[1:]


def _site_words(site: str) -> str:
    return _ROMAN.sub(lambda m: m.group(0).upper(), site.strip().lower())


#: Liver segments keep their Roman numerals when a site is shown in lower case.
_ROMAN = re.compile(r"\b(?:i{1,3}|iv[ab]?|v|vi{1,3})\b")
