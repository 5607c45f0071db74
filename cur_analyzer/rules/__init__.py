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

Modules, one job each: ``_model`` the file's schema (pydantic), ``_find`` which file is in force, ``_load`` reading and validating it with
``file:line:column`` errors, ``_sources`` compiling a dimension's sources (tag lookups, account maps,
principal patterns through ``_patterns``), ``_compiled`` the rules as the resolver reads them,
``_resolve`` the resolver (``LinePlan``), ``_splits`` shared-cost splits, ``_provenance`` the provenance
columns of a one-row-per-value report, ``_budgets`` budget status.
"""

from typing import Any

#: where each public name lives: loaded when first asked for, so a report that never reads a rules file
#: never loads the file's pydantic schema (``_model``) or YAML reader (``_load``)
_HOMES = {
    "BudgetStatus": "_budgets",
    "budget_status": "_budgets",
    "RuleDimension": "_compiled",
    "Rules": "_compiled",
    "Source": "_compiled",
    "RULES_FILE_NAME": "_find",
    "find_rules": "_find",
    "load_rules": "_load",
    "ADJUSTMENT_TYPES": "_model",
    "ALL_ADJUSTMENTS": "_model",
    "AccountMapSource": "_model",
    "AlertRules": "_model",
    "BudgetSpec": "_model",
    "DimensionSpec": "_model",
    "PoolSpec": "_model",
    "PrincipalPattern": "_model",
    "PrincipalPatternSource": "_model",
    "RulesError": "_model",
    "RulesFile": "_model",
    "SPLIT_METHODS": "_model",
    "SharedCostRule": "_model",
    "SourceSpec": "_model",
    "TAG_SOURCES": "_model",
    "TagSource": "_model",
    "compile_regex": "_patterns",
    "Provenance": "_provenance",
    "SHARED": "_provenance",
    "provenance": "_provenance",
    "Item": "_resolve",
    "LinePlan": "_resolve",
    "MAX_SLOTS": "_resolve",
    "attribute": "_resolve",
    "format_via": "_resolve",
    "compile_source": "_sources",
    "read_account_map": "_sources",
    "MONEY_QUANTUM": "_splits",
    "PERCENT_QUANTUM": "_splits",
    "SplitResult": "_splits",
    "allocate": "_splits",
    "apply_shared_costs": "_splits",
    "percentages": "_splits",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


#: the public surface: every name above, each loaded from its home
__all__ = sorted(_HOMES)


def __dir__() -> list[str]:
    return __all__
