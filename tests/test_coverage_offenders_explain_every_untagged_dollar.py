"""Who answers for the spend no tag covers? The offenders of each required key add up to its untagged total,
usage with neither a caller nor a resource included, and `--top` limits them in every format."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.coverage import NO_CALLER, build_coverage

runner = CliRunner()
ACCOUNT = "111122223333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
AIP = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/q4m7x2kd9wla"


def line(cost, principal=None, resource=None, tags=None, product="AmazonBedrock"):
    return {
        "line_item_line_item_type": "Usage",
        "line_item_product_code": product,
        "line_item_usage_type": "USE1-Claude4.6Sonnet-input-tokens",
        "line_item_unblended_cost": Decimal(cost),
        "line_item_iam_principal": principal,
        "line_item_usage_account_id": ACCOUNT,
        "line_item_resource_id": resource,
        "tags": tags or {},
    }


LINES = [
    line("10", ALICE, tags={"iamPrincipal/team": "ml"}),
    # an untagged caller through an untagged profile: one uncovered dollar, answered for by the caller
    line("4", BOB, resource=AIP),
    # the profile alone, no caller
    line("2", resource=AIP),
    # batch usage: no caller, no resource
    line("3"),
    line("1", product="AmazonBedrockService"),
]


def uncovered_by_kind(cov, key="team"):
    out: dict[str, Decimal] = {}
    for o in [*cov.untagged, *cov.not_listed]:
        if o.key == key:
            out[o.kind] = out.get(o.kind, Decimal(0)) + o.uncovered
    return out


def test_usage_with_no_caller_and_no_resource_is_an_offender_of_its_own(make_cur):
    cov = build_coverage(DuckDBEngine(make_cur(LINES)), "2026-10", ["team"])
    batch = {o.id: o.uncovered for o in cov.untagged if o.kind == NO_CALLER}
    assert batch == {"AmazonBedrock": Decimal(3), "AmazonBedrockService": Decimal(1)}
    assert uncovered_by_kind(cov) == {
        "principal": Decimal(4),
        "aip": Decimal(2),  # the profile answers only for the line with no caller
        NO_CALLER: Decimal(4),
    }
    assert sum(uncovered_by_kind(cov).values()) == cov.untagged_total("team", "USD") == Decimal(10)
    aip = next(o for o in cov.untagged if o.kind == "aip")
    assert aip.untagged == Decimal(6)  # both lines lack the profile's tag


@pytest.mark.parametrize("key", ["team", "cost-center"])
@pytest.mark.parametrize("top", [1, 10])
def test_on_the_demo_month_the_offenders_add_up_to_the_untagged_spend(demo_engine, key, top):
    cov = build_coverage(demo_engine, "2026-10", [key], top=top)
    assert cov.untagged_total(key, "USD") > 0
    assert sum(uncovered_by_kind(cov, key).values()) == cov.untagged_total(key, "USD")
    per_kind = [sum(1 for o in cov.untagged if o.kind == kind) for kind in {o.kind for o in cov.untagged}]
    assert max(per_kind) <= top


DEMO_ARGS = [
    "coverage",
    "--month",
    "2026-10",
    "--require",
    "cost-center",
    "--view",
    "offenders",
    "--top",
    "1",
]


def cli(demo_export, *extra: str):
    result = runner.invoke(app, [*DEMO_ARGS, "--cur", str(demo_export), *extra])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def principals(demo_export) -> int:
    """How many principals of the demo month lack cost-center: the rest of them is one ``N more`` row."""
    doc = json.loads(cli(demo_export, "-f", "json", "--top", "1000").stdout)
    count = sum(1 for o in doc["untagged"] if o["kind"] == "principal")
    assert count > 1
    return count


def listed_principals(rows: list[list[str]]) -> list[list[str]]:
    return [r for r in rows if r[1] == "principal" and not r[2].endswith(" more")]


def test_top_limits_the_offenders_in_csv_and_the_rest_is_one_row_per_kind(demo_export, principals):
    rows = list(csv.reader(io.StringIO(cli(demo_export, "-f", "csv").stdout)))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["key", "kind", "id"]
    assert len(listed_principals(body)) == 1
    assert [r[2] for r in body if r[1] == "principal" and r[2].endswith(" more")] == [
        f"{principals - 1} more"
    ]
    uncovered = sum(Decimal(r[header.index("uncovered_cost")]) for r in body)
    doc = json.loads(cli(demo_export, "-f", "json").stdout)
    any_row = next(r for r in doc["rows"] if r["source"] == "any")
    assert uncovered == Decimal(any_row["untagged_cost"])  # the csv alone explains every dollar


def test_top_limits_the_offenders_in_json(demo_export, principals):
    doc = json.loads(cli(demo_export, "-f", "json").stdout)
    assert sum(1 for o in doc["untagged"] if o["kind"] == "principal") == 1
    (rest,) = [o for o in doc["untagged_not_listed"] if o["kind"] == "principal"]
    assert rest["offenders"] == principals - 1 and rest["id"] == f"{principals - 1} more"


def test_top_limits_the_offenders_in_md_and_table(demo_export):
    md_rows = [
        [c.strip() for c in line.strip("|").split("|")]
        for line in cli(demo_export, "-f", "md").stdout.splitlines()
        if line.startswith("| cost-center")
    ]
    assert len(listed_principals(md_rows)) == 1
    assert any(r[1] == "total" and r[2] == "untagged by every source" for r in md_rows)
    table = cli(demo_export).stdout
    assert sum(1 for line in table.splitlines() if "│ principal " in line and " more " not in line) == 1


def test_top_limits_the_offenders_in_xlsx(demo_export, principals, tmp_path):
    out = tmp_path / "offenders.xlsx"
    cli(demo_export, "-f", "xlsx", "-o", str(out))
    sheet = load_workbook(out).worksheets[0]
    rows = [[str(c.value or "") for c in row] for row in sheet.iter_rows(min_row=2)]
    assert len(listed_principals(rows)) == 1
    assert any(r[2] == f"{principals - 1} more" for r in rows)


def test_the_coverage_view_points_to_the_offenders_instead_of_listing_them(demo_export):
    result = runner.invoke(
        app, ["coverage", "--month", "2026-10", "--require", "cost-center", "--cur", str(demo_export)]
    )
    assert result.exit_code == 0, result.output
    assert "the offenders view lists them" in result.stdout
    assert "principals without" not in result.stdout and "arn:aws:iam" not in result.stdout


def test_the_monthly_packs_untagged_sheet_adds_up_to_the_untagged_spend(tmp_path):
    """The pack lists the top offenders and the rest as "N more" rows: per key and currency they add up to
    the Total row, the spend no source tags."""
    from cur_analyzer import Analyzer
    from cur_analyzer.reports.monthly import views

    analyzer = Analyzer(cur="fixtures/demo/cur2-bedrock", rules=None)
    pack = analyzer.monthly("2026-10", top=2)
    (untagged,) = [v for v in views(pack) if v.key == "untagged"]
    assert untagged.summary_rows
    for total in untagged.summary_rows:
        key, currency = total["id"].split(", ")
        listed = [r["uncovered_cost"] for r in untagged.rows if r["key"] == key]
        assert sum(listed) == total["uncovered_cost"] == pack.coverage.untagged_total(key, currency)
    assert any(r["id"].endswith("more") for r in untagged.rows)
