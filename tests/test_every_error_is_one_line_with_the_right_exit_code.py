"""Whatever goes wrong, the user reads one line and the exit code says whose fault it is: 1 a threshold they
asked for failed, 2 their input or environment, 3 only a bug of ours."""

from __future__ import annotations

import errno

import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.errors import (
    BAD_INPUT,
    BUG,
    INTERRUPTED,
    THRESHOLD_FAILED,
    ThresholdFailed,
    UserInputError,
    exit_code_for,
)

runner = CliRunner()
DEMO = "fixtures/demo/cur2-bedrock"


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def assert_one_line(result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.output)
    err = result.stderr.strip()
    assert "Traceback" not in result.output
    assert len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["chargeback", "--month", "2026-10", "--colour", "red"], ["No such option", "--colour", "--help"]),
        (["chargeback", "--cur", DEMO], ["--month", "chargeback --help"]),
        (["chargeback", "--month"], ["--month", "requires an argument"]),
        (["chargebak", "--month", "2026-10"], ["No such command", "chargeback"]),
        (["fixtures", "--out", "x", "--rows", "ten"], ["--rows", "integer"]),
    ],
)
def test_a_usage_mistake_is_one_line_naming_the_help(args, fragments):
    assert_one_line(run(*args), BAD_INPUT, *fragments)


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "-inf"])
def test_a_tolerance_that_is_not_a_finite_percentage_is_refused(value):
    result = run(
        "reconcile", "--month", "2026-10", "--cur", DEMO, "--logs", "fixtures/demo/logs", "--tolerance", value
    )
    assert_one_line(result, BAD_INPUT, "--tolerance")


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_coverage_threshold_that_is_not_a_number_is_refused(value):
    result = run("coverage", "--month", "2026-10", "--cur", DEMO, "--require", "team", "--fail-under", value)
    assert_one_line(result, BAD_INPUT, "--fail-under")


@pytest.mark.parametrize("value", ["100000", "-1", "11"])
def test_a_precision_past_what_money_carries_is_refused(value):
    assert_one_line(
        run("chargeback", "--month", "2026-10", "--cur", DEMO, "--precision", value), BAD_INPUT, "--precision"
    )


def test_the_largest_precision_money_carries_is_accepted():
    result = run("chargeback", "--month", "2026-10", "--cur", DEMO, "--precision", "10")
    assert result.exit_code == 0, result.output


def test_a_missing_aws_profile_is_the_users_setting_not_a_bug(tmp_path):
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = us-east-1\n")
    env = {
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "CUR_ANALYZER_PROFILE": "no-such-profile",
        "CUR_ANALYZER_REGION": "us-east-1",
    }
    result = run("chargeback", "--month", "2026-10", "--engine", "athena", env=env)
    assert_one_line(result, BAD_INPUT, "no-such-profile", "profile")


def test_a_bug_is_the_only_thing_that_exits_3(monkeypatch):
    import cur_analyzer.reports.chargeback as chargeback

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(chargeback, "build_chargeback", broken)
    assert_one_line(run("chargeback", "--month", "2026-10", "--cur", DEMO), BUG, "internal error", "--debug")


def test_an_interrupt_exits_130_with_one_line(monkeypatch):
    import cur_analyzer.reports.chargeback as chargeback

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(chargeback, "build_chargeback", interrupted)
    assert_one_line(run("chargeback", "--month", "2026-10", "--cur", DEMO), INTERRUPTED, "interrupted")


def test_an_error_that_quotes_hostile_data_cannot_drive_the_terminal(monkeypatch):
    import cur_analyzer.reports.chargeback as chargeback

    def hostile(*args, **kwargs):
        raise UserInputError("principal \x1b]8;;https://evil\x07click\x1b]8;;\x07 \x1b[2J is odd")

    monkeypatch.setattr(chargeback, "build_chargeback", hostile)
    result = run("chargeback", "--month", "2026-10", "--cur", DEMO)
    assert_one_line(result, BAD_INPUT, "principal")
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UserInputError("x"), BAD_INPUT),
        (ThresholdFailed("x"), THRESHOLD_FAILED),
        (OSError(errno.ENOSPC, "No space left on device", "out.csv"), BAD_INPUT),
        (PermissionError(errno.EACCES, "Permission denied", "/root/x"), BAD_INPUT),
        (KeyboardInterrupt(), INTERRUPTED),
        (ValueError("x"), BUG),
        (ZeroDivisionError("x"), BUG),
    ],
)
def test_one_mapping_decides_every_exit_code(error, code):
    assert exit_code_for(error)[0] == code


def test_a_full_disk_names_the_file():
    code, line = exit_code_for(OSError(errno.ENOSPC, "No space left on device", "out.csv"))
    assert code == BAD_INPUT and line == "out.csv: no space left on the device"


def test_an_aws_set_up_error_is_the_users_to_fix():
    from botocore.exceptions import NoRegionError, ProfileNotFound

    assert exit_code_for(NoRegionError())[0] == BAD_INPUT
    code, line = exit_code_for(ProfileNotFound(profile="ghost"))
    assert code == BAD_INPUT and "ghost" in line and "profile" in line
