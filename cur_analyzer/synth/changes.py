"""A second month derived from the first with known changes injected: the ground truth of ``explain``.

:func:`write_changed_month` reads the first generated month's CUR partition back and writes the next month
as the same lines (moved to that month's days) with each change asked for injected on a team of its own,
each of an exact amount known from what was written:

* ``volume``: every line of team ``research`` bills twice the tokens and twice the cost;
* ``price``: the output-token rate of team ``docs``'s Claude Sonnet 4.6 lines in us-west-2 goes up by a
  quarter (each line's cost x 5/4, rounded to 8 places as AWS bills);
* ``mix``: team ``chat-eu``'s Amazon Nova Pro tokens go to Amazon Nova Lite, billed at Nova Lite's rates;
* ``cache``: team ``bi``'s plain input tokens of Claude Haiku 4.5 in eu-central-1 are served from cache,
  billed at the cache-read rate;
* ``attribution``: the principal ``gw-user-2`` is re-tagged from team ``analytics`` to ``growth``, a team
  new in the second month.

Each change touches every line of one usage type of one team (or all of a team's, or one principal's), so
the part it is is exact whatever the rounding of the other lines. ``ground_truth.json`` gains ``changes``:
per principal tag ``team``, the Bedrock usage billed in each month and the exact amount of each part; the
second month's own truth says what it was derived from. The derived month is open (no invoice id), as the
last generated month always is, and has no invocation logs: its calls were never drawn.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.synth.catalogue import Plan
from cur_analyzer.synth.json_files import write_json, write_manifest
from cur_analyzer.synth.logs import clear_log_month
from cur_analyzer.synth.period import Period, add_months
from cur_analyzer.synth.scenario import EXPORT_NAME, build_catalogue

CHANGES = ("volume", "price", "mix", "cache", "attribution")
PARTS = ("volume", "mix", "cache", "price", "other", "attribution")
TEAM_TAG = "iamPrincipal/team"
VOLUME_TEAM, VOLUME_FACTOR = "research", 2
PRICE_TEAM, PRICE_USAGE_TYPE, PRICE_FACTOR = "docs", "USW2-Claude4.6Sonnet-output-tokens", Decimal("1.25")
MIX_TEAM, MIX_FROM, MIX_TO = "chat-eu", ("NovaPro", "Amazon Nova Pro"), ("NovaLite", "Amazon Nova Lite")
MIX_PRICE_KEY = "nova-lite"
CACHE_TEAM, CACHE_FROM = "bi", "EUC1-Claude4.5Haiku-input-tokens"
CACHE_TO, CACHE_PRICE = (
    "EUC1-Claude4.5Haiku-cache-read-input-token-count",
    ("claude-haiku-4-5", "eu-central-1"),
)
ATTRIBUTION_PRINCIPAL = "arn:aws:sts::345678901234:assumed-role/BedrockGateway/gw-user-2"
ATTRIBUTION_FROM, ATTRIBUTION_TO = "analytics", "growth"
#: the money columns a changed line's cost is in (the generator writes them equal on a Usage line)
_GROSS = ("line_item_unblended_cost", "line_item_blended_cost", "pricing_public_on_demand_cost")
_NET = "line_item_net_unblended_cost"
_RATES = ("line_item_unblended_rate", "line_item_blended_rate", "pricing_public_on_demand_rate")
_CENT8 = Decimal("0.00000001")
_NET_SHARE = Decimal("0.95")  # the generator's Usage lines: net = unblended x 95 %
_MS_PER_HOUR = 3_600_000


def check_changes(names: Sequence[str]) -> tuple[str, ...]:
    """The changes asked for, in their own order; a ``ValueError`` names one that is not."""
    unknown = [n for n in names if n not in CHANGES]
    if unknown:
        raise ValueError(f"no change {', '.join(unknown)}; one of {', '.join(CHANGES)}")
    return tuple(c for c in CHANGES if c in names)


def _money(x: float | None) -> Decimal:
    return Decimal(0) if x is None else Decimal(repr(x)).quantize(_CENT8)


def _eighths(x: Decimal) -> Decimal:
    return x.quantize(_CENT8, rounding=ROUND_HALF_EVEN)


class _Month:
    """The first month's lines as columns of Python values, changed in place line by line."""

    def __init__(self, table: pa.Table):
        self.table = table
        self.cols: dict[str, list[Any]] = {}

    def col(self, name: str) -> list[Any]:
        if name not in self.cols:
            self.cols[name] = self.table.column(name).to_pylist()
        return self.cols[name]

    def team(self, i: int) -> str | None:
        return dict(self.col("tags")[i] or []).get(TEAM_TAG)

    def is_bedrock_usage(self, i: int) -> bool:
        return self.col("line_item_line_item_type")[i] == "Usage" and str(
            self.col("line_item_product_code")[i]
        ).startswith("AmazonBedrock")

    def scale(self, i: int, factor: Decimal, usage: bool) -> Decimal:
        """Every money column of line ``i`` x ``factor`` (and its usage with ``usage``); the cost change."""
        before = _money(self.col(_GROSS[0])[i])
        for name in (*_GROSS, _NET):
            value = self.col(name)[i]
            if value is not None:
                self.col(name)[i] = float(_eighths(_money(value) * factor))
        if usage:
            for name in ("line_item_usage_amount", "line_item_normalized_usage_amount"):
                if self.col(name)[i] is not None:
                    self.col(name)[i] = self.col(name)[i] * float(factor)
        else:
            for name in _RATES:
                if self.col(name)[i]:
                    self.col(name)[i] = f"{Decimal(self.col(name)[i]) * factor:.10f}"
        return _money(self.col(_GROSS[0])[i]) - before

    def reprice(self, i: int, usage_type: str, per_1k: Decimal, model: tuple[str, str] | None) -> Decimal:
        """Line ``i`` billed as ``usage_type`` at ``per_1k`` USD per 1K tokens; the cost change."""
        before = _money(self.col(_GROSS[0])[i])
        cost = _eighths(Decimal(repr(self.col("line_item_usage_amount")[i])) * per_1k)
        for name in _GROSS:
            self.col(name)[i] = float(cost)
        self.col(_NET)[i] = float(_eighths(cost * _NET_SHARE))
        for name in _RATES:
            self.col(name)[i] = f"{per_1k:.10f}"
        old_type = self.col("line_item_usage_type")[i]
        for name in ("line_item_usage_type", "product_usagetype"):
            self.col(name)[i] = usage_type
        text = self.col("line_item_line_item_description")[i] or ""
        if model is not None:
            product = dict(self.col("product")[i] or [])
            old_model = product.get("model", "")
            product["model"] = model[1]
            self.col("product")[i] = sorted(product.items())
            text = text.replace(old_model, model[1])
        self.col("line_item_line_item_description")[i] = text.replace(old_type, usage_type)
        return cost - before

    def retag(self, i: int, team: str) -> None:
        tags = dict(self.col("tags")[i] or [])
        tags[TEAM_TAG] = team
        self.col("tags")[i] = sorted(tags.items())

    def written(self) -> pa.Table:
        out = self.table
        for name, values in self.cols.items():
            k = out.schema.get_field_index(name)
            out = out.set_column(k, out.schema.field(k), pa.array(values, type=out.schema.field(k).type))
        return out


