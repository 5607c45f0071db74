"""The reconciliation's vocabulary and types: causes, statuses, buckets and their billed/logged parts, rows and
the ``Reconciliation`` itself."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from cur_analyzer.attribution import PRINCIPAL_GRAINS
from cur_analyzer.reports._view import ReportModel

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular

ZERO = Decimal(0)
#: A bucket's key: dimensions (``attribution.SIMPLE_DIMS``) both the bill and the invocation logs have.
BUCKET_FIELDS = ("day", "account", "region", "principal", "model", "meter")
#: The kinds of dimension a reconciliation groups by: the bucket's, the caller's other grains, and tags or
#: rules-file dimensions (from the billed lines of a bucket).
LOGGED_KINDS = ("day", "account", "region", *PRINCIPAL_GRAINS, "model", "meter", "tag", "rules")
CAUSES = (
    "logging off",
    "log gap",
    "tier not in logs",
    "cache tokens missing from logs",
    "model missing from price table",
    "1-hour cache-write rate",
    "cross-region rate",
    "token counts differ",
    "price table differs from bill",
)
#: Batch inference jobs write their output to S3, never to the model invocation log.
NEVER_LOGGED_TIERS = frozenset({"batch"})
STATUSES = ("match", "over", "under", "billed-only", "logged-only", "pending")
_UNIT_TOKENS = {"1k tokens": 1_000, "1m tokens": 1_000_000, "tokens": 1, "1 tokens": 1}


def tokens_per_unit(pricing_unit: str | None) -> int | None:
    """Tokens in one ``line_item_usage_amount`` unit, from ``pricing_unit`` ('1K tokens' -> 1000)."""
    return _UNIT_TOKENS.get((pricing_unit or "").strip().lower())


@dataclass
class BilledPart:
    hour_logged: bool  # the logs hold some record of this account and region in the line's hour
    tier: str
    scope: str
    one_hour: bool
    tokens: Decimal
    cost: Decimal


@dataclass
class LoggedPart:
    tier: str
    scope: str
    tokens: int
    cost: Decimal | None  # None: unpriced


@dataclass
class Bucket:
    key: tuple[str, ...]  # BUCKET_FIELDS
    price_key: str | None
    billed: list[BilledPart] = field(default_factory=list)
    logged: list[LoggedPart] = field(default_factory=list)
    tags: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    explained: dict[str, Decimal] = field(default_factory=dict)

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

    @property
    def delta(self) -> Decimal:
        return self.estimated_cost - self.billed_cost

    @property
    def delta_pct(self) -> Decimal | None:
        return None if not self.billed_cost else (self.delta / self.billed_cost * 100)


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

    @property
    def billed_cost(self) -> Decimal:
        return sum((b.billed_cost for b in self.buckets), ZERO)

    @property
    def estimated_cost(self) -> Decimal:
        return sum((b.estimated_cost for b in self.buckets), ZERO)

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
        return [r for r in self.rows if r.status != "match"]

    def as_table(self) -> Tabular:
        # imported here: the renderer imports this model
        from cur_analyzer.reports.reconcile._render import tabular

        return tabular(self)
