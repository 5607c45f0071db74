"""The FinOps analyst's October: Bedrock spend per principal, per principal tag and per AIP tag, and a
total that matches the invoice to the cent — every figure against the generator's ground truth."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.reports.chargeback import COST_BASES, build_chargeback

MONTHS = ["2026-10", "2026-11"]


def as_dict(cb, dim_index: int = 0) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for r in cb.rows:
        out[r.values[dim_index]] = out.get(r.values[dim_index], Decimal(0)) + r.cost
    return out


def expected(mapping: dict[str, str]) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in mapping.items() if Decimal(v) != 0 or k != "Unallocated"}


@pytest.mark.parametrize("month", MONTHS)
@pytest.mark.parametrize("basis", COST_BASES)
def test_the_whole_bill_sums_to_the_invoice_to_the_cent(demo_engine, ground_truth, month, basis):
    cb = build_chargeback(demo_engine, month, ["account"], "all", basis)
    assert cb.total == Decimal(ground_truth["months"][month]["invoice_total"][basis])


@pytest.mark.parametrize("month", MONTHS)
@pytest.mark.parametrize("basis", COST_BASES)
def test_the_bedrock_chargeback_total_is_the_bedrock_bill(demo_engine, ground_truth, month, basis):
    cb = build_chargeback(demo_engine, month, ["principal"], "bedrock", basis)
    assert cb.total == Decimal(ground_truth["months"][month]["bedrock_total"][basis])


@pytest.mark.parametrize("month", MONTHS)
def test_october_chargeback_per_principal_matches_ground_truth(demo_engine, ground_truth, month):
    cb = build_chargeback(demo_engine, month, ["principal"])
    assert as_dict(cb) == expected(ground_truth["months"][month]["bedrock_usage"]["by_principal"])


@pytest.mark.parametrize("key", ["team", "cost-center", "project"])
def test_october_chargeback_per_principal_tag_matches_ground_truth(demo_engine, ground_truth, key):
    cb = build_chargeback(demo_engine, "2026-10", [f"iamPrincipal/{key}"])
    assert as_dict(cb) == expected(
        ground_truth["months"]["2026-10"]["bedrock_usage"]["by_principal_tag"][key]
    )


@pytest.mark.parametrize("key", ["team", "cost-center", "Application"])
def test_october_chargeback_per_inference_profile_tag_matches_ground_truth(demo_engine, ground_truth, key):
    cb = build_chargeback(demo_engine, "2026-10", [f"tag/{key}"])
    assert as_dict(cb) == expected(ground_truth["months"]["2026-10"]["bedrock_usage"]["by_aip_tag"][key])


@pytest.mark.parametrize(
    ("dim", "truth"), [("account", "by_account"), ("usage-type", "by_usage_type"), ("service", "by_product")]
)
def test_october_chargeback_per_account_usage_type_and_service(demo_engine, ground_truth, dim, truth):
    cb = build_chargeback(demo_engine, "2026-10", [dim])
    assert as_dict(cb) == expected(ground_truth["months"]["2026-10"]["bedrock_usage"][truth])


def test_october_chargeback_per_token_type_matches_the_meters(demo_engine, ground_truth):
    cb = build_chargeback(demo_engine, "2026-10", ["token-type"])
    assert as_dict(cb) == expected(ground_truth["months"]["2026-10"]["bedrock_usage"]["by_meter"])


def test_the_principal_view_and_the_aip_view_are_two_cuts_of_the_same_spend(demo_engine):
    by_principal = build_chargeback(demo_engine, "2026-10", ["principal"])
    by_aip_tag = build_chargeback(demo_engine, "2026-10", ["tag/team"])
    assert by_principal.usage_totals() == by_aip_tag.usage_totals()
    assert by_principal.total == by_aip_tag.total


@pytest.mark.parametrize("scope", ["all", "bedrock"])
def test_adjustments_are_shown_separately_never_dropped(demo_engine, ground_truth, scope):
    cb = build_chargeback(demo_engine, "2026-10", ["principal"], "all" if scope == "all" else "bedrock")
    got = {a.line_item_type: a.cost for a in cb.adjustments}
    assert got == {k: Decimal(v) for k, v in ground_truth["months"]["2026-10"]["adjustments"][scope].items()}


def test_the_role_view_folds_the_sessions_of_a_role(demo_engine):
    sessions = build_chargeback(demo_engine, "2026-10", ["principal"])
    roles = as_dict(build_chargeback(demo_engine, "2026-10", ["role"]))
    chat_sessions = sum((r.cost for r in sessions.rows if "assumed-role/ChatApp/" in r.values[0]), Decimal(0))
    (chat_role,) = [k for k in roles if k.endswith(":role/ChatApp")]
    assert roles[chat_role] == chat_sessions > 0


def test_october_is_final_and_november_is_not(demo_engine):
    assert build_chargeback(demo_engine, "2026-10").final
    november = build_chargeback(demo_engine, "2026-11")
    assert not november.final and any("not final" in n for n in november.notes)


def test_the_json_file_for_finance_carries_the_ground_truth_total(demo_export, ground_truth, tmp_path):
    out = tmp_path / "october.json"
    result = CliRunner().invoke(
        app,
        [
            "chargeback",
            "--month",
            "2026-10",
            "--cur",
            str(demo_export),
            "--by",
            "iamPrincipal/team",
            "--service",
            "all",
            "-f",
            "json",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert Decimal(doc["total"]) == Decimal(ground_truth["months"]["2026-10"]["invoice_total"]["unblended"])
    assert {r["iamPrincipal/team"] for r in doc["rows"]} >= {"ml-platform", "research", "Unallocated"}
