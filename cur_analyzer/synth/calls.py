"""Bedrock calls: drawn per (workload, streaming, hour) slot with their token counts, and the CUR lines that
bill them (one per slot and meter, the exact sum of the slot's calls)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.synth.book import FrozenBook
from cur_analyzer.synth.catalogue import Workload
from cur_analyzer.synth.money import ROUND_DIV, per_token_rate
from cur_analyzer.synth.rows import Rows
from cur_analyzer.synth.scenario import estimate_rate

LOG_COUNTS = ("input", "output", "cache_read", "cache_write")  # the four token counts a log record carries
# Share of calls of a caching workload that read from / write to the prompt cache.
_P_CACHE_READ, _P_CACHE_WRITE = 0.6, 0.3


@dataclass(frozen=True)
class Group:
    """Workloads drawn together: template index per (workload, streaming, token count) and token scales."""

    workloads: tuple[Workload, ...]
    combos: np.ndarray  # (n, 2): workload index, streaming flag
    in_scale: np.ndarray
    out_scale: np.ndarray
    read: np.ndarray
    write: np.ndarray
    calls_lambda: float
    multiples: np.ndarray | None = None  # (workloads, 4): token counts are drawn as multiples of these

    @classmethod
    def of(cls, workloads: tuple[Workload, ...], calls_lambda: float = 1.3) -> Group:
        combos = [(i, s) for i, w in enumerate(workloads) for s in ((0, 1) if w.streaming else (0,))]
        return cls(
            workloads,
            np.array(combos, dtype=np.int64).reshape(-1, 2),
            np.array([w.input_scale for w in workloads]),
            np.array([w.output_scale for w in workloads]),
            np.array([w.cache in ("read", "5m", "1h") for w in workloads]),
            np.array([w.cache in ("5m", "1h") for w in workloads]),
            calls_lambda,
        )

    def templates(self, book: FrozenBook) -> np.ndarray:
        """(workloads, 2, 4) template index for each token count of a log record; -1 = never billed."""
        out = np.full((len(self.workloads), 2, 4), -1, dtype=np.int32)
        for i, w in enumerate(self.workloads):
            for stream in (0, 1) if w.streaming else (0,):
                for meter in w.meters:
                    slot = LOG_COUNTS.index("cache_write" if meter == "cache_write_1h" else meter)
                    out[i, stream, slot] = book.index[(id(w), bool(stream), meter)]
        return out

    def exact(self, book: FrozenBook, prices: PriceTable) -> Group:
        """This group drawing token counts that make every line cost exact at 8 places, at the billed rate and
        at the rate an estimate from the log uses (so a knob that changes only the billed rate keeps the draws)."""
        tpl = self.templates(book)
        out = np.ones((len(self.workloads), 4), dtype=np.int64)
        for i, w in enumerate(self.workloads):
            for j, meter in enumerate(LOG_COUNTS):
                billed = {int(book.rate[t]) for t in tpl[i, :, j] if t >= 0}
                if not billed:
                    continue
                k = [ROUND_DIV // math.gcd(r, ROUND_DIV) for r in billed]
                estimate = estimate_rate(w, meter, prices)
                if estimate is not None:
                    k.append(ROUND_DIV // math.gcd(per_token_rate(estimate), ROUND_DIV))
                out[i, j] = math.lcm(*k)
        return replace(self, multiples=out)

    def lines_per_slot(self) -> float:
        k = 1 + self.calls_lambda
        w = self.combos[:, 0]
        # A cache line exists when at least one of the slot's ~k calls read (wrote) the cache.
        read, write = 1 - (1 - _P_CACHE_READ) ** k, 1 - (1 - _P_CACHE_WRITE) ** k
        per = 1 + (self.out_scale[w] > 0) + self.read[w] * read + self.write[w] * write
        return float(per.mean())


@dataclass
class Calls:
    """Individual calls of a draw: workload, streaming flag, hour, tokens (n, 4: the log record's counts)."""

    w: np.ndarray
    stream: np.ndarray
    hour: np.ndarray
    tokens: np.ndarray


def draw_bedrock(
    rng: np.random.Generator,
    group: Group,
    book: FrozenBook,
    tpl: np.ndarray,
    hours: np.ndarray,
    n_slots: int,
    ensure_coverage: bool = False,
) -> tuple[Rows, Calls]:
    """Draw distinct (workload, streaming, hour) slots, the calls in each, and one line per slot and meter.

    Slots are distinct so a (template, hour) never appears twice and a line is exactly the sum of its calls.
    ``ensure_coverage`` gives every combination one slot whose first call uses every meter of the workload, so
    a small month still has every meter, tier and scope of the catalogue.
    """
    n_hours = len(hours)
    pop = len(group.combos) * n_hours
    pick = rng.choice(pop, size=min(n_slots, pop), replace=False)
    forced = np.empty(0, dtype=np.int64)
    if ensure_coverage:
        forced = np.arange(len(group.combos)) * n_hours + rng.integers(0, n_hours, len(group.combos))
        pick = np.union1d(pick, forced)
    combo, hour = pick // n_hours, hours[pick % n_hours]
    w, stream = group.combos[combo, 0], group.combos[combo, 1]
    k = 1 + rng.poisson(group.calls_lambda, len(pick))
    starts = np.concatenate(([0], np.cumsum(k)[:-1]))
    slot = np.repeat(np.arange(len(pick)), k)
    tokens = draw_tokens(rng, group, w[slot])
    if ensure_coverage:
        first = starts[np.isin(pick, forced)]
        _force_meters(tokens, group, w[slot], first)
    if group.multiples is not None:
        k = group.multiples[w[slot]]
        tokens = -(-tokens // k) * k
    sums = np.add.reduceat(tokens, starts, axis=0)
    slot_i, meter_i = np.nonzero(sums > 0)
    line_tpl = tpl[w, stream][slot_i, meter_i]
    if (line_tpl < 0).any():
        raise AssertionError("a drawn token count has no billing template")
    rows = book.priced(line_tpl, hour[slot_i], sums[slot_i, meter_i])
    return rows, Calls(w[slot], stream[slot], hour[slot], tokens)


def _lognormal_int(rng: np.random.Generator, scale: np.ndarray, sigma: float) -> np.ndarray:
    draw = rng.lognormal(np.log(np.maximum(scale, 1.0)), sigma)
    return np.clip(np.ceil(draw), 1, 5_000_000).astype(np.int64)


def draw_tokens(rng: np.random.Generator, group: Group, w: np.ndarray) -> np.ndarray:
    n = len(w)
    inp = _lognormal_int(rng, group.in_scale[w], 0.9)
    out = np.where(group.out_scale[w] > 0, _lognormal_int(rng, group.out_scale[w], 0.8), 0)
    read = np.where(
        group.read[w] & (rng.random(n) < _P_CACHE_READ), _lognormal_int(rng, group.in_scale[w] * 4, 0.7), 0
    )
    write = np.where(
        group.write[w] & (rng.random(n) < _P_CACHE_WRITE),
        _lognormal_int(rng, group.in_scale[w] * 1.5, 0.7),
        0,
    )
    return np.stack([inp, out, read, write], axis=1)


def _force_meters(tokens: np.ndarray, group: Group, w: np.ndarray, rows: np.ndarray) -> None:
    wi = w[rows]
    tokens[rows, 2] = np.where(group.read[wi], np.maximum(tokens[rows, 2], 512), tokens[rows, 2])
    tokens[rows, 3] = np.where(group.write[wi], np.maximum(tokens[rows, 3], 256), tokens[rows, 3])
