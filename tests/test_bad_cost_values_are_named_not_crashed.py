"""A CUR export with bad numbers or the wrong column types is named, not crashed on: NaN, infinite, too large
or non-numeric costs end every report with one line naming the column, the file and how many lines (exit 2),
`check --strict` and `--check` fail on them first (bad data: exit 2); a map column stored as text, a file that is not
parquet or two files that disagree on a column's type are one line naming the column and the files (exit 2).
Never an internal error (exit 3), never a traceback."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import DEMO, DEMO_EXPORT
from typer.testing import CliRunner

from cur_analyzer.cli import app

MONTH = "2026-10"
DEMO_OCTOBER = DEMO_EXPORT / "data" / f"BILLING_PERIOD={MONTH}" / "cur2-bedrock-00001.snappy.parquet"
COST = "line_item_unblended_cost"

COMMANDS = {
    "chargeback": ["chargeback"],
    "coverage": ["coverage", "--require", "team"],
    "check --strict": ["check", "--strict"],
    "chargeback --check": ["chargeback", "--check"],
}


def demo_lines(n: int = 12) -> pa.Table:
    """The first ``n`` October lines of the demo export (Bedrock usage, every CUR 2.0 column)."""
    return pq.read_table(DEMO_OCTOBER).slice(0, n)


def with_column(table: pa.Table, name: str, values: list, type: pa.DataType | None = None) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, pa.array(values, type))


def costs(table: pa.Table) -> list:
    return table.column(COST).to_pylist()


def export(root: Path, *tables: pa.Table) -> Path:
    """An export in the S3 layout holding one ``part-<i>.parquet`` per table."""
    part = root / "x" / "data" / f"BILLING_PERIOD={MONTH}"
    part.mkdir(parents=True, exist_ok=True)
    for i, table in enumerate(tables):
        pq.write_table(table, part / f"part-{i}.parquet")
    return root / "x"


def run(export_root: Path, command: list[str], *extra: str):
    return CliRunner().invoke(app, [*command, "--month", MONTH, "--cur", str(export_root), *extra])


def assert_one_line(result, code: int, *fragments: str) -> str:
    err = result.stderr.strip()
    assert result.exit_code == code, (result.exit_code, err, result.stdout[-500:])
    assert "Traceback" not in result.output and "Traceback" not in err
    assert "internal error" not in err
    assert len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


# --- values a DECIMAL(38,10) cannot hold ------------------------------------------------------------------
def _nan(t: pa.Table) -> tuple[pa.Table, ...]:
    return (with_column(t, COST, [math.nan] * 3 + costs(t)[3:]),)


def _infinite(t: pa.Table) -> tuple[pa.Table, ...]:
    return (with_column(t, COST, [math.inf, -math.inf] + costs(t)[2:]),)


def _too_large(t: pa.Table) -> tuple[pa.Table, ...]:
    return (with_column(t, COST, [1e28, -1e30] + costs(t)[2:]),)


def _text_not_a_number(t: pa.Table) -> tuple[pa.Table, ...]:
    return (with_column(t, COST, ["abc", "1,5"] + [repr(v) for v in costs(t)[2:]]),)


def _nan_in_the_second_file_only(t: pa.Table) -> tuple[pa.Table, ...]:
    return t, with_column(t, COST, [math.nan] + costs(t)[1:])


BAD_VALUES = {
    # case: (build, fragments every report's one line names)
    "NaN": (_nan, ["CUR line_item_unblended_cost", "3 lines are NaN or infinite", "part-0.parquet"]),
    "+Inf and -Inf": (
        _infinite,
        ["line_item_unblended_cost", "2 lines are NaN or infinite", "part-0.parquet"],
    ),
    "1e28 and -1e30": (_too_large, ["line_item_unblended_cost", "2 lines are too large", "part-0.parquet"]),
    "text that is not a number": (
        _text_not_a_number,
        ["line_item_unblended_cost", "2 lines are text that is not a number", "part-0.parquet"],
    ),
    "NaN in the second file only": (
        _nan_in_the_second_file_only,
        ["line_item_unblended_cost", "1 line is NaN or infinite", "part-1.parquet"],
    ),
}


# every case through chargeback; the other report shares the reader, so one case is enough there
REPORT_RUNS = [(case, "chargeback") for case in BAD_VALUES] + [("NaN", "coverage")]
CHECK_RUNS = [(case, "check --strict") for case in BAD_VALUES] + [("NaN", "chargeback --check")]


@pytest.mark.parametrize(("case", "command"), REPORT_RUNS)
def test_a_report_names_the_column_the_file_and_how_many_lines(tmp_path, case, command):
    build, fragments = BAD_VALUES[case]
    err = assert_one_line(run(export(tmp_path, *build(demo_lines())), COMMANDS[command]), 2, *fragments)
    if case == "NaN in the second file only":
        assert "part-0.parquet" not in err


@pytest.mark.parametrize(("case", "command"), CHECK_RUNS)
def test_check_fails_on_the_bad_values_before_any_report(tmp_path, case, command):
    build, _fragments = BAD_VALUES[case]
    result = run(export(tmp_path, *build(demo_lines())), COMMANDS[command])
    assert_one_line(result, 2, "amounts_are_numbers")
    assert "Total" not in result.stdout  # --check stopped before the report


def test_check_shows_the_column_and_the_value_that_fails(tmp_path):
    result = run(export(tmp_path, *_nan(demo_lines())), ["check"], "-f", "json")
    assert result.exit_code == 0, result.output
    import json

    failed = {r["check"]: r for r in json.loads(result.stdout)["results"]}["amounts_are_numbers"]
    assert failed["status"] == "FAIL" and failed["unexpected_count"] == 3
    assert failed["examples"] == ["line_item_unblended_cost nan"]


def test_a_bad_net_cost_is_named_when_the_report_uses_the_net_basis(tmp_path):
    lines = demo_lines()
    bad = export(tmp_path, with_column(lines, "line_item_net_unblended_cost", [math.inf] * lines.num_rows))
    assert run(bad, ["chargeback"]).exit_code == 0  # the unblended basis never reads the net column
    assert_one_line(
        run(bad, ["chargeback", "--cost-basis", "net-unblended"]),
        2,
        "line_item_net_unblended_cost",
        f"{lines.num_rows} lines are NaN or infinite",
    )


# --- costs stored as text or decimals: read when every value is a number --------------------------------
def _total(result) -> Decimal:
    import json

    assert result.exit_code == 0, result.output
    return Decimal(json.loads(result.stdout)["total"])


def test_costs_stored_as_numeric_text_or_decimals_give_the_same_total(tmp_path):
    lines = demo_lines()
    clean = _total(run(export(tmp_path / "a", lines), ["chargeback"], "-f", "json"))
    as_text = with_column(lines, COST, [repr(v) for v in costs(lines)])
    as_decimal = with_column(lines, COST, [Decimal(repr(v)) for v in costs(lines)], pa.decimal128(38, 10))
    assert _total(run(export(tmp_path / "b", as_text), ["chargeback"], "-f", "json")) == clean
    assert _total(run(export(tmp_path / "c", as_decimal), ["chargeback"], "-f", "json")) == clean


def test_check_still_names_a_cost_column_stored_as_text(tmp_path):
    lines = demo_lines()
    as_text = export(tmp_path, with_column(lines, COST, [repr(v) for v in costs(lines)]))
    assert_one_line(run(as_text, ["check", "--strict"]), 2, "column_types")
    result = run(as_text, ["check"], "-f", "json")
    assert "line_item_unblended_cost is string, schema.py says double" in result.stdout


# --- columns stored with a type the SQL cannot use --------------------------------------------------------
def _map_as_text(column: str):
    return lambda t: (with_column(t, column, ["{team=ml}"] * t.num_rows),)


BAD_TYPES = {
    "tags stored as text": (_map_as_text("tags"), ["CUR column tags", "VARCHAR", "map<string,string>"]),
    "resource_tags stored as text": (
        _map_as_text("resource_tags"),
        ["CUR column resource_tags", "VARCHAR", "map<string,string>"],
    ),
    "product stored as text": (_map_as_text("product"), ["CUR column product", "VARCHAR"]),
    "tags keyed by numbers": (
        lambda t: (with_column(t, "tags", [[(1, "ml")]] * t.num_rows, pa.map_(pa.int64(), pa.string())),),
        ["CUR column tags", "MAP(BIGINT, VARCHAR)"],
    ),
    "cost stored as true/false": (
        lambda t: (with_column(t, COST, [True] * t.num_rows),),
        ["CUR column line_item_unblended_cost", "BOOLEAN", "double"],
    ),
    "usage start stored as text": (
        lambda t: (with_column(t, "line_item_usage_start_date", ["2026-10-01"] * t.num_rows),),
        ["CUR column line_item_usage_start_date", "VARCHAR", "timestamp"],
    ),
    "principal stored as a list": (
        lambda t: (with_column(t, "line_item_iam_principal", [["arn"]] * t.num_rows),),
        ["CUR column line_item_iam_principal", "VARCHAR[]"],
    ),
    "cost a double in one file, text in the other": (
        lambda t: (t, with_column(t, COST, [repr(v) for v in costs(t)])),
        [
            "CUR column line_item_unblended_cost is stored with different types",
            "DOUBLE in",
            "part-0.parquet",
            "VARCHAR in",
            "part-1.parquet",
        ],
    ),
    "tags a map in one file, text in the other": (
        lambda t: (t, *_map_as_text("tags")(t)),
        [
            "CUR column tags is stored with different types",
            "MAP(VARCHAR, VARCHAR) in",
            "VARCHAR in",
            "part-1",
        ],
    ),
}


# the refusal happens where the view is made, before any SQL: chargeback for every case, the others once
TYPE_RUNS = [(case, "chargeback") for case in BAD_TYPES] + [
    ("tags stored as text", "coverage"),
    ("tags stored as text", "check --strict"),
    ("cost a double in one file, text in the other", "check --strict"),
]


@pytest.mark.parametrize(("case", "command"), TYPE_RUNS)
def test_a_column_stored_with_an_unusable_type_is_named_with_its_file(tmp_path, case, command):
    build, fragments = BAD_TYPES[case]
    err = assert_one_line(run(export(tmp_path, *build(demo_lines())), COMMANDS[command]), 2, *fragments)
    assert "part-" in err  # the file is named


# --- files that are not parquet ---------------------------------------------------------------------------
def _damaged(data: bytes) -> dict[str, bytes]:
    return {
        "zero bytes": b"",
        "not parquet at all": b"line_item_unblended_cost,1.5\n",
        "truncated to half": data[: len(data) // 2],
        "footer cut off": data[:-10],
    }


@pytest.mark.parametrize("damage", _damaged(b""))
def test_a_cur_file_that_is_not_parquet_is_one_line_naming_it(tmp_path, damage):
    root = export(tmp_path, demo_lines())
    bad = root / "data" / f"BILLING_PERIOD={MONTH}" / "part-1.parquet"
    bad.write_bytes(
        _damaged((root / "data" / f"BILLING_PERIOD={MONTH}" / "part-0.parquet").read_bytes())[damage]
    )
    assert_one_line(run(root, COMMANDS["chargeback"]), 2, "CUR parquet", "part-1.parquet")


def _overwrite(path: Path, offset: int, data: bytes) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset : offset + len(data)] = data
    path.write_bytes(bytes(raw))


def test_a_damaged_footer_or_page_is_one_line_naming_the_file(tmp_path):
    import struct

    for where in ("footer", "page"):
        root = export(tmp_path / where, demo_lines())
        part = root / "data" / f"BILLING_PERIOD={MONTH}" / "part-0.parquet"
        pq.write_table(demo_lines(), part, use_dictionary=False, compression="none")
        if where == "footer":  # bytes no thrift type has, where the footer starts
            footer = struct.unpack("<I", part.read_bytes()[-8:-4])[0]
            _overwrite(part, part.stat().st_size - 8 - footer, b"\x0e" * 4)
        else:  # the header of the cost column's first page: DuckDB fails it without naming the file
            meta = pq.ParquetFile(part)
            chunk = meta.metadata.row_group(0).column(meta.schema_arrow.get_field_index(COST))
            _overwrite(part, chunk.data_page_offset, b"\x0e" * 4)
        assert_one_line(run(root, COMMANDS["chargeback"]), 2, "CUR parquet file", "part-0.parquet")


# --- the error names the source it comes from ------------------------------------------------------------
@pytest.fixture
def broken_logs(tmp_path) -> Path:
    hour = tmp_path / "logs" / "AWSLogs" / "111122223333" / "BedrockModelInvocationLogs" / "us-east-1"
    hour = hour / "2026" / "10" / "05" / "01"
    hour.mkdir(parents=True)
    (hour / "x_invocation.json.gz").write_bytes(b"this is not gzip")
    return tmp_path / "logs"


@pytest.mark.parametrize(
    "command",
    [["estimate"], ["reconcile", "--cur", str(DEMO_EXPORT)]],
    ids=["logs only", "logs and CUR"],
)
def test_a_broken_log_file_is_named_as_invocation_logs_not_cur(broken_logs, command):
    result = CliRunner().invoke(app, [*command, "--month", MONTH, "--logs", str(broken_logs)])
    err = assert_one_line(result, 2, "invocation-log", "x_invocation.json.gz")
    assert "CUR" not in err


def test_a_broken_cur_file_in_a_query_that_also_reads_logs_is_named_as_cur(tmp_path):
    root = export(tmp_path, demo_lines())
    (root / "data" / f"BILLING_PERIOD={MONTH}" / "part-1.parquet").write_bytes(b"PAR1 not really PAR1")
    result = CliRunner().invoke(
        app, ["reconcile", "--month", MONTH, "--cur", str(root), "--logs", str(DEMO / "logs")]
    )
    err = assert_one_line(result, 2, "CUR parquet", "part-1.parquet")
    assert "invocation-log" not in err


# --- one list of the amounts that become money -----------------------------------------------------------
def test_every_column_the_sql_turns_into_money_is_named_by_the_reader_and_tested_by_check():
    import re

    from cur_analyzer import schema, sql

    cast = re.compile(r"CAST\((?:COALESCE\()?([a-z_]+)(?:, ([a-z_]+)\))? AS DECIMAL\(38, 10\)\)")
    money = {c for name in sql.available() for pair in cast.findall(sql.load(name).text) for c in pair if c}
    assert money <= set(schema.AMOUNT_COLUMNS), money - set(schema.AMOUNT_COLUMNS)
    check_sql = sql.load("check_cur_lines").text
    for column in schema.AMOUNT_COLUMNS:
        assert f"is_nan({column}) OR abs({column}) >= 1e28" in check_sql, column


def test_a_file_named_twice_is_counted_once(tmp_path):
    root = export(tmp_path, demo_lines())
    once = _total(run(root, ["chargeback"], "-f", "json"))
    again = root / "data" / f"BILLING_PERIOD={MONTH}" / ".." / f"BILLING_PERIOD={MONTH}" / "part-0.parquet"
    assert _total(run(root, ["chargeback"], "-f", "json", "--cur", str(again))) == once


def test_costs_that_each_fit_but_add_up_past_what_decimal_holds_are_one_line(tmp_path):
    lines = demo_lines()
    big = export(tmp_path, with_column(lines, COST, [9e27] * lines.num_rows))
    assert_one_line(run(big, ["chargeback"]), 2, "add up beyond what DECIMAL(38,10) holds", MONTH)
