"""PACS image numbering of a loaded series: (0020,0013) Instance Number and the "next image" direction."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from recist_app.imaging.load import load_series_from_folder
from recist_app.imaging.volume import CtVolume

AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
A0001_LUNG_KERNEL = "data/ct/lung_pet_ct_dx/Lung_Dx-A0001/series2_5mm_kernel-L"


def stack(slices: int, *, instances: tuple[int | None, ...] = (), sop_uids: tuple[str, ...] = (),
          iop: tuple[float, ...] = AXIAL) -> CtVolume:
    """An axial stack ascending along its normal, numbered as given."""
    positions = np.array([[0.0, 0.0, 2.0 * k] for k in range(slices)])
    uids = sop_uids or tuple(f"1.2.3.{k}" for k in range(slices))
    return CtVolume(np.zeros((slices, 4, 4), np.int16), positions, iop, (1.0, 1.0), None, "1.2", "1.2.9", "1.2.8",
                    uids, (1,) * slices, instances)


def test_instance_numbers_label_each_slice_and_set_the_next_image_direction() -> None:
    head_first = stack(4, instances=(4, 3, 2, 1))  # numbered from the head down: the scanners' way
    assert head_first.image_numbers == (4, 3, 2, 1) and head_first.next_image_step == -1
    feet_first = stack(3, instances=(10, 11, 12))
    assert feet_first.image_numbers == (10, 11, 12) and feet_first.next_image_step == 1


def test_frames_of_one_multiframe_instance_are_numbered_by_frame() -> None:
    volume = dataclasses.replace(stack(3, instances=(7, 7, 7), sop_uids=("1.5",) * 3), frame_numbers=(1, 2, 3))
    assert volume.image_numbers == (1, 2, 3) and volume.next_image_step == 1


@pytest.mark.parametrize("instances", [(), (1, None, 3), (2, 2, 5)])
def test_without_usable_numbers_next_goes_from_head_to_feet(instances: tuple[int | None, ...]) -> None:
    volume = stack(3, instances=instances)  # ascending along +z (towards the head)
    assert volume.next_image_step == -1 and volume.image_numbers == (3, 2, 1)
    reversed_normal = stack(3, instances=instances, iop=(1.0, 0.0, 0.0, 0.0, -1.0, 0.0))  # normal −z: feet
    assert reversed_normal.next_image_step == 1 and reversed_normal.image_numbers == (1, 2, 3)


@pytest.mark.shared_data
def test_a0001_instance_18_is_image_18_and_next_goes_to_19(shared_dir: Path) -> None:
    volume = load_series_from_folder(shared_dir / A0001_LUNG_KERNEL)
    k = volume.image_numbers.index(18)
    assert k == 46  # shown as "Im 47/64" before the labels followed the PACS
    assert volume.image_numbers[k + volume.next_image_step] == 19
    assert sorted(volume.image_numbers) == list(range(1, 65))
