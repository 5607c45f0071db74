"""The same mistake reads right wherever it is made: a notebook calling the Analyzer is told in words (no
``--flag`` it never typed), and the command line puts the flag it came from in front of the same words."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cur_analyzer import Analyzer
from cur_analyzer.cli import app
from cur_analyzer.errors import UserInputError

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
CUR = str(DEMO / "cur2-bedrock")
LOGS = str(DEMO / "logs")
HELD = "the export holds 2026-10, 2026-11"
FLAG = re.compile(r"(?<![\w-])--[a-z]")

runner = CliRunner()


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(cur=CUR, logs=LOGS, rules=None)


def said_by_the_cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.stderr.strip()


def test_a_bad_cost_basis_in_a_notebook_names_no_flag(analyzer):
    with pytest.raises(UserInputError) as error:
        analyzer.chargeback("2026-10", cost_basis="gross")
    said = str(error.value)
    assert "cost basis must be one of unblended" in said and not FLAG.search(said), said


def test_a_bad_cost_basis_on_the_command_line_names_the_flag():
    said = said_by_the_cli("chargeback", "--month", "2026-10", "--cur", CUR, "--cost-basis", "gross")
    assert "--cost-basis must be one of unblended" in said, said


# every report over the CUR refuses a month the export does not hold, in the same words
MONTH_NOT_HELD = [
    ("chargeback", lambda a: a.chargeback("2026-08"), ["chargeback"]),
    ("coverage", lambda a: a.coverage("2026-08", ["team"]), ["coverage", "--require", "team"]),
    ("reconcile", lambda a: a.reconcile("2026-08"), ["reconcile", "--logs", LOGS]),
    ("focus", lambda a: a.focus("2026-08"), ["export-focus", "-f", "csv"]),
    ("checks", lambda a: a.checks("2026-08"), ["check", "--suite", "cur"]),
    ("alerts", lambda a: a.alerts("2026-08"), ["alerts"]),
]


@pytest.mark.parametrize(("report", "ask", "_args"), MONTH_NOT_HELD, ids=[m[0] for m in MONTH_NOT_HELD])
def test_a_month_not_in_the_export_is_said_in_words_in_a_notebook(analyzer, report, ask, _args):
    with pytest.raises(UserInputError) as error:
        ask(analyzer)
    assert str(error.value) == f"no CUR data for 2026-08; {HELD}"
    assert error.value.option == "month"


@pytest.mark.parametrize(("report", "_ask", "args"), MONTH_NOT_HELD, ids=[m[0] for m in MONTH_NOT_HELD])
def test_a_month_not_in_the_export_names_month_on_the_command_line(report, _ask, args):
    said = said_by_the_cli(*args, "--month", "2026-08", "--cur", CUR)
    assert said == f"cur-analyzer: --month: no CUR data for 2026-08; {HELD}"


def test_a_month_written_wrong_is_said_in_words_and_the_command_line_names_month(analyzer):
    with pytest.raises(UserInputError) as error:
        analyzer.chargeback("October")
    assert "a billing period is written YYYY-MM" in str(error.value) and not FLAG.search(str(error.value))
    said = said_by_the_cli("chargeback", "--month", "October", "--cur", CUR)
    assert said.startswith("cur-analyzer: --month: a billing period is written YYYY-MM"), said


def test_an_estimate_mistake_is_said_in_words_in_a_notebook(analyzer):
    for ask in (lambda: analyzer.estimate("2026-10", "everything"), lambda: analyzer.estimate("2025-01")):
        with pytest.raises(UserInputError) as error:
            ask()
        assert not FLAG.search(str(error.value)), str(error.value)
    said = said_by_the_cli("estimate", "--month", "2025-01", "--logs", LOGS)
    assert said == "cur-analyzer: --logs: no invocation logs for 2025-01 in the logs given"


@pytest.mark.parametrize(
    ("option", "shown"),
    [
        ("cur", "cur-analyzer: --cur: the folder is odd"),  # chargeback has --cur
        ("cost_basis", "cur-analyzer: --cost-basis: the folder is odd"),  # a name as Python spells it
        ("logs", "cur-analyzer: the folder is odd"),  # chargeback has no --logs: only the words
        (None, "cur-analyzer: the folder is odd"),
    ],
)
def test_the_command_line_names_a_flag_only_when_the_command_has_it(monkeypatch, option, shown):
    import cur_analyzer.reports.chargeback as chargeback

    def refused(*args, **kwargs):
        raise UserInputError("the folder is odd", option=option)

    monkeypatch.setattr(chargeback, "build_chargeback", refused)
    assert said_by_the_cli("chargeback", "--month", "2026-10", "--cur", CUR) == shown


def _error_words(path: Path) -> list[tuple[int, str]]:
    """Every string written into an error the library raises (``raise X(...)``), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            for arg in node.exc.args:
                for part in ast.walk(arg):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        found.append((part.lineno, part.value))
    return found


def test_no_error_the_library_raises_names_a_flag():
    library = ROOT / "cur_analyzer"
    named = [
        f"{path.relative_to(ROOT)}:{line}: {words!r}"
        for path in sorted(library.rglob("*.py"))
        if "cli" not in path.relative_to(library).parts
        for line, words in _error_words(path)
        if FLAG.search(words)
    ]
    assert not named, "\n".join(named)
