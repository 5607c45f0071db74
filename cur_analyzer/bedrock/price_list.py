"""The price table built from AWS Price List bulk offer files (``cur-analyzer prices refresh``).

An offer file (``.../offers/v1.0/aws/<OfferCode>/current/index.json`` or one region's file, facts §7.3)
holds ``products[sku].attributes`` (``usagetype``, ``regionCode``, ``model``...) and
``terms.OnDemand[sku][term]`` with an ``effectiveDate`` and ``priceDimensions`` (``unit``,
``pricePerUnit.USD``), plus a file-level ``publicationDate``. The three Bedrock offers are read
(``AmazonBedrock``, ``AmazonBedrockService``, ``AmazonBedrockFoundationModels``); coverage differs between
them, so they are merged.

A row is keyed the way the bill is: the SKU's ``usagetype`` goes through ``parse_usage_type`` for region,
billing name, meter, tier and scope, and the billing name through the model map for the price key (a
Marketplace SKU's usage type names no model: its ``model`` attribute, or its ``servicename`` without
"(Amazon Bedrock Edition)", is matched to a display name). The rate is normalised to USD per 1M tokens,
exactly (``1K tokens`` x 1000; ``Units`` only when the description says per million or per thousand).

Nothing is dropped without a word: each SKU that gives no row is counted under the reason it gives none,
with its usage type: a usage type outside the grammar, a model the map does not know, a meter that is not
text tokens (search units, images, speech, model units...), a long-context or custom-model rate (the table
has no column for those), a unit that is not tokens, no USD price. Two SKUs giving one table row the same
rate (an in-region and a geo usage type, the same SKU in two files) make one row; different rates for one
row are left out, both listed, since picking one would be a guess.

No network: the files are downloaded by the user (``curl`` or ``aws pricing``), read here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from cur_analyzer.bedrock import models
from cur_analyzer.bedrock.meter_classes import marketplace_model
from cur_analyzer.bedrock.pricing import PRICE_COLUMNS, PriceRow, PriceTable
from cur_analyzer.bedrock.scope import aws_product_codes
from cur_analyzer.bedrock.usage_types import METERS, TIERS, parse_usage_type
from cur_analyzer.errors import UserInputError
from cur_analyzer.setting_files import MiB, load_json
from cur_analyzer.text import shown

#: The whole AmazonBedrock offer (every region) is tens of MiB; far above it, a file is not an offer.
OFFER_MAX_BYTES = 1024 * MiB
OFFER_WHAT = "AWS Price List offer file"

# Why a SKU gives no row of the token table.
UNMAPPED = "usage type outside the Bedrock grammar"
UNKNOWN_MODEL = "model not in the model map"
NOT_TOKENS = "not a text-token meter (search units, images, speech, model units, reserved capacity)"
FLAGGED = "long-context or custom-model rate (the table has no column for it)"
REGION = "region unknown, or the usage type's region is not the regionCode"
UNIT = "price unit is not tokens"
NO_USD = "no USD price"
NO_TERM = "no on-demand term"
MALFORMED = "malformed SKU (no attributes, effectiveDate or price)"
CONFLICT = "different rates for one table row"

_TOKEN_UNITS = {"1k tokens": Decimal(1000), "1m tokens": Decimal(1)}


@dataclass(frozen=True)
class Offer:
    path: str
    code: str
    publication_date: str
    products: dict
    on_demand: dict

    @property
    def source(self) -> str:
        return f"AWS Price List {self.code} {self.publication_date}"


def _offer_problem(doc: object) -> str | None:
    """What keeps a parsed JSON from being a Bedrock offer file, or None."""
    if not isinstance(doc, dict) or not isinstance(doc.get("products"), dict):
        return "expected a JSON object with offerCode, publicationDate, products and terms"
    code = doc.get("offerCode")
    # the offers of the Bedrock scope's AWS product codes (its one home, the in_bedrock_scope fragment); an
    # offer without token rates (AgentCore's) gives no row, each SKU with its reason
    offers = aws_product_codes()
    if code not in offers:
        return f"offerCode {str(code)[:60]!r} is not a Bedrock offer ({', '.join(sorted(offers))})"
    published = doc.get("publicationDate")
    if not isinstance(published, str) or _date(published) is None:
        return (
            "has no publicationDate"
            if published is None
            else f"publicationDate {str(published)[:40]!r} is not a date"
        )
    terms = doc.get("terms", {})
    if not isinstance(terms, dict) or not isinstance(terms.get("OnDemand", {}), dict):
        return "terms.OnDemand is not an object"
    return None


def read_offer(path: str | Path) -> Offer:
    """One offer file, read like every file the user names; a problem is one line naming the file."""
    doc = load_json(path, OFFER_WHAT, OFFER_MAX_BYTES)
    problem = _offer_problem(doc)
    if problem:
        raise UserInputError(f"{shown(path)}: {problem} ({OFFER_WHAT})")
    on_demand = doc.get("terms", {}).get("OnDemand", {})
    return Offer(str(path), doc["offerCode"], doc["publicationDate"], doc["products"], on_demand)


# --- one SKU ---------------------------------------------------------------------------------------------


def _date(text: object) -> str | None:
    """``YYYY-MM-DD`` of an ISO date or timestamp (``2026-08-01T00:00:00Z``), or None."""
    if not isinstance(text, str):
        return None
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def _marketplace_model(attrs: dict) -> models.Model | None:
    name = marketplace_model(str(attrs.get("model") or attrs.get("servicename") or ""))
    return models.by_display_name(name) if name else None


def _where(attrs: dict) -> tuple[str, str, str, str, str] | str:
    """(price_key, region, meter, tier, scope column) of a SKU, or why it has no token-table row."""
    ut = parse_usage_type(attrs.get("usagetype"))  # never raises, whatever the value
    if not ut.mapped:
        return UNMAPPED
    if not ut.is_token_meter:
        return NOT_TOKENS
    if ut.flags:
        return FLAGGED
    model = models.by_billing_name(ut.billing_name) if ut.billing_name else _marketplace_model(attrs)
    if model is None:
        return UNKNOWN_MODEL
    region_code = attrs.get("regionCode")
    region = ut.region or region_code
    if not isinstance(region, str) or not region or (region_code and region_code != region):
        return REGION
    return (model.price_key, region, ut.meter, ut.tier, "global" if ut.scope == "global" else "regional")


def _unit_scale(unit: object, description: object) -> Decimal | None:
    """What a price per ``unit`` is multiplied by to be per 1M tokens; None for a unit that is not tokens."""
    words = " ".join(str(unit).lower().split())
    if words in _TOKEN_UNITS:
        return _TOKEN_UNITS[words]
    said = str(description).lower()
    if words in ("unit", "units") and "million" in said:
        return Decimal(1)
    if words in ("unit", "units") and ("thousand" in said or "1,000 " in said or "1k " in said):
        return Decimal(1000)
    return None


def plain(rate: Decimal) -> Decimal:
    """``8.0000000000000`` as ``8``, ``1E+1`` as ``10``: the same number, written as a person would."""
    return Decimal(format(rate.normalize(), "f"))


def _per_million(dim: object) -> Decimal | str:
    if not isinstance(dim, dict):
        return MALFORMED
    per_unit = dim.get("pricePerUnit")
    usd = per_unit.get("USD") if isinstance(per_unit, dict) else None
    if usd is None:
        return NO_USD
    try:
        price = Decimal(str(usd).strip())
    except InvalidOperation:
        return MALFORMED
    if not price.is_finite() or price < 0:
        return MALFORMED
    scale = _unit_scale(dim.get("unit"), dim.get("description"))
    return UNIT if scale is None else plain(price * scale)


def _rates(terms: object) -> list[tuple[Decimal, str]] | str:
    """(USD per 1M, effective date) of every price dimension of a SKU's on-demand terms, or why none."""
    if not isinstance(terms, dict) or not terms:
        return NO_TERM
    out: list[tuple[Decimal, str]] = []
    for term in terms.values():
        day = _date(term.get("effectiveDate")) if isinstance(term, dict) else None
        dims = term.get("priceDimensions") if isinstance(term, dict) else None
        if day is None or not isinstance(dims, dict) or not dims:
            return MALFORMED
        for dim in dims.values():
            rate = _per_million(dim)
            if isinstance(rate, str):
                return rate
            out.append((rate, day))
    return out


