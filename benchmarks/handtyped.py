"""The DuckDB queries a user would type by hand for what the CLI reports: the floors of the whole-process table.

Each floor runs as ``python -c "import duckdb; duckdb.sql('''...''').fetchall()"``: one fresh interpreter, as
the CLI is one. Each holds the tool's filters (the billing period, the Bedrock scope, the unblended cost as
``DECIMAL(38, 10)``) and the grouping its report names, and nothing else. ``columns`` are the CUR columns it
reads according to DuckDB's plan; ``tool_only`` names the columns the report's SQL reads beyond those, with
what for. :func:`drift` compares both with the report's own plan (``benchmarks.cases.columns_read``), so a
floor that stops reading what the report reads is flagged, and so is a report that starts or stops reading a
column.

``python -m benchmarks.handtyped columns --cur DIR [--logs DIR]`` prints the drift on that month.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cur_analyzer.attribution import USAGE_LINE_TYPES
from cur_analyzer.engines._duckdb_held import scope_sql_duckdb

MONTH = "2026-10"
MAP_COLUMNS = ("tags", "resource_tags", "product")

_COST = "CAST(line_item_unblended_cost AS DECIMAL(38, 10))"
_MONTH_LINES = (
    "FROM read_parquet('{cur}/data/*/*.parquet', hive_partitioning = true) WHERE BILLING_PERIOD = '{month}'"
)
#: the Bedrock scope as the user types it is the tool's own rule (in_bedrock_scope.sql), in DuckDB's words
_SCOPE = f"({scope_sql_duckdb()})"
_TAG = {
    "resource": "COALESCE(NULLIF(tags['resourceTags/team'], ''), NULLIF(resource_tags['user_team'], ''))",
    "principal": "NULLIF(tags['iamPrincipal/team'], '')",
    "account": "NULLIF(tags['accountTag/team'], '')",
}
_ANY_TAG = f"COALESCE({', '.join(_TAG.values())})"

#: The log fields reconcile reads, parsed by DuckDB's JSON reader (no malformed-line guard).
LOGS_READ = """SELECT COUNT(*), SUM(length(identity.arn)), SUM(length(modelId)), SUM(length(operation)),
    SUM(length(accountId)), SUM(length(region)),
    SUM(input.inputTokenCount), SUM(output.outputTokenCount),
    SUM(input.cacheReadInputTokenCount), SUM(input.cacheWriteInputTokenCount),
    SUM(length(input.inputBodyJson)), MAX("timestamp"), COUNT(errorCode), COUNT(inferenceRegion)
FROM read_json('{logs}/**/*.json.gz', format = 'newline_delimited', columns = {
    'timestamp': 'VARCHAR', 'accountId': 'VARCHAR', 'region': 'VARCHAR', 'operation': 'VARCHAR',
    'modelId': 'VARCHAR', 'inferenceRegion': 'VARCHAR', 'errorCode': 'VARCHAR',
    'identity': 'STRUCT(arn VARCHAR)',
    'input': 'STRUCT(inputBodyJson VARCHAR, inputTokenCount BIGINT,
        cacheReadInputTokenCount BIGINT, cacheWriteInputTokenCount BIGINT)',
    'output': 'STRUCT(outputTokenCount BIGINT)'})"""


def touch(column: str) -> str:
    """An aggregate that makes DuckDB read and decode ``column`` without grouping or casting it."""
    if column in MAP_COLUMNS:
        return f"SUM(cardinality({column}))"
    if column in ("line_item_unblended_cost", "line_item_usage_amount"):
        return f"SUM({column})"
    if column.endswith("_date"):
        return f"MAX({column})"
    return f"SUM(length({column}))"


def bare_read(columns: tuple[str, ...]) -> str:
    """The month's lines read bare: each column touched once, no filter beyond the billing period."""
    return f"SELECT COUNT(*), {', '.join(touch(c) for c in columns)} {_MONTH_LINES}"  # noqa: S608 - our names


@dataclass(frozen=True)
class HandTyped:
    """One floor: the statements a user types, the CUR columns they read, and what the report reads beyond."""

    report: str  # the benchmarks.cases report whose SQL it stands beside
    statements: tuple[str, ...]  # with {cur}, {month} and {logs} to fill in
    columns: tuple[str, ...]  # CUR columns read, per DuckDB's plan on a generated month
    tool_only: dict[str, str] = field(default_factory=dict)  # column the report also reads -> what for

    def sql(self, cur: Path, month: str = MONTH, logs: Path | None = None) -> list[str]:
        values = {"cur": _literal(cur), "month": month, "logs": _literal(logs) if logs else ""}
        out = []
        for text in self.statements:
            for name, value in values.items():
                text = text.replace("{" + name + "}", value)
            out.append(text)
        return out

    def shown(self, month: str = MONTH) -> str:
        """The statements as the results show them: DIR for the export folder, LOGS for the log folder."""
        texts = []
        for text in self.statements:
            texts.append(text.replace("{cur}", "DIR").replace("{logs}", "LOGS").replace("{month}", month))
        return ";\n".join(texts) + ";"

    def program(self, cur: Path, month: str = MONTH, logs: Path | None = None) -> str:
        """The ``python -c`` program: the statements run one after the other, every row fetched."""
        calls = "; ".join(f"duckdb.sql({text!r}).fetchall()" for text in self.sql(cur, month, logs))
        return f"import duckdb; {calls}"


def _literal(path: Path) -> str:
    """A path inside a SQL string literal."""
    return str(Path(path).resolve()).replace("'", "''")


