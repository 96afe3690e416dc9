"""Rules of the house (ARCHITECTURE §1.1, §1.2, C1–C3): layers, import cycles, the shape of the tree.

Each dynamic check imports every module that exists right now (``pkgutil.walk_packages``) in a
subprocess and inspects ``sys.modules`` (MNE style); the static checks parse the sources with ``ast``
so that lazy imports inside functions and under ``TYPE_CHECKING`` count too.
"""

from __future__ import annotations

import ast
import functools
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

import pytest

QT_MODULES = frozenset({"PySide6", "pyqtgraph", "shiboken6"})
HEAVY_MODULES = frozenset({"numpy", "pydicom"}) | QT_MODULES
MARKER = "MODULES="
#: The project's own packages; ``main.py`` joins them as module ``main``.
PROJECT_PACKAGES = ("assessment", "recist_app", "widgets", "resources")

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
sys.argv = ["main.py", {command!r}, "--help"]
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
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=False,
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


#: What a quick command (``scan``, ``load``, ``assess``, ``bor``) never imports at start-up (issue 13: they
#: start in under 0.5 s): Qt, registration, networking, inference, the database, plotting and XPT readers
#: stay lazy, imported by the commands that use them.
SLOW_TO_IMPORT = QT_MODULES | frozenset({
    "SimpleITK", "pynetdicom", "dicomweb_client", "onnxruntime", "sqlalchemy", "alembic", "highdicom",
    "matplotlib", "pandas", "pyreadstat", "xport", "openpyxl", "reportlab", "scipy", "skimage"})


@pytest.mark.parametrize(("command", "also_forbidden"), [
    ("assess", {"pydicom", "numpy"}), ("bor", {"pydicom", "numpy"}), ("scan", set()), ("load", set())])
def test_quick_commands_import_nothing_slow(repo_root: Path, command: str, also_forbidden: set[str]) -> None:
    """``python main.py COMMAND --help`` goes to the CLI without importing Qt nor any slow package; the
    SDTM commands not even the DICOM stack (it would add 0.2 s to every ``assess``). The start-up time
    itself is measured by ``benchmarks/bench_assess.py``, not here."""
    result = _child(_RUN_MAIN.format(command=command, marker=MARKER), repo_root)
    assert isinstance(result, dict)
    loaded = _top_level(result["modules"])
    assert "recist_app" in loaded
    slow = loaded & (SLOW_TO_IMPORT | also_forbidden)
    assert not slow, f"main.py {command} loaded {sorted(slow)}"
    assert result["error"] is None, f"main.py {command} --help failed:\n{result['error']}"


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Dotted names that ``source`` imports anywhere: functions, ``TYPE_CHECKING`` and try blocks too.

    ``import a.b`` gives ``a.b``; ``from p import x`` gives ``p`` and ``p.x`` (``x`` may be a module);
    relative imports are resolved against ``module`` (a package when ``is_package``).
    """
    package = module.split(".") if is_package else module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def import_graph(sources: Mapping[str, str], packages: Collection[str]) -> dict[str, set[str]]:
    """Edges importer → imported project module, from module name → source text.

    Only names that are modules of ``sources`` count; a module importing an ancestor package (or a
    package's ``__init__`` importing the package itself) adds no edge.
    """
    graph: dict[str, set[str]] = {}
    for module, source in sources.items():
        targets = imported_modules(source, module, module in packages) & sources.keys()
        graph[module] = {target for target in targets if not module.startswith(target + ".")
                         and not (target == module and module in packages)}
    return graph


def cyclic_components(graph: Mapping[str, Collection[str]]) -> list[list[str]]:
    """Strongly connected components with a cycle (two or more nodes, or a self-loop), sorted.

    Tarjan's algorithm, iterative (an explicit stack of successor iterators instead of recursion).
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> Iterator[str]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        return iter(sorted(graph.get(node, ())))

    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, visit(root))]
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    work.append((successor, visit(successor)))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = [stack.pop()]
                    while component[-1] != node:
                        component.append(stack.pop())
                    on_stack.difference_update(component)
                    if len(component) > 1 or node in graph.get(node, ()):
                        found.append(sorted(component))
    return sorted(found)


