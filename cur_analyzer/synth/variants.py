"""The shapes of export the generator can write besides the default one: the time granularity of its lines
and the variants, each a kind of line or file AWS writes that a report must be right on, with ground truth.

* ``marketplace``: Bedrock models AWS Marketplace bills (product code a Marketplace id, the model only in
  the product name, known to the model catalogue and not), and one Marketplace product that is not Bedrock;
* ``agentcore``: ``AmazonBedrockAgentCore`` runtime, tools, gateway and memory lines;
* ``non-token-meters``: one Bedrock line per meter class that is not text tokens (AgentCore's aside);
* ``stale-file``: a parquet file in the partition that the manifest does not list;
* ``second-currency``: one account billed in EUR;
* ``net-columns``: a reserved instance (usage, fee, upfront fee) with net columns, and Savings Plan usage
  whose net effective cost is below its effective cost;
* ``edge-values``: principal tag values and role session names at the edges (the text ``Unallocated``,
  only spaces, a space in a session name, non-ASCII);
* ``flat-layout``: every month's file directly in the data folder, some lines without a billing period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cur_analyzer.synth.gaps import Gaps

GRANULARITIES = ("hourly", "daily", "monthly")
VARIANTS = (
    "marketplace",
    "agentcore",
    "non-token-meters",
    "stale-file",
    "second-currency",
    "net-columns",
    "edge-values",
    "flat-layout",
)
#: Variants that bill Bedrock usage no invocation log records: a gap scenario's reconciliation truth
#: accounts for every Bedrock usage line by a cause of its own, and these have none.
BILLED_WITHOUT_LOGS = ("marketplace", "agentcore", "non-token-meters", "second-currency", "edge-values")


@dataclass(frozen=True)
class ExportShape:
    """The granularity and variants of a generated export (``generate(granularity=..., variants=...)``)."""

    granularity: str = "hourly"
    variants: tuple[str, ...] = ()

    @classmethod
    def of(cls, granularity: str, variants: Iterable[str], gaps: Gaps | None = None) -> ExportShape:
        """The shape asked for, variants in :data:`VARIANTS` order; a ``ValueError`` (one line) names an
        unknown granularity or variant, or a combination no export can have."""
        if granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}, got {granularity!r}")
        wanted = {v.strip().lower().replace("_", "-") for v in variants if v.strip()}
        unknown = sorted(wanted - set(VARIANTS))
        if unknown:
            raise ValueError(f"unknown variant {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
        if {"flat-layout", "stale-file"} <= wanted:
            raise ValueError(
                "variants stale-file and flat-layout cannot be combined: a stale file is one the "
                "partition's manifest leaves out, and a flat export has neither partitions nor manifests"
            )
        if gaps is not None and granularity == "monthly":
            raise ValueError(
                "a gap scenario's reconciliation truth is per day, which a monthly export does not "
                "have: choose the hourly or daily granularity"
            )
        unlogged = [v for v in BILLED_WITHOUT_LOGS if v in wanted]
        if gaps is not None and unlogged:
            raise ValueError(
                f"variant(s) {', '.join(unlogged)} bill Bedrock usage without invocation logs, which the "
                "reconciliation truth of a gap scenario cannot account for: drop them or the gaps"
            )
        return cls(granularity, tuple(v for v in VARIANTS if v in wanted))

    @property
    def default(self) -> bool:
        """The default export (hourly, no variant): its files and ground truth are those of the demo."""
        return self.granularity == "hourly" and not self.variants

    @property
    def flat(self) -> bool:
        return "flat-layout" in self.variants

    def has(self, variant: str) -> bool:
        return variant in self.variants
