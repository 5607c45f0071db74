"""Reconciliation ground truth of a :class:`~cur_analyzer.synth.Gaps` scenario: each Bedrock usage line
as reconciliation sees it (bucket, estimate, cause of its gap), the log hour to lose, and per month the
buckets, statuses and amount each injected cause explains."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from cur_analyzer.bedrock import models as model_map
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.synth.book import FrozenBook
from cur_analyzer.synth.catalogue import Catalogue, Workload
from cur_analyzer.synth.gaps import RECONCILE_CAUSES, RECONCILE_TOLERANCE_PCT, Gaps
from cur_analyzer.synth.money import exact_amount, to_decimal
from cur_analyzer.synth.period import Period
from cur_analyzer.synth.rows import Rows
from cur_analyzer.synth.scenario import UNPRICED_MODEL, estimate_rate
from cur_analyzer.synth.truth import UNALLOCATED

_CACHE_METERS = ("cache_read", "cache_write")


@dataclass(frozen=True)
class _ReconTpl:
    """What reconciliation sees of a Bedrock usage template: its bucket (less the day), its estimate rate, and
    the cause of its gap unless its hour's logs are lost."""

    key: tuple[str, str, str, str, str]  # account, region, principal, model (price key), meter (1h folded)
    status: str  # logged | batch | logging-disabled
    # USD per 1M at the logged model/region/tier/scope; None: the logs cannot price it.
    est_rate: Decimal | None
    cause: str | None
    place: tuple[str, str] | None  # (account, region) of a logged-scenario line, whose hour may be lost


def _bucket_model(m: model_map.Model) -> str:
    """A bucket's model: the model map's price key, or the billing name (= mantle model id) it does not know."""
    known = model_map.by_billing_name(m.billing_name)
    return known.price_key if known else m.billing_name


@dataclass(frozen=True)
class ReconBook:
    """What reconciliation sees of every Bedrock usage template of the book (``info``, by template index)."""

    n_templates: int
    info: dict[int, _ReconTpl]

    @classmethod
    def of(cls, cat: Catalogue, book: FrozenBook, prices: PriceTable, gaps: Gaps) -> ReconBook:
        filler_status = "logged" if cat.filler_logged else "logging-disabled"
        groups = (
            (cat.logged, "logged", True),
            (cat.extra, "logged", True),
            (cat.batch, "batch", False),
            (cat.filler, filler_status, False),
        )
        info: dict[int, _ReconTpl] = {}
        for group, status, scenario in groups:
            for w in group:
                for stream in (False, True) if w.streaming else (False,):
                    for meter in w.meters:
                        tpl = _recon_template(w, meter, status, scenario, prices, gaps)
                        info[book.index[(id(w), stream, meter)]] = tpl
        return cls(len(book), info)


def _recon_template(
    w: Workload, meter: str, status: str, scenario: bool, prices: PriceTable, gaps: Gaps
) -> _ReconTpl:
    """One template of workload ``w`` as reconciliation sees it; ``scenario``: a logged-scenario line."""
    folded = _folded(meter)
    rate = estimate_rate(w, folded, prices) if status == "logged" else None
    if status == "logged" and rate is None and w.model != UNPRICED_MODEL:
        raise ValueError(f"no {folded} rate to estimate {w.model.price_key} from its logs")
    principal = w.caller.arn if w.caller else UNALLOCATED
    key = (w.account.id, w.region, principal, _bucket_model(w.model), folded)
    place = (w.account.id, w.region) if scenario else None
    return _ReconTpl(key, status, rate, _gap_cause(w, meter, status, gaps), place)


def _folded(meter: str) -> str:
    """A bucket's meter: 1-hour cache writes count as cache writes (the log does not say which TTL)."""
    return "cache_write" if meter == "cache_write_1h" else meter


