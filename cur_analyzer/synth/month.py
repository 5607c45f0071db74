"""Writing one billing period: the CUR partition (scenario, bulk, gap and adjustment lines, in that order),
its invocation logs, its manifest, and its ground truth.

The order of the draws is part of the output: the month's main random stream is shared, in order, by the
logged scenario, the default scenario's batch jobs, the Savings Plan, the bulk chunks, the log records and
the log file names (and, without gaps, the line ids the writer draws as each row group is written).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.synth.book import FrozenBook
from cur_analyzer.synth.calls import Calls, Group, draw_bedrock
from cur_analyzer.synth.catalogue import Catalogue, Plan, Workload
from cur_analyzer.synth.gaps import Gaps
from cur_analyzer.synth.json_files import write_manifest
from cur_analyzer.synth.lines import adjustment_rows, filler_chunks, sp_rows
from cur_analyzer.synth.log_records import LogBatch, log_fields, scenario_log_batch
from cur_analyzer.synth.log_render import LogRenderer
from cur_analyzer.synth.logs import LogTally, clear_log_month, write_log_files
from cur_analyzer.synth.money import exact_amount
from cur_analyzer.synth.parquet import Layout, PartitionWriter
from cur_analyzer.synth.period import Period
from cur_analyzer.synth.reconcile_truth import ReconBook, ReconLines
from cur_analyzer.synth.rows import Rows, sorted_rows
from cur_analyzer.synth.scenario import EXPORT_NAME
from cur_analyzer.synth.truth import month_truth
from cur_analyzer.synth.variant_lines import NET_PERCENT, ri_rows, stale_rows, variant_rows
from cur_analyzer.synth.variant_truth import shape_truth
from cur_analyzer.synth.variants import ExportShape

# Salts of the random streams of their own that a Gaps scenario draws from (see write_month).
_WRITER_SALT, _BATCH_SALT, _EXTRA_SALT = 0x1D5, 0xBA7C, 0xE87A
_EXTRA_LOG_SALT, _FILLER_LOG_SALT = 0xE87B, 0xF11
# Salts of the streams the export shape draws from: its variant lines, the stale file, and the line ids of
# any export but the default one. Streams of their own, so a variant leaves the
# month's other lines and its logs as they were.
_VARIANT_SALT, _STALE_SALT, _STALE_IDS_SALT, _SHAPE_IDS_SALT = 0x7A1, 0x57A, 0x57B, 0x5D1
UNDATED_EVERY = 25  # flat-layout: every 25th line has no billing period start date


@dataclass(frozen=True)
class _Month:
    """What every step of writing one month needs."""

    out: Path
    period: Period
    cat: Catalogue
    book: FrozenBook
    prices: PriceTable
    plan: Plan
    seed: int
    gaps: Gaps | None
    writer: PartitionWriter
    tick: Callable[[int], None]
    shape: ExportShape

    @property
    def exact(self) -> PriceTable | None:
        """With gaps, token counts are drawn as multiples that make every line cost exact at these prices."""
        return None if self.gaps is None else self.prices

    def stream(self, salt: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.period.index, salt])

    def write(self, rows: Rows, shared: int | None = None) -> None:
        self.writer.write(rows, shared)
        self.tick(len(rows))


@dataclass(frozen=True)
class _DrawnCalls:
    """The month's calls that become log records: the logged scenario's, the extra workloads' (unpriced model)
    and, when the analytics account logs too (``Gaps.clean``), the bulk's."""

    logged: Group
    calls: Calls
    extra: Group
    extra_calls: Calls | None
    filler_calls: list[Calls] | None


def write_month(
    out: Path,
    period: Period,
    cat: Catalogue,
    book: FrozenBook,
    prices: PriceTable,
    plan: Plan,
    seed: int,
    tick: Callable[[int], None],
    gaps: Gaps | None = None,
    recon: ReconBook | None = None,
    shape: ExportShape | None = None,
) -> dict[str, Any]:
    """Write the month's partition, logs and manifest; return its ground truth. ``tick`` is told how many lines
    each row group had."""
    shape = shape or ExportShape()
    rng = np.random.default_rng([seed, period.index])
    data_file = _fresh_partition(out, period, shape)
    # With gaps, line ids and knob-added draws use streams of their own, so a knob that adds lines leaves
    # every other line and log record of the month as it was.
    writer_rng = rng if gaps is None else np.random.default_rng([seed, period.index, _WRITER_SALT])
    layout = _layout(shape, seed, period)
    writer = PartitionWriter(data_file, book, period, cat.payer, writer_rng, layout)
    lines = None if recon is None else ReconLines(recon, period)
    if lines is not None:
        writer.listeners.append(lines.add)
    month = _Month(out, period, cat, book, prices, plan, seed, gaps, writer, tick, shape)

    drawn = _write_lines(rng, month)
    writer.close()
    stale = _write_stale_file(month, data_file) if shape.has("stale-file") else None

    log_batch = _log_batch(rng, month, drawn)
    lost = None
    if lines is not None and gaps is not None and gaps.lose_log_hour:
        lost = lines.choose_lost_hour()
    tally = _write_logs(rng, month, log_batch, lost)
    if not shape.flat:
        write_manifest(out, period, cat, seed, data_file, writer.lines, shape.granularity)
    truth = month_truth(book, writer, period, tally, cat, prices)
    if not shape.default:
        truth |= shape_truth(book, writer, shape, data_file.relative_to(out).as_posix(), stale)
    if lines is not None:
        truth["reconcile"] = lines.truth(lost, period.final)
        if truth["reconcile"]["estimated_cost"] != exact_amount(Decimal(truth["logs"]["estimated_cost"])):
            raise AssertionError("reconcile estimate and log estimate disagree")
    return truth


