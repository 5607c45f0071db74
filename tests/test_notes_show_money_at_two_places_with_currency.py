"""A note is read by a person: money in it is at 2 places with its currency ("explains USD 7.11"), never a
10-place string; the JSON document keeps the exact amounts in its own fields."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.text import money

runner = CliRunner()
DEMO = "fixtures/demo"
AMOUNT = re.compile(r"-?\d[\d,]*\.\d+")


def test_money_in_words_is_two_places_with_the_currency_first():
    assert money(Decimal("12.3456789000"), "USD") == "USD 12.35"
    assert money(Decimal("1234567.125"), "EUR") == "EUR 1,234,567.12"  # half to even, as the tables
    assert money(Decimal("-4.5600000000")) == "-4.56"
    assert money(Decimal("-0.0000001"), "USD") == "USD 0.00"
    assert money(3, "USD") == "USD 3.00"


def reconcile(*args: str) -> str:
    result = runner.invoke(
        app,
        [
            "--quiet",
            "reconcile",
            "-m",
            "2026-10",
            "--cur",
            f"{DEMO}/cur2-bedrock",
            "--logs",
            f"{DEMO}/logs",
            *args,
        ],
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_reconciliation_notes_show_each_amount_at_two_places_in_usd():
    notes = [line[2:] for line in reconcile("-f", "md").splitlines() if line.startswith("- ")]
    explains = [n for n in notes if "explains" in n or "unexplained" in n]
    assert len(explains) > 1 and all(re.search(r": (explains )?USD -?\d[\d,]*\.\d\d$", n) for n in explains)
    amounts = [a for n in notes for a in AMOUNT.findall(n)]
    assert amounts and all(len(a.partition(".")[2]) <= 2 for a in amounts), notes
    assert "billed USD " in notes[0] and "estimated USD " in notes[0] and "gap USD " in notes[0]


def test_the_json_document_keeps_the_exact_amounts_the_notes_round():
    summary = json.loads(reconcile("-f", "json"))["summary"]
    explained = [Decimal(v) for v in summary["explained"].values()]
    assert explained and any(v != v.quantize(Decimal("0.01")) for v in explained)
    notes = reconcile("-f", "md")
    for value in explained:
        assert f"explains {money(value, 'USD')}" in notes
