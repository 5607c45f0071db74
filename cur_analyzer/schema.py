"""The one home of the CUR 2.0 column list, its types, the invocation-log fields and the dataset probe.

Every other piece (the synthetic generator, the DuckDB view, the SQL column check, the Terraform export
query and Glue table tests) reads the columns from here, so a column added here is added everywhere.
Types are the Athena/Glue types of AWS's own CUR 2.0 table (rates are strings, costs doubles).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Option(StrEnum):
    """Which Data Exports table configuration makes a column appear."""

    FIXED = "fixed"  # always in the CUR 2.0 fixed schema
    RESOURCES = "INCLUDE_RESOURCES"
    IAM_PRINCIPAL = "INCLUDE_IAM_PRINCIPAL_DATA"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Athena / Glue type string
    option: Option = Option.FIXED


def _cols(option: Option, spec: str) -> list[Column]:
    out = []
    for line in spec.strip().splitlines():
        name, typ = line.split(None, 1)
        out.append(Column(name, typ.strip(), option))
    return out


_FIXED = """
bill_bill_type string
bill_billing_entity string
bill_billing_period_end_date timestamp
bill_billing_period_start_date timestamp
bill_invoice_id string
bill_invoicing_entity string
bill_payer_account_id string
bill_payer_account_name string
cost_category map<string,string>
discount map<string,double>
discount_bundled_discount double
discount_total_discount double
identity_line_item_id string
identity_time_interval string
line_item_availability_zone string
line_item_blended_cost double
line_item_blended_rate string
line_item_currency_code string
line_item_legal_entity string
line_item_line_item_description string
line_item_line_item_type string
line_item_net_unblended_cost double
line_item_net_unblended_rate string
line_item_normalization_factor double
line_item_normalized_usage_amount double
line_item_operation string
line_item_product_code string
line_item_tax_type string
line_item_unblended_cost double
line_item_unblended_rate string
line_item_usage_account_id string
line_item_usage_account_name string
line_item_usage_amount double
line_item_usage_end_date timestamp
line_item_usage_start_date timestamp
line_item_usage_type string
pricing_currency string
pricing_lease_contract_length string
pricing_offering_class string
pricing_public_on_demand_cost double
pricing_public_on_demand_rate string
pricing_purchase_option string
pricing_rate_code string
pricing_rate_id string
pricing_term string
pricing_unit string
product map<string,string>
product_comment string
product_fee_code string
product_fee_description string
product_from_location string
product_from_location_type string
product_from_region_code string
product_instance_family string
product_instance_type string
product_instancesku string
product_location string
product_location_type string
product_operation string
product_pricing_unit string
product_product_family string
product_region_code string
product_servicecode string
product_sku string
product_to_location string
product_to_location_type string
product_to_region_code string
product_usagetype string
reservation_amortized_upfront_cost_for_usage double
reservation_amortized_upfront_fee_for_billing_period double
reservation_availability_zone string
reservation_effective_cost double
reservation_end_time string
reservation_modification_status string
reservation_net_amortized_upfront_cost_for_usage double
reservation_net_amortized_upfront_fee_for_billing_period double
reservation_net_effective_cost double
reservation_net_recurring_fee_for_usage double
reservation_net_unused_amortized_upfront_fee_for_billing_period double
reservation_net_unused_recurring_fee double
reservation_net_upfront_value double
reservation_normalized_units_per_reservation string
reservation_number_of_reservations string
reservation_recurring_fee_for_usage double
reservation_reservation_a_r_n string
reservation_start_time string
reservation_subscription_id string
reservation_total_reserved_normalized_units string
reservation_total_reserved_units string
reservation_units_per_reservation string
reservation_unused_amortized_upfront_fee_for_billing_period double
reservation_unused_normalized_unit_quantity double
reservation_unused_quantity double
reservation_unused_recurring_fee double
reservation_upfront_value double
resource_tags map<string,string>
savings_plan_amortized_upfront_commitment_for_billing_period double
savings_plan_end_time string
savings_plan_instance_type_family string
savings_plan_net_amortized_upfront_commitment_for_billing_period double
savings_plan_net_recurring_commitment_for_billing_period double
savings_plan_net_savings_plan_effective_cost double
savings_plan_offering_type string
savings_plan_payment_option string
savings_plan_purchase_term string
savings_plan_recurring_commitment_for_billing_period double
savings_plan_region string
savings_plan_savings_plan_a_r_n string
savings_plan_savings_plan_effective_cost double
savings_plan_savings_plan_rate double
savings_plan_start_time string
savings_plan_total_commitment_to_date double
savings_plan_used_commitment double
"""

#: Every column of the export this project defines (fixed schema + resources + IAM principal data), in order.
CUR_COLUMNS: tuple[Column, ...] = tuple(
    _cols(Option.FIXED, _FIXED)
    + _cols(Option.RESOURCES, "line_item_resource_id string")
    + _cols(Option.IAM_PRINCIPAL, "line_item_iam_principal string\ntags map<string,string>")
)

CUR_COLUMN_TYPES: dict[str, str] = {c.name: c.type for c in CUR_COLUMNS}

#: The Hive partition column; not stored in the Parquet files (comes from ``BILLING_PERIOD=YYYY-MM``).
PARTITION_COLUMN = Column("billing_period", "string")

#: Logical table names the SQL in ``athena/`` refers to; engines map them to real tables or views.
CUR_TABLE = "cur2"
LOGS_TABLE = "invocation_logs"

#: Columns whose absence changes what the tool can say (the rest of the export is assumed present).
OPTIONAL_GROUPS: dict[str, tuple[str, ...]] = {
    "iam_principal": ("line_item_iam_principal",),
    "resource_id": ("line_item_resource_id",),
    "tags": ("tags",),
    "net": ("line_item_net_unblended_cost", "line_item_net_unblended_rate"),
    "savings_plan": (
        "savings_plan_savings_plan_effective_cost",
        "savings_plan_net_savings_plan_effective_cost",
        "savings_plan_total_commitment_to_date",
        "savings_plan_used_commitment",
    ),
    "reservation": (
        "reservation_effective_cost",
        "reservation_net_effective_cost",
        "reservation_unused_amortized_upfront_fee_for_billing_period",
        "reservation_unused_recurring_fee",
        "reservation_reservation_a_r_n",
    ),
}

#: The number columns the reports turn into money (``CAST(... AS DECIMAL(38, 10))`` in ``athena/``). A value
#: there must be a finite number below 1e28 in magnitude (DECIMAL(38,10) keeps 28 digits before the point):
#: the DuckDB engine names the column, file and line count of any other value, and
#: ``check_cur_lines.sql`` tests every one of them.
AMOUNT_COLUMNS: tuple[str, ...] = (
    "line_item_unblended_cost",
    "line_item_net_unblended_cost",
    "line_item_usage_amount",
    "pricing_public_on_demand_cost",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_net_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
    "reservation_effective_cost",
    "reservation_net_effective_cost",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
    "reservation_net_unused_amortized_upfront_fee_for_billing_period",
    "reservation_net_unused_recurring_fee",
)

#: Columns without which no report can run.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "bill_billing_period_start_date",
    "bill_invoice_id",
    "line_item_usage_account_id",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_line_item_type",
    "line_item_unblended_cost",
    "line_item_usage_amount",
    "line_item_usage_start_date",
    "line_item_currency_code",
    "resource_tags",
)

IAM_OPTION_HINT = (
    'the export lacks line_item_iam_principal: turn on "Include caller identity (IAM principal) '
    'allocation data" in Data Exports (INCLUDE_IAM_PRINCIPAL_DATA = "TRUE")'
)


@dataclass(frozen=True)
class Capabilities:
    """What a dataset can answer, from the columns it actually has."""

    columns: frozenset[str]

    def has(self, group: str) -> bool:
        return all(c in self.columns for c in OPTIONAL_GROUPS[group])

    @property
    def iam_principal(self) -> bool:
        return self.has("iam_principal")

    @property
    def tags(self) -> bool:
        return self.has("tags")

    @property
    def net(self) -> bool:
        return self.has("net")

    @property
    def missing_required(self) -> tuple[str, ...]:
        return tuple(c for c in REQUIRED_COLUMNS if c not in self.columns)

    def as_dict(self) -> dict[str, bool]:
        return {group: self.has(group) for group in OPTIONAL_GROUPS}


def probe(columns: set[str] | frozenset[str] | list[str]) -> Capabilities:
    """Capabilities of a dataset given the column names it exposes (case-insensitive, as Athena)."""
    return Capabilities(frozenset(c.lower() for c in columns))


# --- Bedrock model invocation logs -------------------------------------------------------------------
#: One invocation-log record as delivered (JSON keys in their camelCase), with Athena types; nested
#: objects are dicts. The Glue table (OpenX JSON SerDe) sees the same names lower-cased.
LOG_RECORD: dict[str, object] = {
    "schemaType": "string",
    "schemaVersion": "string",
    "timestamp": "string",
    "accountId": "string",
    "region": "string",
    "requestId": "string",
    "operation": "string",
    "modelId": "string",
    "inferenceRegion": "string",
    "errorCode": "string",
    "identity": {"arn": "string"},
    "requestMetadata": "map<string,string>",
    "input": {
        "inputContentType": "string",
        "inputBodyJson": "string",  # the prompt (JSON text); hashed by the caching-opportunity view
        "inputTokenCount": "bigint",
        "cacheReadInputTokenCount": "bigint",
        "cacheWriteInputTokenCount": "bigint",
    },
    "output": {"outputContentType": "string", "outputTokenCount": "bigint"},
}

#: The Hive-style partition of the log table: ``yyyy/MM/dd/HH`` from the S3 key (date projection).
LOG_PARTITION_COLUMN = Column("dt", "string")


def _athena_type(spec: object) -> str:
    if isinstance(spec, dict):
        return "struct<" + ",".join(f"{k.lower()}:{_athena_type(v)}" for k, v in spec.items()) + ">"
    return str(spec)


#: Athena DDL columns of the raw JSON log table (the Glue table Terraform creates).
LOG_TABLE_COLUMNS: tuple[Column, ...] = tuple(
    Column(k.lower(), _athena_type(v)) for k, v in LOG_RECORD.items()
)
