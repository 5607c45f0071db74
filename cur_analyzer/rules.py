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
    budgets:
      - {dimension: team, amounts: {ml: 1500, web: 800}}
    alerts: {model_share_pct: 60}

Every report resolves dimensions here, over the rows of ``athena/attribution_lines.sql`` (a line's account,
principal, service, resource kind and up to ``MAX_SLOTS`` tag values), so chargeback, coverage, budgets and
alerts attribute a dollar the same way, and each value carries ``attributed_via``: the source that decided
(``aip_tag:team``, ``principal_tag:team``, ``account_map``, ``principal_pattern:assumed-role/ClaudeCode/*``,
``split:proportional``) or ``unallocated``.

A validation error names the file, line and column (the pydantic error location is walked down the YAML
node tree PyYAML composes) and exits 2.
"""

from __future__ import annotations

import csv
import fnmatch
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
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

from cur_analyzer.attribution import (
    BEDROCK_PRODUCT_CODES,
    SIMPLE_DIMS,
    UNALLOCATED,
    USAGE_LINE_TYPES,
    USAGE_TYPE_DIMS,
    Dimension,
    label,
    parse_dimension,
    resource_tags_key,
    validate_tag_key,
)
from cur_analyzer.errors import UserInputError
from cur_analyzer.setting_files import (
    ACCOUNT_MAP_MAX_BYTES,
    RULES_MAX_BYTES,
    load_yaml,
    read_setting_file,
)
from cur_analyzer.text import shown, visible

RULES_FILE_NAME = "cur-analyzer.rules.yaml"
#: Tag lookups one ``attribution_lines.sql`` run can bind (``slot1`` … ``slot8``).
MAX_SLOTS = 8
TAG_SOURCES = ("aip_tag", "principal_tag", "account_tag", "resource_tag")
SPLIT_METHODS = ("proportional", "even", "fixed")
HUNDRED = Decimal(100)
ZERO = Decimal(0)
#: Money carried at the SQL scale: a split's shares are quantised here and the remainder kept exact.
MONEY_QUANTUM = Decimal(1).scaleb(-10)
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
_ACCOUNT_RE = re.compile(r"^\d{12}$")


class RulesError(UserInputError):
    """A rules file (or a file it names) is wrong; the message starts with ``file:line:column``."""


# --- the file's schema (pydantic v2) -----------------------------------------------------------------
def _tag_key(value: str) -> str:
    try:
        return validate_tag_key(value)
    except UserInputError as e:
        raise ValueError(str(e)) from None


def _account_id(value: Any) -> Any:
    # YAML reads an unquoted 012345678901 as a string but 111122223333 as an int: accept both.
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:012d}"
    if isinstance(value, str) and not _ACCOUNT_RE.fullmatch(value):
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


SourceSpec = Annotated[TagSource | AccountMapSource | PrincipalPatternSource, Field(discriminator="source")]


class DimensionSpec(_Model):
    description: str | None = None
    sources: list[SourceSpec] = Field(min_length=1)
    allowed: list[Value] | None = None


def _pool(value: Any) -> Any:
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("pool must not be empty")
        return {"unallocated": True} if value == UNALLOCATED else {"line_item_type": [value]}
    return value


class PoolSpec(_Model):
    """Lines to share out: the ``Unallocated`` usage (the default), lines of a ``line_item_type`` (``Tax``,
    ``Fee``…; a bare string ``pool: Tax`` means this) or of a ``product_code`` (``AWSSupportBusiness``…)."""

    unallocated: bool = False
    line_item_type: Annotated[list[str], BeforeValidator(_one_or_many), Field(min_length=1)] | None = None
    product_code: Annotated[list[str], BeforeValidator(_one_or_many), Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> PoolSpec:
        if sum([self.unallocated, self.line_item_type is not None, self.product_code is not None]) != 1:
            raise ValueError("a pool is Unallocated, a line item type (Tax), or {product_code: ...}")
        return self

    @property
    def label(self) -> str:
        return UNALLOCATED if self.unallocated else "+".join(self.line_item_type or self.product_code or [])


class SharedCostRule(_Model):
    """Share a pool (``Unallocated`` by default, a line item type such as ``Tax``, or a ``{product_code:
    ...}`` selection) across the dimension's other values: ``proportional`` to their attributed cost,
    ``even``, or ``fixed`` percentages summing to 100."""

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


# --- the compiled rules ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """One compiled source of a dimension."""

    kind: str  # one of TAG_SOURCES, "account_map", "principal_pattern"
    via: str  # what ``attributed_via`` says when this source decides
    lookup: tuple[str, str] | None = None  # (unified tags key, resource_tags key) for tag sources
    accounts: Mapping[str, str] | None = None
    #: (compiled: ``re`` for a glob, RE2 for a regex, is a glob, value, via) in file order
    patterns: tuple[tuple[Any, bool, str, str], ...] = ()

    def match_principal(self, arn: str | None) -> tuple[str, str] | None:
        """A glob matches the whole ARN or its resource part (after the fifth ``:``, e.g.
        ``assumed-role/ClaudeCode/chat``); a regex is searched anywhere in the ARN."""
        if not arn:
            return None
        tail = arn.split(":", 5)[5] if arn.count(":") >= 5 else arn
        for compiled, is_glob, value, via in self.patterns:
            if (compiled.match(arn) or compiled.match(tail)) if is_glob else _search(compiled, arn):
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
    alerts: AlertRules = field(default_factory=AlertRules)

    @classmethod
    def empty(cls) -> Rules:
        return cls(None, {})

    def allowed(self, name: str) -> frozenset[str] | None:
        dim = self.dimensions.get(name)
        return dim.allowed if dim else None

    def budget_for(self, specs: Iterable[str]) -> BudgetSpec | None:
        """The budget of the first ``--by`` dimension that has one."""
        return next((self.budgets[s] for s in specs if s in self.budgets), None)


def _tag_lookup(kind: str, key: str) -> tuple[str, str]:
    if kind in ("aip_tag", "resource_tag"):
        return f"resourceTags/{key}", resource_tags_key(key)
    if kind == "principal_tag":
        return f"iamPrincipal/{key}", ""
    return f"accountTag/{key}", ""


def _glob(pattern: str) -> re.Pattern[str]:
    # Python >= 3.11 translates each ``*`` but the last to an atomic group, which never backtracks: a
    # glob matches in time linear in the ARN, however many stars it has (no RE2 needed here).
    return re.compile(fnmatch.translate(pattern))


def compile_regex(pattern: str) -> Any:
    """A ``regex:`` of a principal pattern, compiled by RE2, or a ValueError saying why not.

    RE2 (not Python's ``re``) because a regex here runs against every principal ARN in the bill, and
    those are other people's data: a backtracking engine takes exponential time on ``(a+)+$`` and a
    long ARN, RE2 is linear in the ARN for every pattern it accepts. It accepts Python's syntax except
    backreferences and lookaround, and those are refused here, when the rules file loads. (A time limit,
    the other way out, would make the same bill attribute differently on a busy machine.)
    """
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would also print the error to stderr: the caller reports it
    try:
        return re2.compile(pattern, options)
    except (re2.error, UnicodeEncodeError) as e:
        reason = e.args[0].decode(errors="replace") if e.args and isinstance(e.args[0], bytes) else e
        raise ValueError(
            f"regex {pattern!r} does not compile ({reason}); rules regexes are RE2, which matches in "
            "linear time and so has no backreferences or lookaround"
        ) from None


def _search(compiled: Any, text: str) -> Any:
    try:
        return compiled.search(text)
    except UnicodeEncodeError:  # a lone surrogate (from a JSON escape) has no UTF-8 form for RE2
        return compiled.search(text.encode("utf-8", "replace").decode("utf-8"))


def read_account_map(path: Path) -> dict[str, str]:
    """An ``account_id,value`` CSV; errors name the file and line."""
    text = read_setting_file(path, "account map", ACCOUNT_MAP_MAX_BYTES, RulesError)
    try:
        return _account_rows(path, csv.reader(text.splitlines()))
    except csv.Error as e:  # a field over the csv module's size limit
        raise RulesError(f"{shown(path)}: not a CSV account map: {e}") from None


def _account_rows(path: Path, rows: Iterator[list[str]]) -> dict[str, str]:
    header = next(rows, None)
    if header is None or [h.strip().lower() for h in header[:2]] != ["account_id", "value"]:
        raise RulesError(f"{shown(path)}:1: an account map starts with the header account_id,value")
    out: dict[str, str] = {}
    for lineno, row in enumerate(rows, start=2):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 2 or not row[1].strip():
            raise RulesError(f"{shown(path)}:{lineno}: expected account_id,value")
        account, value = row[0].strip(), row[1].strip()
        if not _ACCOUNT_RE.fullmatch(account):
            raise RulesError(f"{shown(path)}:{lineno}: account id {account!r} is not 12 digits")
        if account in out and out[account] != value:
            raise RulesError(f"{shown(path)}:{lineno}: account {account} is mapped twice")
        out[account] = value
    return out


def compile_source(spec: Any, base: Path) -> Source:
    """One validated source spec as the resolver uses it (``base``: the folder account-map files are
    relative to). Public so other reports can build a dimension without a rules file."""
    if isinstance(spec, TagSource):
        return Source(spec.source, f"{spec.source}:{spec.key}", lookup=_tag_lookup(spec.source, spec.key))
    if isinstance(spec, AccountMapSource):
        if spec.file is not None:
            path = spec.file if spec.file.is_absolute() else base / spec.file
            return Source("account_map", "account_map", accounts=read_account_map(path))
        return Source("account_map", "account_map", accounts=dict(spec.accounts or {}))
    patterns = tuple(
        (
            _glob(p.pattern) if p.pattern is not None else compile_regex(p.regex or ""),
            p.pattern is not None,
            p.value,
            f"principal_pattern:{p.pattern if p.pattern is not None else p.regex}",
        )
        for p in spec.patterns
    )
    return Source("principal_pattern", "principal_pattern", patterns=patterns)


def _valid_spec(spec: str, rules_dims: Iterable[str]) -> bool:
    try:
        parse_dimension(spec, tuple(rules_dims))
    except UserInputError:
        return False
    return True


def _cross_references(model: RulesFile) -> tuple[tuple[Any, ...], str] | None:
    """The first reference the schema cannot check on its own: (location, message). A location under
    ``dimensions`` of length 2 points at the dimension's name."""
    dims = model.dimensions
    for name in dims:
        if name in SIMPLE_DIMS:
            return ("dimensions", name), f"{name!r} is a built-in --by dimension; pick another name"
        if not _NAME_RE.fullmatch(name):
            return ("dimensions", name), (
                f"dimension name {name!r}: start with a letter; letters, digits, _ . - only (no /)"
            )
    for i, rule in enumerate(model.shared_costs):
        if rule.dimension not in dims:
            return ("shared_costs", i, "dimension"), (
                f"shared cost rule for {rule.dimension!r}: no such dimension under dimensions:"
            )
        allowed = dims[rule.dimension].allowed
        named = [*(rule.to or []), *(rule.percentages or {})]
        if allowed is not None:
            for value in named:
                if value not in allowed:
                    where = "to" if rule.to else "percentages"
                    return (
                        "shared_costs",
                        i,
                        where,
                    ), f"{value!r} is not an allowed value of {rule.dimension}"
        if UNALLOCATED in named:
            return ("shared_costs", i), "a split cannot go to Unallocated"
    seen: set[str] = set()
    for i, budget in enumerate(model.budgets):
        if budget.dimension in seen:
            return ("budgets", i, "dimension"), f"a second budget for {budget.dimension!r}"
        seen.add(budget.dimension)
        if not _valid_spec(budget.dimension, dims):
            return ("budgets", i, "dimension"), (
                f"budget dimension {budget.dimension!r} is neither a --by dimension nor defined under dimensions:"
            )
    for i, spec in enumerate(model.alerts.spender_dimensions):
        if not _valid_spec(spec, dims):
            return ("alerts", "spender_dimensions", i), (
                f"{spec!r} is neither a --by dimension nor defined under dimensions:"
            )
    return None


# --- loading with line numbers -------------------------------------------------------------------------
def _node_at(
    root: Any, loc: Sequence[Any], missing: bool = False, key: bool = False
) -> tuple[Any, list[str]]:
    """The YAML node a pydantic error location points at, and the part of the location that exists in
    the file. Parts that are not keys (union tags such as ``aip_tag``, ``[key]``) are skipped; for a
    ``missing`` error the last part is the absent key: it is named, and the node is its mapping. With
    ``key`` the node is the last part's key rather than its value (a badly named dimension)."""
    import yaml

    node, shown = root, []
    for n, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            if pair is not None:
                node = pair[0] if key and n == len(loc) - 1 else pair[1]
                shown.append(str(part))
            elif missing and n == len(loc) - 1:
                shown.append(str(part))
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            shown.append(f"[{part}]")
    return node, shown


def _where(path: Path, node: Any) -> str:
    mark = getattr(node, "start_mark", None)
    return f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else f"{path}:1:1"


def _dotted(parts: list[str]) -> str:
    return "".join(p if p.startswith("[") else f".{p}" for p in parts).lstrip(".") or "(top level)"


def load_rules(path: str | Path) -> Rules:
    """Read and validate a rules file; any problem is a ``RulesError`` naming ``file:line:column``."""
    from pydantic import ValidationError

    path = Path(path)
    text = read_setting_file(path, "rules file", RULES_MAX_BYTES, RulesError)
    root, data = load_yaml(text, path, RulesError)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RulesError(
            f"{shown(path)}:1:1: a rules file is a mapping (dimensions:, shared_costs:, budgets:, alerts:)"
        )
    try:
        model = RulesFile.model_validate(data)
    except ValidationError as e:
        errors = e.errors(include_url=False)
        first = errors[0]
        node, parts = _node_at(root, first["loc"], missing=first["type"] == "missing")
        msg = str(first["msg"]).removeprefix("Value error, ")
        more = (
            f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
            if len(errors) > 1
            else ""
        )
        raise RulesError(visible(f"{_where(path, node)}: {_dotted(parts)}: {msg}{more}")) from None
    problem = _cross_references(model)
    if problem is not None:
        loc, msg = problem
        node, parts = _node_at(root, loc, key=loc[0] == "dimensions" and len(loc) == 2)
        raise RulesError(visible(f"{_where(path, node)}: {_dotted(parts)}: {msg}"))
    base = path.resolve().parent
    dimensions: dict[str, RuleDimension] = {}
    for name, spec in model.dimensions.items():
        sources = []
        for i, src in enumerate(spec.sources):
            try:
                sources.append(compile_source(src, base))
            except RulesError as e:
                node, _ = _node_at(root, ("dimensions", name, "sources", i, "file"))
                raise RulesError(visible(f"{e} (account_map at {_where(path, node)})")) from None
        dimensions[name] = RuleDimension(
            name, tuple(sources), frozenset(spec.allowed) if spec.allowed is not None else None
        )
    return Rules(
        path,
        dimensions,
        tuple(model.shared_costs),
        {b.dimension: b for b in model.budgets},
        model.alerts,
    )


def find_rules(explicit: str | Path | None = None, configured: str | Path | None = None) -> Rules | None:
    """The rules in force: ``--rules FILE``, else the ``rules`` setting (``CUR_ANALYZER_RULES`` or
    ``cur-analyzer.toml``), else ``./cur-analyzer.rules.yaml`` when it exists, else none."""
    if explicit is not None:
        return load_rules(explicit)
    if configured is not None:
        return load_rules(configured)
    default = Path(RULES_FILE_NAME)
    # Whatever stands under that name is meant as the rules file: a FIFO, a directory or a link to
    # /dev/zero is refused by load_rules, not silently skipped.
    return load_rules(default) if os.path.lexists(default) else None


# --- resolving dimensions over attribution_lines.sql rows -------------------------------------------------
class LinePlan:
    """Which tag lookups a set of dimensions needs from ``attribution_lines.sql``, and how each row of it
    resolves to a value (and ``attributed_via``) per dimension."""

    def __init__(
        self,
        dims: Sequence[Dimension],
        rules: Rules | None = None,
        *,
        has_resource_ids: bool = True,
    ):
        self.dims = tuple(dims)
        self.rules = rules or Rules.empty()
        self.has_resource_ids = has_resource_ids
        lookups: list[tuple[str, str]] = []
        for d in self.dims:
            if d.kind == "tag":
                lookups.append((d.tags_key or "", d.resource_key or ""))
            elif d.kind == "rules":
                lookups += [s.lookup for s in self.rules.dimensions[d.spec].sources if s.lookup]
        self.slots = {lk: i + 1 for i, lk in enumerate(dict.fromkeys(lookups))}
        if len(self.slots) > MAX_SLOTS:
            raise UserInputError(
                f"these dimensions need {len(self.slots)} different tag lookups; one report reads at most "
                f"{MAX_SLOTS}: ask for fewer tag or rules dimensions at once"
            )
        self.by_usage_type = any(d.kind in USAGE_TYPE_DIMS for d in self.dims)

    @property
    def rules_dims(self) -> tuple[Dimension, ...]:
        return tuple(d for d in self.dims if d.kind == "rules")

    def params(
        self, month: str, service: str, cost_basis: str = "unblended", *, by_day: bool = False
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"by_usage_type": self.by_usage_type, "by_day": by_day}
        by_index = {i: lk for lk, i in self.slots.items()}
        for i in range(1, MAX_SLOTS + 1):
            tags_key, resource_key = by_index.get(i, ("", ""))
            # NULL, not '': DuckDB folds a lookup of a NULL key away and then never reads that map
            params[f"slot{i}_tags_key"] = tags_key or None
            params[f"slot{i}_resource_key"] = resource_key or None
        return params | {"cost_basis": cost_basis, "month": month, "service": service}

    def notes(self, caps: Any) -> list[str]:
        out = []
        kinds = {s.kind for d in self.rules_dims for s in self.rules.dimensions[d.spec].sources}
        if not caps.tags and kinds & {"principal_tag", "account_tag"}:
            out.append("the export has no `tags` column: principal and account tag sources never match")
        if not caps.iam_principal and kinds & {"principal_tag", "principal_pattern"}:
            out.append("the export has no line_item_iam_principal: principal sources never match")
        if not caps.has("resource_id") and "aip_tag" in kinds:
            out.append(
                "the export has no line_item_resource_id: aip_tag sources read the resource tags of any "
                "Bedrock line"
            )
        return out

    def _is_aip(self, rec: Mapping[str, Any]) -> bool:
        if rec.get("resource_kind") == "aip":
            return True
        return not self.has_resource_ids and rec.get("service") in BEDROCK_PRODUCT_CODES

    def resolve_rules(self, dim: RuleDimension, rec: Mapping[str, Any]) -> tuple[str | None, str]:
        """The first non-empty source of a rules dimension for one row: (value, attributed_via)."""
        for src in dim.sources:
            if src.lookup is not None:
                if src.kind == "aip_tag" and not self._is_aip(rec):
                    continue
                value = rec.get(f"slot{self.slots[src.lookup]}")
                if value:
                    return value, src.via
            elif src.accounts is not None:
                value = src.accounts.get(rec.get("account") or "")
                if value:
                    return value, src.via
            else:
                hit = src.match_principal(rec.get("principal"))
                if hit:
                    return hit
        return None, "unallocated"

    def value(self, dim: Dimension, rec: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """(value or None, attributed_via for rules dimensions else None) of one row for one dimension."""
        if dim.kind == "rules":
            return self.resolve_rules(self.rules.dimensions[dim.spec], rec)
        if dim.kind == "tag":
            return rec.get(f"slot{self.slots[(dim.tags_key or '', dim.resource_key or '')]}") or None, None
        return label(dim, rec.get(dim.engine_column)), None

    def resolve(self, rec: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
        """Values (``Unallocated`` where none) and ``attributed_via`` per dimension of one row."""
        pairs = [self.value(d, rec) for d in self.dims]
        return tuple(v or UNALLOCATED for v, _ in pairs), tuple(via for _, via in pairs)


def format_via(dims: Sequence[Dimension], vias: Sequence[str | None]) -> str | None:
    """``attributed_via`` of a row: the via of its rules dimension, or ``dim=via; …`` for several."""
    named = [(d.spec, v) for d, v in zip(dims, vias, strict=True) if d.kind == "rules"]
    if not named:
        return None
    if len(named) == 1:
        return named[0][1]
    return "; ".join(f"{name}={via}" for name, via in named)


# --- resolved lines and shared-cost splits -------------------------------------------------------------
@dataclass(frozen=True)
class Item:
    """A group of billing lines with its resolved values: what splits move and reports roll up."""

    values: tuple[str, ...]
    vias: tuple[str | None, ...]
    currency: str
    cost: Decimal
    lines: int
    line_item_type: str
    service: str | None
    usage: bool


def attribute(records: Iterable[Mapping[str, Any]], plan: LinePlan) -> list[Item]:
    """Resolve every ``attribution_lines.sql`` row; adjustment lines (not usage) get no values."""
    blank = tuple(UNALLOCATED for _ in plan.dims)
    none = tuple("unallocated" if d.kind == "rules" else None for d in plan.dims)
    items = []
    for rec in records:
        usage = rec["line_item_type"] in USAGE_LINE_TYPES
        values, vias = plan.resolve(rec) if usage else (blank, none)
        items.append(
            Item(
                values,
                vias,
                rec["currency"],
                rec["cost"] if rec["cost"] is not None else ZERO,
                int(rec["line_count"]),
                rec["line_item_type"] or "(blank)",
                rec.get("service"),
                usage,
            )
        )
    return items


@dataclass(frozen=True)
class SplitResult:
    """What one shared-cost rule moved, in one currency."""

    rule: int  # index in shared_costs
    dimension: str
    pool: str
    method: str
    currency: str
    amount: Decimal
    lines: int
    shares: dict[str, Decimal]


def allocate(amount: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """``amount`` shared by ``weights`` (positive), each share at the SQL money scale, summing exactly to
    ``amount``: the rounding remainder goes to the largest weight."""
    total = sum(weights.values(), ZERO)
    if not weights or total <= 0:
        raise ValueError("allocate needs positive weights")
    with localcontext() as ctx:
        ctx.prec = 60
        shares = {
            k: (amount * w / total).quantize(MONEY_QUANTUM, rounding=ROUND_HALF_EVEN)
            for k, w in weights.items()
        }
        largest = max(weights, key=lambda k: (weights[k], -list(weights).index(k)))
        shares[largest] += amount - sum(shares.values(), ZERO)
    return shares


def _pool_claims(rule: SharedCostRule, item: Item, split_dim: int) -> bool:
    if rule.pool.unallocated:
        return item.usage and item.values[split_dim] == UNALLOCATED
    if rule.pool.line_item_type is not None:
        return item.line_item_type in rule.pool.line_item_type
    return item.service in (rule.pool.product_code or [])


def apply_shared_costs(items: list[Item], plan: LinePlan) -> tuple[list[Item], list[SplitResult], list[str]]:
    """Move each shared-cost pool onto the other values of its dimension.

    Rules apply in file order and a line belongs to the first pool that claims it. Proportional shares
    follow the values' attributed cost before any split (so the order of the rules never changes a
    share). A split keeps the pool's currency and the pool lines' other dimension values; its rows say
    ``split:<method>`` (``split:<method>:<pool>`` for a named pool). A pool with nowhere to go stays where
    it was, and a note says so. The month's total is unchanged to the last digit.
    """
    dims = [d.spec for d in plan.dims]
    applicable = [(i, r) for i, r in enumerate(plan.rules.shared_costs) if r.dimension in dims]
    if not applicable:
        return items, [], []
    claimed: dict[int, list[Item]] = defaultdict(list)
    rest: list[Item] = []
    for item in items:
        for i, rule in applicable:
            if _pool_claims(rule, item, dims.index(rule.dimension)):
                claimed[i].append(item)
                break
        else:
            rest.append(item)
    out, results, notes = list(rest), [], []
    for i, rule in applicable:
        pool = claimed.get(i, [])
        if not pool:
            continue
        k = dims.index(rule.dimension)
        base: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
        for item in rest:
            if item.usage and item.values[k] != UNALLOCATED:
                base[item.currency][item.values[k]] += item.cost
        groups: dict[tuple[str, tuple[str, ...], tuple[str | None, ...]], list[Item]] = defaultdict(list)
        for item in pool:
            groups[(item.currency, item.values, item.vias)].append(item)
        by_currency: dict[str, list] = defaultdict(list)
        for (currency, values, vias), members in groups.items():
            by_currency[currency].append((values, vias, members))
        for currency, entries in by_currency.items():
            weights = _weights(rule, base.get(currency, {}))
            amount = sum((m.cost for _, _, ms in entries for m in ms), ZERO)
            lines = sum(m.lines for _, _, ms in entries for m in ms)
            if not weights:
                notes.append(
                    f"shared cost rule {i + 1} ({rule.pool_label} {rule.method} over {rule.dimension}): "
                    f"no {rule.dimension} value to share {currency} {amount:f} onto; it stays as it was"
                )
                out += [m for _, _, ms in entries for m in ms]
                continue
            shares_total: dict[str, Decimal] = defaultdict(lambda: ZERO)
            for values, vias, members in entries:
                group_cost = sum((m.cost for m in members), ZERO)
                for target, share in allocate(group_cost, weights).items():
                    new_values = values[:k] + (target,) + values[k + 1 :]
                    new_vias = vias[:k] + (rule.via,) + vias[k + 1 :]
                    out.append(Item(new_values, new_vias, currency, share, 0, "Split", None, True))
                    shares_total[target] += share
            results.append(
                SplitResult(
                    i,
                    rule.dimension,
                    rule.pool_label,
                    rule.method,
                    currency,
                    amount,
                    lines,
                    dict(shares_total),
                )
            )
    return out, results, notes


def _weights(rule: SharedCostRule, base: Mapping[str, Decimal]) -> dict[str, Decimal]:
    if rule.method == "fixed":
        return dict(rule.percentages or {})
    candidates = list(rule.to) if rule.to is not None else sorted(base)
    candidates = [v for v in candidates if v != UNALLOCATED]
    if rule.method == "even":
        return {v: Decimal(1) for v in candidates}
    weights = {v: base.get(v, ZERO) for v in candidates if base.get(v, ZERO) > 0}
    return weights


# --- budgets ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BudgetStatus:
    dimension: str
    value: str
    currency: str
    budget: Decimal | None
    spend: Decimal

    @property
    def used_pct(self) -> Decimal | None:
        if self.budget is None:
            return None
        if self.budget == 0:
            return None if self.spend == 0 else Decimal("Infinity")
        return self.spend / self.budget * HUNDRED

    @property
    def over(self) -> bool:
        return self.budget is not None and self.spend > self.budget

    def describe(self) -> str:
        used = self.used_pct
        pct = "" if used is None or not used.is_finite() else f" ({used:.1f}% of budget)"
        return (
            f"{self.dimension}={self.value} spent {self.currency} {self.spend:,.2f} of "
            f"{self.budget if self.budget is not None else 0:,.2f}{pct}"
        )


def budget_status(budget: BudgetSpec, spend: Mapping[str, Decimal]) -> list[BudgetStatus]:
    """Budget vs spend for every value that has a budget or spend (spend in the budget's currency)."""
    values = list(budget.amounts) + sorted(v for v in spend if v not in budget.amounts)
    return [
        BudgetStatus(budget.dimension, v, budget.currency, budget.amounts.get(v), spend.get(v, ZERO))
        for v in values
    ]
