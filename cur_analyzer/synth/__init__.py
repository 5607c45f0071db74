"""Deterministic synthetic AWS CUR 2.0 export and Bedrock invocation logs, with exact ground truth.

Tests, golden files and benchmarks need a bill whose every total is known in advance. :func:`generate` writes
``months`` billing periods in the real S3 layouts (Data Exports ``data/BILLING_PERIOD=YYYY-MM`` + manifest,
``AWSLogs/<acct>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH``), the AIP listing a user would fetch with
``aws bedrock list-inference-profiles``, and ``ground_truth.json`` computed from what was written.

How it stays exact and small in memory at 10M lines a month:

* every line is a *template* (its static attributes: account, principal, tags, usage type, rate...) plus an
  hour and an integer quantity; templates are built once, rows are numpy draws of template indices, and
  Arrow columns are dictionary arrays / ``take`` over the template arrays, written one row group at a time;
* money is integer 1e-8 USD (costs are rounded to 8 places per line), accumulated per template with int64,
  and turned into ``Decimal`` strings only at the end, so the ground truth is exact;
* Bedrock usage lines are drawn as *calls* grouped into (workload, hour, streaming) slots: a CUR line is the
  sum of its slot's calls for one meter, and for accounts/regions with invocation logging on, the same calls
  are written as log records, so CUR lines are exact aggregates of the logs. Batch jobs are billed but never
  logged, and one account (``acme-analytics``, the bulk of the volume at scale) has logging off.

:class:`Gaps` switches the scenario to one built for reconciliation tests: ``clean`` removes every gap between
the logs and the bill, and each knob injects one cause of a gap; ``ground_truth.json`` then says, per month,
which buckets each cause touches, with what status, and how much of the gap (billed - estimated) it explains.

Prices come only from :class:`~cur_analyzer.bedrock.pricing.PriceTable`, usage types only from
:func:`~cur_analyzer.bedrock.usage_types.format_usage_type`, columns only from :mod:`cur_analyzer.schema`.

The modules, in the order a month is made:

* ``gaps``: the :class:`Gaps` knobs and the causes of a gap;
* ``catalogue`` (what a company is made of) and ``scenario`` (the company itself, its export and prices);
* ``money``, ``columns``, ``rows``, ``book`` and ``templates``: a line's static attributes, stored once;
* ``calls`` (Bedrock calls and the lines that bill them) and ``lines`` (bulk, Savings Plan, adjustments);
* ``period``, ``ids``, ``parquet`` and ``json_files``: the billing period and the files of the export;
* ``log_records``, ``log_render`` and ``logs``: the invocation-log records, their JSON and their files;
* ``truth`` and ``reconcile_truth``: the ground truth; ``month`` writes one billing period, ``dataset`` all;
* ``variants`` (the export's granularity and variants), ``variant_templates``, ``variant_lines`` and
  ``variant_truth``: the lines, files and ground truth of an export of another shape than the default.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cur_analyzer.synth.columns import arrow_schema
    from cur_analyzer.synth.dataset import generate, generate_logs
    from cur_analyzer.synth.gaps import RECONCILE_CAUSES, Gaps
    from cur_analyzer.synth.scenario import EXPORT_NAME
    from cur_analyzer.synth.truth import GroundTruth
    from cur_analyzer.synth.variants import GRANULARITIES, VARIANTS

# Names resolve on first use: the command line reads the granularities and variants when it starts, and
# must not load numpy and pyarrow for that.
_HOMES = {
    "arrow_schema": "columns",
    "generate": "dataset",
    "generate_logs": "dataset",
    "RECONCILE_CAUSES": "gaps",
    "Gaps": "gaps",
    "EXPORT_NAME": "scenario",
    "GroundTruth": "truth",
    "GRANULARITIES": "variants",
    "VARIANTS": "variants",
}

__all__ = [
    "EXPORT_NAME",
    "GRANULARITIES",
    "RECONCILE_CAUSES",
    "VARIANTS",
    "Gaps",
    "GroundTruth",
    "arrow_schema",
    "generate",
    "generate_logs",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
