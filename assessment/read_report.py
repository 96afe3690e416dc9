"""Everything the engine derives for one read, side by side (RULES §6.2).

The protocol's RECIST 1.1 response, the iRECIST response derived from the same measurements
(never measured twice), and, when any lesion is irradiated on study, the in-field / out-of-field
subset responses and local control reported beside them, never instead of them (A16).
"""

from __future__ import annotations

from dataclasses import dataclass

from assessment.domain import Read, ReadResult
from assessment.irecist import IrecistResult, assess_irecist
from assessment.profile import Profile
from assessment.recist11 import assess_recist11
from assessment.subsets import SubsetReport, assess_subsets


@dataclass(frozen=True)
class ReadReport:
    """RECIST 1.1, iRECIST and (for reads with irradiated lesions) subset results of one read."""

    read: Read
    recist: ReadResult
    irecist: IrecistResult
    subsets: SubsetReport | None


def assess_read(read: Read, profile: Profile | None = None) -> ReadReport:
    """All results of ``read`` under ``profile`` (RULES §7 defaults when None)."""
    profile = profile or Profile()
    irradiated = any(lesion.irradiated for lesion in read.lesions)
    return ReadReport(read, assess_recist11(read, profile), assess_irecist(read, profile),
                      assess_subsets(read, profile) if irradiated else None)
