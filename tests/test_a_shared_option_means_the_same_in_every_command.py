"""Can a person guess the command line? An option that several commands take has one name, one short form
and one meaning in all of them, and `report` takes the options of the reports it holds."""

from __future__ import annotations

from collections import defaultdict

import pytest
import typer
import typer.main

from cur_analyzer.cli import app

#: what each shared option means, in words every command's help for it says (case aside). A new option
#: two commands share needs its meaning written here.
MEANING = {
    "--month": "billing period",
    "--cur": "cur 2.0 export",
    "--logs": "bedrock invocation logs",
    "--engine": "duckdb reads local files",
    "--rules": "rules file",
    "--prices": "price table",
    "--profiles": "list-inference-profiles",
    "--service": "amazon bedrock lines only (bedrock) or every line of the month (all)",
    "--cost-basis": "cost to sum",
    "--by": "what to break the spend down by, repeatable",
    "--require": "tag key every dollar should carry",
    "--check": "run the data-quality checks first",
    "--strict": "exit 2 when the data is bad",
    "--top": "offenders listed per key and kind",
    "--precision": "decimal places of money",
    "--view": "what to show",
    "--format": "the --output file's ending",
    "--output": "(atomically)",
}
#: `sql` prints the queries of another command: its options are that command's, and its help says whose
MIRRORS = {"sql"}


def _commands(group: typer.Typer) -> dict[str, list]:
    """Every command's click parameters by its name (``prices refresh`` for a sub-command)."""
    out: dict[str, list] = {}

    def walk(cmd, path: list[str]) -> None:
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])
        else:
            out[" ".join(path)] = cmd.params

    walk(typer.main.get_command(group), [])
    return out


def _uses() -> dict[str, list[tuple[str, tuple[str, ...], str]]]:
    """Per long option name: (command, short forms, help) for every command that takes it."""
    uses: dict[str, list] = defaultdict(list)
    for command, params in _commands(app).items():
        for param in params:
            shorts = tuple(sorted(o for o in param.opts if not o.startswith("--")))
            for long_name in (o for o in param.opts if o.startswith("--")):
                uses[long_name].append((command, shorts, " ".join((param.help or "").split())))
    return {name: found for name, found in uses.items() if len(found) > 1}


SHARED = _uses()


@pytest.mark.parametrize("name", sorted(SHARED))
def test_a_shared_option_has_one_short_form(name):
    shorts = {command: short for command, short, _help in SHARED[name]}
    assert len(set(shorts.values())) == 1, f"{name} has different short forms: {shorts}"


@pytest.mark.parametrize("name", sorted(SHARED))
def test_a_shared_option_says_the_same_meaning_in_every_command(name):
    assert name in MEANING, f"{name} is shared by {[c for c, _s, _h in SHARED[name]]}: write its meaning"
    for command, _short, help_text in SHARED[name]:
        if command in MIRRORS:
            continue
        assert MEANING[name] in help_text.lower(), f"{command} {name}: {help_text!r}"


def test_what_sql_takes_is_an_option_of_a_report():
    for name, uses in SHARED.items():
        if any(command in MIRRORS for command, _s, _h in uses):
            assert any(command not in MIRRORS for command, _s, _h in uses), name


@pytest.mark.parametrize("name", ["--service", "--cost-basis", "--top", "--check", "--require", "--rules"])
def test_report_takes_the_options_of_the_reports_it_holds(name):
    assert "report" in {command for command, _s, _h in SHARED[name]}
