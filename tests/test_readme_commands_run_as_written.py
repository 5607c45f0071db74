"""Does every `cur-analyzer ...` command in README.md run as written?

README.md is parsed: every command line in its fenced code blocks (``console``, ``bash``, ``sh``,
``shell``, plain blocks, and the ``run:`` script of the CI ``yaml`` step; ``$ `` prompts stripped, ``\\``
continuations joined, trailing ``# comments`` dropped) and every inline code span that starts with
``cur-analyzer `` is one test case. Each README command is either

- in ``RUN``: run in-process against the committed demo data (``fixtures/demo``, ``examples/``), in a
  working folder of its own, after ``PATH_SUBSTITUTIONS`` / ``TEXT_SUBSTITUTIONS`` turn the README's
  example paths into the demo's; it must exit with the code the README implies, never with a traceback,
  and every file it writes (``--output``/``-o``, ``--out``) must exist and not be empty; or
- in ``SKIP``, with the reason (it needs AWS).

A README command in neither fails its test case, and so does an entry of either table the README no
longer shows: README drift is caught both ways. The README's ``toml`` and ``yaml`` blocks are checked
too: the rules file is loaded and used, the settings file is read by the settings loader, the CI step is
valid YAML.

Other commands the README shows are not cur-analyzer's and are out of scope here: ``make demo`` /
``make test`` / ``make lint`` / ``make bench``, ``terraform ...``, ``scripts/*.sh`` and
``python -m benchmarks.run`` (which generates 1 M and 10 M-line months: about 30 minutes).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cur_analyzer.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DEMO = ROOT / "fixtures" / "demo"
DEMO_EXPORT = DEMO / "cur2-bedrock"
DEMO_LOGS = DEMO / "logs"
EXAMPLE_RULES = ROOT / "examples" / "cur-analyzer.rules.yaml"
EXAMPLE_ACCOUNTS = ROOT / "examples" / "accounts.csv"
DEMO_MONTH = "2026-10"

runner = CliRunner()

# --- what the README shows -> what the test runs ---------------------------------------------------------

#: The README's example paths (whole arguments) -> the committed demo data. An argument naming a file the
#: case's ``working_folder`` set-up put in the working folder is left as written.
PATH_SUBSTITUTIONS: dict[str, Path] = {
    "./october-export": DEMO_EXPORT,  # "the export folder (the one holding data/ and metadata/)"
    "./export": DEMO_EXPORT,
    "./cur-cache/cur2-bedrock": DEMO_EXPORT,  # where `pull --to ./cur-cache` mirrors the export
    "cur-cache/cur2-bedrock": DEMO_EXPORT,  # the same, in the CI step
    "./logs": DEMO_LOGS,  # invocation logs in the S3 layout
    "./bedrock-logs": DEMO_LOGS,
    "inference-profiles.json": DEMO / "inference-profiles.json",
    "cur-analyzer.rules.yaml": EXAMPLE_RULES,
}

#: Shell text and synopsis placeholders, replaced in the command's text before it is split.
TEXT_SUBSTITUTIONS: dict[str, str] = {
    # the CI step's "last month" is the demo's final month
    "\"$(date -d 'last month' +%Y-%m)\"": DEMO_MONTH,
    # `fixtures --out DIR [--month YYYY-MM] [--rows N] [--seed N]`: a small month (the default is 3,000
    # lines; --rows goes up to 10 M)
    "--out DIR [--month YYYY-MM] [--rows N] [--seed N]": f"--out synthetic --month {DEMO_MONTH} --rows 200 --seed 3",
}


def _changed_export_in_working_folder(folder: Path) -> None:
    """The export the README's `fixtures --changes` command writes, in the working folder."""
    from cur_analyzer.synth import generate
    from cur_analyzer.synth.changes import CHANGES, write_changed_month

    generate(folder / "changed", month=DEMO_MONTH)
    write_changed_month(folder / "changed", DEMO_MONTH, CHANGES, rows=3000, seed=7)


