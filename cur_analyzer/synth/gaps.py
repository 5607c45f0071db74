"""The reconciliation gap knobs (:class:`Gaps`) and the causes of a gap, in the order they are attributed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import ClassVar

#: Causes a :class:`Gaps` scenario can build in, in the order a bucket's gap is attributed to them (the first
#: that applies to a line wins), spelled as the reconciliation report spells them.
RECONCILE_CAUSES = (
    "logging off",
    "tier not in logs",
    "log gap",
    "cache tokens missing from logs",
    "model missing from price table",
    "1-hour cache-write rate",
    "cross-region rate",
)
#: Tolerance (percent of the billed cost) behind the expected statuses in ``reconcile`` ground truth.
RECONCILE_TOLERANCE_PCT = Decimal(1)


@dataclass(frozen=True)
class Gaps:
    """Which gaps between invocation logs and bill a generated scenario has (``generate(..., gaps=...)``).

    ``clean``: no batch lines, invocation logging on in every account (``acme-analytics`` too) and no 1-hour cache
    writes, so every Bedrock usage line has logs priced at its billed rate and reconciliation is all ``match``.
    Without ``clean`` the scenario keeps the default's gaps (batch, ``acme-analytics`` logging off, 1-hour cache
    writes), each reported as injected. Each knob adds one cause, alone or together, with or without ``clean``:

    * ``drop_cache_tokens_from_logs``: log records lose their cache read/write counts; the bill still has them;
    * ``lose_log_hour``: the log files of one hour of one account/region are not written; the bill keeps it;
    * ``unlogged_tier``: batch-tier lines, billed with no logs (already there without ``clean``);
    * ``unpriced_model``: calls to a real model the price table does not list, billed at a rate kept here;
    * ``not_final``: every month has a blank ``bill_invoice_id`` (expected statuses become ``pending``);
    * ``one_hour_cache_writes``: cache writes billed as ``cache_write_1h`` that the log shows as ordinary ones
      (already there without ``clean``);
    * ``cross_region_rate``: calls billed at the global rate while the log shows a plain in-region model id.

    With any ``Gaps`` (even ``Gaps()``) every month is final unless ``not_final``, and token counts are drawn as
    multiples that make each line's cost exact at 8 places, so estimates and bills compare to the last digit.
    """

    clean: bool = False
    drop_cache_tokens_from_logs: bool = False
    lose_log_hour: bool = False
    unlogged_tier: bool = False
    unpriced_model: bool = False
    not_final: bool = False
    one_hour_cache_writes: bool = False
    cross_region_rate: bool = False

    NAMES: ClassVar[tuple[str, ...]] = (
        "clean",
        "drop_cache_tokens_from_logs",
        "lose_log_hour",
        "unlogged_tier",
        "unpriced_model",
        "not_final",
        "one_hour_cache_writes",
        "cross_region_rate",
    )

    @classmethod
    def from_names(cls, names: Iterable[str]) -> Gaps:
        """``["clean", "lose_log_hour"]`` -> ``Gaps(clean=True, lose_log_hour=True)``; hyphens work too."""
        wanted = {n.strip().lower().replace("-", "_") for n in names if n.strip()}
        unknown = sorted(wanted - set(cls.NAMES))
        if unknown:
            raise ValueError(f"unknown gap {', '.join(unknown)}; choose from {', '.join(cls.NAMES)}")
        return cls(**dict.fromkeys(wanted, True))

    def names(self) -> list[str]:
        """The switched-on flags, in :attr:`NAMES` order (inverse of :meth:`from_names`)."""
        return [n for n in self.NAMES if getattr(self, n)]

    def as_dict(self) -> dict[str, bool]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
