"""Long work shows progress (DuckDB's own estimate while a scan runs; Athena's state and bytes), and none
of it changes a number or leaks into piped output."""

from __future__ import annotations

from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.chargeback import build_chargeback


def test_duckdb_reports_progress_while_a_query_runs_and_returns_the_same_rows(demo_export):
    seen: list[tuple[str, float | None]] = []
    watched = DuckDBEngine(demo_export, on_progress=lambda text, pct: seen.append((text, pct)))
    plain = DuckDBEngine(demo_export)
    assert build_chargeback(watched, "2026-10").rows == build_chargeback(plain, "2026-10").rows
    assert seen and all(text.startswith("DuckDB ") and text.endswith(".sql") for text, _ in seen)
    assert all(pct is None or 0 <= pct <= 100 for _, pct in seen)


def test_piped_output_carries_no_progress_bar(demo_export):
    result = CliRunner().invoke(
        app, ["chargeback", "--month", "2026-10", "--cur", str(demo_export), "-f", "csv"]
    )
    assert result.exit_code == 0
    assert "DuckDB" not in result.output and "\x1b[" not in result.stdout
