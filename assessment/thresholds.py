"""Named RECIST 1.1 / iRECIST thresholds, each with its source (RULES.md section).

All boundaries are inclusive (RULES §7 A2) and compared in exact decimal arithmetic.
"""

from __future__ import annotations

from decimal import Decimal

#: PR: sum ≤ 70 % of the baseline sum, i.e. a decrease of at least 30 % (RULES §1.5; E09).
PR_FRACTION_OF_BASELINE = Decimal("0.7")
#: PD: sum ≥ 120 % of the nadir, i.e. an increase of at least 20 % (RULES §1.5; E09).
PD_FRACTION_OF_NADIR = Decimal("1.2")
#: PD: and an absolute increase of at least 5 mm over the nadir (RULES §1.5; E09).
PD_MIN_INCREASE_MM = Decimal(5)
#: Lymph node short axis: below this a node is normal; CR needs every node below it (RULES §1.1, §1.5).
NODE_NORMAL_BELOW_MM = Decimal(10)
#: Lymph node short axis at or above which a node may be a target (RULES §1.1).
NODE_TARGET_MIN_MM = Decimal(15)
#: Non-nodal measurable minimum on CT with slices ≤ 5 mm (RULES §1.1).
MEASURABLE_MIN_MM = Decimal(10)
#: Slice thickness above which the measurable minimum is 2 × slice thickness (RULES §1.1).
THICK_SLICE_ABOVE_MM = Decimal(5)
#: At most this many target lesions in total (RULES §1.2).
MAX_TARGETS = 5
#: At most this many target lesions per organ; all lymph nodes are one organ (RULES §1.2).
MAX_TARGETS_PER_ORGAN = 2
#: Further increase of a sum that confirms iUPD as iCPD (RULES §2.3).
IRECIST_CONFIRM_INCREASE_MM = Decimal(5)
