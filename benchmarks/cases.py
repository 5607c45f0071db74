"""One benchmark case, run in a process of its own: ``python -m benchmarks.cases CASE --cur ... [--logs ...]``.

The parent (:mod:`benchmarks.run`) starts one fresh interpreter per case and repetition, so the peak RSS
(``VmHWM``, reported by the case itself) belongs to that case alone. The case prints one JSON line on stdout:
``seconds`` is the wall time of the work (after the imports; the same for every case), ``cpu_seconds`` the
CPU time it took (all threads: less sensitive than wall time to other load on the machine), ``peak_bytes``
the peak RSS and ``result`` a small summary that shows the work was really done.

``python -m benchmarks.cases columns --cur DIR [--logs DIR]`` prints the CUR columns each report's SQL reads
(from DuckDB's plans) and any drift from the floors' column lists.

Three kinds of case:

* the library (``chargeback-*``, ``coverage-team``, ``reconcile``): the report functions on
  :class:`~cur_analyzer.engines.duckdb.DuckDBEngine`, exactly what the CLI runs minus rendering;
* the floor (``floor-*``): one bare DuckDB ``read_parquet`` query of the month touching the same columns the
  report's SQL reads (``SUM``/``COUNT``, no grouping, no decimal casts), and for ``reconcile`` a bare
  ``read_json`` of the log fields it reads;
* the pandas way (``pandas-*``): what a user writes without the tool: ``pd.read_parquet(columns=[...])``
  with default options (the ``tags`` maps come back as Python lists of tuples), then ``groupby().sum()``
  on the cost as float64 (not decimals: the sums can be off in the last cents).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cur_analyzer.attribution import USAGE_LINE_TYPES as USAGE_TYPES

MONTH = "2026-10"
TEAM_KEY = "team"

#: Columns each report's SQL reads from the month's parquet, as DuckDB's plan shows them (bound parameters are
#: folded, so a column behind ``IF(false, ...)`` is not read). ``python -m benchmarks.cases columns`` prints
#: what the plans read today, and ``benchmarks.run`` warns when these lists have drifted from it. Not counted:
#: the ``month_status`` query every report also runs (``bill_invoice_id`` and the usage dates).
CHARGEBACK_COLUMNS = (
    "line_item_iam_principal",
    "line_item_product_code",
    "line_item_line_item_type",
    "line_item_currency_code",
    "line_item_unblended_cost",
    "line_item_usage_amount",
)
MAP_COLUMNS = ("tags", "resource_tags")
#: What every report's Bedrock scope and resource kind read (the scope's Marketplace half reads ``product``
#: only where the month has Marketplace lines: DuckDB folds it away on the generated months).
SCOPE_COLUMNS = ("bill_billing_entity", "line_item_resource_id")
FLOOR_COLUMNS: dict[str, tuple[str, ...]] = {
    # a chargeback reads the resource id and the usage amount only when a source asks for them
    "chargeback-principal": (*CHARGEBACK_COLUMNS[:-1], "bill_billing_entity"),
    "chargeback-team": (*CHARGEBACK_COLUMNS[1:-1], "bill_billing_entity", "tags"),
    "coverage-team": (
        *CHARGEBACK_COLUMNS[:-1],
        *SCOPE_COLUMNS,
        "line_item_usage_account_id",
        *MAP_COLUMNS,
    ),
    "reconcile": (
        "line_item_usage_start_date",
        "line_item_usage_end_date",
        "line_item_usage_account_id",
        "product_region_code",
        "line_item_iam_principal",
        "line_item_usage_type",
        "pricing_unit",
        "line_item_usage_amount",
        "line_item_unblended_cost",
        "line_item_product_code",
        "line_item_line_item_type",
        "line_item_currency_code",
        "product",
        *SCOPE_COLUMNS,
    ),
}
#: What the pandas way reads: the columns its answer needs.
COVERAGE_COLUMNS = (*CHARGEBACK_COLUMNS, "line_item_usage_account_id", "line_item_resource_id", *MAP_COLUMNS)
RECONCILE_COLUMNS = (
    "line_item_usage_start_date",
    "line_item_usage_account_id",
    "product_region_code",
    "line_item_iam_principal",
    "line_item_usage_type",
    "line_item_resource_id",
    "pricing_unit",
    "line_item_usage_amount",
    "line_item_unblended_cost",
    "line_item_product_code",
    "line_item_line_item_type",
)


# --- the library ------------------------------------------------------------------------------------------
def _engine(args: argparse.Namespace, logs: bool = False):
    from cur_analyzer.engines.duckdb import DuckDBEngine

    return DuckDBEngine(args.cur, logs=args.logs if logs else None)


def chargeback(args: argparse.Namespace, by: str) -> dict[str, Any]:
    from cur_analyzer.reports.chargeback import build_chargeback

    cb = build_chargeback(_engine(args), MONTH, by=(by,))
    return {"rows": len(cb.rows), "total": str(cb.total), "lines": sum(r.lines for r in cb.rows)}


def coverage(args: argparse.Namespace) -> dict[str, Any]:
    from cur_analyzer.reports.coverage import build_coverage

    cov = build_coverage(_engine(args), MONTH, [TEAM_KEY])
    any_total = next(r for r in cov.totals() if r.source == "any")
    return {"rows": len(cov.rows), "pct_any": f"{any_total.pct:.2f}", "total": str(any_total.total)}


def reconcile(args: argparse.Namespace) -> dict[str, Any]:
    from cur_analyzer.reports.reconcile import build_reconciliation

    rec = build_reconciliation(_engine(args, logs=True), MONTH)
    return {
        "rows": len(rec.rows),
        "buckets": len(rec.buckets),
        "billed": f"{rec.billed_cost:.2f}",
        "estimated": f"{rec.estimated_cost:.2f}",
    }


# --- the floor: a bare DuckDB scan of the same columns ----------------------------------------------------
def floor(args: argparse.Namespace, columns: tuple[str, ...]) -> dict[str, Any]:
    import duckdb

    from benchmarks.handtyped import LOGS_READ, touch

    con = duckdb.connect()
    glob = str(Path(args.cur) / "data" / "*" / "*.parquet")
    touched = ", ".join(touch(c) for c in columns)
    row = con.execute(
        f"SELECT COUNT(*), {touched} FROM read_parquet(?, hive_partitioning=true) "  # noqa: S608 - our names
        "WHERE BILLING_PERIOD = ?",
        [glob, MONTH],
    ).fetchone()
    out: dict[str, Any] = {"lines": row[0]}
    if args.logs:
        # The log fields the reconciliation reads (the hand-typed floor's read of them, as a parameter).
        log_sql = LOGS_READ.replace("'{logs}/**/*.json.gz'", "?")
        out["log_records"] = con.execute(log_sql, [str(Path(args.logs) / "**" / "*.json.gz")]).fetchone()[0]
    return out


# --- the pandas way ---------------------------------------------------------------------------------------
def _read(args: argparse.Namespace, columns: tuple[str, ...]):
    import pandas as pd

    # What a user writes: the month's partition folder, the columns they need, default options.
    return pd.read_parquet(Path(args.cur) / "data" / f"BILLING_PERIOD={MONTH}", columns=list(columns))


def _tag(series, key: str):
    """``tags['key']`` over a column of maps as pandas returns them (lists of (key, value) tuples)."""
    return series.map(lambda kv: dict(kv).get(key) if kv is not None else None)


def bedrock_codes() -> tuple[str, ...]:
    """The Bedrock scope's product codes, read from its rule (``in_bedrock_scope.sql``). A lower bound of
    the pandas way: the scope's Marketplace half needs the product map, which these cases do not read."""
    from cur_analyzer.bedrock.scope import aws_product_codes

    return tuple(sorted(aws_product_codes()))


