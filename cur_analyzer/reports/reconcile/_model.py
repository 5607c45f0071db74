"""The reconciliation's vocabulary and types: causes, statuses, buckets and their billed/logged parts, rows and
the ``Reconciliation`` itself."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import PRINCIPAL_GRAINS
from cur_analyzer.granularity import Granularity
from cur_analyzer.reports._view import ReportModel
from cur_analyzer.reports.estimate import PROFILE_NOT_RESOLVED

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular

ZERO = Decimal(0)
#: A bucket's key: dimensions (``attribution.SIMPLE_DIMS``) both the bill and the invocation logs have.
BUCKET_FIELDS = ("day", "account", "region", "principal", "model", "meter")
#: the kind of a ``request-metadata/<key>`` dimension: told by the calls, never by the bill
METADATA_KIND = "request_metadata"
#: The kinds of dimension a reconciliation groups by: the bucket's, the caller's other grains, and tags or
#: rules-file dimensions (from the billed lines of a bucket).
LOGGED_KINDS = ("day", "account", "region", *PRINCIPAL_GRAINS, "model", "meter", "tag", "rules")
CAUSES = (
    "logging off",
    "log gap",
    "tier not in logs",
    "cache tokens missing from logs",
    "model missing from price table",
    PROFILE_NOT_RESOLVED,
    "1-hour cache-write rate",
    "cross-region rate",
    "token counts differ",
    "price table differs from bill",
)
#: Batch inference jobs write their output to S3, never to the model invocation log.
NEVER_LOGGED_TIERS = frozenset({"batch"})
#: The price table's currency, so the estimate's: a bucket billed in another one is not compared.
ESTIMATE_CURRENCY = "USD"
#: Statuses of buckets that are not compared with the estimate: billed in another currency than the price
#: table's, at a meter (model units, images, search units, AgentCore…) the invocation logs never count, or
#: for an AWS Marketplace model, whose lines bill raw Marketplace units (``pricing_unit`` 'Units', the unit
#: only in the line's description): no honest token count to set beside the logs'.
OTHER_CURRENCY = "other-currency"
NOT_A_LOG_METER = "not-a-log-meter"
MARKETPLACE_UNITS = "marketplace-units"
NOT_COMPARED = (OTHER_CURRENCY, NOT_A_LOG_METER, MARKETPLACE_UNITS)
STATUSES = ("match", "over", "under", "billed-only", "logged-only", "pending", *NOT_COMPARED)
_UNIT_TOKENS = {"1k tokens": 1_000, "1m tokens": 1_000_000, "tokens": 1, "1 tokens": 1}


def tokens_per_unit(pricing_unit: str | None) -> int | None:
    """Tokens in one ``line_item_usage_amount`` unit, from ``pricing_unit`` ('1K tokens' -> 1000)."""
    return _UNIT_TOKENS.get((pricing_unit or "").strip().lower())


@dataclass(slots=True)
class BilledPart:
    #: the logs hold some record of this account and region within the line's own period (its hour, day or
    #: month, as the export cuts lines)
    period_logged: bool
    tier: str
    scope: str
    one_hour: bool
    tokens: Decimal
    cost: Decimal
    aip: bool = False  # billed through an application inference profile
    day: str | None = None  # the usage day the line starts on: the rates in force that day price it


@dataclass(slots=True)
class LoggedPart:
    tier: str
    scope: str
    tokens: int
    cost: Decimal | None  # None: unpriced
    unpriced_reason: str | None = None
    meta: str | None = None  # what the calls sent under the request metadata key the rows are cut by


@dataclass(slots=True)
class Bucket:
    key: tuple[str, ...]  # BUCKET_FIELDS
    price_key: str | None
    currency: str = ESTIMATE_CURRENCY  # the bill's; a logged-only bucket has the estimate's
    log_meter: bool = True  # a meter the invocation logs count tokens in
    marketplace: bool = False  # billed by AWS Marketplace, in Marketplace units
    billed: list[BilledPart] = field(default_factory=list)
    logged: list[LoggedPart] = field(default_factory=list)
    tags: dict[str, set[str]] = field(default_factory=dict)  # a tag's or rules dimension's values
    explained: dict[str, Decimal] = field(default_factory=dict)
    #: with the rows cut by a request metadata key: the value this part of the bucket's calls sent
    meta: str | None = None

    @property
    def not_compared(self) -> str | None:
        """Why the bucket is not compared with the estimate (a status), or None when it is."""
        if not self.log_meter:
            return NOT_A_LOG_METER
        if self.marketplace:
            return MARKETPLACE_UNITS
        return OTHER_CURRENCY if self.currency != ESTIMATE_CURRENCY else None

    @property
    def billed_cost(self) -> Decimal:
        return sum((p.cost for p in self.billed), ZERO)

    @property
    def billed_tokens(self) -> Decimal:
        return sum((p.tokens for p in self.billed), ZERO)

    @property
    def estimated_cost(self) -> Decimal:
        return sum((p.cost for p in self.logged if p.cost is not None), ZERO)

    @property
    def estimated_tokens(self) -> int:
        return sum(p.tokens for p in self.logged)


@dataclass
class ReconcileRow:
    values: dict[str, str]
    estimated_tokens: Decimal
    billed_tokens: Decimal
    estimated_cost: Decimal
    billed_cost: Decimal
    explained: dict[str, Decimal]
    status: str
    cause: str
    currency: str = ESTIMATE_CURRENCY  # of the billed cost; the estimate is in ESTIMATE_CURRENCY
    #: the price table's key of the row's model (``claude-sonnet-4``) when grouped by model and the
    #: catalogue knows it, "" otherwise; ``values["model"]`` shows its display name
    model_key: str = ""

    @property
    def compared(self) -> bool:
        return self.status not in NOT_COMPARED

    @property
    def delta(self) -> Decimal | None:
        """Estimate − bill; None when the two are not compared (other currency, a meter logs never count)."""
        return self.estimated_cost - self.billed_cost if self.compared else None

    @property
    def delta_pct(self) -> Decimal | None:
        delta = self.delta
        return None if delta is None or not self.billed_cost else (delta / self.billed_cost * 100)

    @property
    def gap(self) -> Decimal | None:
        """Bill − estimate, the amount the causes explain; None when not compared."""
        return None if self.delta is None else -self.delta

    @property
    def unexplained(self) -> Decimal | None:
        gap = self.gap
        return None if gap is None else gap - sum(self.explained.values(), ZERO)


@dataclass
class Reconciliation(ReportModel):
    month: str
    by: tuple[str, ...]
    tolerance_pct: Decimal
    final: bool
    rows: list[ReconcileRow]
    buckets: list[Bucket]
    notes: list[str] = field(default_factory=list)
    #: invocation-log records set aside as malformed, by reason (never estimated)
    malformed_log_records: dict[str, int] = field(default_factory=dict)
    #: how finely the export cuts its lines: what "logged" means, and a monthly export's buckets are months
    granularity: Granularity = Granularity.HOURLY

    @property
    def compared_buckets(self) -> list[Bucket]:
        return [b for b in self.buckets if b.not_compared is None]

    @property
    def billed_cost(self) -> Decimal:
        """The billed cost compared with the estimate (in ``ESTIMATE_CURRENCY``, log meters only)."""
        return sum((b.billed_cost for b in self.compared_buckets), ZERO)

    @property
    def estimated_cost(self) -> Decimal:
        """The estimate compared with the bill (``billed_cost``'s buckets)."""
        return sum((b.estimated_cost for b in self.compared_buckets), ZERO)

    def billed_totals(self) -> dict[str, Decimal]:
        """Every billed cost per currency, compared or not (as chargeback's ``totals()``)."""
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for b in self.buckets:
            if b.billed:
                out[b.currency] += b.billed_cost
        return dict(sorted(out.items()))

    def not_compared(self) -> list[dict[str, Any]]:
        """The billed cost left out of the comparison, per reason (a status) and currency, with the
        estimate of the same buckets (in ``ESTIMATE_CURRENCY``)."""
        acc: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for b in self.buckets:
            if reason := b.not_compared:
                acc[(reason, b.currency)][0] += b.billed_cost
                acc[(reason, b.currency)][1] += b.estimated_cost
        return [
            {"status": reason, "currency": currency, "billed_cost": billed, "estimated_cost": estimated}
            for (reason, currency), (billed, estimated) in sorted(acc.items())
        ]

    def explained_by_cause(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for b in self.buckets:
            for cause, amount in b.explained.items():
                out[cause] += amount
        return {c: out[c] for c in CAUSES if c in out}

    def status_counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.rows:
            out[r.status] += 1
        return out

    @property
    def mismatched(self) -> list[ReconcileRow]:
        return [r for r in self.rows if r.compared and r.status != "match"]

    def as_table(self) -> Tabular:
        # imported here: the renderer imports this model
        from cur_analyzer.reports.reconcile._render import tabular

        return tabular(self)
