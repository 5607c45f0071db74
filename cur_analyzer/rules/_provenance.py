"""Provenance columns: through which source of a rules dimension a value's cost came (its principal tag,
its AIP's tag, an account map…) or whether a shared-cost split brought it, as the fixed set of money columns
a one-row-per-value report shows beside the cost. The set follows the rules file, not the month, so a
file finance opens every month has the same columns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from cur_analyzer.rules._compiled import Rules

__all__ = ["SHARED", "Provenance", "provenance"]

#: The column of what shared-cost splits moved onto a value (any pool, any method).
SHARED = "shared"
_PATTERN = "principal_pattern"


@dataclass(frozen=True)
class Provenance:
    """The provenance columns of one rules dimension, and which column an ``attributed_via`` goes to."""

    dimension: str
    #: ``via_<source kind>`` in the order of the dimension's sources (``via_<kind>:<key>`` when two tag
    #: sources share a kind), then ``shared`` when a shared-cost rule splits onto the dimension
    columns: tuple[str, ...]
    by_via: Mapping[str, str]

    def column_of(self, via: str | None) -> str | None:
        """The column of an ``attributed_via`` (``principal_tag:team``, ``split:even:Tax``…); None for the
        lines no source attributes."""
        if via is None or via == "unallocated":
            return None
        if via.startswith("split:"):
            return SHARED
        if via.startswith(f"{_PATTERN}:"):
            via = _PATTERN
        column = self.by_via.get(via)
        if column is None:
            raise ValueError(f"{via!r} is not a source of {self.dimension}")
        return column


def provenance(rules: Rules, dimension: str) -> Provenance:
    """The provenance columns of ``dimension``, a dimension of ``rules``."""
    sources = rules.dimensions[dimension].sources
    # an account map or principal patterns named twice still say the same thing: one column
    repeated = Counter(s.via for s in sources if s.lookup is not None)
    kinds = Counter(s.kind for s in sources if s.lookup is not None)
    by_via: dict[str, str] = {}
    for s in sources:
        tell_apart = s.lookup is not None and kinds[s.kind] > repeated[s.via]
        by_via[s.via] = f"via_{s.via}" if tell_apart else f"via_{s.kind}"
    columns = list(dict.fromkeys(by_via.values()))
    if any(rule.dimension == dimension for rule in rules.shared_costs):
        columns.append(SHARED)
    return Provenance(dimension, tuple(columns), by_via)