def pandas_chargeback(args: argparse.Namespace, by: str) -> dict[str, Any]:
    columns = CHARGEBACK_COLUMNS + (("tags",) if by.startswith("iamPrincipal/") else ())
    df = _read(args, columns)
    df = df[df["line_item_product_code"].isin(args.bedrock)]
    if by == "principal":
        key = df["line_item_iam_principal"]
    else:
        key = _tag(df["tags"], by).rename("team")
    out = df.groupby([key, df["line_item_line_item_type"], df["line_item_currency_code"]], dropna=False).agg(
        cost=("line_item_unblended_cost", "sum"), lines=("line_item_unblended_cost", "size")
    )
    return {"rows": len(out), "total": f"{out['cost'].sum():.10f}", "lines": int(out["lines"].sum())}


def pandas_coverage(args: argparse.Namespace) -> dict[str, Any]:
    df = _read(args, COVERAGE_COLUMNS)
    df = df[
        df["line_item_product_code"].isin(args.bedrock) & df["line_item_line_item_type"].isin(USAGE_TYPES)
    ]
    tags = df["tags"].map(lambda kv: dict(kv) if kv is not None else {})
    res_tags = df["resource_tags"].map(lambda kv: dict(kv) if kv is not None else {})
    sources = {
        "resource": tags.map(lambda d: d.get(f"resourceTags/{TEAM_KEY}")).fillna(
            res_tags.map(lambda d: d.get(f"user_{TEAM_KEY}"))
        ),
        "principal": tags.map(lambda d: d.get(f"iamPrincipal/{TEAM_KEY}")),
        "account": tags.map(lambda d: d.get(f"accountTag/{TEAM_KEY}")),
    }
    cost = df["line_item_unblended_cost"]
    tagged_any = None
    result: dict[str, Any] = {}
    for name, values in sources.items():
        tagged = values.notna() & (values != "")
        tagged_any = tagged if tagged_any is None else tagged_any | tagged
        per_account = cost[tagged].groupby(df["line_item_usage_account_id"]).sum()
        result[f"pct_{name}"] = f"{100 * cost[tagged].sum() / cost.sum():.2f}"
        result[f"accounts_{name}"] = len(per_account)
    result["pct_any"] = f"{100 * cost[tagged_any].sum() / cost.sum():.2f}"
    untagged = cost[~tagged_any].groupby(df["line_item_iam_principal"]).sum().nlargest(10)
    result["top_untagged"] = len(untagged)
    return result


