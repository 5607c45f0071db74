"""Can the data behind the numbers be trusted? `cur-analyzer check` runs the great-expectations suites in
checks/ on the month's CUR lines and invocation logs: every rule passes on clean data, and each rule fails
on a dataset built to break exactly it (and nothing else)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import DEMO, write_cur
from typer.testing import CliRunner

from cur_analyzer import checks
from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.errors import UserInputError
from cur_analyzer.resources import resource_dir

runner = CliRunner()
MONTH = "2026-10"
ALICE = "arn:aws:iam::111122223333:user/alice"
APP = "arn:aws:sts::111122223333:assumed-role/ChatApp/session-1"
FED = "arn:aws:sts::111122223333:federated-user/bob"
AIP = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/hkqiiam51emk"


# --- crafted data ------------------------------------------------------------------------------------------
def line(n: int, **kw) -> dict:
    """A clean Bedrock usage line: 2K tokens at $0.003 per 1K = $0.006."""
    return {
        "identity_line_item_id": f"line-{n}",
        "identity_time_interval": "2026-10-05T00:00:00Z/2026-10-06T00:00:00Z",
        "bill_payer_account_id": "111122223333",
        "bill_invoice_id": "INV-1",
        "line_item_currency_code": "USD",
        "line_item_line_item_type": "Usage",
        "line_item_product_code": "AmazonBedrock",
        "line_item_usage_type": "USE1-Claude4.6Sonnet-input-tokens",
        "line_item_usage_amount": Decimal("2"),
        "line_item_unblended_rate": "0.0030000000",
        "line_item_unblended_cost": Decimal("0.006"),
        "line_item_iam_principal": ALICE,
        **kw,
    }


CLEAN_LINES = [
    line(1),
    line(2, line_item_iam_principal=APP),
    line(3, line_item_iam_principal=FED),
    line(4, line_item_iam_principal="arn:aws:iam::111122223333:root"),
    line(
        5, line_item_iam_principal=None, line_item_unblended_rate=""
    ),  # provisioned hour: no caller, no rate
    line(
        6,
        line_item_line_item_type="Credit",
        line_item_unblended_cost=Decimal("-0.01"),
        line_item_unblended_rate="",
        line_item_iam_principal=None,
    ),
    line(
        7,
        line_item_line_item_type="Tax",
        line_item_unblended_cost=Decimal("0.002"),
        line_item_unblended_rate="",
        line_item_iam_principal=None,
    ),
    line(
        8,
        line_item_product_code="AmazonEC2",
        line_item_usage_type="BoxUsage:t3.micro",
        line_item_usage_amount=Decimal("24"),
        line_item_unblended_rate="0.0104000000",
        line_item_unblended_cost=Decimal("0.2496"),
        line_item_iam_principal=None,
    ),
]


def export(
    tmp_path: Path, lines: list[dict], columns: dict | None = None, drop: tuple[str, ...] = ()
) -> Path:
    """A one-month CUR 2.0 export of ``lines``; ``columns`` replaces whole columns with typed values."""
    root = write_cur(tmp_path, lines, month=MONTH, drop=drop)
    (part,) = root.rglob("*.parquet")
    table = pq.read_table(part)
    for name, values in (columns or {}).items():
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(values))
    pq.write_table(table, part)
    return root


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts)


def record(**kw) -> dict:
    r = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2026-10-05T14:21:50Z",
        "accountId": "111122223333",
        "identity": {"arn": APP},
        "region": "us-east-1",
        "requestId": "req-0",
        "operation": "InvokeModel",
        "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "input": {"inputTokenCount": 100, "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 0},
        "output": {"outputTokenCount": 50},
    }
    for key, value in kw.items():
        head, _, leaf = key.partition(".")
        if leaf:
            r[head][leaf] = value
        else:
            r[key] = value
    return r


CLEAN_RECORDS = [
    record(requestId="req-1"),
    record(requestId="req-2", modelId="anthropic.claude-sonnet-4-5-20250929-v1:0", **{"identity.arn": ALICE}),
    record(
        requestId="req-3",
        modelId="arn:aws:bedrock:us-east-1:111122223333:inference-profile/"
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        timestamp="2026-10-05T14:21:50.123+02:00",
    ),
    record(requestId="req-4", modelId="arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"),
    record(requestId="req-5", modelId=AIP, **{"input.cacheReadInputTokenCount": 238604}),
]


def logs(tmp_path: Path, records: list[dict], hour: str = "2026/10/05/14", extra: str = "") -> Path:
    folder = (
        tmp_path / "logs" / "AWSLogs" / "111122223333" / "BedrockModelInvocationLogs" / "us-east-1" / hour
    )
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r) + "\n" for r in records) + extra
    (folder / "batch_invocation.json.gz").write_bytes(gzip.compress(text.encode()))
    return tmp_path / "logs"


def not_passing(report: checks.CheckReport) -> set[str]:
    return {f"{r.suite}.{r.check}" for r in report.results if r.success is not True}


def run(
    tmp_path, lines=CLEAN_LINES, records=None, suites=("cur",), service="all", **kw
) -> checks.CheckReport:
    engine = DuckDBEngine(export(tmp_path, lines, **kw), logs=logs(tmp_path, records) if records else None)
    return checks.run_checks(engine, MONTH, suites, service=service)


# --- clean data passes ---------------------------------------------------------------------------------
def test_every_check_passes_on_a_clean_crafted_month(tmp_path):
    report = run(tmp_path, records=CLEAN_RECORDS, suites=("cur", "logs"))
    assert not_passing(report) == set(), [r.summary() for r in report.results if not r.success]
    assert report.ok and not report.warnings
    assert report.frames == {"cur.lines": len(CLEAN_LINES), "logs.records": len(CLEAN_RECORDS)}
    arn = report.result("cur", "principal_arn")
    assert arn.checked == 4  # the Bedrock usage lines that name a caller: the rule skips the rest


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The committed synthetic fixture, or the same generator's output while it is not committed yet."""
    if (DEMO / "cur2-bedrock").is_dir() and (DEMO / "logs").is_dir():
        return DEMO
    from cur_analyzer.synth import generate

    out = tmp_path_factory.mktemp("demo")
    generate(out, month=MONTH, rows=400)
    return out


