"""Bad input gets one clear line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app

runner = CliRunner()
LINE = {
    "line_item_line_item_type": "Usage",
    "line_item_product_code": "AmazonBedrock",
    "line_item_usage_type": "USE1-NovaPro-input-tokens",
    "line_item_unblended_cost": Decimal("1.25"),
    "line_item_iam_principal": "arn:aws:iam::111122223333:user/alice",
}


def run(*args: str):
    return runner.invoke(app, list(args))


def assert_one_clear_line(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert "Traceback" not in result.output and "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture
def export(make_cur):
    return make_cur([LINE])


@pytest.mark.parametrize("month", ["2026-13", "Oct 2026", "2026/10", "26-10", ""])
def test_a_month_in_the_wrong_format_is_refused(export, month):
    assert_one_clear_line(run("chargeback", "--month", month, "--cur", str(export)), "YYYY-MM")


def test_a_month_with_no_data_names_the_months_that_exist(export):
    assert_one_clear_line(run("chargeback", "--month", "2026-12", "--cur", str(export)), "2026-12", "2026-10")


def test_a_path_that_does_not_exist_is_named(tmp_path):
    missing = tmp_path / "nowhere"
    assert_one_clear_line(run("chargeback", "--month", "2026-10", "--cur", str(missing)), str(missing))


def test_a_folder_without_parquet_is_refused(tmp_path):
    assert_one_clear_line(run("chargeback", "--month", "2026-10", "--cur", str(tmp_path)), "no CUR parquet")


def test_a_corrupt_parquet_file_is_reported_not_crashed_on(tmp_path):
    part = tmp_path / "x" / "data" / "BILLING_PERIOD=2026-10"
    part.mkdir(parents=True)
    (part / "x-00001.snappy.parquet").write_bytes(b"PAR1 this is not really parquet at all PAR1")
    assert_one_clear_line(run("chargeback", "--month", "2026-10", "--cur", str(tmp_path / "x")), "parquet")


def test_an_export_without_the_iam_option_names_the_console_option(make_cur):
    export = make_cur(
        [{k: v for k, v in LINE.items() if k != "line_item_iam_principal"}], drop=("line_item_iam_principal",)
    )
    result = run("chargeback", "--month", "2026-10", "--cur", str(export), "--by", "principal")
    assert_one_clear_line(
        result, "Include caller identity (IAM principal) allocation data", "INCLUDE_IAM_PRINCIPAL_DATA"
    )


def test_an_export_without_the_iam_option_still_answers_by_account(make_cur):
    export = make_cur(
        [{k: v for k, v in LINE.items() if k != "line_item_iam_principal"}], drop=("line_item_iam_principal",)
    )
    result = run("chargeback", "--month", "2026-10", "--cur", str(export), "--by", "account", "-f", "json")
    assert result.exit_code == 0, result.output
    assert '"total": "1.2500000000"' in result.stdout


@pytest.mark.parametrize("key", ["team<script>", "cost#center", "a" * 129, "", "tab\tkey"])
def test_a_tag_key_with_characters_aws_does_not_allow_is_refused(export, key):
    assert_one_clear_line(
        run("chargeback", "--month", "2026-10", "--cur", str(export), "--by", f"iamPrincipal/{key}"),
        "tag key",
    )


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("--by", "colour", "not a dimension"),
        ("--cost-basis", "blended", "--cost-basis"),
        ("--service", "ec2", "--service"),
        ("--format", "pdf", "--format"),
    ],
)
def test_an_unknown_option_value_lists_the_valid_ones(export, option, value, fragment):
    assert_one_clear_line(
        run("chargeback", "--month", "2026-10", "--cur", str(export), option, value), fragment
    )


def test_an_output_folder_that_does_not_exist_is_refused(export, tmp_path):
    out = tmp_path / "no" / "such" / "dir" / "x.csv"
    assert_one_clear_line(
        run("chargeback", "--month", "2026-10", "--cur", str(export), "-f", "csv", "-o", str(out)),
        "does not exist",
    )


@pytest.mark.parametrize("command", [["estimate"], ["reconcile", "--cur", "fixtures/demo/cur2-bedrock"]])
def test_a_price_table_that_does_not_exist_is_named(command, tmp_path):
    result = run(
        *command, "--month", "2026-10", "--logs", "fixtures/demo/logs", "--prices", str(tmp_path / "no.csv")
    )
    assert_one_clear_line(result, "--prices", "no.csv")


def test_a_file_that_is_not_a_price_table_is_refused(tmp_path):
    bad = tmp_path / "prices.csv"
    bad.write_text("model,price\nx,1\n")
    assert_one_clear_line(
        run("estimate", "--month", "2026-10", "--logs", "fixtures/demo/logs", "--prices", str(bad)),
        "not a cur-analyzer price table",
    )


def test_a_bug_is_one_line_with_exit_3_and_debug_shows_the_traceback(export, monkeypatch):
    import cur_analyzer.reports.chargeback as chargeback

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(chargeback, "build_chargeback", broken)
    result = run("chargeback", "--month", "2026-10", "--cur", str(export))
    assert result.exit_code == 3 and "internal error: ZeroDivisionError: boom" in result.stderr
    assert "Traceback" not in result.output
    debug = runner.invoke(app, ["--debug", "chargeback", "--month", "2026-10", "--cur", str(export)])
    assert isinstance(debug.exception, ZeroDivisionError)
