"""``Analyzer``: the project's context object. It holds the settings and owns the engine, the rules, the
price table and the inference-profile map, remembers per session what it learnt about the data (the
billing periods present, the export's capabilities, whether a period is final), and has one method per
report, each returning that report's model. The command line is a thin layer over it; a notebook calls the
same object::

    from cur_analyzer import Analyzer

    analyzer = Analyzer(cur="fixtures/demo/cur2-bedrock", logs="fixtures/demo/logs")
    october = analyzer.chargeback("2026-10", by=["iamPrincipal/team"])
    october.total, october.to_pandas()
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cur_analyzer.period import BillingPeriod

if TYPE_CHECKING:
    import pyarrow as pa

    from cur_analyzer.bedrock.models import ProfileMap
    from cur_analyzer.bedrock.pricing import PriceTable
    from cur_analyzer.checks import CheckReport
    from cur_analyzer.config import Settings
    from cur_analyzer.engines import Engine
    from cur_analyzer.reports.alerts import Alerts
    from cur_analyzer.reports.chargeback import Chargeback
    from cur_analyzer.reports.coverage import Coverage
    from cur_analyzer.reports.estimate import Estimate
    from cur_analyzer.reports.focus import FocusExport
    from cur_analyzer.reports.monthly import MonthlyReport
    from cur_analyzer.reports.reconcile import Reconciliation
    from cur_analyzer.rules import Rules
    from cur_analyzer.schema import Capabilities

PathLike = str | Path
#: ``profiles="live"`` asks Bedrock for the application inference profiles now
LIVE_PROFILES = "live"


class _RememberingEngine:
    """The engine as reports see it, remembering for the Analyzer's lifetime what does not change while it
    looks: the periods present, the capabilities, and whether a period is final. Every report asks; only
    the first question reaches the data."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._months: list[str] | None = None
        self._capabilities: Capabilities | None = None
        self._status: dict[str, pa.Table] = {}

    @property
    def name(self) -> str:
        return self._engine.name

    @property
    def notes(self) -> list[str]:
        return self._engine.notes

    def months(self) -> list[str]:
        if self._months is None:
            self._months = self._engine.months()
        return self._months

    def capabilities(self) -> Capabilities:
        if self._capabilities is None:
            self._capabilities = self._engine.capabilities()
        return self._capabilities

    def query(self, name: str, params: Mapping[str, Any]) -> pa.Table:
        if name != "month_status":
            return self._engine.query(name, params)
        key = str(params["month"])
        if key not in self._status:
            self._status[key] = self._engine.query(name, params)
        return self._status[key]

    def __getattr__(self, attr: str) -> Any:  # engine-specific extras (stored_types, session...)
        return getattr(self._engine, attr)


