"""The FOCUS Validator (focus-validator 2.2.1, the FinOps Foundation's) passes on the demo month's export.

It runs from its own venv, .venv-focus (Python >= 3.12, created by scripts/focus-validator.sh), through
that script, which runs it offline with the applicability criteria AWS meets. Its exit code is 0 even
when rules fail, so these tests read the JUnit XML it writes. The only failure allowed is one of the
InvoiceId pair C-004 ("MUST be null") / C-005 ("MUST NOT be null"): the validator checks both without
their conditions (charge invoiced or not), so every dataset fails exactly one of them. The rules it skips
are covered by tests/test_focus_export.py.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "focus-validator.sh"
VALIDATOR = ROOT / ".venv-focus" / "bin" / "focus-validator"
#: Contradictory without their conditions (see the module docstring): exactly one of them always fails.
CONTRADICTORY_PAIR = {"InvoiceId-C-004-C", "InvoiceId-C-005-C"}

needs_validator = pytest.mark.skipif(
    not VALIDATOR.exists(),
    reason=f"{VALIDATOR.relative_to(ROOT)} is missing: create it with scripts/focus-validator.sh --install",
)
runner = CliRunner()


def export(demo_export: Path, month: str, out: Path) -> Path:
    result = runner.invoke(
        app, ["--quiet", "export-focus", "-m", month, "--cur", str(demo_export), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def validate(parquet: Path) -> tuple[dict[str, str], ET.Element, subprocess.CompletedProcess]:
    """Run the validator via the script; {rule id: passed|failed|skipped} from the JUnit XML."""
    xml = parquet.with_suffix(".xml")
    proc = subprocess.run(
        ["bash", str(SCRIPT), str(parquet), str(xml)], capture_output=True, text=True, timeout=300
    )
    assert xml.exists(), f"no JUnit XML (exit {proc.returncode}): {proc.stdout[-1500:]} {proc.stderr[-1500:]}"
    root = ET.parse(xml).getroot()
    outcome = {}
    for case in root.iter("testcase"):
        rule = case.get("name", "").split(" ::")[0]
        if case.find("failure") is not None or case.find("error") is not None:
            outcome[rule] = "failed"
        elif case.find("skipped") is not None:
            outcome[rule] = "skipped"
        else:
            outcome[rule] = "passed"
    return outcome, root, proc


@pytest.fixture(scope="module")
def demo_month(demo_export, tmp_path_factory):
    return validate(export(demo_export, "2026-10", tmp_path_factory.mktemp("focus") / "focus.parquet"))


@needs_validator
def test_focus_validator_passes_on_the_demo_month(demo_month):
    outcome, root, proc = demo_month
    failed = {rule for rule, status in outcome.items() if status == "failed"}
    assert failed - CONTRADICTORY_PAIR == set(), sorted(failed)
    assert len(failed & CONTRADICTORY_PAIR) == 1  # a closed month has invoice ids: "MUST be null" fails
    assert outcome["InvoiceId-C-004-C"] == "failed"
    assert int(root.get("failures")) == 1
    assert proc.returncode == 0, proc.stdout  # the script exits 1 on any other failure
    assert "allow-listed: InvoiceId-C-004-C" in proc.stdout


@needs_validator
def test_the_validator_really_checked_the_columns(demo_month):
    outcome, root, _ = demo_month
    passed = {rule for rule, status in outcome.items() if status == "passed"}
    assert len(outcome) == int(root.get("tests")) > 500
    assert len(passed) >= 280, "the applicability criteria did not take: most rules were skipped"
    for rule in (
        "BilledCost-C-001-M",  # Decimal
        "ChargeCategory-C-003-M",  # allowed values
        "ChargePeriodStart-C-001-M",  # Date/Time
        "ListUnitPrice-C-010-C",  # ListUnitPrice x PricingQuantity = ListCost
        "ContractedUnitPrice-C-011-C",  # ContractedUnitPrice x PricingQuantity = ContractedCost
        "PricingUnit-C-003-O",  # UnitFormat: 1000 Tokens
        "ServiceSubcategory-C-004-M",  # Generative AI under AI and Machine Learning
        "SkuPriceId-C-008-M",  # one SkuId per SkuPriceId
        "Tags-C-001-M",  # KeyValueFormat
        "ConsumedQuantity-C-006-C",
    ):
        assert outcome[rule] == "passed", rule


@needs_validator
def test_an_open_month_fails_the_other_half_of_the_invoice_id_pair(demo_export, tmp_path):
    outcome, _, proc = validate(export(demo_export, "2026-11", tmp_path / "open.parquet"))
    failed = {rule for rule, status in outcome.items() if status == "failed"}
    assert failed == {"InvoiceId-C-005-C"}  # no invoice id yet: "MUST NOT be null" fails
    assert proc.returncode == 0


@needs_validator
def test_the_harness_sees_a_broken_export_fail(demo_export, tmp_path):
    """A control: an export with values FOCUS forbids must fail, so a pass above means something."""
    good = export(demo_export, "2026-10", tmp_path / "good.parquet")
    table = pq.read_table(good)
    n = table.num_rows
    broken = table.set_column(
        table.schema.get_field_index("ServiceCategory"), "ServiceCategory", [["GenAI"] * n]
    ).set_column(table.schema.get_field_index("BillingCurrency"), "BillingCurrency", [["usd"] * n])
    bad = tmp_path / "bad.parquet"
    pq.write_table(broken.cast(table.schema), bad)
    outcome, _, proc = validate(bad)
    assert outcome["ServiceCategory-C-003-M"] == "failed"
    assert outcome["BillingCurrency-C-003-M"] == "failed"
    assert proc.returncode == 1 and "FAILED ServiceCategory-C-003-M" in proc.stdout