def test_the_synthetic_october_passes_every_check_and_open_november_only_warns_not_final(demo):
    engine = DuckDBEngine(demo / "cur2-bedrock", logs=demo / "logs")
    october = checks.run_checks(engine, MONTH, ("cur", "logs"), service="all")
    assert not_passing(october) == set(), [r.summary() for r in october.results if not r.success]
    assert october.frames["cur.lines"] > 0 and october.frames["logs.records"] > 0
    november = checks.run_checks(engine, "2026-11", ("cur", "logs"))
    assert not_passing(november) == {"cur.month_final"}
    assert november.ok and november.result("cur", "month_final").failing_pct == 100.0


# --- each rule fails on data built to break exactly it -------------------------------------------------
BAD_CUR = {
    "bad principal ARN": (
        [*CLEAN_LINES, line(9, line_item_iam_principal="alice")],
        {},
        "principal_arn",
        "alice",
    ),
    "negative Bedrock cost": (
        [*CLEAN_LINES, line(9, line_item_unblended_cost=Decimal("-0.006"), line_item_unblended_rate="")],
        {},
        "bedrock_cost_not_negative",
        "-0.006",
    ),
    "usage starting before the period": (
        CLEAN_LINES,
        {
            "line_item_usage_start_date": [at(2026, 9, 30, 23)] + [at(2026, 10, 5)] * 7,
            "line_item_usage_end_date": [at(2026, 10, 1)] + [at(2026, 10, 6)] * 7,
        },
        "usage_start_in_period",
        "2026-09-30 23:00:00",
    ),
    "usage ending after the period": (
        CLEAN_LINES,
        {
            "line_item_usage_start_date": [at(2026, 10, 31, 23)] * 8,
            "line_item_usage_end_date": [at(2026, 11, 2)] + [at(2026, 11, 1)] * 7,
        },
        "usage_end_in_period",
        "2026-11-02 00:00:00",
    ),
    "a line id twice in one interval": (
        [*CLEAN_LINES, line(1)],
        {},
        "unique_line_id_per_interval",
        "line-1 / 2026-10-05T00:00:00Z/2026-10-06T00:00:00Z",
    ),
    "two currencies for one payer": (
        [*CLEAN_LINES, line(9, line_item_currency_code="EUR")],
        {},
        "one_currency_per_payer",
        "111122223333: EUR and USD",
    ),
    "rate x usage not the cost": (
        [*CLEAN_LINES, line(9, line_item_unblended_cost=Decimal("0.5"))],
        {},
        "rate_times_usage_is_cost",
        "-0.494",
    ),
    "a rate column typed double": (
        CLEAN_LINES,
        {"line_item_unblended_rate": [0.003] * 4 + [None] * 3 + [0.0104]},
        "column_types",
        "line_item_unblended_rate is double, schema.py says string",
    ),
}


@pytest.mark.parametrize("case", BAD_CUR)
def test_each_cur_rule_fails_on_data_built_to_break_exactly_it(tmp_path, case):
    lines, columns, check, example = BAD_CUR[case]
    report = run(tmp_path, lines, columns=columns)
    assert not_passing(report) == {f"cur.{check}"}, [r.summary() for r in report.results if not r.success]
    failed = report.result("cur", check)
    assert failed.severity == "error" and failed.status == "FAIL" and not report.ok
    assert example in failed.examples, failed.examples
    if failed.failing_pct is not None:
        assert 0 < failed.failing_pct <= 100


