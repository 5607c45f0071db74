"""``explain``: why the bill changed since another month, per value, in parts that add up to the change.

The ground truth is a second month the generator derives from the first with each kind of change injected
on a team of its own (``fixtures --changes``), each of an exact known amount."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cur_analyzer import Analyzer
from cur_analyzer.cli import app
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.explain import PARTS

TEAM = "iamPrincipal/team"
ALL_CHANGES = "volume,price,mix,cache,attribution"
runner = CliRunner()


@pytest.fixture(scope="module")
def changed(tmp_path_factory) -> Path:
    """The demo company's October, and a November derived from it with every change injected."""
    out = tmp_path_factory.mktemp("changed")
    result = runner.invoke(app, ["--quiet", "fixtures", "--out", str(out), "--changes", ALL_CHANGES])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def truth(changed) -> dict:
    return json.loads((changed / "ground_truth.json").read_text())["changes"]


@pytest.fixture(scope="module")
def november(changed):
    return Analyzer(cur=changed / "cur2-bedrock").explain("2026-11", "2026-10", TEAM)


def test_every_injected_change_is_recovered_as_its_own_part(november, truth):
    assert set(truth["injected"]) == {"volume", "price", "mix", "cache", "attribution"}
    for team, want in truth["values"].items():
        row = november.row(team)
        assert row.parts.billed_vs == Decimal(want["billed_vs"]), team
        assert row.parts.billed == Decimal(want["billed"]), team
        for part in PARTS:
            got = getattr(row.parts, part)
            assert abs(got - Decimal(want[part])) <= Decimal("1e-10"), (team, part, got, want[part])
    # each change shows on its own team, and nowhere else
    moved = {(t, p) for t, v in truth["values"].items() for p in PARTS if Decimal(v[p])}
    assert moved == {
        ("research", "volume"),
        ("docs", "price"),
        ("chat-eu", "mix"),
        ("bi", "cache"),
        ("analytics", "attribution"),
        ("growth", "attribution"),
    }


@pytest.mark.parametrize("data", ["changed", "demo"])
def test_the_parts_add_up_to_the_change_exactly_for_every_value_and_the_total(data, changed, demo_export):
    # the demo's November is drawn afresh: every part moves, and they must still add up to the cent and beyond
    cur = changed / "cur2-bedrock" if data == "changed" else demo_export
    report = Analyzer(cur=cur).explain("2026-11", by=TEAM)
    for row in report.rows:
        assert sum(row.parts.amounts().values()) == row.parts.change, row.value
    (total,) = report.totals().values()
    assert sum(total[p] for p in PARTS) == total["change"] == total["billed"] - total["billed_vs"]
    chargeback = {m: Analyzer(cur=cur).chargeback(m, [TEAM]).total for m in ("2026-10", "2026-11")}
    assert (total["billed_vs"], total["billed"]) == (chargeback["2026-10"], chargeback["2026-11"])
    assert total["attribution"] == 0  # lines move between values, never in or out of the bill


def test_a_team_new_this_month_is_a_row_whose_whole_bill_came_by_attribution(november, truth):
    growth = november.row("growth")
    assert growth.parts.billed_vs == 0
    assert growth.parts.attribution == growth.parts.billed == Decimal(truth["values"]["growth"]["billed"]) > 0
    assert growth.sentence.startswith("growth: +0.44 USD: +0.44 attribution (lines moved in")


def test_the_month_compared_against_defaults_to_the_month_before(changed):
    analyzer = Analyzer(cur=changed / "cur2-bedrock")
    default = analyzer.explain("2026-11", by=TEAM)
    assert default.vs == "2026-10"
    assert default.rows == analyzer.explain("2026-11", "2026-10", TEAM).rows


def test_a_month_missing_from_the_data_is_one_clear_error(changed):
    analyzer = Analyzer(cur=changed / "cur2-bedrock")
    with pytest.raises(
        UserInputError, match="no CUR data for 2026-12; the export holds 2026-10, 2026-11"
    ) as e:
        analyzer.explain("2026-12", by=TEAM)
    assert e.value.option == "month"
    with pytest.raises(UserInputError, match="no CUR data for 2026-09, the month before 2026-10") as e:
        analyzer.explain("2026-10", by=TEAM)
    assert e.value.option == "vs"
    with pytest.raises(UserInputError, match="2026-11 itself"):
        analyzer.explain("2026-11", "2026-11", TEAM)


def test_json_carries_every_part_exact_per_value_and_the_total(changed):
    result = runner.invoke(
        app,
        ["explain", "--month", "2026-11", "--by", TEAM, "--cur", str(changed / "cur2-bedrock"), "-f", "json"],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["report"], doc["month"], doc["vs"], doc["by"]) == ("explain", "2026-11", "2026-10", TEAM)
    money = ("billed_vs", "billed", "change", *PARTS)
    research = next(r for r in doc["rows"] if r[TEAM] == "research")
    assert set(research) >= {TEAM, *money, "sentence"}
    assert research["volume"] == research["change"] == "17.4322180500"
    assert research["sentence"] == "research: +17.43 USD: +17.43 volume (tokens up 100.0%)"
    assert sum(Decimal(doc["total"][p]) for p in PARTS) == Decimal(doc["total"]["change"])
    assert Decimal(doc["total"]["change"]) == sum(Decimal(r["change"]) for r in doc["rows"])
    assert isinstance(doc["notes"], list)


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["--month", "2026-11", "--by", TEAM], 0, "Why the bill changed: 2026-10 -> 2026-11"),
        (["--month", "2026-12"], 2, "--month: no CUR data for 2026-12"),
        (["--month", "2026-10"], 2, "--vs: no CUR data for 2026-09"),
        (["--month", "2026-11", "--vs", "2026-13"], 2, "--vs:"),
        (["--month", "2026-11", "--by", "colour"], 2, "--by: 'colour' is not a dimension"),
        (["--month", "2026-11", "--by", TEAM, "--by", "model"], 2, "one dimension at a time"),
    ],
)
def test_the_command_exits_0_on_an_answer_and_2_on_a_mistake(changed, args, code, said):
    result = runner.invoke(app, ["explain", *args, "--cur", str(changed / "cur2-bedrock")])
    assert result.exit_code == code, result.output
    assert said in result.output
    if code:
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_the_first_month_of_a_changed_export_is_the_default_one_byte_for_byte(changed, demo_export):
    october = "data/BILLING_PERIOD=2026-10/cur2-bedrock-00001.snappy.parquet"
    assert (changed / "cur2-bedrock" / october).read_bytes() == (demo_export / october).read_bytes()
