"""A log record that cannot be used is counted as malformed with its reason; the run goes on with the good
records, estimate, reconcile and check say how many were set aside and why, and strict mode fails on any.
Never exit 3, never a traceback, and never a word about "CUR parquet" for a log file."""

from __future__ import annotations

import gzip
import json
import os
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from typer.testing import CliRunner

from cur_analyzer import sql
from cur_analyzer.cli import app
from cur_analyzer.engines import _duckdb_logs
from cur_analyzer.engines._duckdb_logs import resolve_logs
from cur_analyzer.resources import resource_dir

runner = CliRunner()
MONTH = "2026-10"
DEMO_EXPORT = Path(__file__).resolve().parents[1] / "fixtures" / "demo" / "cur2-bedrock"
NOT_A_RECORD = "not a log record (not JSON or not UTF-8)"
NOT_WHOLE = "token count not a whole number"
OVER_CAP = "token count over 10^9"
NEGATIVE = "negative token count"
BAD_TIME = "timestamp not RFC 3339"
NO_TIME = "no timestamp"
TOO_LONG = "line over 1 MiB"


def record(n: int, **changes) -> bytes:
    """One Nova Pro call (1,000 in + 500 out: $0.0024); ``input.inputTokenCount=...`` sets a nested field,
    ``field=...`` (Ellipsis) removes one."""
    r: dict = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2026-10-02T09:01:00Z",
        "accountId": "111122223333",
        "region": "us-east-1",
        "requestId": f"req-{n}",
        "operation": "Converse",
        "modelId": "amazon.nova-pro-v1:0",
        "identity": {"arn": "arn:aws:iam::111122223333:user/alice"},
        "input": {
            "inputTokenCount": 1000,
            "inputBodyJson": {"messages": [{"role": "user", "content": "hi"}]},
        },
        "output": {"outputTokenCount": 500},
    }
    for key, value in changes.items():
        head, _, leaf = key.partition(".")
        target, name = (r[head], leaf) if leaf else (r, key)
        if value is ...:
            target.pop(name)
        else:
            target[name] = value
    return json.dumps(r).encode()


def tokens(field: str, value) -> bytes:
    return record(9, **{field: value})


GOOD = [record(1), record(2)]

#: one record that cannot be used -> the reason it is counted under
HOSTILE: dict[str, tuple[bytes, str]] = {
    "a truncated line": (b'{"timestamp": "2026-10-02T09:02', NOT_A_RECORD),
    "a byte that is not UTF-8": (record(3).replace(b"alice", b"al\xffice"), NOT_A_RECORD),
    "a JSON value that is not an object": (b"[1, 2, 3]", NOT_A_RECORD),
    "two objects on one line": (record(3) + record(4), NOT_A_RECORD),
    "no timestamp": (record(3, timestamp=...), NO_TIME),
    "a timestamp that is a word": (record(3, timestamp="yesterday"), BAD_TIME),
    "a timestamp on day 32": (record(3, timestamp="2026-10-32T09:00:00Z"), BAD_TIME),
    "a timestamp that is a number": (record(3, timestamp=1790000000), BAD_TIME),
    "a token count that is text": (tokens("input.inputTokenCount", "abc"), NOT_WHOLE),
    "a token count that is a string of digits": (tokens("input.inputTokenCount", "1000"), NOT_WHOLE),
    "a token count with a fraction": (tokens("output.outputTokenCount", 1.5), NOT_WHOLE),
    "a token count that is a boolean": (tokens("input.inputTokenCount", True), NOT_WHOLE),
    "a token count that is an object": (tokens("output.outputTokenCount", {"n": 1}), NOT_WHOLE),
    "a token count that is NaN": (
        record(3).replace(b'"outputTokenCount": 500', b'"outputTokenCount": NaN'),
        NOT_WHOLE,
    ),
    "a negative token count": (tokens("input.inputTokenCount", -5), NEGATIVE),
    "a negative cache count": (tokens("input.cacheReadInputTokenCount", -1), NEGATIVE),
    "1e30 tokens": (tokens("output.outputTokenCount", 1e30), OVER_CAP),
    "two billion tokens": (tokens("input.inputTokenCount", 2_000_000_000), OVER_CAP),
    "more tokens than a BIGINT holds": (tokens("input.inputTokenCount", 10**25), OVER_CAP),
    "a 10 MB line": (tokens("input.inputBodyJson", "x" * 10_000_000), TOO_LONG),
}

