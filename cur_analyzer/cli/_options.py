"""Every option more than one command takes, defined once: the same name, short form, help and meaning
wherever it appears. An option with a closed set of values takes its choices from the domain's enum
(``cur_analyzer.choices``), so a value outside it is a usage error naming the valid ones.

Help text avoids square brackets: the help panel reads them as markup and drops them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from cur_analyzer.attribution import SIMPLE_DIMS
from cur_analyzer.choices import CostBasis, EngineName, FocusFormat, OutputFormat, PackFormat, ServiceScope

__all__ = [
    "ByOpt",
    "CheckOpt",
    "CostBasisOpt",
    "CurOpt",
    "EngineOpt",
    "FirstMonthOpt",
    "FocusFormatOpt",
    "FormatOpt",
    "LogsOpt",
    "MonthOpt",
    "OptionalMonthOpt",
    "OutputOpt",
    "PackFormatOpt",
    "PackLogsOpt",
    "PackOutputOpt",
    "PackRequireOpt",
    "PrecisionOpt",
    "PricesOpt",
    "ProfilesOpt",
    "ReconcileByOpt",
    "RequireOpt",
    "RulesOpt",
    "ServiceOpt",
    "SpenderByOpt",
    "StrictChecksOpt",
    "StrictLogsOpt",
    "TopOpt",
    "finite_percent",
]


def finite_percent(value: float | None) -> float | None:
    """Typer callback: a percentage option must be a finite number >= 0 (click's ranges let NaN through)."""
    if value is not None and (not math.isfinite(value) or value < 0):
        raise typer.BadParameter(f"must be a finite number >= 0 (got {value})")
    return value


# --- the month ------------------------------------------------------------------------------------------
_MONTH_HELP = "Billing period, YYYY-MM."
MonthOpt = Annotated[str, typer.Option("--month", "-m", help=_MONTH_HELP)]
OptionalMonthOpt = Annotated[str | None, typer.Option("--month", "-m", help=_MONTH_HELP)]
FirstMonthOpt = Annotated[
    str, typer.Option("--month", "-m", help="First billing period (final); the next one is open.")
]

# --- where the data is ----------------------------------------------------------------------------------
CurOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--cur",
        help="CUR 2.0 export folder (holding data/ and metadata/), a folder above it, "
        "a BILLING_PERIOD=YYYY-MM folder, or parquet files. Repeatable. (env CUR_ANALYZER_CUR)",
    ),
]
EngineOpt = Annotated[
    EngineName | None,
    typer.Option(
        "--engine",
        help="duckdb reads local files (the default); athena queries the Glue table where the export "
        "lives. (env CUR_ANALYZER_ENGINE)",
    ),
]
_LOGS_WHERE = (
    "Bedrock invocation logs: a folder in the S3 layout (AWSLogs/<acct>/BedrockModelInvocationLogs/...) "
    "or .json.gz files. Repeatable."
)
LogsOpt = Annotated[list[Path] | None, typer.Option("--logs", help=f"{_LOGS_WHERE} (env CUR_ANALYZER_LOGS)")]
PackLogsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--logs",
        help=f"{_LOGS_WHERE} For the reconciliation and the daily estimate; without them those parts say "
        "logs were not given. With --engine athena, any value turns them on and reads the Glue "
        "invocation-log table. (env CUR_ANALYZER_LOGS)",
    ),
]

# --- reference data -------------------------------------------------------------------------------------
PricesOpt = Annotated[
    Path | None,
    typer.Option("--prices", help="Price table CSV replacing the shipped one. (env CUR_ANALYZER_PRICES)"),
]
ProfilesOpt = Annotated[
    Path | None,
    typer.Option(
        "--profiles",
        help="JSON of `aws bedrock list-inference-profiles --type-equals APPLICATION`, "
        "to resolve application inference profile ARNs to models; `live` asks Bedrock now.",
    ),
]
RulesOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="Rules file (dimensions, shared costs, budgets, alerts); ./cur-analyzer.rules.yaml when "
        "present. (env CUR_ANALYZER_RULES)",
    ),
]