def _layout(shape: ExportShape, seed: int, period: Period) -> Layout:
    """The default export draws its line ids from the month's main stream; any other, from one of its own."""
    ids = None if shape.default else np.random.default_rng([seed, period.index, _SHAPE_IDS_SALT])
    return Layout(shape.granularity, UNDATED_EVERY if shape.flat else 0, ids)


def _fresh_partition(out: Path, period: Period, shape: ExportShape) -> Path:
    """The month's data file path, in an emptied ``BILLING_PERIOD=`` folder (as ``OVERWRITE_REPORT`` does);
    flat, the month's file directly in the data folder (replaced)."""
    if shape.flat:
        data = out / EXPORT_NAME / "data"
        data.mkdir(parents=True, exist_ok=True)
        path = data / f"{EXPORT_NAME}-{period.month}-00001.snappy.parquet"
        path.unlink(missing_ok=True)
        return path
    part = out / EXPORT_NAME / "data" / f"BILLING_PERIOD={period.month}"
    if part.exists():
        shutil.rmtree(part)
    part.mkdir(parents=True)
    return part / f"{EXPORT_NAME}-00001.snappy.parquet"


def _write_lines(rng: np.random.Generator, month: _Month) -> _DrawnCalls:
    """Every CUR line of the month, a row group at a time; returns the calls that become log records."""
    logged, calls = _write_scenario_lines(rng, month)
    filler_calls = _write_bulk_lines(rng, month)
    extra, extra_calls = _write_gap_lines(month)
    _write_variant_lines(month)
    # 3. Month-end adjustments computed from what was billed; the default export's own would be computed
    # from its lines alone (their count keeps the main stream where the default export leaves it).
    acc, book, cat, period = month.writer.acc, month.book, month.cat, month.period
    shared = (
        None if month.shape.default else len(adjustment_rows(acc.only(book.in_default), book, cat, period))
    )
    month.write(adjustment_rows(acc, book, cat, period), shared)
    return _DrawnCalls(logged, calls, extra, extra_calls, filler_calls)


def _batch_group(month: _Month) -> tuple[Group, int]:
    """Batch jobs (one call per slot) and how many slots give the plan's batch lines."""
    batch = Group.of(month.cat.batch, calls_lambda=0.0)
    n_batch = round(month.plan.batch_lines / batch.lines_per_slot()) if month.cat.batch else 0
    return batch, n_batch


def _write_scenario_lines(rng: np.random.Generator, month: _Month) -> tuple[Group, Calls]:
    """1. The logged scenario (exact aggregates of the log records), batch jobs, the Savings Plan."""
    cat, book, plan, period = month.cat, month.book, month.plan, month.period
    logged = Group.of(cat.logged)
    if month.exact is not None:
        logged = logged.exact(book, month.exact)
    logged_tpl = logged.templates(book)
    n_slots = round(plan.logged_lines / logged.lines_per_slot())
    logged_rows, calls = draw_bedrock(rng, logged, book, logged_tpl, period.working_hours(), n_slots, True)
    parts = [sorted_rows(logged_rows)]
    if month.gaps is None:
        # Without gaps the batch jobs come from the month's main stream; with gaps, from one of their own (2b).
        batch, n_batch = _batch_group(month)
        all_hours = np.arange(period.hours, dtype=np.int32)
        batch_rows, _ = draw_bedrock(rng, batch, book, batch.templates(book), all_hours, n_batch, True)
        parts.append(sorted_rows(batch_rows))
    net_percent = NET_PERCENT if month.shape.has("net-columns") else 100
    parts.append(sp_rows(book, cat.sp, period, rng, plan.sp_hours, net_percent))
    month.write(Rows.concat(parts))
    return logged, calls


def _write_bulk_lines(rng: np.random.Generator, month: _Month) -> list[Calls] | None:
    """2. Bulk: the analytics account (no invocation logging) and every other service, by hour ranges; returns
    the analytics calls when that account logs them (``Gaps.clean``)."""
    filler_calls: list[Calls] | None = [] if month.cat.filler_logged else None
    for chunk in filler_chunks(
        rng, month.cat, month.book, month.plan, month.period, month.exact, filler_calls
    ):
        month.write(chunk)
    return filler_calls


