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
from contextlib import AbstractContextManager
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cur_analyzer.errors import UserInputError, about
from cur_analyzer.period import BillingPeriod

if TYPE_CHECKING:
    import pyarrow as pa

    from cur_analyzer.bedrock.models import ProfileMap
    from cur_analyzer.bedrock.pricing import PriceTable
    from cur_analyzer.checks import CheckReport
    from cur_analyzer.config import Settings
    from cur_analyzer.engines import Engine
    from cur_analyzer.engines.dry import RecordedQuery
    from cur_analyzer.granularity import Granularity
    from cur_analyzer.reports.alerts import Alerts
    from cur_analyzer.reports.allocate import Allocation
    from cur_analyzer.reports.chargeback import Chargeback
    from cur_analyzer.reports.coverage import Coverage
    from cur_analyzer.reports.estimate import Estimate
    from cur_analyzer.reports.explain import Explanation
    from cur_analyzer.reports.focus import FocusExport
    from cur_analyzer.reports.monthly import MonthlyReport
    from cur_analyzer.reports.reconcile import Reconciliation
    from cur_analyzer.reports.unit_costs import UnitCosts
    from cur_analyzer.rules import Rules
    from cur_analyzer.schema import Capabilities

PathLike = str | Path
#: the reports ``Analyzer.queries`` can show the SQL of (its method names)
REPORTS = (
    "chargeback", "coverage", "estimate", "reconcile", "allocate", "explain", "unit_costs", "alerts", "checks",
    "focus", "monthly",
)  # fmt: skip
#: ``profiles="live"`` asks Bedrock for the application inference profiles now
LIVE_PROFILES = "live"


