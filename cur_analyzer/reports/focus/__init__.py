"""The FOCUS export model (1.2, the default, or 1.3): a month's Amazon Bedrock lines as FOCUS rows, with
the attribution in Tags; in 1.3 with the allocation ledger, each usage line split down to the invocation-log
records behind it (``_allocated``: how allocated charges link to their origin line and sum to it).

One FOCUS row per CUR line (usage and adjustments alike, nothing aggregated), so ``BilledCost`` sums to
the month's Bedrock bill exactly. Built from the rows of ``athena/focus_lines.sql`` (whichever engine ran
it); no I/O, no rendering. The column list and types are encoded once (``_columns.FOCUS_COLUMNS``).

Mapping decisions (FOCUS 1.2 wording in quotes):

* ``BilledCost`` = ``line_item_unblended_cost``: discounts the bill shows on their own lines (EDP) stay
  their own rows, as on the invoice. ``EffectiveCost`` = the ``net-amortized`` cost basis of
  ``chargeback --cost-basis`` (same CASE in the SQL): "after applying all reduced rates, discounts", so an
  EDP line's EffectiveCost is 0 and its discount sits in the usage lines' net cost.
* ``ListCost`` / ``ContractedCost`` of usage and purchase rows are, as FOCUS defines them, unit price x
  ``PricingQuantity`` (public on-demand rate, resp. the unblended rate), not CUR's rounded
  ``pricing_public_on_demand_cost``: CUR rounds line costs, FOCUS requires the product to match. Other
  rows (tax, credits, adjustments) carry ``BilledCost`` in both, as FOCUS requires for charges without a
  unit price.
* ``ChargeCategory`` from ``line_item_line_item_type`` (``CHARGE_CATEGORY_OF``): usage types -> Usage,
  fees -> Purchase, Tax -> Tax, credits and discounts -> Credit, Refund and anything unknown -> Adjustment.
  ``ChargeClass`` is "Correction" only for a line whose charge period starts before its billing period.
* ``PricingUnit`` in FOCUS unit format (``1K tokens`` -> ``1000 Tokens``); ``PricingQuantity`` is the CUR
  usage amount (in that unit), ``ConsumedQuantity`` the same in base units (tokens).
* ``Tags``: a JSON object. Resource / AIP tags under their own keys (the one unprefixed scheme), principal
  and account tags with AWS's prefixes (``iamPrincipal/team``, ``accountTag/env``), then the attribution
  as ``x_`` keys: ``x_principal``, ``x_principal_kind``, ``x_team``, ``x_team_source`` (which source decided:
  ``aip_tag:team``, ``principal_tag:team``, a rules file's ``attributed_via``...), one ``x_<dim>`` /
  ``x_<dim>_source`` pair per other rules-file dimension, and ``x_usage_type``, ``x_model``, ``x_meter``,
  ``x_tier``, ``x_scope``. Shared-cost splits are not applied: a FOCUS row is one bill line (or in 1.3
  one allocated charge of it); ``x_team`` is the line's own value (``Unallocated`` when no source has one).
* Bedrock has no commitment discounts or capacity reservations: those columns are null. FOCUS 1.2 has no
  ``HostProviderName`` / ``ServiceProviderName`` (FOCUS 1.3 adds them, "AWS" both); ``ProviderName`` and
  ``PublisherName`` and ``InvoiceIssuerName`` are "AWS" (an issuer other than the provider means "paid to a
  third party", where FOCUS wants BilledCost 0); the legal invoicing entity is in ``x_InvoicingEntity``.
"""

from cur_analyzer.reports.focus._allocated import SPLIT_LINE_TYPES, SUMMABLE_COLUMNS
from cur_analyzer.reports.focus._build import DEFAULT_TEAM_SOURCES, TEAM_DIMENSION, build_focus_export
from cur_analyzer.reports.focus._columns import (
    ALL_COLUMNS,
    BILLING_ACCOUNT_TYPE,
    CHARGE_CATEGORIES,
    CHARGE_FREQUENCIES,
    COLUMN_NAMES,
    DATETIME,
    DATETIME_COLUMNS,
    DECIMAL,
    DECIMAL_COLUMNS,
    EXTRA_COLUMNS,
    FOCUS_13_NEW_COLUMNS,
    FOCUS_COLUMNS,
    FOCUS_VERSION,
    FOCUS_VERSIONS,
    JSON,
    PRICING_CATEGORIES,
    PROVIDER,
    SERVICE_CATEGORY,
    SERVICE_NAME,
    SERVICE_SUBCATEGORY,
    STRING,
    SUB_ACCOUNT_TYPE,
    check_version,
    columns_of,
)
from cur_analyzer.reports.focus._model import FocusExport
from cur_analyzer.reports.focus._values import (
    CHARGE_CATEGORY_OF,
    EFFECTIVE_COST_BASIS,
    MONEY_QUANTUM,
    ZERO,
    charge_category,
    charge_frequency,
    focus_tags,
    focus_unit,
)
from cur_analyzer.reports.focus._views import arrow_schema, summary, tabular, to_arrow

__all__ = [
    "ALL_COLUMNS",
    "BILLING_ACCOUNT_TYPE",
    "CHARGE_CATEGORIES",
    "CHARGE_CATEGORY_OF",
    "CHARGE_FREQUENCIES",
    "COLUMN_NAMES",
    "DATETIME",
    "DATETIME_COLUMNS",
    "DECIMAL",
    "DECIMAL_COLUMNS",
    "DEFAULT_TEAM_SOURCES",
    "EFFECTIVE_COST_BASIS",
    "EXTRA_COLUMNS",
    "FOCUS_13_NEW_COLUMNS",
    "FOCUS_COLUMNS",
    "FOCUS_VERSION",
    "FOCUS_VERSIONS",
    "JSON",
    "MONEY_QUANTUM",
    "PRICING_CATEGORIES",
    "PROVIDER",
    "SERVICE_CATEGORY",
    "SERVICE_NAME",
    "SERVICE_SUBCATEGORY",
    "SPLIT_LINE_TYPES",
    "STRING",
    "SUB_ACCOUNT_TYPE",
    "SUMMABLE_COLUMNS",
    "TEAM_DIMENSION",
    "ZERO",
    "FocusExport",
    "arrow_schema",
    "build_focus_export",
    "charge_category",
    "charge_frequency",
    "check_version",
    "columns_of",
    "focus_tags",
    "focus_unit",
    "summary",
    "tabular",
    "to_arrow",
]
