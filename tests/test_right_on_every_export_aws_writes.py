"""Right on every export AWS writes: manifests that retire stale files, flat exports without a billing
period, the net amortized RI fees, and tag values and session names at the edges."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import write_cur

from cur_analyzer.engines._duckdb_files import MANIFEST_MAX_BYTES
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.chargeback import build_chargeback

MONTH = "2026-10"


def _line(**values) -> dict:
    line = {
        "line_item_line_item_type": "Usage",
        "line_item_product_code": "AmazonBedrock",
        "line_item_usage_type": "USE1-Claude4.6Sonnet-input-tokens",
        "line_item_iam_principal": "arn:aws:iam::111122223333:user/alice",
        "line_item_unblended_cost": Decimal("10"),
        "line_item_net_unblended_cost": Decimal("9"),
        "tags": {},
    }
    return {**line, **values}


def _total(engine: DuckDBEngine, basis: str = "unblended", by: tuple[str, ...] = ("principal",)) -> Decimal:
    return build_chargeback(engine, MONTH, by, "bedrock", basis).totals()["USD"]


# --- net amortized RI fees ----------------------------------------------------------------------------------
def _ri_fee(**net) -> dict:
    return _line(
        line_item_line_item_type="RIFee",
        line_item_unblended_cost=Decimal("100"),
        line_item_net_unblended_cost=Decimal("90"),
        reservation_unused_amortized_upfront_fee_for_billing_period=Decimal("30"),
        reservation_unused_recurring_fee=Decimal("20"),
        reservation_reservation_a_r_n="arn:aws:bedrock:us-east-1:111122223333:reservation/r-1",
        **net,
    )


def test_net_amortized_charges_an_ri_only_its_net_unused_fees(make_cur):
    export = make_cur(
        [
            _ri_fee(
                reservation_net_unused_amortized_upfront_fee_for_billing_period=Decimal("27"),
                reservation_net_unused_recurring_fee=Decimal("18"),
            )
        ]
    )
    engine = DuckDBEngine(export)
    assert _total(engine, "amortized") == Decimal("50")
    assert _total(engine, "net-amortized") == Decimal("45")


def test_net_amortized_ri_fees_fall_back_to_gross_where_the_export_has_no_net_value(make_cur):
    export = make_cur(
        [
            _ri_fee(
                reservation_net_unused_amortized_upfront_fee_for_billing_period=None,
                reservation_net_unused_recurring_fee=Decimal("18"),
            )
        ]
    )
    assert _total(DuckDBEngine(export), "net-amortized") == Decimal("48")


def test_net_amortized_ri_fees_are_gross_when_the_export_lacks_the_net_columns(make_cur):
    assert _total(DuckDBEngine(make_cur([_ri_fee()])), "net-amortized") == Decimal("50")


# --- a flat export --------------------------------------------------------------------------------------------
def _flat(export: Path, to: Path) -> Path:
    """The export's one parquet file moved into a plain folder: no BILLING_PERIOD folders at all."""
    to.mkdir()
    (data,) = export.rglob("*.parquet")
    return data.rename(to / "october.parquet").parent


def test_a_flat_export_keeps_lines_without_a_billing_period_in_their_usage_month(tmp_path):
    export = write_cur(tmp_path, [_line(), _line(), _line()])
    table = pq.read_table(next(export.rglob("*.parquet")))
    start = table.column("bill_billing_period_start_date").to_pylist()
    field = table.schema.get_field_index("bill_billing_period_start_date")
    undated = pa.array([start[0], None, None], table.schema.field(field).type)
    pq.write_table(
        table.set_column(field, "bill_billing_period_start_date", undated), next(export.rglob("*.parquet"))
    )
    engine = DuckDBEngine(_flat(export, tmp_path / "flat"))
    assert engine.months() == [MONTH]
    assert _total(engine) == Decimal("30")
    assert any("2 CUR lines have no billing period start date" in n and MONTH in n for n in engine.notes)


