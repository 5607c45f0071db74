"""The entry points: :func:`generate` (CUR months, invocation logs, AIP listing and ground truth) and
:func:`generate_logs` (invocation-log records only, for benchmarks)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.synth.calls import Group
from cur_analyzer.synth.catalogue import Plan
from cur_analyzer.synth.gaps import Gaps
from cur_analyzer.synth.json_files import aip_listing, write_json
from cur_analyzer.synth.log_records import bulk_log_batch
from cur_analyzer.synth.log_render import LogRenderer
from cur_analyzer.synth.logs import LogTally, clear_log_month, write_log_files
from cur_analyzer.synth.month import write_month
from cur_analyzer.synth.period import Period, add_months, check_month
from cur_analyzer.synth.reconcile_truth import ReconBook
from cur_analyzer.synth.scenario import build_catalogue
from cur_analyzer.synth.templates import build_book
from cur_analyzer.synth.truth import GroundTruth, dataset_truth
from cur_analyzer.synth.variants import ExportShape

# progress(done, total): lines (or log records) written so far, out of the expected total.
ProgressFn = Callable[[int, int], None]


class _Ticker:
    """Reports the lines written against the plan's estimate, raising the total when the estimate falls short."""

    def __init__(self, progress: ProgressFn | None, total: int) -> None:
        self.progress, self.total, self.done = progress, max(total, 1), 0

    def tick(self, n: int) -> None:
        self.done += n
        self.total = max(self.total, self.done)
        if self.progress:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        if self.progress:
            self.progress(self.done, self.done)


def generate(
    out: Path,
    month: str = "2026-10",
    rows: int = 3000,
    seed: int = 7,
    months: int = 2,
    progress: ProgressFn | None = None,
    *,
    gaps: Gaps | None = None,
    granularity: str = "hourly",
    variants: Sequence[str] = (),
) -> GroundTruth:
    """Write ``months`` consecutive CUR 2.0 billing periods from ``month`` (about ``rows`` lines each), the
    matching invocation logs, the AIP listing and ``ground_truth.json`` under ``out``; return the truth.

    Every month but the last is final (invoice id set). Same arguments give byte-identical files. Existing
    partitions and log folders of the generated months are replaced, as an ``OVERWRITE_REPORT`` export does.

    ``gaps`` builds the reconciliation scenario described in :class:`Gaps` instead (months final unless
    ``not_final``) and adds ``reconcile`` to each month's ground truth; ``None`` is the default scenario.

    ``granularity`` (``hourly``, ``daily``, ``monthly``) cuts the lines as a Data Exports export of that time
    granularity does; ``variants`` (names in :data:`VARIANTS`) add the lines and files each describes, with
    their ground truth (:mod:`cur_analyzer.synth.variants`). A ``ValueError`` names a combination that
    cannot be. The default (hourly, no variant) writes the same bytes as before either existed.
    """
    check_month(month)
    if rows < 1 or months < 1:
        raise ValueError("rows and months must be at least 1")
    shape = ExportShape.of(granularity, variants, gaps)
    out = Path(out)
    prices = PriceTable.load()
    plan = Plan.for_rows(rows)
    cat = build_catalogue(plan, seed, gaps)
    book = build_book(cat, prices, shape.variants)
    periods = _periods(month, months, seed, gaps)
    ticker = _Ticker(progress, plan.estimated_total * months)
    recon = None if gaps is None else ReconBook.of(cat, book, prices, gaps)

    truth_months: dict[str, Any] = {}
    for period in periods:
        truth_months[period.month] = write_month(
            out, period, cat, book, prices, plan, seed, ticker.tick, gaps, recon, shape
        )
    ticker.finish()

    write_json(out / "inference-profiles.json", aip_listing(cat))
    write_json(out / "inference-profile-tags.json", {a.arn: dict(a.tags) for a in cat.aips})
    data = dataset_truth(cat, prices, rows, seed, gaps, truth_months, shape)
    path = out / "ground_truth.json"
    write_json(path, data)
    return GroundTruth(path, data)


def _periods(month: str, months: int, seed: int, gaps: Gaps | None) -> list[Period]:
    """The billing periods to write: every month but the last is final, or (gaps) all unless ``not_final``."""
    if gaps is None:
        return [Period.of(add_months(month, i), i, final=i < months - 1, seed=seed) for i in range(months)]
    final = not gaps.not_final
    return [Period.of(add_months(month, i), i, final=final, seed=seed) for i in range(months)]


def generate_logs(
    out: Path,
    month: str = "2026-10",
    records: int = 5_000_000,
    seed: int = 7,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Stream ``records`` invocation-log records for one month under ``out/logs/AWSLogs/...`` (benchmarks).

    Same callers, models, routes, error and guardrail shares as :func:`generate`'s logged scenario, but these
    records are not billed in any CUR: point ``out`` at a folder of its own. Returns a summary (counts, tokens).
    """
    check_month(month)
    out = Path(out)
    cat = build_catalogue(Plan.for_rows(3000), seed)
    period = Period.of(month, 0, final=False, seed=seed)
    group = Group.of(cat.logged)
    rng = np.random.default_rng([seed, 0x10C5])
    renderer = LogRenderer(cat.logged, period)
    clear_log_month(out, cat, period)
    hours = np.sort(rng.integers(0, period.hours, size=records))
    bounds = np.searchsorted(hours, np.arange(period.hours + 1))
    summary = LogTally()
    done = 0
    for hour in range(period.hours):
        n = int(bounds[hour + 1] - bounds[hour])
        if n == 0:
            continue
        batch = bulk_log_batch(rng, group, hour, n)
        summary.add(batch, cat.logged)
        write_log_files(out, batch, cat.logged, renderer, period, rng, compresslevel=1, tally=summary)
        done += n
        if progress:
            progress(done, records)
    return {"month": month, "seed": seed, **summary.as_dict()}
