"""`--cur` takes the export folder, any folder above it, one BILLING_PERIOD folder, or parquet files, and
they all give the same October."""

from __future__ import annotations

import pytest

from cur_analyzer.engines.duckdb import DuckDBEngine, resolve_cur
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.chargeback import build_chargeback


@pytest.fixture(scope="module")
def october_total(demo_export):
    return build_chargeback(DuckDBEngine(demo_export), "2026-10", service="all").totals()


def forms(export):
    partition = export / "data" / "BILLING_PERIOD=2026-10"
    return {
        "export folder": export,
        "folder above": export.parent,
        "billing period folder": partition,
        "parquet files": sorted(partition.glob("*.parquet")),
    }


@pytest.mark.parametrize("form", ["export folder", "folder above", "billing period folder", "parquet files"])
def test_every_cur_path_form_gives_the_same_october(demo_export, october_total, form):
    engine = DuckDBEngine(forms(demo_export)[form])
    assert "2026-10" in engine.months()
    assert build_chargeback(engine, "2026-10", service="all").totals() == october_total


def test_a_single_billing_period_folder_holds_only_that_month(demo_export):
    assert DuckDBEngine(demo_export / "data" / "BILLING_PERIOD=2026-10").months() == ["2026-10"]


def test_the_manifest_folder_is_never_read_as_data(demo_export):
    assert all("metadata" not in f.parts for f in resolve_cur(demo_export.parent).files)


def test_two_exports_under_one_folder_is_ambiguous_and_says_so(tmp_path, demo_export):
    import shutil

    for name in ("cur-a", "cur-b"):
        shutil.copytree(demo_export / "data", tmp_path / name / "data")
    with pytest.raises(UserInputError, match="2 exports"):
        resolve_cur(tmp_path)
