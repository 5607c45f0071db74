"""A notebook asks the same questions as the command line, through one object: ``from cur_analyzer import
Analyzer`` gives every report as a model that converts to Arrow and pandas, with the same numbers."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cur_analyzer import Analyzer, BillingPeriod
from cur_analyzer.cli import app

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(
        cur=DEMO / "cur2-bedrock", logs=DEMO / "logs", profiles=DEMO / "inference-profiles.json", rules=None
    )


def test_the_readme_notebook_example_runs_as_written():
    """The README's notebook block, run as a notebook cell would run it (from the repository root)."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```python\n(from cur_analyzer import Analyzer.*?)```", readme, re.S)
    assert block, "README has no notebook example starting with `from cur_analyzer import Analyzer`"
    cell: dict = {}
    import os

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(block.group(1), "README.md", "exec"), cell)  # noqa: S102 - the README's own example
    finally:
        os.chdir(here)
    assert cell["october"].total == Decimal("92.4283646600")


def test_the_october_chargeback_from_a_notebook_equals_the_command_line(analyzer):
    from_notebook = analyzer.chargeback("2026-10", by=["iamPrincipal/team"])
    result = CliRunner().invoke(
        app,
        [
            "chargeback",
            "-m",
            "2026-10",
            "--cur",
            str(DEMO / "cur2-bedrock"),
            "--by",
            "iamPrincipal/team",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert Decimal(json.loads(result.stdout)["total"]) == from_notebook.total


def test_a_report_model_converts_to_arrow_with_exact_money(analyzer):
    october = analyzer.chargeback("2026-10")
    table = october.to_arrow()
    assert str(table.schema.field("cost").type) == "decimal128(38, 10)"
    # attributed, Unallocated and adjustment rows: the whole invoice, to the last decimal
    assert sum(table.column("cost").to_pylist()) == october.total == Decimal("92.4283646600")
    frame = analyzer.coverage("2026-10", ["team"]).to_pandas()
    assert len(frame) > 0


def test_every_report_is_one_method_of_the_analyzer(analyzer):
    period = BillingPeriod.parse("2026-10")
    assert [str(p) for p in analyzer.periods()] == ["2026-10", "2026-11"]
    assert analyzer.is_final(period) and not analyzer.is_final(period.next)
    assert analyzer.estimate(period).to_arrow().num_rows > 0
    assert analyzer.reconcile(period).to_arrow().num_rows > 0
    assert analyzer.checks(period, ("cur", "logs")).to_arrow().num_rows > 0
    assert analyzer.focus(period).to_arrow().num_rows > 0
    assert analyzer.alerts(period).to_arrow().num_rows >= 0


def test_the_analyzer_asks_the_data_once_for_what_does_not_change(analyzer, monkeypatch):
    fresh = Analyzer(cur=DEMO / "cur2-bedrock")
    engine = fresh.engine._engine  # the connected engine behind the Analyzer's memory
    calls = {"months": 0, "capabilities": 0}
    for name in calls:
        real = getattr(engine, name)

        def counted(real=real, name=name):
            calls[name] += 1
            return real()

        monkeypatch.setattr(engine, name, counted)
    for by in (["principal"], ["account"], ["iamPrincipal/team"]):
        fresh.chargeback("2026-10", by=by)
    fresh.coverage("2026-10", ["team"])
    assert calls == {"months": 1, "capabilities": 1}


def test_estimate_reconcile_and_chargeback_name_each_model_alike_so_they_join(analyzer):
    """One model has one label and one key in every report: the estimate's models, the reconciled rows and
    the chargeback by model join on them."""
    month = "2026-10"
    estimated = {(r["model"], r["model_key"]) for r in analyzer.estimate(month, view="models").rows}
    reconciled = {(r.values["model"], r.model_key) for r in analyzer.reconcile(month, by=["model"]).rows}
    charged = {r.values[0] for r in analyzer.chargeback(month, by=["model"]).rows}
    known = {pair for pair in estimated if pair[1]}
    assert len(known) >= 3
    assert known <= reconciled
    assert {label for label, _key in known} <= charged
