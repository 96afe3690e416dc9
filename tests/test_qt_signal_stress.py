"""Guard against the PySide6 6.12.0 / CPython 3.11 ``bool_dealloc`` abort (pyproject.toml pins <6.12).

Every ``Signal.emit()`` in that release drops a reference to ``True``; after a few hundred emits
CPython dies with "Fatal Python error: bool_dealloc". The stress run is a subprocess so that an
abort fails this test instead of killing pytest.
"""

from __future__ import annotations

import subprocess
import sys

import PySide6
import pytest

EMITS = 100_000

_CHILD = f"""
import sys
from PySide6.QtCore import QObject, Signal

class Emitter(QObject):
    flag_changed = Signal(bool)
    ticked = Signal()

counts = {{"flag": 0, "tick": 0}}

def on_flag_changed(value):
    counts["flag"] += value is True

def on_ticked():
    counts["tick"] += 1

emitter = Emitter()
emitter.flag_changed.connect(on_flag_changed)
emitter.ticked.connect(on_ticked)
true_refs = sys.getrefcount(True)
for _ in range({EMITS}):
    emitter.flag_changed.emit(True)
    emitter.ticked.emit()
print(counts["flag"], counts["tick"], sys.getrefcount(True) - true_refs)
"""


def test_signal_emit_stress_subprocess() -> None:
    """100,000 emits of ``Signal(bool)`` and ``Signal()`` reach the slots and the child exits 0."""
    proc = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, f"child died ({proc.returncode}):\n{proc.stderr}"
    flag, tick, true_ref_delta = (int(field) for field in proc.stdout.split())
    assert flag == EMITS
    assert tick == EMITS
    # Python < 3.12: True is refcounted and a leaked decref shows up here long before the abort.
    assert abs(true_ref_delta) < 1000


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the 6.12.0 abort hits Python < 3.12 only")
def test_pyside6_below_6_12_on_python_311() -> None:
    """pyproject pins PySide6-Essentials < 6.12 on Python < 3.12; the environment must agree."""
    assert tuple(PySide6.__version_info__[:2]) < (6, 12), PySide6.__version__