#: which data check names each reason (each reason fails exactly one check)
CHECK_OF = {
    NOT_A_RECORD: "schema_type",
    BAD_TIME: "timestamp_rfc3339",
    NEGATIVE: "tokens_not_negative",  # the one of the column that is negative
}

#: records that look hostile but can be used: each must count as one more invocation, nothing set aside
USABLE = {
    "request metadata that is a string": record(3, requestMetadata="abc"),
    "a prompt that names serviceTier but is not JSON": record(3, **{"input.inputBodyJson": "serviceTier?"}),
    "a prompt whose serviceTier is an object": record(
        3, **{"input.inputBodyJson": {"serviceTier": {"type": {"a": [1]}}}}
    ),
    "a whole number written 1000.0": tokens("input.inputTokenCount", 1000.0),
    "markup and control characters in the caller": record(
        3, **{"identity.arn": "arn:aws:iam::111122223333:user/[/bold]\x1b[31m\u202e"}
    ),
    "a key the schema does not know": record(3, surprise={"deep": [1, {"x": None}]}),
}


def write_logs(root: Path, lines: list[bytes], hour: str = "2026/10/02/09", name: str = "a.json.gz") -> Path:
    """Invocation-log lines in the S3 layout (one gzip file); returns the folder to pass as --logs."""
    folder = root / "AWSLogs" / "111122223333" / "BedrockModelInvocationLogs" / "us-east-1" / hour
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(gzip.compress(b"\n".join(lines) + b"\n", compresslevel=1))
    return root


def run(*args: str):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code != 3, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result


