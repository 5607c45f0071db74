"""The monthly pack runs several queries over one month (its attributed lines, tag coverage, spellings,
the data checks, the billed side of the reconciliation). `report` holds the month: the CUR parquet files
are read once, and the pack says exactly what it said when every query read them itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from cur_analyzer import Analyzer, schema, sql
from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.engines._duckdb_held import columns_read, cur_queries
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.monthly import MonthlyReport, build_monthly, views
from cur_analyzer.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
RULES = ROOT / "examples" / "cur-analyzer.rules.yaml"
MONTH = "2026-10"
GENERATED = dt.datetime(2026, 11, 5, 9, 0, tzinfo=dt.UTC)


def _engine(logs: bool) -> DuckDBEngine:
    return DuckDBEngine(DEMO / "cur2-bedrock", logs=DEMO / "logs" if logs else None)


def _analyzer(engine: DuckDBEngine) -> Analyzer:
    return Analyzer(
        engine=engine,
        rules=load_rules(RULES),
        profiles=ProfileMap.load(DEMO / "inference-profiles.json"),
    )


@pytest.mark.parametrize("logs", [False, True], ids=["cur-only", "with-logs"])
def test_the_monthly_pack_reads_the_cur_once_and_says_what_it_said_unheld(logs):
    unheld_engine = _engine(logs)
    inputs = _analyzer(unheld_engine)
    unheld = build_monthly(
        unheld_engine,
        MONTH,
        rules=inputs.rules,
        logs=logs,
        prices=inputs.prices if logs else None,
        profiles=inputs.profiles if logs else None,
        generated_at=GENERATED,
    )

    engine = _engine(logs)
    held = _analyzer(engine).monthly(MONTH, logs=logs, generated_at=GENERATED)

    assert engine.cur_scans == 1
    assert unheld_engine.cur_scans > 1  # what the hold saves
    assert engine.log_scans == unheld_engine.log_scans  # the logs are not held: each log query reads them
    assert (engine.log_scans > 0) == logs
    assert _in_query_order_free_form(held) == _in_query_order_free_form(unheld)
    assert views(held) == views(unheld)


def _in_query_order_free_form(pack: MonthlyReport) -> MonthlyReport:
    """The pack with the reconciliation's buckets and their parts sorted, and the allocation as what the
    pack shows of it (its grouped rows and totals, not its ledger's order): they come in the order the
    GROUP BY hands its rows over, which two builds need not share (the rows built from them do)."""
    if pack.reconciliation is None:
        return pack
    shown = pack.allocation
    pack = replace(pack, allocation=(shown.rows, shown.totals(), shown.unlogged_by_reason, shown.notes))
    buckets = sorted(
        (
            replace(b, billed=sorted(b.billed, key=repr), logged=sorted(b.logged, key=repr))
            for b in pack.reconciliation.buckets
        ),
        key=repr,
    )
    return replace(pack, reconciliation=replace(pack.reconciliation, buckets=buckets))


def _bedrock_lines(engine: DuckDBEngine, month: str) -> int:
    return engine.query("check_cur_lines", {"month": month, "service": "bedrock"}).num_rows


def test_a_query_for_another_month_while_one_is_held_is_a_bug():
    engine = _engine(logs=False)
    with engine.held(MONTH, "bedrock"):
        assert _bedrock_lines(engine, MONTH) > 0
        with pytest.raises(RuntimeError, match="2026-11"):
            _bedrock_lines(engine, "2026-11")


def test_every_service_or_every_line_while_the_bedrock_lines_are_held_is_a_bug():
    engine = _engine(logs=False)
    with engine.held(MONTH, "bedrock"):
        with pytest.raises(RuntimeError, match="outside the Bedrock scope"):
            engine.query("check_cur_lines", {"month": MONTH, "service": "all"})
        with pytest.raises(RuntimeError, match="outside the Bedrock scope"):
            engine.query(
                "tag_spellings", {"month": MONTH, "service": "all"}
            )  # the doctor's every-line question
    with engine.held(MONTH, "all"):  # held with every service, the same queries are answered
        every_line = {"month": MONTH, "service": "all"}
        assert engine.query("tag_spellings", every_line) == _engine(logs=False).query(
            "tag_spellings", every_line
        )


def test_the_held_month_is_final_as_the_files_say_though_only_bedrock_lines_are_kept():
    """Whether a month is final asks every line, whatever the service: under a Bedrock-scope hold that
    one query reads the files (a report asks it when it read no line itself, e.g. no Bedrock spend)."""
    files = _engine(logs=False)
    engine = _engine(logs=False)
    with engine.held(MONTH, "bedrock"):
        kept = _bedrock_lines(engine, MONTH)
        held_lines, _bytes = engine.held_size()
        status = engine.query("month_status", {"month": MONTH})
    every_line = files.query("month_status", {"month": MONTH})
    assert held_lines == kept < every_line.column("lines")[0].as_py()  # the month has other services' lines
    assert status == every_line
    assert engine.cur_scans == 2  # the hold, and the status
    assert engine.held_size() == (0, 0)  # nothing is held any more
    with engine.held(MONTH, "all"):  # every line held: the status comes from memory
        assert engine.query("month_status", {"month": MONTH}) == every_line
    assert engine.cur_scans == 3


def test_leaving_the_hold_even_on_an_error_reads_the_files_again():
    engine = _engine(logs=False)
    with pytest.raises(ZeroDivisionError), engine.held(MONTH, "bedrock"):
        _ = 1 / 0
    scans = engine.cur_scans
    assert _bedrock_lines(engine, "2026-11") > 0
    assert engine.cur_scans == scans + 1
    with engine.held("2026-11", "bedrock"):  # and another month can be held after it
        assert _bedrock_lines(engine, "2026-11") > 0


@pytest.mark.parametrize("name", cur_queries())
def test_every_cur_query_finds_the_columns_it_reads_in_the_held_month(name):
    """The hold keeps only the CUR columns the SQL files read: every CUR query still runs on it."""
    engine = _engine(logs=True)
    params = dict.fromkeys(sql.load(name).params) | {"month": MONTH, "service": "all"}
    with engine.held(MONTH, "all"):
        engine.query(name, params)
    assert engine.cur_scans == 1
    assert len(columns_read()) < len(schema.CUR_COLUMNS)  # and it does leave columns out
