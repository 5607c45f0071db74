"""How a billing line gets its value per dimension: the one resolver every report uses.

``LinePlan`` says what a set of dimensions needs from ``athena/attribution_lines.sql``: which columns to
keep (the account, principal, service, region, usage type, product name and day each fold away unless a
dimension or a rules source reads them) and which tag lookups go in its ``MAX_SLOTS`` slots; and it
resolves each row of it: a rules dimension to its first non-empty source, with ``attributed_via`` naming the source; a tag
dimension to its slot; any other dimension to its column through ``attribution.label``. ``attribute``
turns the rows into ``Item``s, what shared-cost splits move and reports roll up.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cur_analyzer.attribution import (
    PRODUCT_NAME_DIMS,
    UNALLOCATED,
    USAGE_LINE_TYPES,
    Dimension,
    is_a_value,
    label,
)
from cur_analyzer.errors import UserInputError
from cur_analyzer.rules._compiled import RuleDimension, Rules

ZERO = Decimal(0)

__all__ = ["MAX_SLOTS", "Item", "LinePlan", "attribute", "format_via"]

#: Tag lookups one ``attribution_lines.sql`` run can bind (``slot1`` … ``slot8``).
MAX_SLOTS = 8
#: ``attribution_lines.sql``'s columns that fold away unless read, by the toggle that keeps each.
_TOGGLES = {
    "account": "by_account",
    "principal": "by_principal",
    "service": "by_service",
    "region": "by_region",
    "usage_type": "by_usage_type",
    "product_name": "by_product_name",
    "pricing_unit": "by_pricing_unit",
    "usage_date": "by_day",
}


class LinePlan:
    """What a set of dimensions needs from ``attribution_lines.sql`` (columns and tag lookups), and how each
    row of it resolves to a value (and ``attributed_via``) per dimension."""

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
        self.slots = {lk: i + 1 for i, lk in enumerate(dict.fromkeys(self._tag_lookups()))}
        if len(self.slots) > MAX_SLOTS:
            raise UserInputError(
                f"these dimensions need {len(self.slots)} different tag lookups; one report reads at most "
                f"{MAX_SLOTS}: ask for fewer tag or rules dimensions at once"
            )

    def _tag_lookups(self) -> list[tuple[str, str]]:
        """(unified tags key, resource_tags key) of every tag the dimensions read, in the order asked."""
        lookups: list[tuple[str, str]] = []
        for d in self.dims:
            if d.kind == "tag":
                lookups.append((d.tags_key or "", d.resource_key or ""))
            elif d.kind == "rules":
                lookups += [s.lookup for s in self.rules.dimensions[d.spec].sources if s.lookup]
        return lookups

    @property
    def rules_dims(self) -> tuple[Dimension, ...]:
        return tuple(d for d in self.dims if d.kind == "rules")

    def cut(self, dims: Sequence[Dimension]) -> LinePlan:
        """The plan of some of these dimensions over the same rows (same slots): one read of the lines,
        grouped by each cut in turn."""
        stray = [d.spec for d in dims if d not in self.dims]
        if stray:
            raise ValueError(f"the lines were read without the dimensions {stray}")
        plan = copy.copy(self)
        plan.dims = tuple(dims)
        return plan

    @property
    def columns(self) -> frozenset[str]:
        """The ``attribution_lines.sql`` columns the dimensions read: their own (and the product name the
        model of a Marketplace line is in), the account an account map looks up, the principal a pattern matches, the product code a shared-cost pool selects."""
        read = {d.engine_column for d in self.dims if d.kind not in ("tag", "rules")}
        if any(d.kind in PRODUCT_NAME_DIMS for d in self.dims):
            read.add("product_name")
        for d in self.rules_dims:
            for src in self.rules.dimensions[d.spec].sources:
                if src.accounts is not None:
                    read.add("account")
                elif src.lookup is None:
                    read.add("principal")
        specs = {d.spec for d in self.rules_dims}
        if any(r.pool.product_code for r in self.rules.shared_costs if r.dimension in specs):
            read.add("service")
        return frozenset(read)

    def slot_params(self) -> dict[str, Any]:
        """The tag lookups bound to ``slot1`` … ``slot8`` (``fragments/tag_slots.sql``)."""
        params: dict[str, Any] = {}
        by_index = {i: lk for lk, i in self.slots.items()}
        for i in range(1, MAX_SLOTS + 1):
            tags_key, resource_key = by_index.get(i, ("", ""))
            # NULL, not '': DuckDB folds a lookup of a NULL key away and then never reads that map
            params[f"slot{i}_tags_key"] = tags_key or None
            params[f"slot{i}_resource_key"] = resource_key or None
        return params

    def params(
        self,
        month: str,
        service: str,
        cost_basis: str = "unblended",
        *,
        by_day: bool = False,
        pricing_unit: bool = False,
        cost_only: bool = False,
    ) -> dict[str, Any]:
        """``attribution_lines.sql``'s parameters; ``by_day`` keeps the usage day though no dimension is
        a day (a daily trend), ``pricing_unit`` the unit of the usage amount (what counts tokens).
        ``cost_only``: the lines as a chargeback needs them, without the usage amount, and with the kind of
        resource only where a source of the dimensions asks for it; the resource id and the usage amount
        are two of the widest columns a month's lines are read with."""
        read = self.columns | ({"usage_date"} if by_day else set())
        read |= {"pricing_unit"} if pricing_unit else set()
        toggles = {toggle: column in read for column, toggle in _TOGGLES.items()}
        toggles["by_resource_kind"] = not cost_only or self._reads_resource_kind
        toggles["with_usage"] = not cost_only
        return toggles | self.slot_params() | {"cost_basis": cost_basis, "month": month, "service": service}

    @property
    def _reads_resource_kind(self) -> bool:
        """Does a source of the dimensions tell lines on application inference profiles apart?"""
        return any(
            s.kind == "aip_tag" for d in self.rules_dims for s in self.rules.dimensions[d.spec].sources
        )

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
        """Is the line on an application inference profile? Without resource ids, any Bedrock line may be
        (``in_bedrock_scope``: the SQL's Bedrock scope)."""
        if rec.get("resource_kind") == "aip":
            return True
        return not self.has_resource_ids and bool(rec.get("in_bedrock_scope"))

    def resolve_rules(self, dim: RuleDimension, rec: Mapping[str, Any]) -> tuple[str | None, str]:
        """The first non-empty source of a rules dimension for one row: (value, attributed_via)."""
        for src in dim.sources:
            if src.metadata_key is not None:
                continue  # a billing line carries no request metadata: the next source decides
            if src.lookup is not None:
                if src.kind == "aip_tag" and not self._is_aip(rec):
                    continue
                value = _tag_value(rec, self.slots[src.lookup])
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
            return _tag_value(rec, self.slots[(dim.tags_key or "", dim.resource_key or "")]), None
        return label(dim, rec.get(dim.engine_column), rec.get("product_name")), None

    def resolve(self, rec: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
        """Values (``Unallocated`` where none) and ``attributed_via`` per dimension of one row."""
        values, vias, _no_value = self.resolve_marked(rec)
        return values, vias

    def resolve_marked(
        self, rec: Mapping[str, Any]
    ) -> tuple[tuple[str, ...], tuple[str | None, ...], tuple[bool, ...]]:
        """``resolve`` and, per dimension, whether the row has no value there: a value that is the text
        "Unallocated" (a tag someone set to it) is a value like any other, not the Unallocated row."""
        pairs = [self.value(d, rec) for d in self.dims]
        no_value = tuple(not v for v, _ in pairs)
        return tuple(v or UNALLOCATED for v, _ in pairs), tuple(via for _, via in pairs), no_value

    def blank_tag_lines(self, records: Iterable[Mapping[str, Any]]) -> int:
        """The usage lines whose value of some tag the dimensions read is only whitespace: no value."""
        slots = sorted(set(self.slots.values()))
        return sum(
            int(rec["line_count"])
            for rec in records
            if rec["line_item_type"] in USAGE_LINE_TYPES
            and any(isinstance(v, str) and v and not v.strip() for v in (rec.get(f"slot{i}") for i in slots))
        )


def _tag_value(rec: Mapping[str, Any], slot: int) -> str | None:
    """A tag's value in one row's slot; empty or only whitespace is no value (a tag set to " " names no
    team)."""
    value = rec.get(f"slot{slot}")
    return value if is_a_value(value) else None


def format_via(dims: Sequence[Dimension], vias: Sequence[str | None]) -> str | None:
    """``attributed_via`` of a row: the via of its rules dimension, or ``dim=via; …`` for several."""
    named = [(d.spec, v) for d, v in zip(dims, vias, strict=True) if d.kind == "rules"]
    if not named:
        return None
    if len(named) == 1:
        return named[0][1]
    return "; ".join(f"{name}={via}" for name, via in named)


# --- resolved lines ----------------------------------------------------------------------------------
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
    #: per dimension, True where the lines have no value (the Unallocated row, whatever the value's text);
    #: empty for a split's share, which always goes to a value
    no_value: tuple[bool, ...] = ()


def attribute(records: Iterable[Mapping[str, Any]], plan: LinePlan) -> list[Item]:
    """Resolve every ``attribution_lines.sql`` row; adjustment lines (not usage) get no values."""
    blank = tuple(UNALLOCATED for _ in plan.dims)
    none = tuple("unallocated" if d.kind == "rules" else None for d in plan.dims)
    unset = tuple(True for _ in plan.dims)
    items = []
    for rec in records:
        usage = rec["line_item_type"] in USAGE_LINE_TYPES
        values, vias, no_value = plan.resolve_marked(rec) if usage else (blank, none, unset)
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
                no_value,
            )
        )
    return items
