"""Is every report right on every export AWS writes? One month holding every variant the generator knows
(Marketplace Bedrock models, AgentCore, non-token meters, a stale file beside the manifest, an account billed
in euros under a payer of its own, RI and Savings Plan net columns, edge tag values and session names), at
each time granularity, and a flat (unpartitioned) export holding the same variants: coverage, estimate,
reconcile, check, alerts, the monthly pack and the FOCUS export against the ground truth. (Chargeback on
the same variants: test_fixture_variants_reports_match_ground_truth.)"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cur_analyzer import Analyzer
from cur_analyzer.synth import EXPORT_NAME, GRANULARITIES, VARIANTS, GroundTruth, generate

MONTH = "2026-10"
PARTITIONED = tuple(v for v in VARIANTS if v != "flat-layout")
# a flat export has no manifest to leave a stale file out of: every other variant, without partitions
FLAT = tuple(v for v in VARIANTS if v != "stale-file")
EXPORTS = (*GRANULARITIES, "flat")
EDGE_SESSIONS = {"José Pérez", "Ana María", "李雷"}


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GroundTruth]:
    out = {
        g: generate(
            tmp_path_factory.mktemp(g), MONTH, rows=1500, months=1, granularity=g, variants=PARTITIONED
        )
        for g in GRANULARITIES
    }
    out["flat"] = generate(
        tmp_path_factory.mktemp("flat"), MONTH, rows=1500, months=1, granularity="daily", variants=FLAT
    )
    return out


def analyzer_of(gt: GroundTruth) -> Analyzer:
    root = gt.path.parent
    return Analyzer(
        cur=root / EXPORT_NAME, logs=root / "logs", profiles=root / "inference-profiles.json", rules=None
    )


@pytest.mark.parametrize("granularity", EXPORTS)
def test_coverage_totals_are_the_bedrock_usage_in_each_currency(exports, granularity):
    gt = exports[granularity]
    truth = gt.month(MONTH)
    coverage = analyzer_of(gt).coverage(MONTH, ["team"])
    totals = {r.currency: r.total for r in coverage.totals() if r.source == "principal"}
    assert totals["USD"] == Decimal(truth["bedrock_usage"]["total"])
    eur = truth["by_currency"]["EUR"]["bedrock_total"]["unblended"]
    assert totals["EUR"] + coverage.adjustments["EUR"] == Decimal(eur)


@pytest.mark.parametrize("granularity", EXPORTS)
def test_the_estimate_from_the_logs_is_the_truths_whatever_the_bill_looks_like(exports, granularity):
    gt = exports[granularity]
    estimate = analyzer_of(gt).estimate(MONTH)
    assert estimate.total == Decimal(gt.month(MONTH)["logs"]["estimated_cost"])


@pytest.mark.parametrize("granularity", EXPORTS)
def test_reconcile_bills_every_bedrock_usage_dollar_and_explains_each_gap_exactly(exports, granularity):
    gt = exports[granularity]
    truth = gt.month(MONTH)
    rec = analyzer_of(gt).reconcile(MONTH, by=["principal", "model"])
    billed = rec.billed_totals()
    assert billed["USD"] == Decimal(truth["bedrock_usage"]["total"])
    assert set(billed) == {"USD", "EUR"}
    for row in rec.rows:
        if row.compared:
            assert row.unexplained is not None and abs(row.unexplained) < Decimal("0.0001"), row
            if row.status == "match":
                assert len({a > 0 for a in row.explained.values()}) <= 1, row  # no offsetting causes
        else:
            assert row.delta is None and not row.explained
    statuses = {r.status for r in rec.rows}
    assert {"other-currency", "marketplace-units", "not-a-log-meter"} <= statuses


@pytest.mark.parametrize("granularity", EXPORTS)
def test_reconcile_blames_the_never_logged_sessions_on_logging_being_off(exports, granularity):
    rec = analyzer_of(exports[granularity]).reconcile(MONTH, by=["session"])
    edge = [r for r in rec.rows if r.values["session"] in EDGE_SESSIONS]
    assert {r.values["session"] for r in edge} == EDGE_SESSIONS
    assert {r.cause for r in edge} == {"logging off"}


@pytest.mark.parametrize("granularity", EXPORTS)
def test_reconcile_shows_marketplace_spend_by_model_without_comparing_it(exports, granularity):
    gt = exports[granularity]
    truth = gt.month(MONTH)["marketplace"]
    rec = analyzer_of(gt).reconcile(MONTH, by=["model"])
    shown = {r.values["model"] for r in rec.rows if r.status == "marketplace-units"}
    assert shown == set(truth["bedrock_by_model"])


@pytest.mark.parametrize("granularity", EXPORTS)
def test_the_data_checks_flag_only_the_session_names_aws_would_never_write(exports, granularity):
    """RoleSessionName is ``[\\w+=,.@-]``: a space or an accent cannot come from AWS, and the check says so;
    the euro account under its own payer is not a currency conflict, and nothing else is wrong."""
    analyzer = analyzer_of(exports[granularity])
    (arn_check,) = analyzer.checks(MONTH, ("cur", "logs")).errors
    assert arn_check.check == "principal_arn"
    assert {e.rsplit("/", 1)[1] for e in arn_check.examples} <= EDGE_SESSIONS
    by_session = analyzer.chargeback(MONTH, by=["session"])
    assert arn_check.failing == sum(r.lines for r in by_session.rows if r.values[0] in EDGE_SESSIONS)


@pytest.mark.parametrize("granularity", EXPORTS)
def test_alerts_check_days_only_where_the_export_has_days(exports, granularity):
    checks = {c.rule: c for c in analyzer_of(exports[granularity]).alerts(MONTH).checks}
    monthly = granularity == "monthly"
    for rule in ("daily-cost-spike", "spender-spike"):
        assert ("export is monthly" in checks[rule].detail) == monthly, checks[rule]
    assert checks["model-share"].status in ("fired", "silent")


@pytest.mark.parametrize("granularity", EXPORTS)
def test_the_monthly_pack_totals_are_the_bedrock_totals_in_each_currency(exports, granularity):
    gt = exports[granularity]
    truth = gt.month(MONTH)
    pack = analyzer_of(gt).monthly(MONTH, logs=True)
    assert pack.totals == {
        c: Decimal(t["bedrock_total"]["unblended"]) for c, t in truth["by_currency"].items()
    }
    assert ("daily" in pack.omitted) == (granularity == "monthly")


@pytest.mark.parametrize("granularity", EXPORTS)
def test_the_focus_export_bills_the_bedrock_total_in_each_currency(exports, granularity):
    gt = exports[granularity]
    truth = gt.month(MONTH)
    focus = analyzer_of(gt).focus(MONTH)
    assert focus.totals() == {
        c: Decimal(t["bedrock_total"]["unblended"]) for c, t in truth["by_currency"].items()
    }