def pandas_reconcile(args: argparse.Namespace) -> dict[str, Any]:
    """A lower bound of the pandas way: token sums per (day, account, region, principal, model) from the
    logs, billed usage per (day, account, region, principal, usage type) from the CUR, merged per caller and
    day. No usage-type parsing, no pricing, no causes: the tool does much more."""
    import pandas as pd

    frames = []
    for f in sorted(Path(args.logs).rglob("*.json.gz")):
        frames.append(pd.read_json(f, lines=True, compression="gzip"))
    logs = pd.concat(frames, ignore_index=True)
    del frames
    logs["day"] = logs["timestamp"].astype(str).str[:10]
    logs["principal"] = logs["identity"].str.get("arn")
    for col, field in (
        ("input_tokens", "inputTokenCount"),
        ("cache_read", "cacheReadInputTokenCount"),
        ("cache_write", "cacheWriteInputTokenCount"),
    ):
        logs[col] = logs["input"].str.get(field)
    logs["output_tokens"] = logs["output"].str.get("outputTokenCount")
    logged = logs.groupby(["day", "accountId", "region", "principal", "modelId"], dropna=False)[
        ["input_tokens", "output_tokens", "cache_read", "cache_write"]
    ].sum()
    del logs
    cur = _read(args, RECONCILE_COLUMNS)
    cur = cur[
        cur["line_item_product_code"].isin(args.bedrock) & cur["line_item_line_item_type"].isin(USAGE_TYPES)
    ]
    cur["day"] = cur["line_item_usage_start_date"].dt.strftime("%Y-%m-%d")
    billed = cur.groupby(
        [
            "day",
            "line_item_usage_account_id",
            "product_region_code",
            "line_item_iam_principal",
            "line_item_usage_type",
        ],
        dropna=False,
    )[["line_item_usage_amount", "line_item_unblended_cost"]].sum()
    per_caller_logged = logged.groupby(level=["day", "principal"]).sum()
    per_caller_billed = billed.groupby(level=["day", "line_item_iam_principal"]).sum()
    per_caller_billed.index.names = ["day", "principal"]
    merged = per_caller_logged.join(per_caller_billed, how="outer")
    return {"logged_groups": len(logged), "billed_groups": len(billed), "merged": len(merged)}


CASES: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "chargeback-principal": lambda a: chargeback(a, "principal"),
    "chargeback-team": lambda a: chargeback(a, f"iamPrincipal/{TEAM_KEY}"),
    "coverage-team": coverage,
    "reconcile": reconcile,
    "floor-chargeback-principal": lambda a: floor(a, FLOOR_COLUMNS["chargeback-principal"]),
    "floor-chargeback-team": lambda a: floor(a, FLOOR_COLUMNS["chargeback-team"]),
    "floor-coverage-team": lambda a: floor(a, FLOOR_COLUMNS["coverage-team"]),
    "floor-reconcile": lambda a: floor(a, FLOOR_COLUMNS["reconcile"]),
    "pandas-chargeback-principal": lambda a: pandas_chargeback(a, "principal"),
    "pandas-chargeback-team": lambda a: pandas_chargeback(a, f"iamPrincipal/{TEAM_KEY}"),
    "pandas-coverage-team": pandas_coverage,
    "pandas-reconcile": pandas_reconcile,
}


