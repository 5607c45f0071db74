"""The closed sets a caller chooses from, one home each: cost basis, service scope, engine, output formats,
estimate views, coverage sources, check suites.

Each is a ``StrEnum``, so a member *is* its string: the library compares, binds and prints it as the plain
value, and the command line takes its choices (and refuses anything else) from the same class. The modules
that used to spell a set out keep their tuple names (``COST_BASES``, ``FORMATS``...) derived from these.
Nothing here imports anything heavy.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CheckSuite",
    "CostBasis",
    "CoverageSource",
    "EngineName",
    "EstimateView",
    "FocusFormat",
    "OutputFormat",
    "PackFormat",
    "ServiceScope",
]


class CostBasis(StrEnum):
    """Which cost a report sums; net bases fall back to the gross columns when the export has none."""

    UNBLENDED = "unblended"
    NET_UNBLENDED = "net-unblended"
    AMORTIZED = "amortized"
    NET_AMORTIZED = "net-amortized"


class ServiceScope(StrEnum):
    """The lines a report reads: Amazon Bedrock's only, or every line of the month."""

    BEDROCK = "bedrock"
    ALL = "all"


class EngineName(StrEnum):
    """Where the SQL runs: embedded DuckDB over local files, or Athena where the export lives."""

    DUCKDB = "duckdb"
    ATHENA = "athena"


class OutputFormat(StrEnum):
    """How a report's table is written."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"
    XLSX = "xlsx"
    MD = "md"


class FocusFormat(StrEnum):
    """How a FOCUS dataset is written (parquet keeps the FOCUS column types)."""

    PARQUET = "parquet"
    CSV = "csv"
    JSON = "json"


class PackFormat(StrEnum):
    """How the monthly pack is written: one self-contained HTML file or one workbook."""

    HTML = "html"
    XLSX = "xlsx"


class EstimateView(StrEnum):
    """The views of the invocation-log estimate."""

    SPEND = "spend"
    MODELS = "models"
    SPENDERS = "spenders"
    CACHE = "cache"
    DAILY = "daily"
    HOURLY = "hourly"
    PROMPTS = "prompts"
    WASTE = "waste"
    FAILED = "failed"


class CoverageSource(StrEnum):
    """Which tag coverage a threshold applies to: any source, or one of them."""

    ANY = "any"
    RESOURCE = "resource"
    PRINCIPAL = "principal"
    ACCOUNT = "account"
    RULES = "rules"


class CheckSuite(StrEnum):
    """The data-check suites: the month's CUR lines, the invocation logs."""

    CUR = "cur"
    LOGS = "logs"


class CoverageView(StrEnum):
    """What the coverage table shows: coverage per key and source, or who answers for the untagged spend."""

    COVERAGE = "coverage"
    OFFENDERS = "offenders"


class UnitCostView(StrEnum):
    """The views of the unit costs: cost per 1M tokens, or what prompt caching bought."""

    TOKENS = "tokens"
    CACHE = "cache"


class SqlReport(StrEnum):
    """The reports ``cur-analyzer sql`` prints the queries of, named as their commands are."""

    CHARGEBACK = "chargeback"
    COVERAGE = "coverage"
    ESTIMATE = "estimate"
    RECONCILE = "reconcile"
    ALLOCATE = "allocate"
    EXPLAIN = "explain"
    UNIT_COSTS = "unit-costs"
    ALERTS = "alerts"
    CHECK = "check"
    EXPORT_FOCUS = "export-focus"
    REPORT = "report"
