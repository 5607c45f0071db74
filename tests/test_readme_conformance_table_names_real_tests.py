"""The README's conformance table (variant x report) names, in each cell, tests that exist and prove it:
an id in a cell that names no test, or a test that was renamed or deleted, fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def section() -> str:
    start = README.index("### Right on every export AWS writes")
    return README[start : README.index("\n### ", start + 1)]


def legend() -> dict[str, Path]:
    """``V = `tests/test_x.py``` -> {"V": tests/test_x.py}."""
    return {k: ROOT / path for k, path in re.findall(r"\b([A-Z]) = `(tests/test_[a-z0-9_]+\.py)`", section())}


def ids_to_tests() -> dict[str, str]:
    return dict(re.findall(r"^\| ([A-Z]\d+) \| `(test_[a-z0-9_]+)` \|$", section(), re.M))


def cell_ids() -> set[str]:
    matrix = section().split("<!-- conformance tests -->")[0]
    rows = [line for line in matrix.splitlines() if line.startswith("| ") and not line.startswith("| export")]
    return {i for row in rows for cell in row.split("|")[2:] for i in re.findall(r"\b[A-Z]\d+\b", cell)}


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_cell_of_the_conformance_table_names_a_listed_test():
    assert cell_ids(), "no conformance table found"
    assert cell_ids() <= set(ids_to_tests()), sorted(cell_ids() - set(ids_to_tests()))


def test_every_test_the_conformance_table_names_exists_in_its_file():
    files = legend()
    for test_id, name in ids_to_tests().items():
        path = files[test_id[0]]
        assert name in defined_tests(path), f"{test_id}: {name} is not in {path.name}"
