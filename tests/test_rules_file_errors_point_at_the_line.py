"""A mistake in the rules file is one line naming the file, line and column, and exit 2."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.errors import UserInputError
from cur_analyzer.rules import RulesError, load_rules

runner = CliRunner()
HEAD = "dimensions:\n  team:\n    sources:\n      - {source: principal_tag, key: team}\n"

CASES = {
    "a source without its key": (
        "dimensions:\n  team:\n    sources:\n      - {source: aip_tag}\n",
        4,
        "dimensions.team.sources[0].key: Field required",
    ),
    "an unknown source": (
        "dimensions:\n  team:\n    sources:\n      - {source: aip_tagg, key: team}\n",
        4,
        "'aip_tagg'",
    ),
    "a tag key AWS does not allow": (
        "dimensions:\n  team:\n    sources:\n      - source: principal_tag\n        key: 'te$m'\n",
        5,
        "dimensions.team.sources[0].key: tag key 'te$m'",
    ),
    "fixed percentages not summing to 100": (
        HEAD
        + "shared_costs:\n  - dimension: team\n    method: fixed\n    percentages:\n      ml: 60\n      web: 30\n",
        9,
        "shared_costs[0].percentages: fixed percentages must sum to 100 (they sum to 90)",
    ),
    "a split over an undefined dimension": (
        HEAD + "shared_costs:\n  - {dimension: teams, method: even}\n",
        6,
        "shared_costs[0].dimension: shared cost rule for 'teams': no such dimension",
    ),
    "a misspelt adjustment type as a pool": (
        HEAD + "shared_costs:\n  - {dimension: team, pool: Tax}\n  - dimension: team\n    pool: credit\n",
        8,
        "shared_costs[1].pool: 'credit' is not a pool: did you mean Credit?",
    ),
    "a misspelt type in a list of pool types": (
        HEAD + "shared_costs:\n  - dimension: team\n    method: proportional\n"
        "    pool: [Credit, EDPDiscount]\n",
        8,
        "shared_costs[0].pool: 'EDPDiscount' is not a pool: did you mean EdpDiscount?",
    ),
    "usage named as a pool": (
        HEAD + "shared_costs:\n  - {dimension: team, pool: Usage}\n",
        6,
        "shared_costs[0].pool: Usage is usage, which the sources attribute",
    ),
    "Unallocated in a list of pool types": (
        HEAD + "shared_costs:\n  - {dimension: team, pool: [Tax, Unallocated]}\n",
        6,
        "Unallocated is a pool of its own",
    ),
    "a budget for an unknown dimension": (
        HEAD + "budgets:\n  - dimension: colour\n    amounts: {ml: 10}\n",
        6,
        "budgets[0].dimension",
    ),
    "a negative budget": (
        HEAD + "budgets:\n  - dimension: team\n    amounts:\n      ml: -5\n",
        8,
        "budgets[0].amounts.ml",
    ),
    "a regex that does not compile": (
        "dimensions:\n  team:\n    sources:\n      - source: principal_pattern\n        patterns:\n"
        "          - {regex: 'user/(svc', value: x}\n",
        6,
        "does not compile",
    ),
    "an unknown setting": (HEAD + "alerts:\n  model_share: 50\n", 6, "alerts.model_share: Extra inputs"),
    "a built-in dimension name": (
        HEAD + "  account:\n    sources: [{source: account_tag, key: team}]\n",
        5,
        "built-in dimension",
    ),
    "broken YAML": (
        "dimensions:\n  team:\n    sources: [{source: aip_tag, key: team}\n",
        4,
        "not valid YAML",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_mistake_names_file_line_and_column(tmp_path, case):
    text, line_no, fragment = CASES[case]
    path = tmp_path / "cur-analyzer.rules.yaml"
    path.write_text(text)
    with pytest.raises(RulesError) as err:
        load_rules(path)
    message = str(err.value)
    assert re.match(rf"^{re.escape(str(path))}:{line_no}:\d+: ", message), message
    assert fragment in message, message
    assert isinstance(err.value, UserInputError)


def test_an_account_map_csv_error_names_the_csv_line(tmp_path):
    (tmp_path / "accounts.csv").write_text("account_id,value\n111122223333,ml\nnot-an-account,web\n")
    path = tmp_path / "rules.yaml"
    path.write_text("dimensions:\n  team:\n    sources:\n      - {source: account_map, file: accounts.csv}\n")
    with pytest.raises(RulesError, match=r"accounts\.csv:3: account id 'not-an-account' is not 12 digits"):
        load_rules(path)


def test_unquoted_account_ids_in_yaml_are_read_as_twelve_digits(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "dimensions:\n  team:\n    sources:\n      - source: account_map\n"
        "        accounts: {111122223333: ml, '012345678901': web}\n"
        "budgets:\n  - {dimension: team, amounts: {ml: 12.5}}\n"
    )
    rules = load_rules(path)
    assert rules.dimensions["team"].sources[0].accounts == {"111122223333": "ml", "012345678901": "web"}
    assert rules.budgets["team"].amounts == {"ml": Decimal("12.5")}


def test_the_cli_prints_one_line_and_exits_2(tmp_path, make_cur):
    export = make_cur(
        [
            {
                "line_item_line_item_type": "Usage",
                "line_item_product_code": "AmazonBedrock",
                "line_item_usage_type": "USE1-NovaPro-input-tokens",
                "line_item_unblended_cost": Decimal(1),
            }
        ]
    )
    path = tmp_path / "rules.yaml"
    path.write_text(CASES["fixed percentages not summing to 100"][0])
    for args in (
        ["chargeback", "-m", "2026-10", "--by", "team"],
        ["coverage", "-m", "2026-10", "-r", "team"],
        ["alerts", "-m", "2026-10"],
    ):
        result = runner.invoke(app, [*args, "--cur", str(export), "--rules", str(path)])
        assert result.exit_code == 2, result.output
        err = result.stderr.strip()
        assert len(err.splitlines()) == 1 and f"{path}:9:" in err and "Traceback" not in result.output


def test_a_missing_rules_file_is_named(tmp_path, make_cur):
    result = runner.invoke(
        app, ["coverage", "-m", "2026-10", "-r", "team", "--rules", str(tmp_path / "nope.yaml")]
    )
    assert result.exit_code == 2 and "nope.yaml" in result.stderr
