"""Do the command line's choices come from the domain's enums, its flags read as flags, and a value outside
a choice end as one line with exit 2 naming the valid ones?"""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from cur_analyzer.choices import CostBasis, EstimateView, OutputFormat, ServiceScope
from cur_analyzer.cli import app

runner = CliRunner()
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("command", "option", "enum"),
    [
        ("chargeback", "--cost-basis", CostBasis),
        ("coverage", "--service", ServiceScope),
        ("chargeback", "--format", OutputFormat),
        ("estimate", "--view", EstimateView),
    ],
)
def test_an_option_lists_the_choices_of_its_domain_enum(command, option, enum):
    result = runner.invoke(app, [command, option, "not-a-choice", "--month", "2026-10"])
    assert result.exit_code == 2
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in result.output, err
    assert f"{option} must be" in err and "(got 'not-a-choice')" in err, err
    assert all(member.value in err for member in enum), err


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_a_flag_is_shown_without_a_value(command):
    args = [command, "--help"] if command else ["--help"]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert not re.search(r"\[env |\[default: (True|False)\]", result.output)
