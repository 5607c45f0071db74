"""`-o october.xlsx` writes a workbook: without --format the output file's ending says the format, a
--format the ending contradicts is refused naming both, an ending no format claims needs --format, and
a binary format goes to a file or a pipe, never to a terminal. Checked on chargeback (the report tables),
report (the monthly pack) and export-focus (the FOCUS dataset)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app

runner = CliRunner()
MONTH = "2026-10"
ALICE = "arn:aws:iam::111122223333:user/alice"
PARQUET_MAGIC = b"PAR1"
ZIP_MAGIC = b"PK\x03\x04"  # an xlsx workbook is a zip file


@pytest.fixture
def export(make_cur):
    line = {
        "line_item_line_item_type": "Usage",
        "line_item_product_code": "AmazonBedrock",
        "line_item_usage_type": "USE1-Claude4.6Sonnet-input-tokens",
        "line_item_unblended_cost": Decimal("12.3456789"),
        "line_item_iam_principal": ALICE,
        "tags": {},
    }
    return make_cur([line])


def run(*args: str):
    return runner.invoke(app, ["--quiet", *args])


def chargeback(export, *args: str):
    return run("chargeback", "--month", MONTH, "--cur", str(export), *args)


def refused(result, flag: str, *words: str) -> str:
    """The one error line of a refused command, checked to name the flag and every word."""
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert f"{flag}:" in lines[0], lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


# --- chargeback: the report tables --------------------------------------------------------------------------
def is_table(data: bytes) -> bool:
    return "Total" in data.decode() and "│" in data.decode()


def is_csv(data: bytes) -> bool:
    return data.decode().startswith("principal,cost")


def is_json(data: bytes) -> bool:
    return json.loads(data)["report"] == "chargeback"


def is_md(data: bytes) -> bool:
    return data.decode().startswith("## Chargeback") and "| Total |" in data.decode()


WRITTEN_AS = {
    "october.txt": is_table,
    "october.csv": is_csv,
    "october.json": is_json,
    "october.md": is_md,
    "october.parquet": lambda data: data.startswith(PARQUET_MAGIC),
    "october.xlsx": lambda data: data.startswith(ZIP_MAGIC),
    "October.XLSX": lambda data: data.startswith(ZIP_MAGIC),
}


@pytest.mark.parametrize("name", WRITTEN_AS)
def test_the_chargeback_file_is_written_in_the_format_its_name_ends_in(export, tmp_path, name):
    out = tmp_path / name
    result = chargeback(export, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert WRITTEN_AS[name](out.read_bytes()), out.read_bytes()[:200]


def test_the_xlsx_finance_asked_for_opens_as_a_workbook_with_its_total(export, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "october.xlsx"
    assert chargeback(export, "-o", str(out)).exit_code == 0
    rows = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))
    total = next(row for row in rows if row[0] == "Total")
    assert rows[0][:2] == ("principal", "cost") and round(Decimal(str(total[1])), 2) == Decimal("12.35")


def test_without_a_file_or_a_format_the_chargeback_is_the_plain_table(export):
    result = chargeback(export)
    assert result.exit_code == 0 and is_table(result.stdout_bytes), result.output


def test_a_file_with_no_ending_gets_the_default_table_or_the_format_given(export, tmp_path):
    plain, given = tmp_path / "october", tmp_path / "october-data"
    assert chargeback(export, "-o", str(plain)).exit_code == 0
    assert chargeback(export, "-f", "csv", "-o", str(given)).exit_code == 0
    assert is_table(plain.read_bytes()) and is_csv(given.read_bytes())


def test_a_format_given_for_an_ending_no_format_claims_is_written_as_given(export, tmp_path):
    out = tmp_path / "october.dat"
    assert chargeback(export, "-f", "json", "-o", str(out)).exit_code == 0
    assert is_json(out.read_bytes())


def test_an_ending_no_format_claims_is_refused_with_the_endings_that_work(export, tmp_path):
    out = tmp_path / "october.numbers"
    line = refused(chargeback(export, "-o", str(out)), "--output", "october.numbers", "--format")
    for ending in (".csv", ".json", ".md", ".parquet", ".xlsx", ".txt"):
        assert ending in line
    assert not out.exists()


def test_a_report_table_cannot_be_named_html(export, tmp_path):
    out = tmp_path / "october.html"
    refused(chargeback(export, "-o", str(out)), "--output", ".csv")
    assert not out.exists()


def test_a_format_the_file_name_contradicts_is_refused_naming_both(export, tmp_path):
    out = tmp_path / "october.json"
    refused(chargeback(export, "-f", "csv", "-o", str(out)), "--format", "csv", "october.json", "json")
    assert not out.exists()


def test_the_format_and_the_ending_agreeing_is_fine(export, tmp_path):
    out = tmp_path / "october.csv"
    assert chargeback(export, "-f", "csv", "-o", str(out)).exit_code == 0
    assert is_csv(out.read_bytes())


# --- report: the monthly pack -------------------------------------------------------------------------------
def pack(export, *args: str):
    return run("report", "--month", MONTH, "--cur", str(export), *args)


def test_the_pack_named_xlsx_is_a_workbook_without_saying_so_twice(export, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "october.xlsx"
    result = pack(export, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(ZIP_MAGIC) and load_workbook(out).sheetnames


def test_the_pack_named_for_no_format_is_refused_before_it_is_built(export, tmp_path):
    out = tmp_path / "october.pdf"
    line = refused(pack(export, "-o", str(out)), "--output", "october.pdf", ".html", ".xlsx")
    assert ".csv" not in line and not out.exists()


def test_the_pack_refuses_a_format_its_file_name_contradicts(export, tmp_path):
    out = tmp_path / "october.html"
    refused(pack(export, "-f", "xlsx", "-o", str(out)), "--format", "xlsx", "october.html", "html")
    assert not out.exists()


# --- export-focus: the FOCUS dataset ------------------------------------------------------------------------
def focus(export, *args: str):
    return run("export-focus", "--month", MONTH, "--cur", str(export), *args)


def test_the_focus_file_follows_its_name(export, tmp_path):
    csv_out, json_out, parquet_out = tmp_path / "f.csv", tmp_path / "f.json", tmp_path / "f.parquet"
    for out in (csv_out, json_out, parquet_out):
        result = focus(export, "-o", str(out))
        assert result.exit_code == 0, result.output
    assert csv_out.read_text().startswith("AvailabilityZone,BilledCost")
    assert json.loads(json_out.read_text())["report"] == "focus"
    assert "BilledCost" in pq.read_schema(parquet_out).names


def test_the_focus_dataset_piped_without_a_name_is_parquet(export):
    result = focus(export)
    assert result.exit_code == 0 and result.stdout_bytes.startswith(PARQUET_MAGIC)


def test_a_focus_file_named_for_a_format_it_cannot_have_is_refused(export, tmp_path):
    out = tmp_path / "f.xlsx"
    line = refused(focus(export, "-o", str(out)), "--output", "f.xlsx", ".parquet", ".csv", ".json")
    assert ".md" not in line and not out.exists()


def test_a_focus_format_its_file_name_contradicts_is_refused(export, tmp_path):
    out = tmp_path / "f.parquet"
    refused(focus(export, "-f", "csv", "-o", str(out)), "--format", "csv", "f.parquet", "parquet")
    assert not out.exists()


# --- binary formats: a pipe yes, a terminal no ----------------------------------------------------------------
def cli_to(stdout, *args: str) -> subprocess.CompletedProcess:
    """The real command line (CliRunner's stdout is never a terminal), its stdout where the test says."""
    return subprocess.run(
        [sys.executable, "-m", "cur_analyzer.cli", "--quiet", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [("chargeback", "-f", "parquet"), ("chargeback", "-f", "xlsx"), ("export-focus",)],
    ids=["chargeback-parquet", "chargeback-xlsx", "focus-default"],
)
def test_binary_goes_down_a_pipe_but_never_to_a_terminal(export, args):
    command = [args[0], "--month", MONTH, "--cur", str(export), *args[1:]]
    piped = cli_to(subprocess.PIPE, *command)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith((PARQUET_MAGIC, ZIP_MAGIC))
    try:
        leader, follower = os.openpty()
    except OSError:
        pytest.skip("no pseudo-terminal")
    try:
        shown = cli_to(follower, *command)
    finally:
        os.close(follower)
        os.close(leader)
    assert shown.returncode == 2, shown.stderr
    assert b"--output" in shown.stderr and b"binary" in shown.stderr and b"terminal" in shown.stderr
