"""A command pays only for what it uses: a chargeback shown as a table or JSON loads no Arrow, numpy, pandas
or pydantic, and once its SQL has been worked out (the first run), not even sqlglot. Guards the structure
behind the start-up figures of the README's Performance table, without timing anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import DEMO_EXPORT

#: what a chargeback rendered as a table or JSON never needs
NEEDLESS = (
    "pyarrow",
    "numpy",
    "pandas",
    "pydantic",
    "sqlglot",
    "yaml",
    "jinja2",
    "openpyxl",
    "plotly",
    "boto3",
)
PROBE = """
import json, sys
from cur_analyzer.cli import app
try:
    app(sys.argv[1:], prog_name="cur-analyzer")
except SystemExit as done:
    code = done.code
print(json.dumps({"code": code, "loaded": sorted(m for m in sys.modules if m.split(".")[0] in %r)}), file=sys.stderr)
"""


def run_loading(args: list[str], cache_dir) -> tuple[int, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUR_ANALYZER_")}
    env["CUR_ANALYZER_CACHE_DIR"] = str(cache_dir)
    done = subprocess.run(
        [sys.executable, "-c", PROBE % (NEEDLESS,), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    said = json.loads(done.stderr.strip().splitlines()[-1])
    return said["code"], sorted({m.split(".")[0] for m in said["loaded"]})


CHARGEBACK = ["chargeback", "--month", "2026-10", "--cur", str(DEMO_EXPORT), "--by", "principal"]


@pytest.mark.parametrize("output", [[], ["--format", "json"]], ids=["table", "json"])
def test_a_chargeback_loads_no_heavy_library_once_its_sql_is_known(output, tmp_path):
    code, first = run_loading([*CHARGEBACK, *output], tmp_path)
    assert code == 0
    assert first == ["sqlglot"]  # the first run works the SQL out, and keeps it
    code, again = run_loading([*CHARGEBACK, *output], tmp_path)
    assert (code, again) == (0, [])


def test_a_format_that_needs_arrow_still_gets_it(tmp_path):
    code, loaded = run_loading(
        [*CHARGEBACK, "--format", "parquet", "-o", str(tmp_path / "out.parquet")], tmp_path
    )
    assert code == 0 and "pyarrow" in loaded
    assert (tmp_path / "out.parquet").stat().st_size > 0


def test_help_loads_no_heavy_library_and_no_help_renderer(tmp_path):
    probe = PROBE.replace("%r", repr((*NEEDLESS, "duckdb", "markdown_it", "pygments")))
    env = {**os.environ, "CUR_ANALYZER_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", probe, "--help"], capture_output=True, text=True, env=env)
    said = json.loads(done.stderr.strip().splitlines()[-1])
    assert said == {"code": 0, "loaded": []}
    assert "chargeback" in done.stdout
