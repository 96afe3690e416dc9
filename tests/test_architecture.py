"""Import rules of ARCHITECTURE §1.2 (C1–C3), checked in fresh interpreters (MNE style).

Each dynamic check imports every module that exists right now (``pkgutil.walk_packages``) in a
subprocess and inspects ``sys.modules``; the static checks parse the sources with ``ast`` so that
lazy imports inside functions are caught too.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

QT_MODULES = frozenset({"PySide6", "pyqtgraph", "shiboken6"})
HEAVY_MODULES = frozenset({"numpy", "pydicom"}) | QT_MODULES
MARKER = "MODULES="

#: Child prologue: snapshot sys.modules, then import the package and all its submodules.
_IMPORT_ALL = """
import importlib, json, pkgutil, sys
before = set(sys.modules)
package = importlib.import_module({package!r})
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    if info.name.rsplit(".", 1)[-1] != "__main__":
        importlib.import_module(info.name)
print({marker!r} + json.dumps(sorted(set(sys.modules) - before)))
"""

#: Child that runs main.py like ``python main.py assess --help`` and reports sys.modules.
_RUN_MAIN = """
import json, runpy, sys, traceback
sys.argv = ["main.py", "assess", "--help"]
error = None
try:
    runpy.run_path("main.py", run_name="__main__")
except SystemExit as exc:
    error = None if exc.code in (0, None) else f"exit status {{exc.code}}"
except Exception:
    error = traceback.format_exc()
print({marker!r} + json.dumps({{"modules": sorted(sys.modules), "error": error}}))
"""


def _child(code: str, cwd: Path) -> object:
    """Run ``code`` in a fresh interpreter and decode the JSON after the marker line."""
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, f"child failed:\n{proc.stdout}\n{proc.stderr}"
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARKER)]
    assert lines, f"child printed no module list:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(lines[-1][len(MARKER):])


def _top_level(modules: object) -> set[str]:
    assert isinstance(modules, list)
    return {name.split(".", 1)[0] for name in modules}


def test_assessment_imports_only_stdlib(repo_root: Path) -> None:
    """C1: the engine and all its modules load nothing beyond the standard library."""
    loaded = _top_level(_child(_IMPORT_ALL.format(package="assessment", marker=MARKER), repo_root))
    assert not loaded & HEAVY_MODULES
    foreign = loaded - set(sys.stdlib_module_names) - {"assessment"}
    assert not foreign, f"assessment pulled in non-stdlib modules: {sorted(foreign)}"


def test_recist_app_imports_no_qt(repo_root: Path) -> None:
    """C2: the application core and all its modules run without Qt."""
    loaded = _top_level(_child(_IMPORT_ALL.format(package="recist_app", marker=MARKER), repo_root))
    assert "recist_app" in loaded
    assert not loaded & QT_MODULES, f"recist_app loaded {sorted(loaded & QT_MODULES)}"


def test_main_cli_path_imports_no_qt(repo_root: Path) -> None:
    """``python main.py assess --help`` goes to the CLI without importing Qt, nor the DICOM stack that
    only other commands need (it would add 0.2 s to every ``assess``)."""
    result = _child(_RUN_MAIN.format(marker=MARKER), repo_root)
    assert isinstance(result, dict)
    loaded = _top_level(result["modules"])
    assert "recist_app" in loaded
    assert not loaded & QT_MODULES, f"the CLI path loaded {sorted(loaded & QT_MODULES)}"
    assert not loaded & {"pydicom", "numpy"}, f"assess loaded {sorted(loaded & {'pydicom', 'numpy'})}"
    assert result["error"] is None, f"main.py assess --help failed:\n{result['error']}"


def _imported_roots(path: Path) -> set[str]:
    """Top-level names of every module imported anywhere in ``path`` (lazy imports included)."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".", 1)[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".", 1)[0])
    return roots


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("widgets", {"pydicom"}),
        ("recist_app", QT_MODULES | {"widgets"}),
        ("assessment", HEAVY_MODULES | {"recist_app", "widgets"}),
    ],
)
def test_static_import_rules(repo_root: Path, folder: str, forbidden: set[str]) -> None:
    """C1–C3 by source: e.g. no file in ``widgets/`` imports ``pydicom``, even lazily."""
    offenders = {
        str(path.relative_to(repo_root)): sorted(_imported_roots(path) & forbidden)
        for path in sorted((repo_root / folder).rglob("*.py"))
    }
    offenders = {name: mods for name, mods in offenders.items() if mods}
    assert not offenders, f"forbidden imports in {folder}/: {offenders}"


def test_widgets_take_only_records_and_enums_from_the_engine(repo_root: Path) -> None:
    """ARCHITECTURE §1.2 / C3: ``widgets/`` may import engine records and enums (classes), never the
    engine's functions; numbers reach the views as text through ``recist_app``."""
    import importlib

    offenders = []
    for path in sorted((repo_root / "widgets").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                offenders += [f"{path.name}: import {a.name}" for a in node.names if a.name.startswith("assessment")]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "assessment":
                module = importlib.import_module(node.module)  # type: ignore[arg-type]
                offenders += [f"{path.name}: {node.module}.{a.name}" for a in node.names
                              if not isinstance(getattr(module, a.name), type)]
    assert not offenders, f"widgets use engine functions: {offenders}"