class Analyzer:
    """Settings -> engine, rules, prices, profiles; one method per report, each returning its model.

    Give plain arguments (``cur``, ``logs``, ``engine``, ``rules``, ``prices``, ``profiles``), or a
    ``Settings`` (``cur-analyzer.toml`` and ``CUR_ANALYZER_*``) with the arguments layered on top. Nothing is
    read until a report needs it.
    """

    def __init__(
        self,
        *,
        cur: PathLike | Sequence[PathLike] | None = None,
        logs: PathLike | Sequence[PathLike] | None = None,
        engine: str | Engine | None = None,
        rules: PathLike | Rules | None = None,
        prices: PathLike | PriceTable | None = None,
        profiles: PathLike | ProfileMap | None = None,
        settings: Settings | None = None,
        on_progress: Callable[[str, float | None], None] | None = None,
    ):
        self._cur = [Path(p) for p in ([cur] if isinstance(cur, str | Path) else cur)] if cur else None
        self._logs = [Path(p) for p in ([logs] if isinstance(logs, str | Path) else logs)] if logs else None
        self._engine_choice = engine
        self._rules_arg = rules
        self._prices_arg = prices
        self._profiles_arg = profiles
        self._settings = settings
        self._on_progress = on_progress

    # --- what it owns -------------------------------------------------------------------------------------
    @cached_property
    def settings(self) -> Settings:
        if self._settings is not None:
            return self._settings
        from cur_analyzer.config import load_settings

        return load_settings(engine=self._engine_choice if isinstance(self._engine_choice, str) else None)

    @cached_property
    def engine(self) -> Engine:
        if self._engine_choice is not None and not isinstance(self._engine_choice, str):
            return _RememberingEngine(self._engine_choice)  # type: ignore[return-value]
        from cur_analyzer.engines import connect

        connected = connect(self.settings, cur=self._cur, on_progress=self._on_progress, logs=self._logs)
        return _RememberingEngine(connected)  # type: ignore[return-value]

    @cached_property
    def rules(self) -> Rules | None:
        """The rules in force: the ``rules`` argument, the ``rules`` setting, ``./cur-analyzer.rules.yaml``."""
        from cur_analyzer.rules import Rules, find_rules

        if isinstance(self._rules_arg, Rules):
            return self._rules_arg
        if self._rules_arg is not None:
            return find_rules(self._rules_arg)
        return find_rules(None, self.settings.rules)

    @cached_property
    def prices(self) -> PriceTable:
        from cur_analyzer.bedrock.pricing import PriceTable

        if isinstance(self._prices_arg, PriceTable):
            return self._prices_arg
        return PriceTable.load(self._prices_arg or self.settings.prices)

    @cached_property
    def profiles(self) -> ProfileMap | None:
        from cur_analyzer.bedrock.models import ProfileMap

        if self._profiles_arg is None or isinstance(self._profiles_arg, ProfileMap):
            return self._profiles_arg
        if str(self._profiles_arg) == LIVE_PROFILES:
            import boto3

            session = boto3.Session(region_name=self.settings.region, profile_name=self.settings.profile)
            return ProfileMap.from_aws(session.client("bedrock"))
        return ProfileMap.load(self._profiles_arg)

    # --- what it knows about the data ------------------------------------------------------------------
    def periods(self) -> list[BillingPeriod]:
        """The billing periods the CUR source holds, oldest first."""
        return [BillingPeriod.parse(m) for m in self.engine.months()]

    def capabilities(self) -> Capabilities:
        return self.engine.capabilities()

    def is_final(self, period: str | BillingPeriod) -> bool:
        """Has AWS closed the period (every line carries an invoice id)?"""
        from cur_analyzer.reports.chargeback import month_is_final

        return month_is_final(self.engine, str(BillingPeriod.parse(period)))

    # --- one method per report -------------------------------------------------------------------------
    def chargeback(
        self,
        period: str | BillingPeriod,
        by: Sequence[str] = ("principal",),
        *,
        service: str = "bedrock",
        cost_basis: str = "unblended",
    ) -> Chargeback:
        from cur_analyzer.reports.chargeback import build_chargeback

        return build_chargeback(self.engine, _text(period), list(by), service, cost_basis, rules=self.rules)

    def coverage(
        self,
        period: str | BillingPeriod,
        require: Sequence[str],
        *,
        service: str = "bedrock",
        cost_basis: str = "unblended",
        top: int = 10,
    ) -> Coverage:
        from cur_analyzer.reports.coverage import build_coverage

        return build_coverage(
            self.engine, _text(period), list(require), service, cost_basis, rules=self.rules, top=top
        )

    def estimate(self, period: str | BillingPeriod, view: str = "spend", **options: Any) -> Estimate:
        from cur_analyzer.reports.estimate import build_estimate

        return build_estimate(self.engine, _text(period), view, self.prices, self.profiles, **options)

    def reconcile(
        self,
        period: str | BillingPeriod,
        by: Sequence[str] = ("principal", "model"),
        *,
        tolerance_pct: Decimal | float | str = 1,
    ) -> Reconciliation:
        from cur_analyzer.reports.reconcile import build_reconciliation

        return build_reconciliation(
            self.engine, _text(period), list(by), tolerance_pct, self.prices, self.profiles, self.rules
        )

    def alerts(
        self,
        period: str | BillingPeriod | None = None,
        *,
        days: int | None = None,
        by: Sequence[str] | None = None,
        logs: bool = False,
    ) -> Alerts:
        from cur_analyzer.reports.alerts import build_alerts

        month = _text(period) if period is not None else None
        prices, profiles = (self.prices, self.profiles) if logs else (None, None)
        return build_alerts(self.engine, month, days, self.rules, by, logs, prices, profiles)

    def checks(
        self, period: str | BillingPeriod, suites: Sequence[str] = ("cur",), *, service: str = "bedrock"
    ) -> CheckReport:
        from cur_analyzer.checks import run_checks

        return run_checks(self.engine, _text(period), suites, service=service)

    def focus(self, period: str | BillingPeriod) -> FocusExport:
        from cur_analyzer.reports.focus import build_focus_export

        return build_focus_export(self.engine, _text(period), self.rules)

    def monthly(self, period: str | BillingPeriod, *, logs: bool = False, **options: Any) -> MonthlyReport:
        from cur_analyzer.reports.monthly import build_monthly

        prices, profiles = (self.prices, self.profiles) if logs else (None, None)
        return build_monthly(
            self.engine,
            _text(period),
            rules=self.rules,
            logs=logs,
            prices=prices,
            profiles=profiles,
            **options,
        )


def _text(period: str | BillingPeriod) -> str:
    return str(BillingPeriod.parse(period))
