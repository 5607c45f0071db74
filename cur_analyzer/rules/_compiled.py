"""The rules as the resolver reads them: each dimension's sources compiled (tag lookups named, account
maps read, patterns compiled), the shared-cost rules, budgets and alert thresholds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cur_analyzer.rules._patterns import search

if TYPE_CHECKING:
    # the file's schema is pydantic: a report run without a rules file never loads it
    from cur_analyzer.rules._model import AlertRules, BudgetSpec, SharedCostRule

__all__ = ["RuleDimension", "Rules", "Source"]


@dataclass(frozen=True)
class Source:
    """One compiled source of a dimension."""

    kind: str  # one of TAG_SOURCES, "account_map", "principal_pattern", "request_metadata"
    via: str  # what ``attributed_via`` says when this source decides
    lookup: tuple[str, str] | None = None  # (unified tags key, resource_tags key) for tag sources
    accounts: Mapping[str, str] | None = None
    #: (compiled: ``re`` for a glob, RE2 for a regex, is a glob, value, via) in file order
    patterns: tuple[tuple[Any, bool, str, str], ...] = ()
    #: the requestMetadata key a ``request_metadata`` source reads (only log records carry it)
    metadata_key: str | None = None

    def match_principal(self, arn: str | None) -> tuple[str, str] | None:
        """A glob matches the whole ARN or its resource part (after the fifth ``:``, e.g.
        ``assumed-role/ClaudeCode/chat``); a regex is searched anywhere in the ARN."""
        if not arn:
            return None
        tail = arn.split(":", 5)[5] if arn.count(":") >= 5 else arn
        for compiled, is_glob, value, via in self.patterns:
            if (compiled.match(arn) or compiled.match(tail)) if is_glob else search(compiled, arn):
                return value, via
        return None


@dataclass(frozen=True)
class RuleDimension:
    name: str
    sources: tuple[Source, ...]
    allowed: frozenset[str] | None = None


@dataclass(frozen=True)
class Rules:
    path: Path | None
    dimensions: Mapping[str, RuleDimension]
    shared_costs: tuple[SharedCostRule, ...] = ()
    budgets: Mapping[str, BudgetSpec] = field(default_factory=dict)
    #: the file's alert thresholds; None for rules without a file (``alerts`` gives the schema's defaults)
    alert_thresholds: AlertRules | None = None

    @classmethod
    def empty(cls) -> Rules:
        return cls(None, {})

    @property
    def alerts(self) -> AlertRules:
        if self.alert_thresholds is not None:
            return self.alert_thresholds
        from cur_analyzer.rules._model import AlertRules

        return AlertRules()

    def allowed(self, name: str) -> frozenset[str] | None:
        dim = self.dimensions.get(name)
        return dim.allowed if dim else None

    def budget_for(self, specs: Iterable[str]) -> BudgetSpec | None:
        """The budget of the first ``--by`` dimension that has one."""
        return next((self.budgets[s] for s in specs if s in self.budgets), None)