def _rules_in_working_folder(folder: Path) -> None:
    """The example rules file left in the working folder, as the README allows ("or leave the file in
    the working folder"), with the account map it names."""
    shutil.copy(EXAMPLE_RULES, folder / "cur-analyzer.rules.yaml")
    shutil.copy(EXAMPLE_ACCOUNTS, folder / "accounts.csv")


#: A rules file with the mistake the README's error example shows, at the line and column it shows.
BAD_RULES = """\
# The README's example of a mistake: fixed percentages that sum to 90.
version: 1
dimensions:
  team:
    sources:
      - {source: aip_tag, key: team}
      - {source: principal_tag, key: team}
      - {source: account_tag, key: team}
shared_costs:
  - dimension: team
    pool: {product_code: AWSSupportBusiness}
    method: fixed
    percentages:
      {platform: 50, ml-platform: 40}
"""


def _bad_rules_in_working_folder(folder: Path) -> None:
    (folder / "cur-analyzer.rules.yaml").write_text(BAD_RULES)


@dataclass(frozen=True)
class Run:
    """How a README command runs and what the README says it does."""

    exit_code: int = 0
    #: why the README implies a non-zero exit code
    why: str = ""
    #: files the README assumes in the working folder
    working_folder: Callable[[Path], None] | None = None
    #: settings the README takes from the environment instead of an option
    env: dict[str, str] = field(default_factory=dict)


CUR_FROM_ENV = {"CUR_ANALYZER_CUR": str(DEMO_EXPORT)}  # "It can also come from CUR_ANALYZER_CUR"

