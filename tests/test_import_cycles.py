"""Does any package of ``lms/`` import, directly or through others, a package that imports it back?

Issue 11, item 2: jobs and services had imported each other (some inside functions, to
dodge the cycle at import time). An import inside a function is still a dependency, so
every import at any depth counts. The graph is read from the source with ``ast``, not
by importing, so a cycle Python happens to survive is found too.

A node is a package directly under ``lms`` (``lms.services``, ``lms.jobs``, ...), a
top-level module (``lms.cli``), or ``lms`` itself (its ``__init__``: ``create_app``).
Inside ``lms.services`` every module is a node of its own: no two services import
each other either.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "lms"

Graph = dict[str, set[str]]


def module_names(root: Path = ROOT) -> dict[str, Path]:
    """Every module under ``lms/`` by its dotted name (a package by its own name)."""
    names = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imported_modules(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The modules of ``lms`` that ``name`` imports, at any depth of its code."""
    known = set(known)
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module in known}


def node_of(module: str, split: tuple[str, ...] = ()) -> str:
    """The node a module belongs to: its package under ``lms``, or itself inside a ``split`` package."""
    parts = module.split(".")
    if ".".join(parts[:2]) in split:
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def import_graph(split: tuple[str, ...] = (), root: Path = ROOT) -> Graph:
    modules = module_names(root)
    graph: Graph = {}
    for name, path in modules.items():
        source = node_of(name, split)
        targets = graph.setdefault(source, set())
        for imported in imported_modules(name, path, modules):
            target = node_of(imported, split)
            if target != source:
                targets.add(target)
    return graph


def find_cycle(graph: Graph) -> list[str] | None:
    """One cycle of ``graph`` as the path ``[a, b, ..., a]``, or None."""
    done: set[str] = set()
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> list[str] | None:
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target in on_stack:
                return [*stack[stack.index(target) :], target]
            if target not in done:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        on_stack.discard(node)
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_no_package_of_lms_imports_one_that_imports_it_back() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle between packages: " + " -> ".join(cycle or [])


def test_no_two_services_import_each_other() -> None:
    graph = import_graph(split=("lms.services",))
    services = {node: targets for node, targets in graph.items() if node.startswith("lms.services.")}
    cycle = find_cycle({node: {t for t in targets if t in services} for node, targets in services.items()})
    assert cycle is None, "import cycle between services: " + " -> ".join(cycle or [])


def test_jobs_import_no_service() -> None:
    """The direction chosen in ``lms/jobs/__init__.py``: services queue jobs, jobs never reach back."""
    assert "lms.services" not in import_graph()["lms.jobs"]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    def write(relative: str, source: str) -> None:
        path = tmp_path / PACKAGE / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)

    for package in ("", "jobs/", "services/"):
        write(f"{package}__init__.py", "")
    write("jobs/worker.py", "def run():\n    from lms.services import a\n")
    write("services/a.py", "from . import b\n")
    write("services/b.py", "import lms.jobs.worker\n")
    return tmp_path


def test_an_import_inside_a_function_makes_a_cycle(tree: Path) -> None:
    assert find_cycle(import_graph(root=tree)) == ["lms.jobs", "lms.services", "lms.jobs"]


def test_a_relative_import_between_services_counts(tree: Path) -> None:
    (tree / PACKAGE / "services" / "b.py").write_text("from .a import x\n")
    graph = import_graph(split=("lms.services",), root=tree)
    assert find_cycle(graph) == ["lms.services.a", "lms.services.b", "lms.services.a"]
