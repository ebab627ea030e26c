"""The import graph: every module is in docs/development.md's table, each import (lazy ones
too) points to a module in its own row or one above it, and the module-level imports have no
cycle. Type-only imports (`if TYPE_CHECKING:`) are left out: they are not run."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "src" / "ap_cli"


def rows() -> dict[str, int]:
    """Each module of the table → its row (0 at the top); `cli/` stands for the whole package."""
    lines = [line for line in (ROOT / "docs" / "development.md").read_text(encoding="utf-8").splitlines()
             if line.startswith("| `")]
    order: dict[str, int] = {}
    for i, line in enumerate(lines):
        for name in re.findall(r"`([\w/]+?)(?:\.py)?`", line.split("|")[1]):
            order[name.rstrip("/")] = i
    return order


def module_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return "cli" if relative.parts[0] == "cli" else relative.stem


def imports(path: Path) -> tuple[set[str], set[str]]:
    """(the modules it imports at module level, the modules it imports anywhere), within apcli."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
                 and "TYPE_CHECKING" in ast.unparse(block.test) for stmt in block.body for node in ast.walk(stmt)}
    top = {id(node) for stmt in tree.body for node in ast.walk(stmt)
           if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    at_top: set[str] = set()
    anywhere: set[str] = set()
    inside_cli = path.parent.name == "cli"
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level == 0 or id(node) in type_only:
            continue
        if inside_cli and node.level == 1:  # `from .app import app` inside cli/ stays in cli
            continue
        if node.module:
            targets = {node.module.split(".")[0]}
        elif [alias.name for alias in node.names] == ["__version__"]:
            continue  # the package's own version: set before any module of it loads
        else:
            targets = {alias.name if (PACKAGE / f"{alias.name}.py").exists() or alias.name == "cli" else "__init__"
                       for alias in node.names}
        anywhere |= targets
        if id(node) in top:
            at_top |= targets
    return at_top, anywhere


def graph() -> dict[str, tuple[set[str], set[str]]]:
    found: dict[str, tuple[set[str], set[str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_of(path)
        at_top, anywhere = imports(path)
        before = found.get(module, (set(), set()))
        found[module] = (before[0] | at_top - {module}, before[1] | anywhere - {module})
    return found


def test_every_module_is_in_the_table() -> None:
    assert set(graph()) - set(rows()) == set()


# Lazy imports of a module further down, each made only where its feature is used.
DOWNWARD = {
    ("output", "workbook"): "`--format xlsx`: the workbook writer builds on output's tables",
    ("report", "compliance"): "the report's who-has-reported section: compliance builds on the "
                              "quarterly forms, which use the report's labels",
}


def test_imports_point_up_the_table_or_within_a_row() -> None:
    order = rows()
    downward = {(module, target) for module, (_, anywhere) in graph().items() for target in anywhere
                if order[target] > order[module]}
    assert downward == set(DOWNWARD)
    for module, target in DOWNWARD:  # lazy: none of them at module level
        assert target not in graph()[module][0]


def test_module_level_imports_have_no_cycle() -> None:
    edges = {module: at_top for module, (at_top, _) in graph().items()}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, " → ".join([*path[path.index(module):], module])
        if module in done:
            return
        for target in sorted(edges.get(module, ())):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(edges):
        visit(module, [])


def test_the_graph_is_read_as_it_is() -> None:
    """The reading above finds the imports it should (else every test here would pass)."""
    found = graph()
    assert {"record", "bilingual"} <= found["domain"][0] and "bilingual" in found["checks"][1] - found["checks"][0]
    assert "model" in found["loader"][1] and "model" not in found["loader"][0]
    assert "plan" not in found["translation"][1]  # only for type checking
    assert {"app", "output"} <= found["cli"][0]