#: Every README command this test runs, as the README writes it (continuations joined, comments dropped).
RUN: dict[str, Run] = {
    # Chargeback
    "cur-analyzer sql chargeback --month 2026-10 --by iamPrincipal/team": Run(),
    "cur-analyzer chargeback --month 2026-10 --cur ./october-export": Run(),
    "cur-analyzer chargeback --month 2026-10 --cur ./october-export --by iamPrincipal/team --by iamPrincipal/cost-center": Run(),
    "cur-analyzer chargeback --month 2026-10 --cur ./october-export --by tag/team": Run(),
    "cur-analyzer chargeback --month 2026-10 --cur ./october-export --by role --format xlsx --output october.xlsx": Run(),
    "cur-analyzer chargeback --month 2026-10 --cur ./october-export --by meter-class": Run(),
    # Unit costs
    "cur-analyzer unit-costs --month 2026-10 --cur ./october-export": Run(),
    "cur-analyzer unit-costs --month 2026-10 --cur ./october-export --by pricing-model": Run(),
    "cur-analyzer unit-costs --month 2026-10 --cur ./october-export --view cache": Run(),
    "cur-analyzer chargeback --month 2026-10 --cur ./october-export --by pricing-model": Run(),
    # Estimated vs billed
    "cur-analyzer estimate --month 2026-10 --logs ./logs --view models": Run(),
    "cur-analyzer estimate --month 2026-10 --logs ./logs --view prompts": Run(),
    "cur-analyzer estimate --month 2026-10 --logs ./logs --view spenders --by request-metadata/app": Run(),
    "cur-analyzer reconcile --month 2026-10 --cur ./export --logs ./logs --profiles inference-profiles.json --by role --by request-metadata/app": Run(),
    "cur-analyzer reconcile --month 2026-10 --cur ./export --logs ./logs --profiles inference-profiles.json --by role": Run(),
    # Allocate: the bill down to each request
    "cur-analyzer allocate --month 2026-10 --cur ./export --logs ./logs --profiles inference-profiles.json --by role": Run(),
    "cur-analyzer allocate --month 2026-10 --cur ./export --logs ./logs --profiles inference-profiles.json --by request-metadata/app --by request-metadata/user": Run(),
    "cur-analyzer allocate --month 2026-10 --cur ./export --logs ./logs --profiles inference-profiles.json --output ledger.parquet": Run(),
    # Explain: why the bill changed
    "cur-analyzer explain --month 2026-11 --cur ./export --by iamPrincipal/team": Run(),
    "cur-analyzer fixtures --out changed --changes volume,price,mix,cache,attribution": Run(),
    "cur-analyzer explain --month 2026-11 --cur changed/cur2-bedrock --by iamPrincipal/team": Run(
        working_folder=_changed_export_in_working_folder
    ),
    # The monthly report
    "cur-analyzer report --month 2026-10 --cur ./october-export --logs ./bedrock-logs --profiles inference-profiles.json --rules cur-analyzer.rules.yaml --output october.html": Run(),
    "cur-analyzer report --month 2026-10 --cur ./october-export --rules cur-analyzer.rules.yaml --format xlsx --output october.xlsx": Run(),
    # 2a. On a laptop (after `pull`)
    "cur-analyzer chargeback --month 2026-10 --cur ./cur-cache/cur2-bedrock": Run(),
    # Synthetic data (inline synopsis)
    "cur-analyzer fixtures --out DIR [--month YYYY-MM] [--rows N] [--seed N]": Run(),
    "cur-analyzer fixtures --out variants --granularity daily --variant marketplace --variant stale-file": Run(),
    # Tag coverage
    "cur-analyzer coverage --month 2026-10 --cur ./october-export --require team --require cost-center": Run(),
    "cur-analyzer coverage --month 2026-10 --cur ./october-export -r team --service all -f json -o coverage.json": Run(),
    "cur-analyzer coverage --month 2026-10 --cur ./october-export -r cost-center --view offenders --top 5": Run(),
    "cur-analyzer coverage --month \"$(date -d 'last month' +%Y-%m)\" --cur cur-cache/cur2-bedrock --require team --require cost-center --fail-under 95 --format md --output coverage.md": Run(
        1,
        why="--fail-under 95: the demo month's coverage is below it (team 94.56%, cost-center 61.92%); "
        "the report is written first",
    ),
    # Data checks
    "cur-analyzer check --month 2026-10 --cur ./export --logs ./bedrock-logs --strict": Run(),
    "cur-analyzer chargeback --month 2026-10 --cur ./export --check": Run(),
    # The rules file
    "cur-analyzer chargeback --month 2026-10 --by team --rules cur-analyzer.rules.yaml": Run(
        2,
        why="the README shows the one-line error of a rules file whose fixed percentages sum to 90",
        working_folder=_bad_rules_in_working_folder,
        env=CUR_FROM_ENV,
    ),
    "cur-analyzer chargeback --month 2026-10 --by team": Run(
        working_folder=_rules_in_working_folder, env=CUR_FROM_ENV
    ),
    # Alerts
    "cur-analyzer alerts --month 2026-10 --cur ./export": Run(
        1, why="alerts fire on the demo month, and the exit code is 1 when any fires"
    ),
    "cur-analyzer alerts --days 7 --cur ./export --logs ./bedrock-logs": Run(
        1, why="alerts fire on the demo data's last 7 days, and the exit code is 1 when any fires"
    ),
    # FOCUS export
    "cur-analyzer export-focus --month 2026-10 --cur ./october-export --output bedrock-focus.parquet": Run(),
    "cur-analyzer export-focus --month 2026-10 --cur ./october-export --rules cur-analyzer.rules.yaml --format csv --output bedrock-focus.csv": Run(),
    "cur-analyzer export-focus --month 2026-10 --cur ./october-export --logs ./logs --profiles inference-profiles.json --focus-version 1.3 --output bedrock-focus-1.3.parquet": Run(),
}

#: README commands that cannot run offline, with the reason.
SKIP: dict[str, str] = {
    "cur-analyzer prices refresh AmazonBedrock.json AmazonBedrockService.json -o prices.csv": (
        "needs the Price List offer files downloaded from AWS (offline, on offer files in the documented "
        "shape: tests/test_price_table_from_aws_price_list.py)"
    ),
    "cur-analyzer pull --month 2026-10 --s3 s3://my-bucket/exports/cur2-bedrock --to ./cur-cache": (
        "copies from S3: needs AWS (offline, against a mock S3: tests/test_pull_a_month_for_the_laptop.py)"
    ),
    "cur-analyzer pull --month \"$(date -d 'last month' +%Y-%m)\" --to cur-cache": (
        "finds the export through the Glue table, then copies from S3: needs AWS "
        "(offline, against a mock S3: tests/test_pull_a_month_for_the_laptop.py)"
    ),
    "cur-analyzer doctor --engine athena": (
        "asks Athena, Glue, Data Exports and Bedrock: needs AWS "
        "(offline, with stubbed AWS: tests/test_doctor_says_what_is_missing.py)"
    ),
}

