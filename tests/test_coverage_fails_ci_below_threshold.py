"""Can CI gate on tag coverage? --fail-under exits 1 below the threshold (naming the key and its figure),
0 at or above it, and refuses bad input with exit 2."""

from __future__ import annotations

from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app

runner = CliRunner()


def line(cost, tags):
    return {
        "line_item_line_item_type": "Usage",
        "line_item_product_code": "AmazonBedrock",
        "line_item_usage_type": "USE1-NovaPro-input-tokens",
        "line_item_unblended_cost": Decimal(cost),
        "line_item_iam_principal": "arn:aws:iam::111122223333:user/alice",
        "tags": tags,
    }


@pytest.fixture
def export(make_cur):
    # team: 80 % tagged; cost-center: 100 %
    return make_cur(
        [
            line("80", {"iamPrincipal/team": "ml", "iamPrincipal/cost-center": "1"}),
            line("20", {"iamPrincipal/cost-center": "1"}),
        ]
    )


def run(export, *args):
    return runner.invoke(
        app,
        ["coverage", "--month", "2026-10", "--cur", str(export), "-r", "team", "-r", "cost-center", *args],
    )


def test_below_the_threshold_exits_1_naming_the_key_and_its_coverage(export):
    result = run(export, "--fail-under", "90", "-f", "json")
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("{")  # the report is still written
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and "team 80.00%" in err and "cost-center" not in err


@pytest.mark.parametrize("threshold", ["80", "50", "0"])
def test_at_or_above_the_threshold_exits_0(export, threshold):
    assert run(export, "--fail-under", threshold).exit_code == 0


def test_the_threshold_can_apply_to_one_source(export):
    assert run(export, "--fail-under", "1", "--fail-on", "resource").exit_code == 1
    assert run(export, "--fail-under", "80", "--fail-on", "principal").exit_code == 0


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--fail-under", "50", "--fail-on", "rules"], "no rules-file dimension"),
        (["--fail-on", "everything"], "--fail-on"),
        (["-r", "iamPrincipal/team"], "give the tag key alone"),
        (["-r", "te$am"], "tag key"),
        (["--service", "ec2"], "--service"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(export, args, fragment):
    result = run(export, *args)
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr and len(result.stderr.strip().splitlines()) == 1
