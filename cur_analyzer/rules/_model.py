"""The rules file's schema (pydantic v2): what a valid ``cur-analyzer.rules.yaml`` may say.

Checks that need the whole file (a shared-cost rule naming a defined dimension, a budget's dimension being
a valid ``--by``…) are made after validation, where the file's line numbers are known (``_load``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from cur_analyzer.attribution import UNALLOCATED, USAGE_LINE_TYPES, validate_metadata_key, validate_tag_key
from cur_analyzer.errors import UserInputError
from cur_analyzer.rules._patterns import compile_regex

__all__ = [
    "ACCOUNT_ID_RE",
    "ADJUSTMENT_TYPES",
    "ALL_ADJUSTMENTS",
    "HUNDRED",
    "SPLIT_METHODS",
    "TAG_SOURCES",
    "ZERO",
    "AccountMapSource",
    "AlertRules",
    "BudgetSpec",
    "DimensionSpec",
    "PoolSpec",
    "PrincipalPattern",
    "PrincipalPatternSource",
    "RequestMetadataSource",
    "RulesError",
    "RulesFile",
    "SharedCostRule",
    "SourceSpec",
    "TagSource",
]

TAG_SOURCES = ("aip_tag", "principal_tag", "account_tag", "resource_tag")
SPLIT_METHODS = ("proportional", "even", "fixed")
HUNDRED = Decimal(100)
ZERO = Decimal(0)
ACCOUNT_ID_RE = re.compile(r"^\d{12}$")


class RulesError(UserInputError):
    """A rules file (or a file it names) is wrong; the message starts with ``file:line:column``."""


def _tag_key(value: str) -> str:
    try:
        return validate_tag_key(value)
    except UserInputError as e:
        raise ValueError(str(e)) from None


def _account_id(value: Any) -> Any:
    # YAML reads an unquoted 012345678901 as a string but 111122223333 as an int: accept both.
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:012d}"
    if isinstance(value, str) and not ACCOUNT_ID_RE.fullmatch(value):
        raise ValueError(f"account id {value!r} is not 12 digits")
    return value


def _value(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and not value.strip():
        raise ValueError("a value must not be empty")
    return value


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


TagKey = Annotated[str, AfterValidator(_tag_key)]
AccountId = Annotated[str, BeforeValidator(_account_id)]
Value = Annotated[str, BeforeValidator(_value)]
Money = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
Percent = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TagSource(_Model):
    """A tag: ``aip_tag`` (the application inference profile's tag, on lines that used one),
    ``resource_tag`` (any resource's tag), ``principal_tag`` (``iamPrincipal/<key>``), ``account_tag``
    (``accountTag/<key>``). ``key`` is the tag key as written in AWS."""

    source: Literal["aip_tag", "principal_tag", "account_tag", "resource_tag"]
    key: TagKey


class AccountMapSource(_Model):
    """Account id -> value, from a CSV with a header ``account_id,value`` (path relative to the rules
    file) or inline as ``accounts:``."""

    source: Literal["account_map"]
    file: Path | None = None
    accounts: dict[AccountId, Value] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> AccountMapSource:
        if (self.file is None) == (self.accounts is None):
            raise ValueError("an account_map takes either file: (a CSV account_id,value) or accounts:")
        return self


class PrincipalPattern(_Model):
    """A glob (``pattern``, matched against the principal ARN or the part after its last ``:``, e.g.
    ``assumed-role/ClaudeCode/*``) or a regular expression (``regex``, searched in the ARN)."""

    pattern: str | None = None
    regex: str | None = None
    value: Value

    @model_validator(mode="after")
    def _one_of(self) -> PrincipalPattern:
        if (self.pattern is None) == (self.regex is None):
            raise ValueError("give either pattern: (a glob) or regex: (a regular expression)")
        if self.regex is not None:
            compile_regex(self.regex)
        return self


class PrincipalPatternSource(_Model):
    source: Literal["principal_pattern"]
    patterns: list[PrincipalPattern] = Field(min_length=1)


def _metadata_key(value: str) -> str:
    try:
        return validate_metadata_key(value)
    except UserInputError as e:
        raise ValueError(str(e)) from None


class RequestMetadataSource(_Model):
    """What the call sent under ``key`` in its requestMetadata (the X-Amzn-Bedrock-Request-Metadata header,
    Converse's requestMetadata). Only the invocation logs carry it: the allocation reads it per record; on a
    billing line it has no value, and the next source decides."""

    source: Literal["request_metadata"]
    key: Annotated[str, AfterValidator(_metadata_key)]


SourceSpec = Annotated[
    TagSource | AccountMapSource | PrincipalPatternSource | RequestMetadataSource,
    Field(discriminator="source"),
]


class DimensionSpec(_Model):
    description: str | None = None
    sources: list[SourceSpec] = Field(min_length=1)
    allowed: list[Value] | None = None


#: The CUR line item types a shared-cost pool can name: every type that is not usage a caller incurred
#: (usage is what the sources attribute).
ADJUSTMENT_TYPES = (
    "Tax",
    "Fee",
    "Credit",
    "Refund",
    "EdpDiscount",
    "PrivateRateDiscount",
    "BundledDiscount",
    "DistributorDiscount",
    "SppDiscount",
    "Discount",
    "RIFee",
    "SavingsPlanUpfrontFee",
    "SavingsPlanRecurringFee",
    "SavingsPlanNegation",
)
#: The pool of every adjustment line no earlier rule claimed, a type AWS adds later included: the last
#: rule of a file that leaves nothing unsplit.
ALL_ADJUSTMENTS = "Adjustments"
_POOL_FORMS = (
    f"{UNALLOCATED}, {ALL_ADJUSTMENTS}, line item types ({', '.join(ADJUSTMENT_TYPES)}) "
    "or {product_code: ...}"
)


def _adjustment_type(name: str) -> str:
    """A line item type a pool can name, or the error that says what it can be (and the spelling meant)."""
    if name in ADJUSTMENT_TYPES:
        return name
    if name in (UNALLOCATED, ALL_ADJUSTMENTS):
        raise ValueError(f"{name} is a pool of its own: name it alone (pool: {name}), not with other types")
    if name in USAGE_LINE_TYPES:
        raise ValueError(f"{name} is usage, which the sources attribute; a pool is {_POOL_FORMS}")
    meant = next(
        (t for t in (*ADJUSTMENT_TYPES, ALL_ADJUSTMENTS, UNALLOCATED) if t.lower() == name.lower()), None
    )
    hint = f"did you mean {meant}? " if meant else ""
    raise ValueError(f"{name!r} is not a pool: {hint}a pool is {_POOL_FORMS}")


def _pool(value: Any) -> Any:
    """``pool: Tax`` and ``pool: [Credit, Refund]`` name line item types; ``Unallocated`` and
    ``Adjustments`` are pools of their own."""
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("pool must not be empty")
        if value in (UNALLOCATED, ALL_ADJUSTMENTS):
            return {"unallocated": value == UNALLOCATED, "adjustments": value == ALL_ADJUSTMENTS}
        return {"line_item_type": [value]}
    if isinstance(value, list):
        return {"line_item_type": value}
    return value


def _adjustment_types(names: list[str]) -> list[str]:
    return [_adjustment_type(n) for n in names]


class PoolSpec(_Model):
    """Lines to share out: the ``Unallocated`` usage (the default), lines of adjustment types (``Tax``,
    ``[Credit, Refund]``…; a bare name or list means these), every adjustment no earlier rule claimed
    (``Adjustments``), or the lines of a ``product_code`` (``AWSSupportBusiness``…)."""

    unallocated: bool = False
    adjustments: bool = False
    line_item_type: (
        Annotated[
            list[str],
            BeforeValidator(_one_or_many),
            Field(min_length=1),
            AfterValidator(_adjustment_types),
        ]
        | None
    ) = None
    product_code: Annotated[list[str], BeforeValidator(_one_or_many), Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> PoolSpec:
        kinds = [
            self.unallocated,
            self.adjustments,
            self.line_item_type is not None,
            self.product_code is not None,
        ]
        if sum(kinds) != 1:
            raise ValueError(f"a pool is one of {_POOL_FORMS}")
        return self

    @property
    def label(self) -> str:
        if self.unallocated or self.adjustments:
            return UNALLOCATED if self.unallocated else ALL_ADJUSTMENTS
        return "+".join(self.line_item_type or self.product_code or [])


class SharedCostRule(_Model):
    """Share a pool (``Unallocated`` by default, adjustment types such as ``Tax`` or ``[Credit, Refund]``,
    every other adjustment, or a ``{product_code: ...}`` selection) across the dimension's other values:
    ``proportional`` to their attributed cost, ``even``, or ``fixed`` percentages summing to 100."""

    dimension: str
    pool: Annotated[PoolSpec, BeforeValidator(_pool)] = PoolSpec(unallocated=True)
    method: Literal["proportional", "even", "fixed"] = "proportional"
    to: list[Value] | None = None
    percentages: dict[Value, Percent] | None = None

    @field_validator("percentages")
    @classmethod
    def _sum_to_100(cls, pct: dict[str, Decimal] | None) -> dict[str, Decimal] | None:
        if pct is not None and (total := sum(pct.values(), ZERO)) != HUNDRED:
            raise ValueError(f"fixed percentages must sum to 100 (they sum to {total})")
        return pct

    @model_validator(mode="after")
    def _method_fits(self) -> SharedCostRule:
        if self.method == "fixed":
            if not self.percentages:
                raise ValueError("method fixed needs percentages: {value: percent, ...}")
            if self.to is not None:
                raise ValueError("method fixed takes its values from percentages:, not to:")
        elif self.percentages is not None:
            raise ValueError(f"percentages: only go with method fixed (method is {self.method})")
        return self

    @property
    def pool_label(self) -> str:
        return self.pool.label

    @property
    def via(self) -> str:
        return f"split:{self.method}" if self.pool.unallocated else f"split:{self.method}:{self.pool_label}"


class BudgetSpec(_Model):
    """Monthly budget per value of a dimension (a rules dimension or any ``--by`` such as
    ``iamPrincipal/team``)."""

    dimension: str
    currency: Literal["USD"] = "USD"
    amounts: dict[Value, Money] = Field(min_length=1)


class AlertRules(_Model):
    """Alarm thresholds; ``null`` switches a rule off. Defaults are the usual GenAI-dashboard alarms."""

    #: daily Bedrock cost above this % of its trailing average
    daily_cost_over_average_pct: Percent | None = Decimal(150)
    #: a spender's daily cost above this multiple of its trailing average
    spender_over_average_ratio: Percent | None = Decimal(2)
    #: whose spikes to watch: ``principal``, ``role``, a rules dimension such as ``team``, a tag
    spender_dimensions: list[str] = Field(default_factory=lambda: ["principal"])
    #: one model above this % of the window's Bedrock spend
    model_share_pct: Percent | None = Decimal(60)
    #: estimated spend on failed calls above this % of the estimated spend (invocation logs)
    failed_spend_pct: Percent | None = Decimal(5)
    #: input:output tokens of a caller's day above this ratio (invocation logs)
    input_output_ratio: Percent | None = Decimal(20)
    #: a single call above this many tokens (input + cache + output; invocation logs)
    max_call_tokens: Annotated[int, Field(gt=0)] | None = 20000
    #: days in the trailing average
    trailing_days: Annotated[int, Field(ge=1, le=60)] = 7
    #: days and spenders below this daily cost never alert
    min_daily_cost: Money = Decimal(1)


class RulesFile(_Model):
    version: Literal[1] = 1
    dimensions: dict[str, DimensionSpec] = Field(default_factory=dict)
    shared_costs: list[SharedCostRule] = Field(default_factory=list)
    budgets: list[BudgetSpec] = Field(default_factory=list)
    alerts: AlertRules = Field(default_factory=AlertRules)
