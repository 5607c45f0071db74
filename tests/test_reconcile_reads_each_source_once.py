"""At ten million lines the reconciliation's time is its reads: it reads the CUR once and the invocation logs
once (athena/reconcile.sql), and the one pass over the logs still tells both what they count and in which
hours logging was on."""

from __future__ import annotations

from decimal import Decimal

from conftest import log_record, team_line, write_cur, write_log_files

from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.reconcile import build_reconciliation

DEMO = "fixtures/demo"
ACCOUNT = "111122223333"
CALLER = "arn:aws:iam::111122223333:user/u"


def test_a_reconciliation_reads_the_cur_once_and_the_logs_once():
    engine = DuckDBEngine(f"{DEMO}/cur2-bedrock", logs=f"{DEMO}/logs")
    rec = build_reconciliation(engine, "2026-10", profiles=ProfileMap.load(f"{DEMO}/inference-profiles.json"))
    assert rec.rows and rec.estimated_cost > 0  # both sides were read
    assert (engine.cur_scans, engine.log_scans) == (1, 1)


def _reconcile(tmp_path, records: list[dict]):
    """A bill of one Nova Pro line in the month's first hour against ``records`` and one usable call at
    05:00, so the account is one that logs."""
    line = team_line("2.50") | {"product_region_code": "us-east-1"}
    usable = log_record("2026-10-01T05:10:00Z", ACCOUNT, "amazon.nova-pro-v1:0", 1000, CALLER)
    engine = DuckDBEngine(
        write_cur(tmp_path / "cur", [line]), logs=write_log_files(tmp_path / "logs", [*records, usable])
    )
    return build_reconciliation(engine, "2026-10")


def test_a_record_that_cannot_be_used_still_shows_logging_was_on_in_its_hour(tmp_path):
    unusable = log_record("2026-10-01T00:20:00Z", ACCOUNT, "amazon.nova-pro-v1:0", -5, CALLER)
    rec = _reconcile(tmp_path, [unusable])
    assert rec.malformed_log_records == {"negative token count": 1}
    assert "log gap" not in rec.explained_by_cause()


def test_an_hour_with_no_record_at_all_is_a_log_gap(tmp_path):
    rec = _reconcile(tmp_path, [])
    assert rec.explained_by_cause()["log gap"] == Decimal("2.50")