# --- which columns the report SQL reads ------------------------------------------------------------------
def columns_read(cur: Path, logs: Path | None = None) -> dict[str, list[str]]:
    """Per report: the CUR columns DuckDB's plans read for its queries (``month_status`` aside).

    Runs each report on ``cur`` (use a small month) with the engine's ``query`` wrapped: every CUR query is
    EXPLAINed with its bound parameters before it runs. Reconcile reads one log file of ``logs`` (or skips).
    """
    from cur_analyzer import schema, sql
    from cur_analyzer.engines.duckdb import DuckDBEngine
    from cur_analyzer.reports.chargeback import build_chargeback
    from cur_analyzer.reports.coverage import build_coverage
    from cur_analyzer.reports.reconcile import build_reconciliation

    builds = {
        "chargeback-principal": lambda e: build_chargeback(e, MONTH, by=("principal",)),
        "chargeback-team": lambda e: build_chargeback(e, MONTH, by=(f"iamPrincipal/{TEAM_KEY}",)),
        "coverage-team": lambda e: build_coverage(e, MONTH, [TEAM_KEY]),
        "reconcile": lambda e: build_reconciliation(e, MONTH),
    }
    known = {c.name for c in schema.CUR_COLUMNS}
    one_log = next(iter(sorted(Path(logs).rglob("*.json.gz"))), None) if logs else None
    if one_log is None:
        del builds["reconcile"]
    out: dict[str, list[str]] = {}
    for report, build in builds.items():
        engine = DuckDBEngine(cur, logs=one_log if report == "reconcile" else None)
        seen: set[str] = set()
        prepare = engine._prepared

        # Every query (query, query_rows, query_batches) is prepared by _prepared: EXPLAIN what it returns.
        def probe(name: str, params: Any, engine=engine, seen=seen, prepare=prepare):
            text, values, source, month = prepare(name, params)
            if schema.CUR_TABLE in sql.tables_of(name) and name != "month_status":
                plan = engine._con.execute("EXPLAIN (FORMAT JSON) " + text, values)
                seen.update(_parquet_columns(json.loads(plan.fetchall()[0][1]), known))
            return text, values, source, month

        engine._prepared = probe
        build(engine)
        out[report] = sorted(seen)
    return out


def _parquet_columns(node: Any, known: set[str]) -> set[str]:
    """CUR columns the ``READ_PARQUET`` operators of a JSON plan read: projected or filtered on."""
    import re

    found: set[str] = set()
    if isinstance(node, list):
        for child in node:
            found |= _parquet_columns(child, known)
        return found
    info = node.get("extra_info") or {}
    if info.get("Function") == "READ_PARQUET":
        projections = info.get("Projections") or []
        found |= {p for p in ([projections] if isinstance(projections, str) else projections) if p in known}
        found |= set(re.findall(r"[a-z_]+", str(info.get("Filters") or ""))) & known
    for child in node.get("children") or []:
        found |= _parquet_columns(child, known)
    return found


def column_drift(read: dict[str, list[str]]) -> list[str]:
    """Reports whose floor reads other columns than the report's SQL does (``read``: :func:`columns_read`)."""
    out = []
    for report, columns in read.items():
        floor_columns = set(FLOOR_COLUMNS[report])
        if set(columns) != floor_columns:
            extra, missing = sorted(set(columns) - floor_columns), sorted(floor_columns - set(columns))
            out.append(f"{report}: the SQL also reads {extra}, the floor also reads {missing}")
    return out


def _cpu_seconds() -> float:
    """User + system CPU time of this process, all threads."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_bytes() -> int:
    """This process's peak RSS since ``exec`` (``VmHWM``; ``ru_maxrss`` would include the forking parent's)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


WARM_IMPORTS = {
    "chargeback": ("cur_analyzer.engines.duckdb", "cur_analyzer.reports.chargeback"),
    "coverage": ("cur_analyzer.engines.duckdb", "cur_analyzer.reports.coverage"),
    "reconcile": ("cur_analyzer.engines.duckdb", "cur_analyzer.reports.reconcile"),
    "floor": ("duckdb",),
    "pandas": ("pandas", "pyarrow.parquet"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cases")
    parser.add_argument(
        "case",
        choices=[*sorted(CASES), "columns"],
        help="a case, or 'columns' to print the columns each report's SQL reads",
    )
    parser.add_argument("--cur", required=True, help="the export folder (holding data/BILLING_PERIOD=...)")
    parser.add_argument("--logs", help="the invocation-log folder (reconcile cases)")
    args = parser.parse_args(argv)
    if args.case == "columns":
        read = columns_read(Path(args.cur), Path(args.logs) if args.logs else None)
        for report, columns in read.items():
            print(f"{report}: {', '.join(columns)}")
        for line in column_drift(read):
            print(f"DRIFT {line}")
        return 0
    # Import what the case needs before the clock starts, so only the work is timed (and only what it
    # needs, so its peak memory holds no library it does not use).
    for module in WARM_IMPORTS[args.case.split("-")[0]]:
        importlib.import_module(module)
    # The scope's product codes are read from its rule before the clock too (every case gets them).
    args.bedrock = bedrock_codes()
    cpu0, t0 = _cpu_seconds(), time.perf_counter()
    result = CASES[args.case](args)
    seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
    doc = {
        "case": args.case,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_bytes": peak_bytes(),
        "result": result,
    }
    print(json.dumps(doc), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