# --- all offers ------------------------------------------------------------------------------------------


@dataclass
class Refresh:
    """The token table the offers give, and every SKU that gave no row, by reason."""

    rows: list[PriceRow]
    offers: list[tuple[str, str]]  # (offer code, publication date) per file read
    skus: int  # distinct SKUs read
    duplicate_skus: int  # SKUs met again, identical, in another file (or the same one twice)
    same_rate_twice: int  # SKUs whose row another SKU had already given at the same rate
    left_out: dict[str, list[str]] = field(default_factory=dict)  # reason -> "usagetype (sku)"

    @property
    def version(self) -> str:
        return max(date for _, date in self.offers)

    def table(self) -> PriceTable:
        return PriceTable(self.rows, self.version)

    def csv_text(self) -> str:
        """The table in the shipped ``prices.csv`` format, its version the latest publication date."""
        buf = io.StringIO()
        buf.write(
            f"# cur-analyzer Bedrock price table, version {self.version}. USD per 1M tokens, on-demand.\n"
        )
        buf.write(
            "# Built from AWS Price List offers: " + ", ".join(f"{c} {d}" for c, d in self.offers) + "\n"
        )
        buf.write(
            "# region: the usage type's region; scope 'regional' = in-region and geo profiles, 'global' =\n"
        )
        buf.write(f"# global profile. {self.skipped()} SKUs gave no token rate (listed by prices refresh).\n")
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(PRICE_COLUMNS)
        for r in self.rows:
            writer.writerow(
                [getattr(r, c) if c != "usd_per_1m" else format(r.usd_per_1m, "f") for c in PRICE_COLUMNS]
            )
        return buf.getvalue()

    def skipped(self) -> int:
        return sum(len(v) for v in self.left_out.values())