def test_a_line_without_an_invoice_id_is_a_warning_that_the_month_is_not_final(tmp_path):
    report = run(tmp_path, [*CLEAN_LINES, line(9, bill_invoice_id="")])
    assert not_passing(report) == {"cur.month_final"}
    warning = report.result("cur", "month_final")
    assert warning.severity == "warning" and warning.status == "warn" and warning.failing == 1
    assert report.ok and report.warnings == [warning]


def test_an_export_without_a_required_column_names_it_and_runs_no_line_checks(tmp_path):
    report = run(tmp_path, drop=("line_item_currency_code",))
    assert report.result("cur", "required_columns").examples == ("line_item_currency_code",)
    assert {r.status for r in report.results if r.expectation != "expect_column_values_to_be_null"} == {
        "not run"
    }
    assert not report.ok and "cur.lines" not in report.frames


def test_an_export_without_caller_identity_data_only_warns(tmp_path):
    report = run(tmp_path, drop=("line_item_iam_principal", "tags"))
    assert not_passing(report) == {"cur.iam_principal_columns"}
    assert set(report.result("cur", "iam_principal_columns").examples) == {"line_item_iam_principal", "tags"}


BAD_LOGS = {
    "wrong schemaType": (
        record(requestId="bad", schemaType="AgentInvocationLog"),
        "schema_type",
        "AgentInvocationLog",
    ),
    "a line that is not JSON": (None, "schema_type", "(missing)"),
    "bad caller ARN": (
        record(requestId="bad", **{"identity.arn": "arn:aws:iam::1:user/x"}),
        "identity_arn",
        "arn:aws:iam::1:user/x",
    ),
    "malformed timestamp": (
        record(requestId="bad", timestamp="2026-10-05 14:21:50"),
        "timestamp_rfc3339",
        "2026-10-05 14:21:50",
    ),
    "negative token count": (
        record(requestId="bad", **{"output.outputTokenCount": -5}),
        "output_tokens_not_negative",
        "-5",
    ),
    "unknown model id": (
        record(requestId="bad", modelId="acme.mystery-model-v1"),
        "model_id_known",
        "acme.mystery-model-v1",
    ),
}


@pytest.mark.parametrize("case", BAD_LOGS)
def test_each_log_rule_fails_on_records_built_to_break_exactly_it(tmp_path, case):
    bad, check, example = BAD_LOGS[case]
    engine = DuckDBEngine(
        export(tmp_path, CLEAN_LINES),
        logs=logs(tmp_path, [*CLEAN_RECORDS, *([bad] if bad else [])], extra="" if bad else "{not json\n"),
    )
    report = checks.run_checks(engine, MONTH, ("logs",))
    assert not_passing(report) == {f"logs.{check}"}, [r.summary() for r in report.results if not r.success]
    assert example in report.result("logs", check).examples


def test_log_checks_read_the_window_estimate_reads_and_warn_when_it_is_empty(tmp_path):
    """The month's partitions and one day of slack (logs land after the call), as estimate and reconcile
    read them: records filed after that are another month's."""
    engine = DuckDBEngine(
        export(tmp_path, CLEAN_LINES), logs=logs(tmp_path, CLEAN_RECORDS, hour="2026/11/02/00")
    )
    report = checks.run_checks(engine, MONTH, ("logs",))
    assert report.frames == {"logs.records": 0}
    assert not_passing(report) == {"logs.has_records"} and report.ok


# --- the command line and --check ----------------------------------------------------------------------
def test_check_strict_exits_2_on_an_error_as_on_any_bad_input_and_0_on_a_warning(tmp_path):
    bad = export(tmp_path / "bad", [*CLEAN_LINES, line(9, line_item_iam_principal="alice")])
    warn = export(tmp_path / "warn", [*CLEAN_LINES, line(9, bill_invoice_id="")])

    failed = runner.invoke(app, ["check", "--month", MONTH, "--cur", str(bad), "--strict", "--format", "csv"])
    assert failed.exit_code == 2, failed.output
    assert "cur.principal_arn" in failed.stderr and "Traceback" not in failed.output
    assert "principal_arn,FAIL,error" in failed.stdout

    assert runner.invoke(app, ["check", "--month", MONTH, "--cur", str(bad)]).exit_code == 0
    assert runner.invoke(app, ["check", "--month", MONTH, "--cur", str(warn), "--strict"]).exit_code == 0

    no_month = runner.invoke(app, ["check", "--month", "2026-12", "--cur", str(bad)])
    assert no_month.exit_code == 2 and "2026-10" in no_month.stderr
    assert runner.invoke(app, ["check", "--month", "2026-13", "--cur", str(bad)]).exit_code == 2