@functools.cache
def _project_modules(repo_root: Path) -> dict[str, Path]:
    """Every project module by dotted name (a package by its own name), plus ``main.py`` as ``main``."""
    modules = {"main": repo_root / "main.py"}
    for package in PROJECT_PACKAGES:
        for path in sorted((repo_root / package).rglob("*.py")):
            parts = path.relative_to(repo_root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


@functools.cache
def _imports(repo_root: Path) -> dict[Path, set[str]]:
    """Dotted names imported by each project file (resolved, lazy imports included)."""
    return {path: imported_modules(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
            for module, path in _project_modules(repo_root).items()}


def _imports_under(repo_root: Path, folder: str) -> dict[str, set[str]]:
    """Relative path → imported dotted names, for every file under ``folder``."""
    return {path.relative_to(repo_root).as_posix(): names for path, names in _imports(repo_root).items()
            if (repo_root / folder) in path.parents}


def _matches(name: str, prefixes: Collection[str]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def test_cycle_check_finds_a_known_cycle_and_a_self_loop() -> None:
    """The checker can fail: a three-module ring and a self-import are reported, the tail is not."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e", "d"}}
    assert cyclic_components(graph) == [["a", "b", "c"], ["e"]]


def test_cycle_check_passes_an_acyclic_graph() -> None:
    graph = {"a": {"b", "c"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}
    assert cyclic_components(graph) == []


def test_import_graph_counts_lazy_type_checking_and_relative_imports() -> None:
    sources = {
        "pkg": "from pkg import mod\n",
        "pkg.mod": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.other import Thing\n",
        "pkg.other": "def load() -> None:\n    import pkg.mod\n",
        "pkg.rel": "from . import other\nfrom .mod import name\nimport pkg\n",
    }
    graph = import_graph(sources, packages={"pkg"})
    assert graph == {"pkg": {"pkg.mod"}, "pkg.mod": {"pkg.other"}, "pkg.other": {"pkg.mod"},
                     "pkg.rel": {"pkg.mod", "pkg.other"}}
    assert cyclic_components(graph) == [["pkg.mod", "pkg.other"]]


def test_no_import_cycles(repo_root: Path) -> None:
    """ARCHITECTURE §1.1: no cycles in the module import graph, counting lazy and TYPE_CHECKING imports."""
    modules = _project_modules(repo_root)
    sources = {name: path.read_text(encoding="utf-8") for name, path in modules.items()}
    graph = import_graph(sources, {name for name, path in modules.items() if path.name == "__init__.py"})
    cycles = cyclic_components(graph)
    described = ["; ".join(f"{a} -> {b}" for a in cycle for b in sorted(graph[a]) if b in cycle) for cycle in cycles]
    assert not cycles, "import cycles:\n" + "\n".join(described)


def test_no_relative_imports(repo_root: Path) -> None:
    """C15: no relative imports."""
    offenders = [f"{path.relative_to(repo_root)}:{node.lineno}" for path in _project_modules(repo_root).values()
                 for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, ast.ImportFrom) and node.level]
    assert not offenders, f"relative imports: {offenders}"


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("recist_app/imaging", {"recist_app.store", "recist_app.exports", "recist_app.sr", "recist_app.sdtm",
                                "recist_app.demo", "recist_app.cli"} | QT_MODULES),
        ("widgets/viewer", {"widgets.reading", "recist_app.store"}),
        ("widgets/panels", {"widgets.reading", "recist_app.store"}),
        ("recist_app/model", {"sqlalchemy", "pydicom", "recist_app.store"}),
    ],
)
def test_layer_rules(repo_root: Path, folder: str, forbidden: set[str]) -> None:
    """ARCHITECTURE §1.1, rules of the house: e.g. ``imaging/`` imports no store, export or Qt."""
    offenders = {path: sorted(name for name in names if _matches(name, forbidden))
                 for path, names in _imports_under(repo_root, folder).items()}
    offenders = {path: names for path, names in offenders.items() if names}
    assert not offenders, f"forbidden imports in {folder}/: {offenders}"


def test_recist_app_top_level_holds_few_modules(repo_root: Path) -> None:
    """§1.1: besides ``__init__``, ``__main__`` and ``errors``, at most three modules sit in ``recist_app/``."""
    others = sorted(path.name for path in (repo_root / "recist_app").glob("*.py")
                    if path.stem not in {"__init__", "__main__", "errors"})
    assert len(others) <= 3, f"recist_app/ top level: move these into a room: {others}"


def test_widgets_top_level_holds_at_most_twelve_modules(repo_root: Path) -> None:
    modules = sorted(path.name for path in (repo_root / "widgets").glob("*.py"))
    assert len(modules) <= 12, f"widgets/ top level has {len(modules)} modules: {modules}"


def test_no_module_prefix_stands_in_for_a_package(repo_root: Path) -> None:
    """Two modules of one ``recist_app`` folder sharing a ``word_`` prefix (``dicom_header``,
    ``dicom_series``) are a package hiding in a folder. Allowed: parts split off a module named by
    the prefix (``scan.py`` with ``scan_headers.py`` and ``scan_findings.py``)."""
    offenders = []
    for folder in sorted({path.parent for path in (repo_root / "recist_app").rglob("*.py")}):
        stems = {path.stem for path in folder.glob("*.py") if not path.stem.startswith("_")}
        groups: dict[str, list[str]] = defaultdict(list)
        for stem in sorted(stems):
            prefix, underscore, _ = stem.partition("_")
            if underscore:
                groups[prefix].append(stem)
        offenders += [f"{folder.relative_to(repo_root)}: {names}" for prefix, names in groups.items()
                      if len(names) > 1 and prefix not in stems]
    assert not offenders, f"module-name prefixes standing in for packages: {offenders}"


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
    offenders = {path: sorted({name.split(".", 1)[0] for name in names} & forbidden)
                 for path, names in _imports_under(repo_root, folder).items()}
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
                module = importlib.import_module(node.module)
                offenders += [f"{path.name}: {node.module}.{a.name}" for a in node.names
                              if not isinstance(getattr(module, a.name), type)]
    assert not offenders, f"widgets use engine functions: {offenders}"
