"""The FOCUS 1.2 and 1.3 columns of the export and their data types, encoded once, with the allowed values
and the fixed names (service, provider, account types) every row carries."""

from __future__ import annotations

from cur_analyzer.errors import UserInputError

#: The version written when none is asked for: what every FOCUS consumer reads today.
FOCUS_VERSION = "1.2"
FOCUS_VERSIONS = ("1.2", "1.3")

# --- the FOCUS 1.2 columns (CostAndUsage dataset), encoded once ---------------------------------------
STRING, DECIMAL, DATETIME, JSON = "String", "Decimal", "DateTime", "JSON"

#: Every FOCUS 1.2 column with its FOCUS data type (KeyValue columns are JSON object text).
FOCUS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("AvailabilityZone", STRING),
    ("BilledCost", DECIMAL),
    ("BillingAccountId", STRING),
    ("BillingAccountName", STRING),
    ("BillingAccountType", STRING),
    ("BillingCurrency", STRING),
    ("BillingPeriodEnd", DATETIME),
    ("BillingPeriodStart", DATETIME),
    ("CapacityReservationId", STRING),
    ("CapacityReservationStatus", STRING),
    ("ChargeCategory", STRING),
    ("ChargeClass", STRING),
    ("ChargeDescription", STRING),
    ("ChargeFrequency", STRING),
    ("ChargePeriodEnd", DATETIME),
    ("ChargePeriodStart", DATETIME),
    ("CommitmentDiscountCategory", STRING),
    ("CommitmentDiscountId", STRING),
    ("CommitmentDiscountName", STRING),
    ("CommitmentDiscountQuantity", DECIMAL),
    ("CommitmentDiscountStatus", STRING),
    ("CommitmentDiscountType", STRING),
    ("CommitmentDiscountUnit", STRING),
    ("ConsumedQuantity", DECIMAL),
    ("ConsumedUnit", STRING),
    ("ContractedCost", DECIMAL),
    ("ContractedUnitPrice", DECIMAL),
    ("EffectiveCost", DECIMAL),
    ("InvoiceId", STRING),
    ("InvoiceIssuerName", STRING),
    ("ListCost", DECIMAL),
    ("ListUnitPrice", DECIMAL),
    ("PricingCategory", STRING),
    ("PricingCurrency", STRING),
    ("PricingCurrencyContractedUnitPrice", DECIMAL),
    ("PricingCurrencyEffectiveCost", DECIMAL),
    ("PricingCurrencyListUnitPrice", DECIMAL),
    ("PricingQuantity", DECIMAL),
    ("PricingUnit", STRING),
    ("ProviderName", STRING),
    ("PublisherName", STRING),
    ("RegionId", STRING),
    ("RegionName", STRING),
    ("ResourceId", STRING),
    ("ResourceName", STRING),
    ("ResourceType", STRING),
    ("ServiceCategory", STRING),
    ("ServiceName", STRING),
    ("ServiceSubcategory", STRING),
    ("SkuId", STRING),
    ("SkuMeter", STRING),
    ("SkuPriceDetails", JSON),
    ("SkuPriceId", STRING),
    ("SubAccountId", STRING),
    ("SubAccountName", STRING),
    ("SubAccountType", STRING),
    ("Tags", JSON),
)

#: Provider columns (FOCUS: custom columns start with ``x_``): the CUR line behind each row and its
#: attribution, flat, for tools that do not read JSON.
EXTRA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("x_LineItemId", STRING),
    ("x_LineItemType", STRING),
    ("x_ServiceCode", STRING),
    ("x_UsageType", STRING),
    ("x_Operation", STRING),
    ("x_InvoicingEntity", STRING),
    ("x_IamPrincipal", STRING),
    ("x_Team", STRING),
    ("x_TeamSource", STRING),
)

ALL_COLUMNS: tuple[tuple[str, str], ...] = FOCUS_COLUMNS + EXTRA_COLUMNS
COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in ALL_COLUMNS)
DECIMAL_COLUMNS: tuple[str, ...] = tuple(name for name, kind in ALL_COLUMNS if kind == DECIMAL)
DATETIME_COLUMNS: tuple[str, ...] = tuple(name for name, kind in ALL_COLUMNS if kind == DATETIME)

#: The columns FOCUS 1.3 adds to the Cost and Usage dataset. ProviderName and PublisherName stay (1.3
#: deprecates them in favour of ServiceProviderName and HostProviderName; 1.4 drops them).
FOCUS_13_NEW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("AllocatedMethodDetails", JSON),
    ("AllocatedMethodId", STRING),
    ("AllocatedResourceId", STRING),
    ("AllocatedResourceName", STRING),
    ("AllocatedTags", JSON),
    ("ContractApplied", JSON),
    ("HostProviderName", STRING),
    ("ServiceProviderName", STRING),
)
#: Every FOCUS 1.3 column in name order, as the 1.2 list is, then the same provider columns.
ALL_COLUMNS_13: tuple[tuple[str, str], ...] = (
    tuple(sorted(FOCUS_COLUMNS + FOCUS_13_NEW_COLUMNS, key=lambda c: c[0])) + EXTRA_COLUMNS
)


def check_version(version: str, split: bool = False) -> str:
    """``version`` when the export can write it (and, with ``split``, hold allocated charges); else one
    clear error naming the versions it can."""
    if version not in FOCUS_VERSIONS:
        raise UserInputError(
            f"FOCUS version must be one of {', '.join(FOCUS_VERSIONS)}, not {version!r}",
            option="focus-version",
        )
    if split and version != "1.3":
        raise UserInputError(
            f"splitting the bill down to the invocation-log records needs FOCUS 1.3: FOCUS {version} has no "
            "allocation columns",
            option="logs",
            fixed_by="focus-version",
        )
    return version


def columns_of(version: str) -> tuple[tuple[str, str], ...]:
    """(name, FOCUS data type) of every column a ``version`` export holds, in order."""
    return ALL_COLUMNS_13 if check_version(version) == "1.3" else ALL_COLUMNS


# --- allowed values (FOCUS 1.2) ---------------------------------------------------------------------------
CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
CHARGE_FREQUENCIES = ("One-Time", "Recurring", "Usage-Based")
PRICING_CATEGORIES = ("Standard", "Committed", "Dynamic", "Other")
SERVICE_CATEGORY = "AI and Machine Learning"
SERVICE_SUBCATEGORY = "Generative AI"
SERVICE_NAME = "Amazon Bedrock"
PROVIDER = "AWS"
BILLING_ACCOUNT_TYPE = "Management Account"
SUB_ACCOUNT_TYPE = "Member Account"
