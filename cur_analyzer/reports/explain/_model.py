"""The explanation's model: one row per value (and currency) with its change split into parts and one
sentence, the total per currency, and the view renderers and notebooks read."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.reports._view import ReportModel
from cur_analyzer.reports.explain._parts import PARTS, ZERO, Parts
from cur_analyzer.text import money

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular

ATTRIBUTED, UNALLOCATED_KIND, ADJUSTMENT, TOTAL = "attributed", "unallocated", "adjustment", "total"
MONEY_COLUMNS = ("billed_vs", "billed", "change", *PARTS)
_CENT = Decimal("0.01")
#: what each part says beside its amount, when no fact of the row says more
_PART_WORDS = {
    "mix": "tokens moved between models, meters or tiers",
    "price": "rates per meter changed",
    "other": "lines that bill no text tokens: other meters, services, adjustments",
}


def _signed(amount: Decimal) -> str:
    text = money(amount)
    return text if text.startswith("-") else f"+{text}"


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).quantize(Decimal('0.1'))}%"


def _volume_words(p: Parts) -> str:
    if not p.tokens_vs:
        return "tokens new this month" if p.tokens else "no tokens"
    if not p.tokens:
        return "no tokens this month"
    ratio = p.tokens / p.tokens_vs - 1
    return f"tokens {'up' if ratio >= 0 else 'down'} {_percent(abs(ratio))}"


def _cache_words(p: Parts) -> str:
    shares = [_percent(s) if s is not None else "none" for s in (p.cache_share_vs, p.cache_share)]
    return f"share of input served from cache {shares[0]} -> {shares[1]}"


def _words(part: str, p: Parts, amount: Decimal) -> str:
    if part == "volume":
        return _volume_words(p)
    if part == "cache":
        return _cache_words(p)
    if part == "attribution":
        return f"lines moved {'in' if amount > 0 else 'out'} as tags changed"
    return _PART_WORDS[part]


def sentence(value: str, currency: str, p: Parts) -> str:
    """``team-a: +12.40 USD: +10.00 volume (tokens up 12.0%), ...``: the parts that move at least a cent."""
    said = [
        f"{_signed(amount)} {part} ({_words(part, p, amount)})"
        for part, amount in p.amounts().items()
        if amount.quantize(_CENT) != 0
    ]
    head = f"{value}: {_signed(p.change)} {currency}"
    return f"{head}: {', '.join(said)}" if said else f"{head}: no part moved a cent"


@dataclass(frozen=True)
class ExplainRow:
    value: str
    kind: str  # attributed, unallocated (the lines have no value) or adjustment (a line item type)
    currency: str
    parts: Parts
    sentence: str

    @classmethod
    def of(cls, value: str, kind: str, currency: str, parts: Parts) -> ExplainRow:
        return cls(value, kind, currency, parts, sentence(value, currency, parts))

    def moved(self) -> bool:
        """Did the value's bill or any part of it move at least a cent?"""
        return any(a.quantize(_CENT) != 0 for a in (self.parts.change, *self.parts.amounts().values()))

    def cells(self) -> dict[str, Decimal]:
        p = self.parts
        return {"billed_vs": p.billed_vs, "billed": p.billed, "change": p.change, **p.amounts()}


@dataclass
class Explanation(ReportModel):
    month: str
    vs: str
    by: str
    service: str
    cost_basis: str
    rows: list[ExplainRow]
    final: bool
    final_vs: bool
    notes: list[str] = field(default_factory=list)

    @property
    def currencies(self) -> list[str]:
        return sorted({r.currency for r in self.rows})

    def totals(self) -> dict[str, dict[str, Decimal]]:
        """Per currency, every money column summed over all rows (values, Unallocated, adjustments)."""
        out: dict[str, dict[str, Decimal]] = {}
        for r in self.rows:
            acc = out.setdefault(r.currency, dict.fromkeys(MONEY_COLUMNS, ZERO))
            for column, amount in r.cells().items():
                acc[column] += amount
        return out

    def row(self, value: str, currency: str | None = None) -> ExplainRow:
        """The row of one value (of the only currency unless named)."""
        hits = [r for r in self.rows if r.value == value and currency in (None, r.currency)]
        if len(hits) != 1:
            raise KeyError(f"{len(hits)} rows for {value!r}")
        return hits[0]

    def as_table(self) -> Tabular:
        from cur_analyzer.reports._view import Tabular

        currency = ["currency"] if len(self.currencies) > 1 else []
        rows = [
            {self.by: r.value, "currency": r.currency, **r.cells(), "kind": r.kind, "sentence": r.sentence}
            for r in self.rows
        ]
        summary = [
            {self.by: "Total", "currency": cur, **cells, "kind": TOTAL}
            for cur, cells in self.totals().items()
        ]
        return Tabular(
            title=f"Why the bill changed: {self.vs} -> {self.month} by {self.by}",
            columns=[self.by, *currency, *MONEY_COLUMNS, "kind"],
            rows=rows,
            money_columns=MONEY_COLUMNS,
            summary_rows=summary,
            footer=self._footer(),
            document=self.document(rows),
        )

    def _footer(self) -> list[str]:
        scope = "Amazon Bedrock" if self.service == "bedrock" else "all services"
        lines = [f"{self.vs} -> {self.month} · {scope} · {self.cost_basis} cost"]
        lines += [r.sentence for r in self.rows if r.moved()]
        lines += [
            f"total {_signed(t['change'])} {cur}: " + ", ".join(f"{_signed(t[p])} {p}" for p in PARTS)
            for cur, t in self.totals().items()
        ]
        return lines + self.notes

    def document(self, rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The JSON document (money as decimal strings by the renderer)."""
        rows = rows if rows is not None else self.as_table().rows
        totals = self.totals()
        single = self.currencies[0] if len(self.currencies) == 1 else None
        return {
            "report": "explain",
            "month": self.month,
            "vs": self.vs,
            "by": self.by,
            "service": self.service,
            "cost_basis": self.cost_basis,
            "currency": single,
            "final": self.final,
            "final_vs": self.final_vs,
            "parts": list(PARTS),
            "rows": rows,
            "total": {self.by: "Total", "currency": single, **totals[single]} if single else None,
            "totals": totals,
            "notes": self.notes,
        }