# --- manifests ------------------------------------------------------------------------------------------------
def _with_manifest(export: Path, names: list[str], **extra) -> Path:
    """The export's manifest for the month listing ``names`` (files within the partition), as AWS writes it."""
    folder = export / "metadata" / f"BILLING_PERIOD={MONTH}"
    folder.mkdir(parents=True, exist_ok=True)
    uris = [f"s3://bucket/cur/x/data/BILLING_PERIOD={MONTH}/{n}" for n in names]
    manifest = folder / "x-Manifest.json"
    manifest.write_text(json.dumps({"executionId": "e-1", "dataFiles": uris, "columns": [], **extra}))
    return manifest


def _stale_copy(export: Path) -> Path:
    partition = export / "data" / f"BILLING_PERIOD={MONTH}"
    stale = partition / "x-00001-refresh-1.snappy.parquet"
    shutil.copy(partition / "x-00001.snappy.parquet", stale)
    return stale


def test_a_stale_file_the_manifest_does_not_list_is_not_added_to_the_month(make_cur):
    export = make_cur([_line()])
    _stale_copy(export)
    _with_manifest(export, ["x-00001.snappy.parquet"])
    engine = DuckDBEngine(export)
    assert _total(engine) == Decimal("10")
    (note,) = [n for n in engine.notes if "manifest" in n]
    assert "1 parquet file(s)" in note and "x-00001-refresh-1.snappy.parquet" in note


def test_without_a_manifest_every_file_of_the_partition_is_read(make_cur):
    export = make_cur([_line()])
    _stale_copy(export)
    assert _total(DuckDBEngine(export)) == Decimal("20")


def test_a_file_the_manifest_lists_but_the_partition_lacks_is_one_clear_error(make_cur):
    export = make_cur([_line()])
    _with_manifest(export, ["x-00001.snappy.parquet", "x-00002.snappy.parquet"])
    with pytest.raises(
        UserInputError, match=r"1 data file\(s\) its manifest x-Manifest.json lists are missing \(x-00002"
    ):
        DuckDBEngine(export)


def test_a_manifest_naming_files_outside_its_partition_reads_nothing_there(make_cur, tmp_path):
    export = make_cur([_line()])
    (tmp_path / "elsewhere.parquet").write_bytes(b"not read")
    _with_manifest(export, ["x-00001.snappy.parquet", "../../../../elsewhere.parquet"])
    with pytest.raises(UserInputError, match="missing") as caught:
        DuckDBEngine(export)
    assert "\n" not in str(caught.value)


def test_a_manifest_that_is_not_one_is_named(make_cur):
    export = make_cur([_line()])
    manifest = _with_manifest(export, [])
    manifest.write_text(json.dumps({"dataFiles": "x-00001.snappy.parquet"}))
    with pytest.raises(UserInputError, match="dataFiles must be a list of S3 URIs"):
        DuckDBEngine(export)
    manifest.write_text(" " * (MANIFEST_MAX_BYTES + 1))
    with pytest.raises(UserInputError, match="x-Manifest.json"):
        DuckDBEngine(export)


def test_a_stale_file_name_in_the_note_cannot_rewrite_the_terminal(make_cur):
    export = make_cur([_line()])
    partition = export / "data" / f"BILLING_PERIOD={MONTH}"
    shutil.copy(partition / "x-00001.snappy.parquet", partition / "old\x1b[2J.parquet")
    _with_manifest(export, ["x-00001.snappy.parquet"])
    (note,) = DuckDBEngine(export).notes
    assert "\x1b" not in note and "old\\x1b[2J.parquet" in note


# --- values at the edges ------------------------------------------------------------------------------------
def test_a_team_tag_set_to_the_text_unallocated_is_not_the_unallocated_row(make_cur):
    export = make_cur(
        [
            _line(tags={"iamPrincipal/team": "Unallocated"}),
            _line(tags={}, line_item_unblended_cost=Decimal("5")),
        ]
    )
    cb = build_chargeback(DuckDBEngine(export), MONTH, ("iamPrincipal/team",))
    assert cb.unallocated() == {"USD": Decimal("5")}
    assert sorted((r.values, r.unallocated, r.cost) for r in cb.rows) == [
        (("Unallocated",), False, Decimal("10")),
        (("Unallocated",), True, Decimal("5")),
    ]


