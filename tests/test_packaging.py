"""The wheel carries the SQL and the suites, and an installed wheel finds them at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
        check=True,
    )
    (whl,) = out.glob("cur_analyzer-*.whl")
    return whl


def test_the_wheel_ships_the_athena_sql_and_the_checks(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for sql_file in (ROOT / "athena").glob("*.sql"):
        assert f"cur_analyzer/_resources/athena/{sql_file.name}" in names
    assert any(n.startswith("cur_analyzer/_resources/checks/") for n in names)
    assert "cur_analyzer/bedrock/data/prices.csv" in names
    for fragment in (ROOT / "athena" / "fragments").glob("*.sql"):
        assert f"cur_analyzer/_resources/athena/fragments/{fragment.name}" in names
    for template in ("report.html", "_views.html", "report.css", "report.js", "pack_words.yaml"):
        assert f"cur_analyzer/render/templates/{template}" in names


def test_an_installed_wheel_finds_its_sql_outside_the_source_tree(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
    )
    probe = (
        "import cur_analyzer, cur_analyzer.sql as s, cur_analyzer.resources as r;"
        "print(cur_analyzer.__file__); print(r.resource_dir('athena')); print(r.resource_dir('checks'));"
        "print(len(s.load('attribution_lines').params))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert all(line.startswith(str(site)) for line in out[:3]), out
    assert int(out[3]) > 0


def test_help_does_not_import_the_heavy_libraries():
    probe = (
        "import sys, cur_analyzer.cli;"
        "heavy = {'duckdb', 'pandas', 'pyarrow', 'great_expectations', 'awswrangler', 'sqlglot', 'boto3', "
        "'pydantic', 'numpy', 'yaml', 'jinja2', 'openpyxl', 'plotly'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