def _write_gap_lines(month: _Month) -> tuple[Group, Calls | None]:
    """2b. Gaps: batch jobs and the extra (unpriced-model) calls, each from a stream of its own."""
    cat, book, exact = month.cat, month.book, month.exact
    extra = Group.of(cat.extra)
    if exact is None:
        return extra, None
    extra_calls = None
    parts = []
    if cat.batch:
        batch, n_batch = _batch_group(month)
        batch = batch.exact(book, exact)
        all_hours = np.arange(month.period.hours, dtype=np.int32)
        batch_rows, _ = draw_bedrock(
            month.stream(_BATCH_SALT), batch, book, batch.templates(book), all_hours, n_batch, True
        )
        parts.append(sorted_rows(batch_rows))
    if cat.extra:
        extra = extra.exact(book, exact)
        n_extra = max(6, month.plan.logged_lines // 50)
        hours = month.period.working_hours()
        extra_rows, extra_calls = draw_bedrock(
            month.stream(_EXTRA_SALT), extra, book, extra.templates(book), hours, n_extra, True
        )
        parts.append(sorted_rows(extra_rows))
    if parts:
        month.write(Rows.concat(parts))
    return extra, extra_calls


def _write_variant_lines(month: _Month) -> None:
    """2c. The export variants' lines, from a stream of their own."""
    parts = [variant_rows(month.book, month.period, month.stream(_VARIANT_SALT))]
    if month.shape.has("net-columns"):
        parts.append(ri_rows(month.book, month.period))
    parts = [p for p in parts if len(p)]
    if parts:
        month.write(Rows.concat(parts))


def _write_stale_file(month: _Month, data_file: Path) -> tuple[str, PartitionWriter]:
    """A file an earlier run of the export left in the partition, which the manifest does not list."""
    path = data_file.with_name(f"{EXPORT_NAME}-00002.snappy.parquet")
    layout = Layout(month.shape.granularity, 0, month.stream(_STALE_IDS_SALT))
    writer = PartitionWriter(
        path, month.book, month.period, month.cat.payer, month.stream(_STALE_IDS_SALT), layout
    )
    writer.write(stale_rows(month.book, month.period, month.stream(_STALE_SALT)))
    writer.close()
    return path.name, writer


def _log_batch(rng: np.random.Generator, month: _Month, drawn: _DrawnCalls) -> LogBatch:
    """Every log record of the month (before a lost hour is left out), cache counts dropped if a knob says so."""
    log_batch = scenario_log_batch(rng, drawn.logged, drawn.calls, month.period)
    gaps = month.gaps
    if gaps is not None:
        log_batch = _with_more_calls(log_batch, month.cat, month.seed, month.period, drawn)
    if gaps is not None and gaps.drop_cache_tokens_from_logs:
        log_batch.tokens[:, 2:] = 0
    return log_batch


def _write_logs(
    rng: np.random.Generator, month: _Month, log_batch: LogBatch, lost: tuple[str, str, int] | None
) -> LogTally:
    """The month's log files, but the ``lost`` (account, region, hour); returns the tally of what was written."""
    drop_cache = month.gaps is not None and month.gaps.drop_cache_tokens_from_logs
    workloads = month.cat.log_workloads
    renderer = LogRenderer(workloads, month.period, drop_cache=drop_cache)
    clear_log_month(month.out, month.cat, month.period)
    tally = LogTally()
    kept = log_batch if lost is None else log_batch.without(_lost_mask(log_batch, workloads, lost))
    tally.add(kept, workloads)
    write_log_files(
        month.out, log_batch, workloads, renderer, month.period, rng, compresslevel=6, tally=tally, skip=lost
    )
    return tally


def _with_more_calls(b: LogBatch, cat: Catalogue, seed: int, period: Period, drawn: _DrawnCalls) -> LogBatch:
    """The scenario's log batch plus log records of the extra workloads and (clean) the analytics account."""
    parts = [b]
    offset = len(cat.logged)
    sources = [(drawn.extra, drawn.extra_calls, _EXTRA_LOG_SALT)]
    if drawn.filler_calls is not None:
        sources.append((Group.of(cat.filler), _joined(drawn.filler_calls), _FILLER_LOG_SALT))
    for group, calls, salt in sources:
        if calls is not None and len(calls.w):
            rng = np.random.default_rng([seed, period.index, salt])
            ok = np.zeros(len(calls.w), np.int8)
            more = log_fields(rng, group, calls.w, calls.stream, calls.hour, calls.tokens, ok)
            more.w = more.w + offset
            parts.append(more)
        offset += len(group.workloads)
    return LogBatch(*(np.concatenate([getattr(p, f) for p in parts]) for f in LogBatch.__dataclass_fields__))


def _joined(calls: list[Calls]) -> Calls | None:
    """The bulk chunks' calls as one draw (None when there were none)."""
    if not calls:
        return None
    return Calls(*(np.concatenate([getattr(c, f) for c in calls]) for f in ("w", "stream", "hour", "tokens")))


def _lost_mask(b: LogBatch, workloads: tuple[Workload, ...], lost: tuple[str, str, int]) -> np.ndarray:
    account, region, hour = lost
    here = np.array([(w.account.id, w.region) == (account, region) for w in workloads], dtype=bool)
    return here[b.w] & (b.hour == hour)