# --- what a report covers -------------------------------------------------------------------------------
ServiceOpt = Annotated[
    ServiceScope,
    typer.Option("--service", help="Amazon Bedrock lines only (bedrock) or every line of the month (all)."),
]
CostBasisOpt = Annotated[
    CostBasis,
    typer.Option(
        "--cost-basis",
        help="Cost to sum; a net basis falls back to the gross columns when the export has none.",
    ),
]
# the built-in dimensions, from their one home
_DIMENSIONS = ", ".join(SIMPLE_DIMS)
_KEYED = "iamPrincipal/<key>, tag/<key>, accountTag/<key>, or a rules-file dimension"
# --by means the same everywhere: what the spend is broken down by; each command says which it takes
_BY = "What to break the spend down by, repeatable"
ByOpt = Annotated[
    list[str] | None,
    typer.Option("--by", "-b", help=f"{_BY}: {_DIMENSIONS}, {_KEYED}. Default: principal."),
]
ReconcileByOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--by",
        "-b",
        help=f"{_BY}: day, account, region, principal, role, session, model, meter, "
        "iamPrincipal/<key>, tag/<key>, a rules-file dimension, or request-metadata/<key> (what each call "
        "sent; the bill is shared by the calls' tokens, as allocate does). Default: principal, model.",
    ),
]
SpenderByOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--by",
        "-b",
        help=f"{_BY}: principal, role, a rules dimension (team), a tag...; a value's daily spike is an "
        "alert. Default: alerts.spender_dimensions in the rules file, else principal.",
    ),
]
_REQUIRE_HELP = "Tag key every dollar should carry, repeatable (as written in AWS: team, cost-center)."
RequireOpt = Annotated[list[str], typer.Option("--require", "-r", help=_REQUIRE_HELP)]
PackRequireOpt = Annotated[
    list[str] | None, typer.Option("--require", "-r", help=f"{_REQUIRE_HELP} Default: team, cost-center.")
]
CheckOpt = Annotated[
    bool,
    typer.Option(
        "--check",
        help="Run the data-quality checks first (see `check`); bad data stops the command (exit 2).",
    ),
]
TopOpt = Annotated[
    int,
    typer.Option(
        "--top", min=1, help="Offenders listed per key and kind; the rest of each kind is summed in one row."
    ),
]
# --strict means the same everywhere: bad data fails the command with exit 2, as any bad input does
_STRICT = "Exit 2 when the data is bad"
StrictChecksOpt = Annotated[
    bool, typer.Option("--strict", help=f"{_STRICT}: an error-severity check fails (for CI).")
]
StrictLogsOpt = Annotated[
    bool, typer.Option("--strict", help=f"{_STRICT}: a log line is malformed (instead of counting it).")
]

# --- where the result goes ------------------------------------------------------------------------------
# One rule for every command (cur_analyzer.render.formats): --format, else the --output file's ending,
# else the command's default; a --format the file's ending contradicts is refused.
FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="table to read on a terminal; the others for files and programs. Default: the --output "
        "file's ending (.csv .json .md .parquet .xlsx, .txt for table), else table. A --format the "
        "ending contradicts is refused; parquet and xlsx never go to a terminal.",
    ),
]
FocusFormatOpt = Annotated[
    FocusFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="parquet is typed, money as decimal(38,10); csv and json are text. Default: the --output "
        "file's ending (.parquet .csv .json), else parquet. A --format the ending contradicts is refused.",
    ),
]
PackFormatOpt = Annotated[
    PackFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="html: one self-contained file; xlsx: one sheet per view. Default: the --output file's ending "
        "(.html or .xlsx), else html. A --format the ending contradicts is refused.",
    ),
]
# also the output of commands without --format (sql, prices refresh): the format rule is told by --format
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to FILE (atomically) instead of stdout.")
]
PackOutputOpt = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="File to write (atomically): report.html or report.xlsx, the ending picks the format.",
    ),
]
PrecisionOpt = Annotated[
    int,
    typer.Option(
        "--precision",
        min=0,
        max=10,
        help="Decimal places of money shown in table, md, xlsx and html (0-10); csv, json and parquet are exact.",
    ),
]