def test_a_tag_value_of_only_spaces_is_no_value_and_is_counted(make_cur):
    export = make_cur(
        [
            _line(tags={"iamPrincipal/team": "  "}),
            _line(tags={"iamPrincipal/team": "ml"}, line_item_unblended_cost=Decimal("5")),
        ]
    )
    cb = build_chargeback(DuckDBEngine(export), MONTH, ("iamPrincipal/team",))
    assert cb.unallocated() == {"USD": Decimal("10")}
    assert [r.values for r in cb.rows if not r.unallocated] == [("ml",)]
    assert any(n.startswith("1 lines carry a tag whose value is only whitespace") for n in cb.notes)


@pytest.mark.parametrize("session", ["José Pérez", "Ana María", "李雷", "o'brien smith"])
def test_a_role_session_named_with_spaces_or_accents_folds_into_its_role(make_cur, session):
    export = make_cur(
        [
            _line(line_item_iam_principal=f"arn:aws:sts::111122223333:assumed-role/app/{session}"),
            _line(line_item_iam_principal="arn:aws:sts::111122223333:assumed-role/app/batch-1"),
        ]
    )
    engine = DuckDBEngine(export)
    by_role = build_chargeback(engine, MONTH, ("role",))
    assert [(r.values, r.cost) for r in by_role.rows] == [
        (("arn:aws:iam::111122223333:role/app",), Decimal("20"))
    ]
    by_session = build_chargeback(engine, MONTH, ("session",))
    assert sorted(r.values[0] for r in by_session.rows) == sorted([session, "batch-1"])


def test_a_team_named_unallocated_is_not_swept_into_the_unallocated_pool(make_cur, tmp_path):
    """A split of what no source attributes moves the untagged lines only, never a team whose tag value
    happens to read 'Unallocated'."""
    from cur_analyzer.rules import load_rules

    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        "version: 1\n"
        "dimensions:\n"
        "  team:\n"
        "    sources: [{source: principal_tag, key: team}]\n"
        "shared_costs:\n"
        "  - {dimension: team, pool: Unallocated, method: proportional}\n"
    )
    export = make_cur(
        [
            _line(tags={"iamPrincipal/team": "Unallocated"}),
            _line(tags={"iamPrincipal/team": "research"}, line_item_unblended_cost=Decimal("30")),
            _line(tags={}, line_item_unblended_cost=Decimal("8")),
        ]
    )
    cb = build_chargeback(DuckDBEngine(export), MONTH, ("team",), rules=load_rules(rules_file))
    per_team: dict[str, Decimal] = {}
    for r in cb.rows:
        per_team[r.values[0]] = per_team.get(r.values[0], Decimal(0)) + r.cost
    (split,) = cb.splits
    assert split.amount == Decimal("8")  # the untagged line only, not the team called Unallocated
    assert per_team == {"Unallocated": Decimal("12"), "research": Decimal("36")}
    assert cb.totals() == {"USD": Decimal("48")}


def test_the_pack_keeps_a_team_named_unallocated_apart_from_the_unallocated_row(make_cur, tmp_path):
    """The monthly pack's team view and chart: the team whose tag reads 'Unallocated' is a named team
    (charted in colour), the lines without a team are the grey Unallocated row."""
    from cur_analyzer.render._charts import GREY, chart
    from cur_analyzer.reports.monthly import build_monthly, views
    from cur_analyzer.rules import load_rules

    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        "version: 1\ndimensions:\n  team:\n    sources: [{source: principal_tag, key: team}]\n"
    )
    export = make_cur(
        [
            _line(tags={"iamPrincipal/team": "Unallocated"}),
            _line(tags={}, line_item_unblended_cost=Decimal("5")),
        ]
    )
    pack = build_monthly(DuckDBEngine(export), MONTH, rules=load_rules(rules_file))
    (team,) = [v for v in views(pack) if v.key == "team"]
    assert sorted((r["team"], r["no_value"], r["cost"]) for r in team.rows) == [
        ("Unallocated", False, Decimal("10")),
        ("Unallocated", True, Decimal("5")),
    ]
    colours = chart(team, "USD")["data"][0]["marker"]["color"]  # the figure as plotly.js reads it
    assert list(colours).count(GREY) == 1