def test_check_json_lists_every_expectation_with_its_failing_share_and_examples(tmp_path):
    cur = export(
        tmp_path,
        [*CLEAN_LINES, line(9, line_item_unblended_cost=Decimal("-0.006"), line_item_unblended_rate="")],
    )
    out = runner.invoke(
        app,
        [
            "check",
            "--month",
            MONTH,
            "--cur",
            str(cur),
            "--logs",
            str(logs(tmp_path, CLEAN_RECORDS)),
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["month"] == MONTH and doc["suites"] == ["cur", "logs"] and doc["ok"] is False
    by_check = {(r["suite"], r["check"]): r for r in doc["results"]}
    assert len(by_check) == len(doc["results"]) == 23
    neg = by_check[("cur", "bedrock_cost_not_negative")]
    assert neg["status"] == "FAIL" and neg["examples"] == ["-0.006"]
    assert neg["unexpected_count"] == 1 and neg["unexpected_percent"] == pytest.approx(100 / 6)


def test_a_report_run_with_check_stops_on_bad_data_and_goes_ahead_on_clean(tmp_path):
    clean = DuckDBEngine(export(tmp_path / "clean", CLEAN_LINES))
    assert checks.run_before(clean, MONTH).ok
    bad = DuckDBEngine(export(tmp_path / "bad", [*CLEAN_LINES, line(9, line_item_currency_code="EUR")]))
    with pytest.raises(UserInputError, match=r"cur\.one_currency_per_payer.*111122223333: EUR and USD"):
        checks.run_before(bad, MONTH)


# --- the suites themselves (no great-expectations run) --------------------------------------------------
def test_the_suites_load_from_the_package_checks_folder_and_name_every_rule():
    folder = resource_dir("checks")
    assert {p.name for p in folder.iterdir() if p.name.endswith(".json")} == {"cur.json", "logs.json"}
    for name in checks.SUITES:
        assert str(checks.suite_path(name)) == str(folder / f"{name}.json")
        suite = checks.load_suite_dict(name)
        assert suite["name"] == name
        names = [e["meta"]["check"] for e in suite["expectations"]]
        assert len(names) == len(set(names)), names
        for e in suite["expectations"]:
            assert checks.FRAME_SUITE[e["meta"]["frame"]] == name
            assert e["description"] and e["severity"] in ("critical", "warning")


def _sql_output_columns(name: str) -> set[str]:
    import sqlglot

    from cur_analyzer import sql

    return set(sqlglot.parse_one(sql.load(name).text, read="athena").named_selects)


def test_every_column_a_suite_checks_is_one_its_frame_provides():
    provided = {
        "lines": _sql_output_columns("check_cur_lines"),
        "records": _sql_output_columns("check_log_records"),
        "columns": set(checks.columns_frame([], {}).columns),
    }
    for name in checks.SUITES:
        for frame, expectations in checks.expectations_by_frame(name).items():
            for e in expectations:
                used = set(checks.columns_of(e["kwargs"]))
                if cond := e["kwargs"].get("row_condition"):
                    used.add(cond["column"]["name"])
                assert used <= provided[frame], (name, e["meta"]["check"], used - provided[frame])
            assert checks.FRAME_INDEX[frame] in provided[frame]


@pytest.mark.parametrize(
    "arn",
    [
        ALICE,
        APP,
        FED,
        "arn:aws:iam::111122223333:root",
        "arn:aws:iam::111122223333:user/BedrockAPIKey-234s",
        "arn:aws:iam::111122223333:user/team/alice",
        "arn:aws-us-gov:sts::111122223333:assumed-role/R/x@acme.org",
        "arn:aws:iam::111122223333:role/ChatApp",
        "arn:aws:sts::111122223333:assumed-role/OnlyRole",
        "arn:aws:iam::1111:user/alice",
        "alice",
        "arn:aws:s3:::bucket",
        "arn:aws:iam::111122223333:user/",
    ],
)
def test_the_suites_arn_rule_agrees_with_the_principal_parser(arn):
    from cur_analyzer.bedrock.principals import parse_principal

    regexes = {
        e["kwargs"]["regex"]
        for name in checks.SUITES
        for e in checks.load_suite_dict(name)["expectations"]
        if e["meta"]["check"] in ("principal_arn", "identity_arn")
    }
    (regex,) = regexes  # one rule for the bill and the logs
    assert bool(re.search(regex, arn)) == (parse_principal(arn).kind != "unknown")