def run_json(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def estimate(logs: Path, *more: str) -> dict:
    return run_json("estimate", "--month", MONTH, "--logs", logs, *more)


def one_line_error(result, *fragments: str) -> str:
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "CUR parquet" not in err, err
    for fragment in fragments:
        assert fragment in err, err
    return err


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict:
    return estimate(write_logs(tmp_path_factory.mktemp("good"), GOOD))


def test_the_good_records_alone_are_priced(baseline):
    assert Decimal(baseline["total"]) == Decimal("0.0048")  # 2 x (1,000 x $0.80 + 500 x $3.20) per 1M
    assert baseline["invocations"] == 2 and baseline["log_health"]["malformed"] == 0


@pytest.mark.parametrize("case", HOSTILE)
def test_a_record_that_cannot_be_used_is_set_aside_with_its_reason(tmp_path, baseline, case):
    line, reason = HOSTILE[case]
    logs = write_logs(tmp_path, [GOOD[0], line, GOOD[1]])
    doc = estimate(logs)
    assert (doc["total"], doc["invocations"], doc["rows"]) == (
        baseline["total"],
        baseline["invocations"],
        baseline["rows"],
    )
    assert doc["log_health"]["malformed_reasons"] == {reason: 1}
    assert any(
        n.startswith("1 malformed log record of 2026-10 set aside") and reason in n for n in doc["notes"]
    )

    strict = run("estimate", "--month", MONTH, "--logs", logs, "--strict")
    assert strict.exit_code == 2
    one_line_error(strict, "1 malformed log record", reason)

    checked = run(
        "check", "--month", MONTH, "--logs", logs, "--suite", "logs", "--strict", "--format", "json"
    )
    assert checked.exit_code == 2, checked.output  # the same bad data, the same exit code as estimate
    failing = {r["check"] for r in json.loads(checked.stdout)["results"] if r["success"] is not True}
    expected = CHECK_OF.get(reason, "records_usable")
    assert len(failing) == 1 and expected in failing.pop(), failing


@pytest.mark.parametrize("case", USABLE)
def test_a_strange_but_usable_record_is_one_more_invocation(tmp_path, baseline, case):
    doc = estimate(write_logs(tmp_path, [*GOOD, USABLE[case]]))
    assert doc["invocations"] == baseline["invocations"] + 1
    assert doc["log_health"]["malformed"] == 0


def test_reconcile_and_check_count_every_reason_and_keep_the_good_estimate(tmp_path, tmp_path_factory):
    lines = [line for line, _ in HOSTILE.values()]
    expected = Counter(reason for _, reason in HOSTILE.values())
    mixed = write_logs(tmp_path, [GOOD[0], *lines, GOOD[1]])
    clean = write_logs(tmp_path_factory.mktemp("clean"), GOOD)
    args = ("reconcile", "--month", MONTH, "--cur", DEMO_EXPORT)
    good, hostile = run_json(*args, "--logs", clean), run_json(*args, "--logs", mixed)
    assert hostile["summary"]["estimated_cost"] == good["summary"]["estimated_cost"] != "0"
    tokens_of = lambda doc: sum(Decimal(r["estimated_tokens"]) for r in doc["rows"])  # noqa: E731
    assert tokens_of(hostile) == tokens_of(good) == 2 * 1500
    assert hostile["malformed_log_records"] == dict(expected) and good["malformed_log_records"] == {}
    assert any(
        n.startswith(f"{len(lines)} malformed log records of 2026-10 set aside") for n in hostile["notes"]
    )

    checked = run(
        "check", "--month", MONTH, "--logs", mixed, "--suite", "logs", "--strict", "--format", "json"
    )
    assert checked.exit_code == 2, checked.output
    results = {r["check"]: r for r in json.loads(checked.stdout)["results"]}
    usable = results["records_usable"]
    assert usable["success"] is False
    assert usable["unexpected_count"] == sum(n for r, n in expected.items() if r not in CHECK_OF)
    assert set(usable["examples"]) <= {NO_TIME, NOT_WHOLE, OVER_CAP, TOO_LONG}
    assert run("check", "--month", MONTH, "--logs", clean, "--suite", "logs", "--strict").exit_code == 0
    stopped = run(*args, "--logs", mixed, "--check")  # a report's --check runs the logs suite first
    assert stopped.exit_code == 2 and "logs.records_usable" in stopped.stderr, stopped.output


def test_malformed_records_count_in_the_month_of_their_partition(tmp_path):
    logs = write_logs(tmp_path, [record(1, timestamp=...)], hour="2026/11/01/00")
    write_logs(tmp_path, GOOD)
    assert estimate(logs)["log_health"]["malformed"] == 0  # filed in November: not October's
    november = run("estimate", "--month", "2026-11", "--logs", logs, "--format", "json")
    assert json.loads(november.stdout)["log_health"]["malformed_reasons"] == {NO_TIME: 1}


def test_alarms_never_fire_on_a_count_no_call_made(tmp_path):
    caller = {"identity.arn": "arn:aws:iam::111122223333:user/zz-hostile"}
    absurd = {f"input.{f}": 2_000_000_000 for f in ("inputTokenCount", "cacheReadInputTokenCount")}
    logs = write_logs(
        tmp_path,
        [
            *GOOD,
            record(5, **caller, **absurd, **{"output.outputTokenCount": 1e30}),
            record(6, **caller, **{"output.outputTokenCount": -(10**6)}),
            record(7, **caller, **{"input.inputTokenCount": "9" * 30}),
        ],
    )
    result = run("alerts", "--month", MONTH, "--cur", DEMO_EXPORT, "--logs", logs, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    fired = json.loads(result.stdout)["rows"]
    assert not [row for row in fired if "zz-hostile" in json.dumps(row)]


# --- whole files ---------------------------------------------------------------------------------------
def test_a_corrupt_gzip_file_is_one_line_naming_the_log_file(tmp_path):
    logs = write_logs(tmp_path, GOOD)
    bad = next(logs.rglob("a.json.gz")).with_name("b.json.gz")
    bad.write_bytes(gzip.compress(b"\n".join(GOOD))[:40])
    result = run("estimate", "--month", MONTH, "--logs", logs)
    assert result.exit_code == 2
    one_line_error(result, "invocation-log", "b.json.gz")


def test_a_line_over_what_the_reader_holds_is_one_line_naming_the_log_file(tmp_path, monkeypatch):
    # The limit is 64 MiB (DuckDB's buffer holds twice that); 16 MiB is the least DuckDB takes, so the test
    # writes 34 MB rather than 130.
    monkeypatch.setattr(_duckdb_logs, "READER_LIMIT", 16 * 1024 * 1024)
    logs = write_logs(tmp_path, [GOOD[0], tokens("input.inputBodyJson", "x" * 34_000_000)])
    result = run("estimate", "--month", MONTH, "--logs", logs)
    assert result.exit_code == 2
    one_line_error(result, "invocation-log", "a.json.gz")


def test_an_empty_log_file_holds_no_record_and_is_not_an_error(tmp_path, baseline):
    logs = write_logs(tmp_path, GOOD)
    (next(logs.rglob("a.json.gz")).with_name("empty.json.gz")).write_bytes(b"")
    assert estimate(logs)["total"] == baseline["total"]


def test_only_regular_files_are_read(tmp_path):
    logs = write_logs(tmp_path, GOOD)
    hour = next(logs.rglob("a.json.gz")).parent
    (hour / "folder.json.gz").mkdir()
    os.mkfifo(hour / "pipe.json.gz")  # reading it would block forever
    assert [f.name for f in resolve_logs(logs)] == ["a.json.gz"]


# --- one rule, one spelling -----------------------------------------------------------------------------
LOG_SQL = [name for name in sql.available() if "invocation_logs" in sql.tables_of(name)]


def _malformed_rule(name: str) -> str:
    tree = sqlglot.parse_one(sql.load(name).text, read="athena")
    cases = [c for c in tree.find_all(exp.Case) if "'no timestamp'" in c.sql(dialect="athena")]
    assert len(cases) == 1, f"{name}.sql: {len(cases)} copies of the malformed_reason rule"
    return cases[0].sql(dialect="athena")


@pytest.mark.parametrize("name", LOG_SQL)
def test_every_log_query_leaves_out_or_counts_the_records_the_rule_sets_aside(name):
    """Every query over the logs names the one rule (fragments/log_record_problem.sql), itself or through a
    fragment it names, never a copy."""
    raw = (resource_dir("athena") / f"{name}.sql").read_text()
    assert "log_record_problem" in _fragments_named(raw), (
        f"{name}.sql reads the logs without the malformed rule"
    )
    assert "'no timestamp'" not in raw, f"{name}.sql spells the rule again instead of naming the fragment"


def _fragments_named(text: str) -> set[str]:
    """The fragments a SQL text names, and the fragments those name."""
    named = set(re.findall(r"\{\{\s*([a-z_]+)", text))
    for inner in list(named):
        named |= _fragments_named((resource_dir("athena") / "fragments" / f"{inner}.sql").read_text())
    return named


def test_the_reasons_only_the_local_reader_sees_are_the_ones_the_rule_reads_first():
    rule = _malformed_rule("log_health")
    first = re.search(r"WHEN schematype IN \(([^)]*)\)", rule)
    assert first is not None
    assert {s.strip(" '") for s in first.group(1).split(",")} == {
        _duckdb_logs.LINE_OVER_LIMIT,
        _duckdb_logs.TOKEN_NOT_WHOLE,
    }