# --- the changes -------------------------------------------------------------------------------------
def _rows_of(
    month: _Month, team: str, usage_type: str | None = None, contains: str | None = None
) -> list[int]:
    types = month.col("line_item_usage_type")
    return [
        i
        for i in range(month.table.num_rows)
        if month.is_bedrock_usage(i)
        and month.team(i) == team
        and (usage_type is None or types[i] == usage_type)
        and (contains is None or f"-{contains}-" in types[i])
    ]


def _per_1k(prices: PriceTable, price_key: str, region: str, meter: str, scope: str = "in_region") -> Decimal:
    rate = prices.rate_per_million(price_key, region, meter, "standard", scope)
    if rate is None:
        raise ValueError(f"the price table has no {meter} rate for {price_key} in {region}")
    return rate / 1000


def _volume(month: _Month, _prices: PriceTable) -> dict[str, Decimal]:
    rows = _rows_of(month, VOLUME_TEAM)
    return {VOLUME_TEAM: sum((month.scale(i, Decimal(VOLUME_FACTOR), True) for i in rows), Decimal(0))}


def _price(month: _Month, _prices: PriceTable) -> dict[str, Decimal]:
    rows = _rows_of(month, PRICE_TEAM, PRICE_USAGE_TYPE)
    return {PRICE_TEAM: sum((month.scale(i, PRICE_FACTOR, False) for i in rows), Decimal(0))}