class _RememberingEngine:
    """The engine as reports see it, remembering for the Analyzer's lifetime what does not change while it
    looks: the periods present, the capabilities, and a period's status (whether it is final, how finely
    the export cuts its lines). Every report asks; only the first question reaches the data."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._months: list[str] | None = None
        self._capabilities: Capabilities | None = None
        self._status: dict[str, list[dict[str, Any]]] = {}

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
        return self._engine.query(name, params)

    def query_rows(self, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        from cur_analyzer.engines import query_rows

        if name != "month_status":
            return query_rows(self._engine, name, params)
        key = str(params["month"])
        if key not in self._status:
            self._status[key] = query_rows(self._engine, name, params)
        return self._status[key]

    def held(self, month: str, scope: str) -> AbstractContextManager[None]:
        return self._engine.held(month, scope)

    def __getattr__(self, attr: str) -> Any:  # engine-specific extras (stored_types, cur_scans...)
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
        """The ``prices`` argument, else the ``prices`` setting, else the shipped price table."""
        from cur_analyzer.bedrock.pricing import PriceTable

        if isinstance(self._prices_arg, PriceTable):
            return self._prices_arg
        if self._prices_arg is None:
            return PriceTable.load(self.settings.prices)
        with about("prices"):  # the words say "the prices setting or argument": the CLI says which
            return PriceTable.load(self._prices_arg)

    @cached_property
    def profiles(self) -> ProfileMap | None:
        """The application inference profiles: a saved listing, ``"live"`` (asks Bedrock now), or None."""
        from cur_analyzer.bedrock.models import ProfileMap

        if self._profiles_arg is None or isinstance(self._profiles_arg, ProfileMap):
            return self._profiles_arg
        if str(self._profiles_arg) == LIVE_PROFILES:
            from cur_analyzer.engines.aws import session_for

            return ProfileMap.from_aws(session_for(self.settings).client("bedrock"))
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

    def granularity(self, period: str | BillingPeriod) -> Granularity:
        """How finely the export cuts the period's lines in time: hourly, daily or monthly (told from its
        usage lines; asked once per period, with whether it is final)."""
        from cur_analyzer.granularity import granularity_of

        return granularity_of(self.engine, self._month(period))

    # --- one method per report -------------------------------------------------------------------------
    # Each reads its reference inputs (rules, prices, profiles) before the data, so a bad file is said
    # before any scan; ``check=True`` runs the period's data checks first and raises ``UserInputError`` (bad
    # data) naming each failure, before the report reads anything more.
    def chargeback(
        self,
        period: str | BillingPeriod,
        by: Sequence[str] = ("principal",),
        *,
        service: str = "bedrock",
        cost_basis: str = "unblended",
        check: bool = False,
    ) -> Chargeback:
        from cur_analyzer.reports.chargeback import build_chargeback

        rules = self.rules
        month = self._month(period)
        self._check_first(month, check, ("cur",), service)
        return build_chargeback(self.engine, month, list(by), service, cost_basis, rules=rules)

    def coverage(
        self,
        period: str | BillingPeriod,
        require: Sequence[str],
        *,
        service: str = "bedrock",
        cost_basis: str = "unblended",
        top: int = 10,
        check: bool = False,
    ) -> Coverage:
        from cur_analyzer.reports.coverage import build_coverage

        rules = self.rules
        month = self._month(period)
        self._check_first(month, check, ("cur",), service)
        return build_coverage(self.engine, month, list(require), service, cost_basis, rules=rules, top=top)

    def estimate(
        self,
        period: str | BillingPeriod,
        view: str = "spend",
        *,
        show_prompts: bool = False,
        strict: bool = False,
        by: Sequence[str] = (),
    ) -> Estimate:
        """From the invocation logs alone. ``show_prompts``: the prompts view shows prompt text;
        ``strict``: a malformed log line is an error instead of a counted note; ``by``: one
        ``request-metadata/<key>`` to cut the view by what each call sent under that key."""
        from cur_analyzer.reports.estimate import build_estimate

        prices, profiles = self.prices, self.profiles
        return build_estimate(
            self.engine,
            self._month(period, held=False),
            view,
            prices,
            profiles,
            show_prompts=show_prompts,
            strict=strict,
            by=by,
        )

    def reconcile(
        self,
        period: str | BillingPeriod,
        by: Sequence[str] = ("principal", "model"),
        *,
        tolerance_pct: Decimal | float | str = 1,
        check: bool = False,
    ) -> Reconciliation:
        """``check`` runs the CUR and the invocation-log checks."""
        from cur_analyzer.reports.reconcile import build_reconciliation

        prices, profiles, rules = self.prices, self.profiles, self.rules
        month = self._month(period)
        self._check_first(month, check, ("cur", "logs"))
        return build_reconciliation(self.engine, month, list(by), tolerance_pct, prices, profiles, rules)

    def unit_costs(
        self,
        period: str | BillingPeriod,
        by: Sequence[str] | None = None,
        *,
        view: str = "tokens",
        cost_basis: str = "unblended",
    ) -> UnitCosts:
        """From the bill alone, Bedrock only: cost per 1M tokens (``view="tokens"``, by model and meter
        unless ``by`` says otherwise) or what prompt caching saved (``view="cache"``, by model)."""
        from cur_analyzer.reports.unit_costs import build_unit_costs, check_view

        check_view(view)  # before any data is read
        rules = self.rules
        month = self._month(period)
        return build_unit_costs(self.engine, month, by, view, cost_basis, rules=rules)

    def explain(
        self,
        period: str | BillingPeriod,
        vs: str | BillingPeriod | None = None,
        by: str = "principal",
        *,
        service: str = "bedrock",
        cost_basis: str = "unblended",
    ) -> Explanation:
        """Why the bill of ``period`` differs from the bill of ``vs`` (default: the month before), per
        value of ``by``: each value's change split into volume, mix, cache, price, other and attribution,
        which add up to it exactly."""
        from cur_analyzer.reports.explain import build_explain

        rules = self.rules
        with about("month"):
            month = _text(period)
        with about("vs"):
            against = _text(vs) if vs is not None else None
        return build_explain(self.engine, month, against, by, service, cost_basis, rules=rules)

    def allocate(self, period: str | BillingPeriod, by: Sequence[str] = ("principal",)) -> Allocation:
        """The month's Bedrock bill split down to the invocation-log records behind it, grouped ``by``
        (request, session, principal, role, account, region, model, meter, tier, day,
        ``request-metadata/<key>``, a tag, or a dimension of the rules, which may read request metadata)."""
        from cur_analyzer.reports.allocate import build_allocation

        profiles, rules = self.profiles, self.rules
        return build_allocation(self.engine, self._month(period), list(by), profiles, rules)

    def alerts(
        self,
        period: str | BillingPeriod | None = None,
        *,
        days: int | None = None,
        by: Sequence[str] | None = None,
        logs: bool = False,
    ) -> Alerts:
        """Over a month, or the last ``days`` days up to the newest data; ``logs`` adds the alarms on the
        invocation logs (and reads the prices and profiles they need)."""
        from cur_analyzer.reports.alerts import build_alerts

        rules = self.rules
        prices, profiles = (self.prices, self.profiles) if logs else (None, None)
        month = self._month(period) if period is not None else None
        return build_alerts(self.engine, month, days, rules, by, logs, prices, profiles)

    def checks(
        self, period: str | BillingPeriod, suites: Sequence[str] = ("cur",), *, service: str = "bedrock"
    ) -> CheckReport:
        from cur_analyzer.checks import run_checks

        return run_checks(self.engine, self._month(period, held=False), suites, service=service)

    def focus(self, period: str | BillingPeriod, *, version: str = "1.2", split: bool = False) -> FocusExport:
        """The month's Bedrock lines as FOCUS ``version`` rows; ``split`` (FOCUS 1.3) replaces each usage
        line with its allocated charges, one per invocation-log record (``allocate``'s ledger)."""
        from cur_analyzer.reports.focus import build_focus_export, check_version

        check_version(version, split)  # before any data is read
        rules = self.rules
        allocation = self.allocate(period) if split else None
        return build_focus_export(
            self.engine, self._month(period), rules, version=version, allocation=allocation
        )

    def monthly(
        self,
        period: str | BillingPeriod,
        *,
        logs: bool = False,
        service: str = "bedrock",
        cost_basis: str = "unblended",
        check: bool = False,
        **options: Any,
    ) -> MonthlyReport:
        """The month's pack, built over the month's lines held by the engine: its dozen queries read the CUR
        once, and the previous month's lines (why the bill changed) are read once, before the hold.
        ``check`` runs the CUR checks (and the log checks with ``logs``) first; ``options`` go to
        ``build_monthly`` (``require``, ``top``, ``tolerance_pct``, ``inputs``...)."""
        from cur_analyzer.reports.chargeback import check_scope
        from cur_analyzer.reports.monthly import build_monthly, read_ahead

        check_scope(service, cost_basis)  # a bad scope is said before the month is held
        month = self._month(period)  # an unknown month is said before the scan that holds it
        prices, profiles = (self.prices, self.profiles) if logs else (None, None)
        suites = ("cur", "logs") if logs else ("cur",)
        checked = self._check_first(month, check, suites, service)  # the pack shows them: run once
        # a held month refuses a query for another: the previous month's lines are read before the hold
        ahead = read_ahead(self.engine, month, service, cost_basis, self.rules)
        with self.engine.held(month, service):
            return build_monthly(
                self.engine,
                month,
                lines_ahead=ahead,
                rules=self.rules,
                logs=logs,
                prices=prices,
                profiles=profiles,
                service=service,
                cost_basis=cost_basis,
                checks=checked,
                **options,
            )

    # --- the SQL behind a report ---------------------------------------------------------------------
    def queries(self, report: str, period: str | BillingPeriod, **options: Any) -> list[RecordedQuery]:
        """The queries ``report`` (a method name: one of ``REPORTS``) runs for ``period`` with ``options``, each with the values it binds, without
        reading any data: the report is built over a dry-run engine, so the parameters come from the same
        code as on a real run. ``RecordedQuery.paste_ready()`` writes the values in as Athena literals."""
        from cur_analyzer.engines.dry import DryRunEngine

        if report not in REPORTS:
            raise UserInputError(f"no report {report!r}; one of {', '.join(REPORTS)}", option="report")
        with about("month"):
            month = _text(period)
        dry = DryRunEngine(month)
        # prices and profiles change what a report computes, never which SQL it runs: the sibling keeps
        # the shipped prices and no profiles (``profiles="live"`` would call AWS for nothing)
        sibling = Analyzer(engine=dry, rules=self.rules, settings=self.settings)  # type: ignore[arg-type]
        try:
            getattr(sibling, report)(month, **options)
        except UserInputError as empty:
            # a report that refuses to go on without log records ("no invocation logs for the month")
            # has asked for every query by then; any other mistake is the caller's to hear
            if empty.option != "logs" or not dry.recorded:
                raise
        # a report says whether the month is final from the lines it read and asks month_status only when
        # it read none, which is all a dry run ever answers: that fallback is not part of what it runs
        return [q for q in dry.recorded if q.name != "month_status"] or dry.recorded

    def _month(self, period: str | BillingPeriod, *, held: bool = True) -> str:
        """``YYYY-MM``; with ``held``, refused unless the CUR source holds that period. Both errors are about
        the month asked for (the command line names its option)."""
        from cur_analyzer.reports.chargeback import check_month

        with about("month"):
            month = _text(period)
        if held:
            engine = self.engine  # a source that cannot be read is not the month's fault
            with about("month"):
                check_month(engine, month)
        return month

    def _check_first(
        self, month: str, check: bool, suites: Sequence[str], service: str = "bedrock"
    ) -> CheckReport | None:
        if not check:
            return None
        from cur_analyzer.checks import run_before

        return run_before(self.engine, month, suites, service=service)


def _text(period: str | BillingPeriod) -> str:
    return str(BillingPeriod.parse(period))
