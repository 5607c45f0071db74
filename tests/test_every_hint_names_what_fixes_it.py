"""A user who gets an error reads, on the same line, the option or setting that fixes it, and never an
option the command does not have."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app

runner = CliRunner()
DEMO_CUR = "fixtures/demo/cur2-bedrock"


@pytest.fixture(autouse=True)
def no_configured_inputs(monkeypatch, tmp_path):
    for name in ("CUR_ANALYZER_CUR", "CUR_ANALYZER_LOGS", "CUR_ANALYZER_RULES", "CUR_ANALYZER_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no cur-analyzer.toml around


def one_line(result) -> str:
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    return line


def test_estimate_without_logs_names_the_logs_option_and_no_cur_option():
    line = one_line(runner.invoke(app, ["estimate", "-m", "2026-10"]))
    assert "(see --logs)" in line
    assert "--cur" not in line


def test_chargeback_without_a_cur_names_the_cur_option():
    line = one_line(runner.invoke(app, ["chargeback", "-m", "2026-10"]))
    assert line.startswith("cur-analyzer: --cur:")
    assert "--logs" not in line


def test_by_a_rules_dimension_without_a_rules_file_names_the_rules_option(monkeypatch, request):
    monkeypatch.chdir(request.config.rootpath)
    line = one_line(runner.invoke(app, ["chargeback", "-m", "2026-10", "--cur", DEMO_CUR, "--by", "team"]))
    assert "--by:" in line and "'team' is not a dimension" in line
    assert line.endswith("(see --rules)")


def test_athena_without_a_region_names_the_region_setting_not_the_month(monkeypatch):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "CUR_ANALYZER_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    line = one_line(runner.invoke(app, ["chargeback", "-m", "2026-10", "--engine", "athena"]))
    assert "--month" not in line
    assert "`region` in cur-analyzer.toml" in line and "CUR_ANALYZER_REGION" in line