def _sort_key(row: PriceRow) -> tuple:
    return (
        row.price_key,
        row.region,
        METERS.index(row.meter),
        TIERS.index(row.tier),
        row.scope,
        row.effective_date,
    )


@dataclass
class _Collector:
    """Candidate rates per table row (with the SKU behind each), and the SKUs that gave none."""

    candidates: dict[tuple[str, ...], list[tuple[Decimal, str, str]]] = field(default_factory=dict)
    left_out: dict[str, list[str]] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)  # SKU -> its JSON, to know a repeat
    duplicates: int = 0

    def skip(self, reason: str, what: str) -> None:
        self.left_out.setdefault(reason, []).append(what)

    def read(self, offer: Offer) -> None:
        for sku, product in offer.products.items():
            terms = offer.on_demand.get(sku)
            fingerprint = json.dumps([product, terms], sort_keys=True, default=str)
            if self.seen.get(sku) == fingerprint:
                self.duplicates += 1
                continue
            self.seen[sku] = fingerprint
            self._sku(offer, str(sku), product, terms)

    def _sku(self, offer: Offer, sku: str, product: object, terms: object) -> None:
        attrs = product.get("attributes") if isinstance(product, dict) else None
        if not isinstance(attrs, dict):
            self.skip(MALFORMED, f"({sku})")
            return
        what = f"{attrs.get('usagetype')} ({sku})"
        where = _where(attrs)
        if isinstance(where, str):
            self.skip(where, what)
            return
        rates = _rates(terms)
        if isinstance(rates, str):
            self.skip(rates, what)
            return
        for rate, day in rates:
            self.candidates.setdefault((*where, day), []).append((rate, offer.source, what))

    def rows(self) -> tuple[list[PriceRow], int]:
        rows, repeats = [], 0
        for key, found in self.candidates.items():
            if len({rate for rate, _, _ in found}) > 1:
                self.skip(CONFLICT, "; ".join(f"{what} {format(rate, 'f')}" for rate, _, what in found))
                continue
            rate, source, _ = found[0]
            repeats += len(found) - 1
            price_key, region, meter, tier, scope, day = key
            rows.append(PriceRow(price_key, region, meter, tier, scope, rate, source, day))
        return sorted(rows, key=_sort_key), repeats


def refresh(offers: Sequence[Offer]) -> Refresh:
    """Merge the offers into one token price table; see the module docstring for what is left out."""
    if not offers:
        raise UserInputError("no AWS Price List offer file to read")
    collector = _Collector()
    for offer in offers:
        collector.read(offer)
    rows, repeats = collector.rows()
    left_out = {reason: sorted(whats) for reason, whats in sorted(collector.left_out.items())}
    return Refresh(
        rows=rows,
        offers=[(o.code, o.publication_date) for o in offers],
        skus=len(collector.seen),
        duplicate_skus=collector.duplicates,
        same_rate_twice=repeats,
        left_out=left_out,
    )


def refresh_files(paths: Iterable[str | Path]) -> Refresh:
    return refresh([read_offer(p) for p in paths])


# --- comparing two tables --------------------------------------------------------------------------------

#: The routing scopes a table's scope column serves.
_SCOPES_OF = {"regional": ("in_region",), "global": ("global",), "*": ("in_region", "global")}


@dataclass(frozen=True)
class Disagreement:
    price_key: str
    region: str
    meter: str
    tier: str
    scope: str  # routing scope: in_region or global
    rate: Decimal
    other_rate: Decimal
    other_source: str

    def line(self) -> str:
        where = " ".join((self.price_key, self.region, self.meter, self.tier, self.scope))
        return f"{where}: {format(self.rate, 'f')} here, {format(self.other_rate, 'f')} ({self.other_source})"


@dataclass
class Comparison:
    agree: int
    disagree: list[Disagreement]
    unmatched: int  # rates of this table the other one has none for


def compare(table: PriceTable, other: PriceTable, day: str | None = None) -> Comparison:
    """Every rate ``table`` has on ``day`` (None: its latest), against the rate ``other`` gives for the same
    model, region, meter, tier and routing scope that day, looked up as a bill line would be (a ``*`` row
    serves a region or scope it does not name)."""
    agree, unmatched, disagree = 0, 0, []
    keys = sorted({(r.price_key, r.region, r.meter, r.tier, r.scope) for r in table.rows})
    for price_key, region, meter, tier, column in keys:
        for scope in _SCOPES_OF.get(column, ("in_region",)):
            mine = table.row(price_key, region, meter, tier, scope, day)
            theirs = other.row(price_key, region, meter, tier, scope, day)
            if mine is None or theirs is None:
                unmatched += 1
            elif mine.usd_per_1m == theirs.usd_per_1m:
                agree += 1
            else:
                disagree.append(
                    Disagreement(
                        price_key,
                        region,
                        meter,
                        tier,
                        scope,
                        mine.usd_per_1m,
                        theirs.usd_per_1m,
                        theirs.source,
                    )
                )
    return Comparison(agree, disagree, unmatched)
