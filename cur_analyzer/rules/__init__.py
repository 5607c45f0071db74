"""The rules file (``cur-analyzer.rules.yaml``) and the one home of how a billing line gets its value.

A rules file names dimensions as ordered sources (the first non-empty one decides), allowed values,
shared-cost splits, budgets and alert thresholds::

    dimensions:
      team:
        sources:
          - {source: aip_tag, key: team}          # tag of the application inference profile used
          - {source: principal_tag, key: team}    # tags['iamPrincipal/team'] (principal or session tag)
          - {source: account_tag, key: team}      # tags['accountTag/team']
          - {source: account_map, file: accounts.csv}     # account_id,value
          - source: principal_pattern
            patterns:
              - {pattern: "assumed-role/ClaudeCode/*", value: platform}
        allowed: [ml, web, data, platform]
    shared_costs:
      - {dimension: team, pool: Unallocated, method: proportional}
      - {dimension: team, pool: [Credit, Refund, EdpDiscount], method: proportional}
      - {dimension: team, pool: Adjustments, method: even}   # every other adjustment
    budgets:
      - {dimension: team, amounts: {ml: 1500, web: 800}}
    alerts: {model_share_pct: 60}

Every report resolves dimensions here, over the rows of ``athena/attribution_lines.sql`` (a line's
account, principal, service, resource kind and up to ``MAX_SLOTS`` tag values), so chargeback, coverage,
budgets and alerts attribute a dollar the same way, and each value carries ``attributed_via``: the source that decided
(``aip_tag:team``, ``principal_tag:team``, ``account_map``, ``principal_pattern:assumed-role/ClaudeCode/*``,
``split:proportional``) or ``unallocated``.

A validation error names the file, line and column (the pydantic error location is walked down the YAML
node tree PyYAML composes) and exits 2.

Modules, one job each: ``_model`` the file's schema (pydantic), ``_load`` reading and validating it with
``file:line:column`` errors, ``_sources`` compiling a dimension's sources (tag lookups, account maps,
principal patterns through ``_patterns``), ``_compiled`` the rules as the resolver reads them,
``_resolve`` the resolver (``LinePlan``), ``_splits`` shared-cost splits, ``_provenance`` the provenance
columns of a one-row-per-value report, ``_budgets`` budget status.
"""

from cur_analyzer.rules._budgets import BudgetStatus, budget_status
from cur_analyzer.rules._compiled import RuleDimension, Rules, Source
from cur_analyzer.rules._load import RULES_FILE_NAME, find_rules, load_rules
from cur_analyzer.rules._model import (
    ADJUSTMENT_TYPES,
    ALL_ADJUSTMENTS,
    SPLIT_METHODS,
    TAG_SOURCES,
    AccountMapSource,
    AlertRules,
    BudgetSpec,
    DimensionSpec,
    PoolSpec,
    PrincipalPattern,
    PrincipalPatternSource,
    RulesError,
    RulesFile,
    SharedCostRule,
    SourceSpec,
    TagSource,
)
from cur_analyzer.rules._patterns import compile_regex
from cur_analyzer.rules._provenance import SHARED, Provenance, provenance
from cur_analyzer.rules._resolve import MAX_SLOTS, Item, LinePlan, attribute, format_via
from cur_analyzer.rules._sources import compile_source, read_account_map
from cur_analyzer.rules._splits import (
    MONEY_QUANTUM,
    PERCENT_QUANTUM,
    SplitResult,
    allocate,
    apply_shared_costs,
    percentages,
)

__all__ = [
    "ADJUSTMENT_TYPES",
    "ALL_ADJUSTMENTS",
    "MAX_SLOTS",
    "MONEY_QUANTUM",
    "PERCENT_QUANTUM",
    "RULES_FILE_NAME",
    "SHARED",
    "SPLIT_METHODS",
    "TAG_SOURCES",
    "AccountMapSource",
    "AlertRules",
    "BudgetSpec",
    "BudgetStatus",
    "DimensionSpec",
    "Item",
    "LinePlan",
    "PoolSpec",
    "PrincipalPattern",
    "PrincipalPatternSource",
    "Provenance",
    "RuleDimension",
    "Rules",
    "RulesError",
    "RulesFile",
    "SharedCostRule",
    "Source",
    "SourceSpec",
    "SplitResult",
    "TagSource",
    "allocate",
    "apply_shared_costs",
    "attribute",
    "budget_status",
    "compile_regex",
    "compile_source",
    "find_rules",
    "format_via",
    "load_rules",
    "percentages",
    "provenance",
    "read_account_map",
]