def _mix(month: _Month, prices: PriceTable) -> dict[str, Decimal]:
    from cur_analyzer.bedrock.usage_types import parse_usage_type

    change = Decimal(0)
    for i in _rows_of(month, MIX_TEAM, contains=MIX_FROM[0]):
        old = month.col("line_item_usage_type")[i]
        meter = parse_usage_type(old).meter
        region = month.col("product_region_code")[i]
        new = old.replace(f"-{MIX_FROM[0]}-", f"-{MIX_TO[0]}-")
        change += month.reprice(i, new, _per_1k(prices, MIX_PRICE_KEY, region, meter), MIX_TO)
    return {MIX_TEAM: change}


def _cache(month: _Month, prices: PriceTable) -> dict[str, Decimal]:
    rate = _per_1k(prices, *CACHE_PRICE, "cache_read")
    rows = _rows_of(month, CACHE_TEAM, CACHE_FROM)
    return {CACHE_TEAM: sum((month.reprice(i, CACHE_TO, rate, None) for i in rows), Decimal(0))}


def _attribution(month: _Month, _prices: PriceTable) -> dict[str, Decimal]:
    principals = month.col("line_item_iam_principal")
    moved = Decimal(0)
    for i in range(month.table.num_rows):
        if principals[i] == ATTRIBUTION_PRINCIPAL and month.team(i) == ATTRIBUTION_FROM:
            month.retag(i, ATTRIBUTION_TO)
            moved += _money(month.col(_GROSS[0])[i]) if month.is_bedrock_usage(i) else Decimal(0)
    return {ATTRIBUTION_FROM: -moved, ATTRIBUTION_TO: moved}


_INJECT = {"volume": _volume, "price": _price, "mix": _mix, "cache": _cache, "attribution": _attribution}