_CHARGEBACK_EXTRA = {
    "line_item_currency_code": "one row per currency",
    "line_item_line_item_type": "usage apart from credits, tax and fees",
}
_RECONCILE_COLUMNS = (
    "bill_billing_entity",
    "line_item_currency_code",
    "line_item_iam_principal",
    "line_item_line_item_type",
    "line_item_product_code",
    "line_item_resource_id",
    "line_item_unblended_cost",
    "line_item_usage_account_id",
    "line_item_usage_amount",
    "line_item_usage_end_date",
    "line_item_usage_start_date",
    "line_item_usage_type",
    "pricing_unit",
    "product",
    "product_region_code",
)

#: The floors, by the name of the report they stand beside.
HAND_TYPED: dict[str, HandTyped] = {
    "chargeback-principal": HandTyped(
        "chargeback-principal",
        (
            f"SELECT NULLIF(line_item_iam_principal, '') AS principal, SUM({_COST}) AS cost, COUNT(*) AS lines "
            f"{_MONTH_LINES} AND {_SCOPE} GROUP BY principal",
        ),
        (
            "bill_billing_entity",
            "line_item_iam_principal",
            "line_item_product_code",
            "line_item_unblended_cost",
        ),
        _CHARGEBACK_EXTRA,
    ),
    "chargeback-team": HandTyped(
        "chargeback-team",
        (
            f"SELECT NULLIF(tags['iamPrincipal/team'], '') AS team, SUM({_COST}) AS cost, COUNT(*) AS lines "
            f"{_MONTH_LINES} AND {_SCOPE} GROUP BY team",
        ),
        ("bill_billing_entity", "line_item_product_code", "line_item_unblended_cost", "tags"),
        _CHARGEBACK_EXTRA,
    ),
    "coverage-team": HandTyped(
        "coverage-team",
        (
            "SELECT line_item_usage_account_id, "
            + ", ".join(
                f"SUM({_COST}) FILTER (WHERE {lookup} IS NOT NULL) AS {source}_tagged"
                for source, lookup in _TAG.items()
            )
            + f", SUM({_COST}) FILTER (WHERE {_ANY_TAG} IS NOT NULL) AS tagged"
            + f", SUM({_COST}) FILTER (WHERE {_ANY_TAG} IS NULL) AS untagged "
            + f"{_MONTH_LINES} AND {_SCOPE} AND line_item_line_item_type IN "
            + f"({', '.join(repr(t) for t in sorted(USAGE_LINE_TYPES))}) GROUP BY line_item_usage_account_id",
        ),
        (
            "bill_billing_entity",
            "line_item_line_item_type",
            "line_item_product_code",
            "line_item_unblended_cost",
            "line_item_usage_account_id",
            "resource_tags",
            "tags",
        ),
        {
            "line_item_currency_code": "one row per currency",
            "line_item_iam_principal": "the untagged callers (offenders)",
            "line_item_resource_id": "the untagged resources (offenders)",
        },
    ),
    "reconcile": HandTyped("reconcile", (bare_read(_RECONCILE_COLUMNS), LOGS_READ), _RECONCILE_COLUMNS),
}


# --- the columns check -----------------------------------------------------------------------------------
def floor_columns(floor: HandTyped, cur: Path, month: str = MONTH) -> list[str]:
    """The CUR columns the floor's statements read, per DuckDB's plan on ``cur``'s month (the log read
    aside: it reads no parquet)."""
    import duckdb

    from benchmarks.cases import _parquet_columns
    from cur_analyzer import schema

    known = {c.name for c in schema.CUR_COLUMNS}
    con = duckdb.connect()
    seen: set[str] = set()
    for text in floor.sql(cur, month):
        if "read_parquet" not in text:
            continue
        plan = con.execute("EXPLAIN (FORMAT JSON) " + text).fetchall()[0][1]
        seen |= _parquet_columns(json.loads(plan), known)
    return sorted(seen)


def drift(read: dict[str, list[str]], cur: Path, month: str = MONTH) -> list[str]:
    """Floors out of step with their report (``read``: :func:`benchmarks.cases.columns_read` on ``cur``):
    the floor's plan differs from its declared columns, it reads a column the report does not, or the report
    reads one neither the floor nor ``tool_only`` accounts for."""
    out = []
    for name, floor in HAND_TYPED.items():
        if floor.report not in read:
            continue
        planned = set(floor_columns(floor, cur, month))
        if planned != set(floor.columns):
            out.append(
                f"{name}: the hand-typed query reads {sorted(planned)}, its table lists {sorted(floor.columns)}"
            )
        report = set(read[floor.report])
        unread = sorted(planned - report)
        unexplained = sorted(report - planned - set(floor.tool_only))
        gone = sorted(set(floor.tool_only) - report)
        if unread:
            out.append(f"{name}: the hand-typed query reads {unread}, which the report no longer reads")
        if unexplained:
            out.append(f"{name}: the report reads {unexplained}, which the hand-typed query does not")
        if gone:
            out.append(f"{name}: the report no longer reads {gone} (listed as the tool's own work)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.handtyped")
    parser.add_argument("what", choices=["columns", "show"], help="columns: the drift; show: the queries")
    parser.add_argument("--cur", required=True, help="the export folder (holding data/BILLING_PERIOD=...)")
    parser.add_argument("--logs", help="the invocation-log folder (reconcile)")
    args = parser.parse_args(argv)
    cur, logs = Path(args.cur), Path(args.logs) if args.logs else None
    if args.what == "show":
        for name, floor in HAND_TYPED.items():
            print(f"-- {name}\n" + ";\n".join(floor.sql(cur, MONTH, logs)) + ";\n")
        return 0
    from benchmarks.cases import columns_read

    for line in drift(columns_read(cur, logs), cur):
        print(f"DRIFT {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
