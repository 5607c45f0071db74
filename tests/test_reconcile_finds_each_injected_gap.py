"""Each cause of an estimate-vs-bill gap, injected into clean synthetic data by the generator, is found
with the right status and cause, and the gap each cause explains equals the gap injected."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.reconcile import build_reconciliation
from cur_analyzer.synth import Gaps, generate

BUCKET = ["day", "account", "region", "principal", "model", "meter"]
MONTH = "2026-10"
KNOBS = {
    "drop_cache_tokens_from_logs": ("cache tokens missing from logs", "billed-only"),
    "lose_log_hour": ("log gap", None),  # billed-only, or under where the bucket has other logged hours
    "unlogged_tier": ("tier not in logs", "billed-only"),
    "unpriced_model": ("model missing from price table", "under"),
    "one_hour_cache_writes": ("1-hour cache-write rate", "under"),
    "cross_region_rate": ("cross-region rate", "over"),
}


def reconcile(folder: Path):
    engine = DuckDBEngine(folder / "cur2-bedrock", logs=folder / "logs")
    return build_reconciliation(
        engine, MONTH, BUCKET, profiles=ProfileMap.load(folder / "inference-profiles.json")
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    cache: dict[tuple[str, ...], tuple] = {}

    def make(*names: str):
        if names not in cache:
            out = tmp_path_factory.mktemp("-".join(names) or "default")
            truth = generate(
                out, month=MONTH, rows=1500, seed=11, months=1, gaps=Gaps.from_names(["clean", *names])
            )
            cache[names] = (reconcile(out), truth.month(MONTH)["reconcile"])
        return cache[names]

    return make


def rows_by_bucket(rec):
    """Rows by the truth's bucket key, which names a model by its price key (the row's ``model_key``), or
    by the name the bill or the log gives a model the catalogue does not know (the row's label)."""
    return {
        tuple((r.model_key or r.values[k]) if k == "model" else r.values[k] for k in BUCKET): r
        for r in rec.rows
    }


def test_on_clean_synthetic_data_every_bucket_matches(generated):
    rec, truth = generated()
    assert truth["injected"] == {}
    assert rec.rows and {r.status for r in rec.rows} == {"match"}
    assert rec.estimated_cost == rec.billed_cost == Decimal(truth["billed_cost"])
    assert rec.explained_by_cause() == {}


@pytest.mark.parametrize("knob", list(KNOBS))
def test_each_injected_cause_is_found_with_its_status_and_explains_the_injected_gap(generated, knob):
    cause, status = KNOBS[knob]
    rec, truth = generated(knob)
    injected = truth["injected"][cause]
    assert set(truth["injected"]) == {cause}
    assert rec.explained_by_cause() == {cause: Decimal(injected["amount"])}
    assert rec.billed_cost - rec.estimated_cost == Decimal(injected["amount"])
    rows = rows_by_bucket(rec)
    hit = [rows[tuple(b)] for b in injected["buckets"]]
    assert hit and {r.cause for r in hit} == {cause}
    assert {r.status for r in hit} == {status or injected["status"]}
    untouched = [r for k, r in rows.items() if list(k) not in injected["buckets"]]
    assert {r.status for r in untouched} <= {"match"}


def test_a_month_that_is_not_final_turns_mismatches_into_pending(generated):
    rec, truth = generated("lose_log_hour", "not_final")
    assert not rec.final
    injected = truth["injected"]["log gap"]
    rows = rows_by_bucket(rec)
    assert {rows[tuple(b)].status for b in injected["buckets"]} == {"pending"} == {injected["status"]}
    assert rec.explained_by_cause() == {"log gap": Decimal(injected["amount"])}


def test_all_causes_together_still_add_up_to_the_gap(generated):
    rec, truth = generated(*KNOBS)
    expected = {c: Decimal(e["amount"]) for c, e in truth["injected"].items()}
    assert rec.explained_by_cause() == expected
    assert sum(expected.values()) == rec.billed_cost - rec.estimated_cost


def test_the_fixtures_command_injects_gaps_by_name(tmp_path):
    import json

    from typer.testing import CliRunner

    from cur_analyzer.cli import app

    runner = CliRunner()
    ok = runner.invoke(
        app,
        [
            "fixtures",
            "--out",
            str(tmp_path),
            "--rows",
            "600",
            "--months",
            "1",
            "--gap",
            "clean",
            "--gap",
            "unlogged-tier",
        ],
    )
    assert ok.exit_code == 0, ok.output
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    assert set(truth["months"][MONTH]["reconcile"]["injected"]) == {"tier not in logs"}
    bad = runner.invoke(app, ["fixtures", "--out", str(tmp_path), "--gap", "sunspots"])
    assert bad.exit_code == 2 and "--gap" in bad.stderr