def _gap_cause(w: Workload, meter: str, status: str, gaps: Gaps) -> str | None:
    """The first cause, in ``RECONCILE_CAUSES`` order, of a gap on this template's lines (a lost log hour, the
    third cause, is decided per line); None: its lines are estimated exactly."""
    if status == "logging-disabled":
        return "logging off"
    if status == "batch":
        return "tier not in logs"
    if gaps.drop_cache_tokens_from_logs and _folded(meter) in _CACHE_METERS:
        return "cache tokens missing from logs"
    if w.model == UNPRICED_MODEL:
        return "model missing from price table"
    if meter == "cache_write_1h":
        return "1-hour cache-write rate"
    if w.billed_scope != w.scope:
        return "cross-region rate"
    return None


def _bucket_status(est_tokens: int, billed_tokens: int, est: Decimal, billed: Decimal, final: bool) -> str:
    """The reconciliation status rule, at the default tolerance."""
    if not est_tokens and billed_tokens:
        status = "billed-only"
    elif est_tokens and not billed_tokens:
        status = "logged-only"
    elif abs(est - billed) <= RECONCILE_TOLERANCE_PCT * abs(billed) / 100:
        return "match"
    else:
        status = "over" if est > billed else "under"
    return status if final else "pending"


_Key = tuple[str, str, str, str, str, str]  # day, account, region, principal, model, meter