# --- reading the README ----------------------------------------------------------------------------------

#: fenced blocks whose lines can be commands (``text`` and ``json`` blocks are output, ``toml`` settings)
COMMAND_BLOCKS = {"", "console", "bash", "sh", "shell", "shell-session", "yaml", "yml"}
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)")
_COMMENT = re.compile(r"\s+#\s.*$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)


@dataclass(frozen=True)
class ReadmeCommand:
    line: int
    text: str  # as the README writes it: continuations joined, whitespace collapsed, comment dropped
    where: str  # "block" (a fenced code block) or "inline" (a code span)
    shown: tuple[str, ...] = ()  # the output the README shows after a `$ ` prompt

    @property
    def id(self) -> str:
        short = self.text.removeprefix("cur-analyzer ")
        return f"L{self.line} {short if len(short) <= 72 else short[:69] + '...'}"


def _normalized(text: str) -> str:
    return " ".join(_COMMENT.sub("", text).split())


@dataclass(frozen=True)
class Block:
    line: int  # the line of the opening fence
    lang: str
    lines: tuple[str, ...]


def blocks_in(markdown: str) -> tuple[list[Block], str]:
    """The fenced code blocks, and the text outside them (fenced lines blanked, so line numbers hold)."""
    blocks: list[Block] = []
    outside: list[str] = []
    fence: tuple[str, str, int, list[str]] | None = None
    for n, line in enumerate(markdown.splitlines(), 1):
        m = _FENCE.match(line)
        if fence is None:
            if m:
                fence = (m[1], m[2].lower(), n, [])
                outside.append("")
            else:
                outside.append(line)
        elif line.strip().startswith(fence[0]) and not line.strip().strip(fence[0][0]):
            blocks.append(Block(fence[2], fence[1], tuple(fence[3])))
            fence = None
            outside.append("")
        else:
            fence[3].append(line)
            outside.append("")
    return blocks, "\n".join(outside)


def commands_in(markdown: str) -> list[ReadmeCommand]:
    blocks, outside = blocks_in(markdown)
    found: list[ReadmeCommand] = []
    for block in blocks:
        if block.lang not in COMMAND_BLOCKS:
            continue
        i, lines = 0, block.lines
        while i < len(lines):
            stripped = lines[i].strip()
            prompted = stripped.startswith("$ ")
            stripped = stripped.removeprefix("$ ").strip()
            start = block.line + 1 + i
            i += 1
            if not stripped.startswith("cur-analyzer "):
                continue
            parts = [stripped]
            while parts[-1].endswith("\\") and i < len(lines):
                parts[-1] = parts[-1][:-1]
                parts.append(lines[i].strip())
                i += 1
            shown: list[str] = []
            while prompted and i < len(lines) and not lines[i].strip().startswith("$ "):
                if lines[i].strip():
                    shown.append(lines[i].strip())
                i += 1
            found.append(ReadmeCommand(start, _normalized(" ".join(parts)), "block", tuple(shown)))
    for m in _CODE_SPAN.finditer(outside):
        code = " ".join(m[2].split())
        if code.startswith("cur-analyzer "):
            found.append(ReadmeCommand(outside.count("\n", 0, m.start()) + 1, code, "inline"))
    return sorted(found, key=lambda c: c.line)


def require_listed(command: ReadmeCommand) -> Run | str:
    """The command's ``Run`` or its skip reason; a command in neither table fails, naming its line."""
    if command.text in RUN:
        return RUN[command.text]
    if command.text in SKIP:
        return SKIP[command.text]
    pytest.fail(
        f"README.md:{command.line}: `{command.text}` is neither run nor skipped by this test: add it to "
        "RUN (with the exit code the README implies, and path substitutions if it names example paths) "
        "or to SKIP (with the reason it cannot run offline)",
        pytrace=False,
    )


README_COMMANDS = commands_in(README.read_text(encoding="utf-8"))


# --- running a command as written ------------------------------------------------------------------------


def own_working_folder(folder: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Path:
    """``folder`` as the working folder, no cur-analyzer settings from the environment but ``env``."""
    for name in list(os.environ):
        if name.startswith("CUR_ANALYZER_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(folder)
    return folder


def argv(text: str, folder: Path) -> list[str]:
    """The README command as arguments of ``cur-analyzer``, its example paths made the demo's."""
    for written, used in TEXT_SUBSTITUTIONS.items():
        text = text.replace(written, used)
    words = shlex.split(text, comments=True)
    assert words[0] == "cur-analyzer", text
    return [
        str(PATH_SUBSTITUTIONS[w]) if w in PATH_SUBSTITUTIONS and not (folder / w).exists() else w
        for w in words[1:]
    ]


def written_paths(args: list[str]) -> list[str]:
    """What the command writes: ``--output``/``-o`` files, the ``--out`` folder of ``fixtures``."""
    paths = []
    for i, arg in enumerate(args):
        if arg in ("--output", "-o", "--out") and i + 1 < len(args):
            paths.append(args[i + 1])
        elif arg.startswith(("--output=", "--out=")):
            paths.append(arg.split("=", 1)[1])
    return paths


def invoke(args: list[str]):
    result = runner.invoke(app, args)
    shown = " ".join(["cur-analyzer", *args])
    assert "Traceback" not in result.output, f"{shown}: a traceback:\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{shown}: raised {result.exception!r} instead of exiting with a code"
    )
    return result


@pytest.mark.parametrize("command", README_COMMANDS, ids=[c.id for c in README_COMMANDS])
def test_readme_command_runs_as_written(command: ReadmeCommand, tmp_path, monkeypatch):
    expect = require_listed(command)
    if isinstance(expect, str):
        pytest.skip(expect)
    folder = own_working_folder(tmp_path, monkeypatch, expect.env)
    if expect.working_folder:
        expect.working_folder(folder)
    args = argv(command.text, folder)

    result = invoke(args)

    said = f"README.md:{command.line}: `{command.text}` ran as `cur-analyzer {shlex.join(args)}`"
    assert result.exit_code == expect.exit_code, (
        f"{said}: exit {result.exit_code}, the README implies {expect.exit_code}"
        f"{' (' + expect.why + ')' if expect.why else ''}\nstderr: {result.stderr}"
    )
    errors = [line for line in result.stderr.splitlines() if line.startswith("cur-analyzer:")]
    if expect.exit_code:
        assert len(errors) == 1, f"{said}: not one line on stderr saying why:\n{result.stderr}"
    else:
        assert not errors, f"{said}: an error on stderr:\n{result.stderr}"
    for line in command.shown:
        assert line in result.output, f"{said}: the README shows `{line}`; the command said:\n{result.output}"
    for written in written_paths(args):
        path = folder / written
        assert path.exists(), f"{said}: wrote no {written}"
        assert (path.stat().st_size if path.is_file() else len(list(path.iterdir()))) > 0, (
            f"{said}: {written} is empty"
        )


def test_every_listed_command_is_still_in_the_readme():
    shown = {c.text for c in README_COMMANDS}
    stale = sorted((set(RUN) | set(SKIP)) - shown)
    assert not stale, f"listed here but no longer in README.md (remove or update them): {stale}"
    assert not set(RUN) & set(SKIP), "a command is both run and skipped"


def test_a_new_readme_command_fails_until_it_is_listed():
    """The drift check itself: a command added to the README and to neither table is a failure."""
    text = README.read_text(encoding="utf-8") + "\n```console\ncur-analyzer chargeback --bogus\n```\n"
    added = [c for c in commands_in(text) if c.text == "cur-analyzer chargeback --bogus"]
    assert len(added) == 1
    with pytest.raises(pytest.fail.Exception, match=r"README\.md:\d+: `cur-analyzer chargeback --bogus`"):
        require_listed(added[0])
    # an inline one, a prompted one with its output and a continued one are read as the README shows them
    text = (
        "Run `cur-analyzer coverage\n--month 2026-10` now.\n\n```console\n$ cur-analyzer chargeback \\\n"
        "    --month 2026-10   # per principal\ncur-analyzer: some error\n```\n"
    )
    assert [(c.line, c.text, c.where, c.shown) for c in commands_in(text)] == [
        (1, "cur-analyzer coverage --month 2026-10", "inline", ()),
        (5, "cur-analyzer chargeback --month 2026-10", "block", ("cur-analyzer: some error",)),
    ]


# --- the rules file, the settings file and the CI step the README shows ----------------------------------


def chargeback_json(args: list[str]) -> dict:
    result = invoke(["chargeback", "--month", DEMO_MONTH, "--cur", str(DEMO_EXPORT), *args, "-f", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def assert_conserves(report: dict) -> None:
    """Attributed rows + Unallocated + adjustments = total, to the last digit (``rows`` carries the
    Unallocated row too, when there is one: its cost is ``unallocated``)."""
    unallocated = [r for r in report["rows"] if all(r[d] == "Unallocated" for d in report["by"])]
    attributed = [r for r in report["rows"] if r not in unallocated]
    assert sum(Decimal(r["cost"]) for r in unallocated) == Decimal(report["unallocated"])
    parts = [Decimal(r["cost"]) for r in attributed + report["adjustments"]]
    assert sum(parts, Decimal(report["unallocated"])) == Decimal(report["total"])


def test_the_example_rules_file_loads():
    from cur_analyzer.rules import load_rules

    rules = load_rules(EXAMPLE_RULES)
    assert set(rules.dimensions) == {"team", "application", "cost-center"}
    assert len(rules.shared_costs) == 8
    assert rules.budget_for(["team"]) is not None
    assert rules.alerts.spender_dimensions == ["principal", "team"]


@pytest.mark.parametrize(
    "rules",
    ["examples/cur-analyzer.rules.yaml", "README.md's rules block"],
)
def test_chargeback_by_team_with_the_rules_sums_to_the_principal_total(rules, tmp_path, monkeypatch):
    folder = own_working_folder(tmp_path, monkeypatch, {})
    if rules.startswith("README"):
        (block,) = [b for b in blocks_in(README.read_text(encoding="utf-8"))[0] if _is_rules_block(b)]
        (folder / "rules.yaml").write_text("\n".join(block.lines) + "\n")
        shutil.copy(EXAMPLE_ACCOUNTS, folder / "accounts.csv")  # its account_map names accounts.csv
        path = folder / "rules.yaml"
    else:
        path = ROOT / rules
    by_principal = chargeback_json(["--by", "principal"])
    by_team = chargeback_json(["--rules", str(path), "--by", "team"])
    assert by_team["total"] == by_principal["total"]
    assert by_team["totals"] == by_principal["totals"]
    assert {r["team"] for r in by_team["rows"]} - {"Unallocated"}, "no team got any spend"
    for row in by_team["rows"]:  # every dollar of a team says which source or split brought it
        if row["team"] != "Unallocated":
            sources = [Decimal(v) for c, v in row.items() if c.startswith("via_") or c == "shared"]
            assert sum(sources) == Decimal(row["cost"]), row
    assert_conserves(by_team)
    assert_conserves(by_principal)


def _is_rules_block(block: Block) -> bool:
    return block.lang in ("yaml", "yml") and any(line.startswith("dimensions:") for line in block.lines)


def _is_ci_step(block: Block) -> bool:
    return block.lang in ("yaml", "yml") and bool(block.lines) and ".github/workflows/" in block.lines[0]


def _is_settings_file(block: Block) -> bool:
    return block.lang == "toml" and bool(block.lines) and block.lines[0].strip() == "# cur-analyzer.toml"


def test_every_toml_and_yaml_block_of_the_readme_is_checked():
    blocks, _ = blocks_in(README.read_text(encoding="utf-8"))
    config = [b for b in blocks if b.lang in ("toml", "yaml", "yml")]
    unknown = [b.line for b in config if not (_is_rules_block(b) or _is_ci_step(b) or _is_settings_file(b))]
    assert not unknown, f"README.md blocks at lines {unknown}: neither a rules file, a CI step nor settings"
    assert sum(map(_is_rules_block, config)) == 1


def test_the_readme_ci_step_is_valid_yaml_running_the_listed_commands():
    blocks, _ = blocks_in(README.read_text(encoding="utf-8"))
    for block in filter(_is_ci_step, blocks):
        steps = yaml.safe_load("\n".join(block.lines))
        assert isinstance(steps, list) and all("run" in s for s in steps), steps
        script = [_normalized(line) for s in steps for line in s["run"].replace("\\\n", " ").splitlines()]
        assert all(line in RUN or line in SKIP for line in script if line.startswith("cur-analyzer "))


def test_the_readme_settings_file_is_read_by_the_settings_loader(tmp_path, monkeypatch):
    """The Athena ``cur-analyzer.toml`` is only read here: using it needs AWS."""
    from cur_analyzer.config import load_settings

    folder = own_working_folder(tmp_path, monkeypatch, {})
    blocks, _ = blocks_in(README.read_text(encoding="utf-8"))
    (block,) = filter(_is_settings_file, blocks)
    (folder / "cur-analyzer.toml").write_text("\n".join(block.lines) + "\n")
    settings = load_settings()
    assert (settings.engine, settings.workgroup, settings.database, settings.table) == (
        "athena",
        "cur-analyzer",
        "cur_analyzer",
        "cur2",
    )
    assert settings.region == "us-east-1"


# --- output the README shows for the demo month ----------------------------------------------------------

#: The sentence that introduces a ``text`` block of demo-month output -> the subcommand of the README
#: command printing it (the nearest command in a code block above it).
SHOWN_OUTPUT: dict[str, str] = {"On the demo month:": "reconcile"}
_TABLE = ("┃", "│", "┏", "┡", "├", "└", "…")


def _cells(line: str, bar: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip(bar).split(bar)]


def _table(lines: list[str]) -> tuple[list[str], list[dict[str, str]]]:
    header = next(_cells(line, "┃") for line in lines if line.strip().startswith("┃"))
    rows = [
        dict(zip(header, _cells(line, "│"), strict=True)) for line in lines if line.strip().startswith("│")
    ]
    return header, rows


def test_the_output_the_readme_shows_is_what_its_command_prints(tmp_path, monkeypatch):
    readme = README.read_text(encoding="utf-8").splitlines()
    blocks, _ = blocks_in("\n".join(readme))
    checked = 0
    for block in blocks:
        before = next((line for line in reversed(readme[: block.line - 1]) if line.strip()), "")
        intro = next((s for s in SHOWN_OUTPUT if before.rstrip().endswith(s)), None)
        if block.lang != "text" or intro is None:
            continue
        above = [c.text for c in README_COMMANDS if c.where == "block" and c.line < block.line]
        command = above[-1]
        assert command.startswith(f"cur-analyzer {SHOWN_OUTPUT[intro]} "), command
        folder = own_working_folder(tmp_path, monkeypatch, {"COLUMNS": "250"})
        result = invoke(argv(command, folder))
        printed = [line.strip() for line in result.output.splitlines()]
        said = f"README.md:{block.line}: the output shown for `{command}`"
        for line in block.lines:
            if line.strip() and not line.strip().startswith(_TABLE):
                assert line.strip() in printed, (
                    f"{said}: `{line.strip()}` is not what it prints:\n{result.output}"
                )
        shown_header, shown_rows = _table(list(block.lines))
        header, rows = _table(printed)
        assert set(shown_header) <= set(header), f"{said}: columns {set(shown_header) - set(header)} are gone"
        by_key = {row[header[0]]: row for row in rows}
        for shown in shown_rows:
            row = by_key.get(shown[shown_header[0]])
            assert row is not None, f"{said}: no row {shown[shown_header[0]]}:\n{result.output}"
            assert {k: row[k] for k in shown_header} == shown, f"{said}: the row differs:\n{result.output}"
        checked += 1
    assert checked == len(SHOWN_OUTPUT)
