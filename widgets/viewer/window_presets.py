"""CT window / level presets of VIEWER.md ("CT window / level presets"), as data.

Values are width / level in HU. Keys 1–5 are OHIF's defaults; Mediastinum has no key. An old OHIF
file swapped the Bone and Brain labels, so ``tests/widgets/viewer/test_window_presets.py`` checks every
key ↔ label ↔ value against the table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WindowPreset:
    """One named window: ``width_hu`` / ``level_hu`` and the key that selects it (or None)."""

    label: str
    width_hu: float
    level_hu: float
    key: str | None = None


SOFT_TISSUE = WindowPreset("Soft tissue", 400.0, 40.0, "1")
LUNG = WindowPreset("Lung", 1500.0, -600.0, "2")
LIVER = WindowPreset("Liver", 150.0, 90.0, "3")
BONE = WindowPreset("Bone", 2500.0, 480.0, "4")
BRAIN = WindowPreset("Brain", 80.0, 40.0, "5")
MEDIASTINUM = WindowPreset("Mediastinum", 350.0, 50.0)

#: Every preset, in VIEWER.md order.
PRESETS: tuple[WindowPreset, ...] = (SOFT_TISSUE, LUNG, LIVER, BONE, BRAIN, MEDIASTINUM)
#: The window shown when the header has no (0028,1050)/(0028,1051) (VIEWER.md).
DEFAULT_PRESET = SOFT_TISSUE


def preset_for_key(key: str) -> WindowPreset | None:
    """The preset bound to ``key`` (``"1"`` … ``"5"``), or None."""
    return next((preset for preset in PRESETS if preset.key == key), None)


def preset_label(width_hu: float, level_hu: float) -> str | None:
    """The label of the preset with exactly this window, or None (shown in the overlay)."""
    return next((preset.label for preset in PRESETS
                 if preset.width_hu == width_hu and preset.level_hu == level_hu), None)


def _hu(value: float) -> str:
    """A HU value as the menu shows it: no trailing ``.0``, a typographic minus."""
    return f"{value:g}".replace("-", "−")


def preset_menu_text(preset: WindowPreset) -> str:
    """Menu entry of a preset with its key: ``"Lung (2)  W 1500 L −600"``."""
    key = f" ({preset.key})" if preset.key else ""
    return f"{preset.label}{key}  W {_hu(preset.width_hu)} L {_hu(preset.level_hu)}"


def header_window_text(number: int, center: float, width: float) -> str:
    """Menu entry of the ``number``-th window of (0028,1050)/(0028,1051): ``"Header 1: W 350 L 40"``."""
    return f"Header {number}: W {_hu(width)} L {_hu(center)}"