class ReconLines:
    """Bedrock usage lines of one month as reconciliation sees them: exact quantities and costs per (template,
    hour) for the logged scenario, per (template, day) for the rest (whose hours are never lost)."""

    def __init__(self, recon: ReconBook, period: Period) -> None:
        self.info = recon.info
        self.period = period
        self.is_recon = np.zeros(recon.n_templates, dtype=bool)
        self.is_scenario = np.zeros(recon.n_templates, dtype=bool)
        for t, i in recon.info.items():
            self.is_recon[t] = True
            self.is_scenario[t] = i.place is not None
        self.sums: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        self.days = [f"{period.start + timedelta(days=d):%Y-%m-%d}" for d in range(period.hours // 24 + 1)]

    def add(self, rows: Rows) -> None:
        sel = self.is_recon[rows.tpl]
        if not sel.any():
            return
        tpl, hour, qty, unb = rows.tpl[sel], rows.hour[sel].astype(np.int64), rows.qty[sel], rows.unb[sel]
        hour = np.where(self.is_scenario[tpl], hour, hour // 24 * 24)
        key = tpl.astype(np.int64) * (self.period.hours + 1) + hour
        uniq, inv = np.unique(key, return_inverse=True)
        q, u = np.zeros(len(uniq), np.int64), np.zeros(len(uniq), np.int64)
        np.add.at(q, inv, qty)
        np.add.at(u, inv, unb)
        for k, qq, uu in zip(uniq.tolist(), q.tolist(), u.tolist(), strict=True):
            entry = self.sums[divmod(k, self.period.hours + 1)]
            entry[0] += qq
            entry[1] += uu

    def _view(
        self, tpl: int, hour: int, qty: int, unb: int, lost: tuple[str, str, int] | None
    ) -> tuple[_Key, int, Decimal, Decimal, str | None]:
        """(bucket, estimated tokens, estimated cost, billed cost, cause) of one line."""
        i = self.info[tpl]
        is_lost = lost is not None and i.place == lost[:2] and hour == lost[2]
        cause = "log gap" if is_lost else i.cause
        visible = i.status == "logged" and not is_lost and cause != "cache tokens missing from logs"
        est_tokens = qty if visible else 0
        est = Decimal(qty) * i.est_rate / 1_000_000 if visible and i.est_rate is not None else Decimal(0)
        return (self.days[hour // 24], *i.key), est_tokens, est, to_decimal(unb), cause

    def _aggregate(
        self, lost: tuple[str, str, int] | None
    ) -> tuple[dict[_Key, list[Any]], dict[str, list[Any]]]:
        buckets: dict[_Key, list[Any]] = {}
        causes: dict[str, list[Any]] = {}
        for (tpl, hour), (qty, unb) in self.sums.items():
            key, est_tokens, est, billed, cause = self._view(tpl, hour, qty, unb, lost)
            b = buckets.setdefault(key, [0, 0, Decimal(0), Decimal(0)])
            b[0] += est_tokens
            b[1] += qty
            b[2] += est
            b[3] += billed
            if cause is not None:
                c = causes.setdefault(cause, [Decimal(0), set()])
                c[0] += billed - est
                c[1].add(key)
            elif est != billed:
                raise AssertionError(f"a line with no gap cause is not estimated exactly: {key}")
        return buckets, causes

    def choose_lost_hour(self) -> tuple[str, str, int] | None:
        """The (account, region, hour) of the logged scenario whose log files to lose: preferably one whose
        affected buckets all become ``billed-only`` (no other logs that day), else all ``under``; then one whose
        buckets have no other cause (so a bucket's cause is unambiguous); then the most buckets."""
        buckets, causes = self._aggregate(None)
        caused = set().union(*(keys for _amount, keys in causes.values()))
        by_hour: dict[tuple[str, str, int], list[tuple[_Key, int, Decimal]]] = defaultdict(list)
        for (tpl, hour), (qty, unb) in self.sums.items():
            place = self.info[tpl].place
            if place is not None:
                key, est_tokens, est, _billed, _cause = self._view(tpl, hour, qty, unb, None)
                by_hour[(*place, hour)].append((key, est_tokens, est))
        best: tuple[Any, ...] | None = None
        for candidate, lines in by_hour.items():
            removed: dict[_Key, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
            for key, est_tokens, est in lines:
                removed[key][0] += est_tokens
                removed[key][1] += est
            statuses = set()
            for key, (t, e) in removed.items():
                est_t, bil_t, est_c, bil_c = buckets[key]
                statuses.add(_bucket_status(est_t - t, bil_t, est_c - e, bil_c, final=True))
            rank = 0 if statuses == {"billed-only"} else 1 if statuses == {"under"} else 2
            score = (rank, len(caused.intersection(removed)), -len(removed), candidate)
            if best is None or score < best:
                best = score
        return None if best is None else best[-1]

    def _injected(
        self,
        cause: str,
        amount: Decimal,
        keys: set[_Key],
        status: dict[_Key, str],
        lost: tuple[str, str, int] | None,
    ) -> dict[str, Any]:
        """The ground truth of one injected cause: the part of the gap it explains, its buckets and statuses."""
        seen: dict[str, int] = defaultdict(int)
        for k in keys:
            seen[status[k]] += 1
        entry: dict[str, Any] = {
            "amount": exact_amount(amount),
            "status": next(iter(seen)) if len(seen) == 1 else "mixed",
            "buckets": sorted(list(k) for k in keys),
        }
        if len(seen) > 1:
            entry["statuses"] = dict(sorted(seen.items()))
        if cause == "log gap" and lost is not None:
            account, region, hour = lost
            t = self.period.start + timedelta(hours=hour)
            entry["lost"] = {"account": account, "region": region, "hour": f"{t:%Y-%m-%dT%H}"}
        if cause == "model missing from price table":
            entry["model_id"] = UNPRICED_MODEL.model_id
        return entry

    def truth(self, lost: tuple[str, str, int] | None, final: bool) -> dict[str, Any]:
        buckets, causes = self._aggregate(lost)
        status = {k: _bucket_status(b[0], b[1], b[2], b[3], final) for k, b in buckets.items()}
        counts: dict[str, int] = defaultdict(int)
        for s in status.values():
            counts[s] += 1
        injected: dict[str, Any] = {}
        for cause in RECONCILE_CAUSES:
            if cause in causes:
                amount, keys = causes[cause]
                injected[cause] = self._injected(cause, amount, keys, status, lost)
        return {
            "clean": not injected,
            "injected": injected,
            "estimated_cost": exact_amount(sum((b[2] for b in buckets.values()), Decimal(0))),
            "billed_cost": exact_amount(sum((b[3] for b in buckets.values()), Decimal(0))),
            "tolerance_pct": str(RECONCILE_TOLERANCE_PCT),
            "bucket_count": len(buckets),
            "statuses": dict(sorted(counts.items())),
        }