# --- the second month --------------------------------------------------------------------------------
def _move_to(month: _Month, first: Period, second: Period) -> None:
    """Every line to the same hour of the second month (an hour past its end wraps to its start); a line
    for the whole first month to the whole second month."""
    start0 = _epoch_ms(first.start)
    start1, whole0, whole1 = _epoch_ms(second.start), first.hours * _MS_PER_HOUR, second.hours * _MS_PER_HOUR
    starts, ends, intervals = [], [], []
    for s, e in zip(
        month.col("line_item_usage_start_date"), month.col("line_item_usage_end_date"), strict=True
    ):
        s_ms, e_ms = _epoch_ms(s), _epoch_ms(e)
        if s_ms == start0 and e_ms - s_ms == whole0:
            new_s, new_e = start1, start1 + whole1
        else:
            hour = ((s_ms - start0) // _MS_PER_HOUR) % second.hours
            new_s = start1 + hour * _MS_PER_HOUR
            new_e = new_s + (e_ms - s_ms)
        starts.append(new_s)
        ends.append(new_e)
        intervals.append(f"{_iso(new_s)}/{_iso(new_e)}")
    month.cols["line_item_usage_start_date"] = starts
    month.cols["line_item_usage_end_date"] = ends
    month.cols["identity_time_interval"] = intervals
    n = month.table.num_rows
    month.cols["bill_billing_period_start_date"] = [_epoch_ms(second.start)] * n
    month.cols["bill_billing_period_end_date"] = [_epoch_ms(second.end)] * n
    month.cols["bill_invoice_id"] = [second.invoice_id] * n


def _epoch_ms(t: Any) -> int:
    return int(np.datetime64(t, "ms").astype(np.int64))


def _iso(ms: int) -> str:
    return str(np.datetime64(ms, "ms").astype("datetime64[s]")) + "Z"


def _team_bills(month: _Month) -> dict[str, Decimal]:
    bills: dict[str, Decimal] = defaultdict(Decimal)
    for i in range(month.table.num_rows):
        if month.is_bedrock_usage(i):
            bills[month.team(i) or "Unallocated"] += _money(month.col(_GROSS[0])[i])
    return bills


def _text(amount: Decimal) -> str:
    return f"{amount:.8f}"


def write_changed_month(
    out: Path, month: str, changes: Sequence[str], rows: int, seed: int
) -> dict[str, Any]:
    """Write the month after ``month`` as ``month``'s lines with ``changes`` injected (see the module);
    add ``changes`` to ``ground_truth.json`` and return it."""
    changes = check_changes(changes)
    out = Path(out)
    first = Period.of(month, 0, final=True, seed=seed)
    second = Period.of(add_months(month, 1), 1, final=False, seed=seed)
    data = out / EXPORT_NAME / "data"
    source = data / f"BILLING_PERIOD={month}" / f"{EXPORT_NAME}-00001.snappy.parquet"
    lines = _Month(pq.read_table(source))
    vs_bills = _team_bills(lines)
    parts: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(PARTS, Decimal(0)))
    prices = PriceTable.load()
    for name in changes:
        part = "attribution" if name == "attribution" else name
        for team, amount in _INJECT[name](lines, prices).items():
            parts[team][part] += amount
    _move_to(lines, first, second)
    partition = data / f"BILLING_PERIOD={second.month}"
    if partition.exists():
        shutil.rmtree(partition)
    partition.mkdir(parents=True)
    target = partition / source.name
    pq.write_table(lines.written(), target, compression="snappy")
    cat = build_catalogue(Plan.for_rows(rows), seed)
    write_manifest(out, second, cat, seed, target, lines.table.num_rows)
    clear_log_month(out, cat, second)
    return _write_truth(out, first, second, changes, vs_bills, _team_bills(lines), parts)


def _write_truth(
    out: Path,
    first: Period,
    second: Period,
    changes: Sequence[str],
    vs_bills: dict[str, Decimal],
    bills: dict[str, Decimal],
    parts: dict[str, dict[str, Decimal]],
) -> dict[str, Any]:
    path = out / "ground_truth.json"
    truth = json.loads(path.read_text())
    zero = Decimal(0)
    teams = sorted(set(vs_bills) | set(bills) | set(parts))
    values = {
        team: {
            "billed_vs": _text(vs_bills.get(team, zero)),
            "billed": _text(bills.get(team, zero)),
            "change": _text(bills.get(team, zero) - vs_bills.get(team, zero)),
            **{p: _text(parts[team][p] if team in parts else zero) for p in PARTS},
        }
        for team in teams
    }
    for team, row in values.items():
        if sum(Decimal(row[p]) for p in PARTS) != Decimal(row["change"]):
            raise AssertionError(f"the injected parts of {team} do not add up to its change")
    changed = {
        "month": second.month,
        "vs": first.month,
        "by": TEAM_TAG,
        "injected": list(changes),
        "values": values,
        "notes": [
            "values: per principal tag team ('Unallocated' without one), Bedrock usage lines, unblended, USD.",
            f"{second.month} is {first.month}'s lines moved to {second.month}'s hours with the injected changes; "
            "every part not injected is zero, and the parts of a team add up to its change exactly.",
        ],
    }
    truth["months"][second.month] = {
        "final": second.final,
        "invoice_id": second.invoice_id,
        "billing_period_start": f"{second.start:%Y-%m-%d}",
        "billing_period_end": f"{second.end:%Y-%m-%d}",
        "derived_from": first.month,
        "changes": list(changes),
        "bedrock_usage_by_team": {t: _text(b) for t, b in sorted(bills.items())},
        "logs": None,
    }
    truth["changes"] = changed
    write_json(path, truth)
    return changed
