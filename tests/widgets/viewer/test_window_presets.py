"""The W/L presets table of VIEWER.md, key ↔ label ↔ value (an old OHIF file swapped Bone and Brain)."""

from __future__ import annotations

import pytest

from widgets.viewer.window_presets import (
    DEFAULT_PRESET,
    PRESETS,
    preset_for_key,
    preset_label,
)

#: VIEWER.md "CT window / level presets": label, width, level, key.
VIEWER_TABLE = [
    ("Soft tissue", 400, 40, "1"),
    ("Lung", 1500, -600, "2"),
    ("Liver", 150, 90, "3"),
    ("Bone", 2500, 480, "4"),
    ("Brain", 80, 40, "5"),
    ("Mediastinum", 350, 50, None),
]


def test_table_matches_viewer_md() -> None:
    assert [(p.label, p.width_hu, p.level_hu, p.key) for p in PRESETS] == VIEWER_TABLE


@pytest.mark.parametrize(("label", "width", "level", "key"), [row for row in VIEWER_TABLE if row[3]])
def test_each_key_selects_its_preset(label: str, width: float, level: float, key: str) -> None:
    preset = preset_for_key(key)
    assert preset is not None and (preset.label, preset.width_hu, preset.level_hu) == (label, width, level)
    assert preset_label(width, level) == label


def test_bone_is_wide_and_brain_narrow() -> None:
    """The swap OHIF once shipped: key 4 must be the wide bone window, key 5 the narrow brain one."""
    bone, brain = preset_for_key("4"), preset_for_key("5")
    assert bone is not None and brain is not None
    assert (bone.label, brain.label) == ("Bone", "Brain") and bone.width_hu > 10 * brain.width_hu


def test_keys_unique_default_and_unknown() -> None:
    keys = [p.key for p in PRESETS if p.key]
    assert len(keys) == len(set(keys)) == 5
    assert DEFAULT_PRESET.label == "Soft tissue"
    assert preset_for_key("6") is None and preset_label(401, 40) is None
