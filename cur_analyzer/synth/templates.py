"""The templates of the synthetic bill: one per Bedrock workload, streaming flag and meter, per resource, for
the Savings Plan, and per adjustment (tax, EDP discount, credits, refunds, support fee)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal

from cur_analyzer.attribution import resource_tags_key
from cur_analyzer.bedrock import models as model_map
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.bedrock.usage_types import format_usage_type
from cur_analyzer.synth.book import DEFAULT_CURRENCY, DEFAULT_ENTITY, Book, FrozenBook, TemplateMeta
from cur_analyzer.synth.catalogue import (
    REGIONS,
    Account,
    Catalogue,
    Resource,
    SavingsPlan,
    Service,
    Workload,
)
from cur_analyzer.synth.money import EDP_PERCENT
from cur_analyzer.synth.rows import KIND_SP_COVERED, KIND_SP_FEE, KIND_ZERO
from cur_analyzer.synth.scenario import CREDITS, UNPRICED_MODEL, UNPRICED_RATES


def build_book(cat: Catalogue, prices: PriceTable, variants: Sequence[str] = ()) -> FrozenBook:
    """Every template the company's months can bill, frozen. Their order is part of the output: the logged
    scenario's lines are written sorted by hour, then template. ``variants`` add their templates (and
    accounts) before the adjustments, so tax and discounts cover their lines too."""
    from cur_analyzer.synth.variant_templates import OTHER_CURRENCY_PAYERS, add_variant_templates

    book = Book()
    filler_status = "logged" if cat.filler_logged else "logging-disabled"
    for group, status in (
        (cat.logged, "logged"),
        (cat.batch, "batch"),
        (cat.filler, filler_status),
        (cat.extra, "logged"),
    ):
        for w in group:
            for stream in (False, True) if w.streaming else (False,):
                for meter in w.meters:
                    add_bedrock(book, w, meter, stream, status, prices)
    for r in cat.resources:
        _add_resource(book, r)
    _add_savings_plan(book, cat.sp)
    book.adding_variants = True
    accounts = cat.accounts + add_variant_templates(book, cat, prices, variants)
    book.adding_variants = False
    _add_adjustments(book, cat, accounts)
    return book.freeze(OTHER_CURRENCY_PAYERS)


def token_meter_class(meter: str, tier: str, model: model_map.Model) -> str:
    """The meter class a token line is written for: an embeddings model's tokens are ``embeddings``; text
    tokens are their meter, batch input/output apart, as CUDOS groups them (``cache_write_1h`` ->
    ``cache-write-1h``, batch ``input`` -> ``batch-input``)."""
    if "Embeddings" in model.display_name:
        return "embeddings"
    name = meter.replace("_1h", "-1h").replace("_", "-")
    return f"batch-{name}" if tier == "batch" and meter in ("input", "output") else name


def add_bedrock(
    book: Book,
    w: Workload,
    meter: str,
    stream: bool,
    status: str,
    prices: PriceTable,
    currency: str = DEFAULT_CURRENCY,
    key: tuple[object, ...] | None = None,
    q: tuple[float, float] = (1.0, 0.0),
) -> None:
    """The template of workload ``w``'s ``meter`` lines (``stream``: streaming calls), under ``key``
    (default: workload, stream, meter); ``q``: the quantity a line drawn on its own bills (mean, sigma)."""
    m = w.model
    scope = w.billed_scope
    code, location = REGIONS[w.region]
    usage_type = format_usage_type(code, m.billing_name, meter, w.tier, scope, m.style)
    per_million = prices.rate_per_million(m.price_key, w.region, meter, w.tier, scope)
    if m == UNPRICED_MODEL:
        if per_million is not None or model_map.by_model_id(m.model_id) is not None:
            raise ValueError(f"the price table now knows {m.model_id}: pick another model for unpriced_model")
        per_million = UNPRICED_RATES.get(meter)
    if per_million is None:
        raise ValueError(f"price table has no rate for {m.price_key} {w.region} {meter} {w.tier} {scope}")
    rate = per_million / 1000  # CUR bills Bedrock tokens per 1K (facts 4.4)
    product = "AmazonBedrockService" if m.provider == "Anthropic" else "AmazonBedrock"
    operation = "InvokeModelStreamingInference" if stream else "InvokeModelInference"
    principal_tags = dict(w.caller.tags) if w.caller else {}
    aip_tags = dict(w.aip.tags) if w.aip else {}
    words = meter.replace("_1h", " 1h").replace("_", " ")
    strings = {
        "line_item_line_item_type": "Usage",
        "line_item_usage_account_id": w.account.id,
        "line_item_usage_account_name": w.account.name,
        "line_item_product_code": product,
        "product_servicecode": product,
        "line_item_usage_type": usage_type,
        "product_usagetype": usage_type,
        "line_item_operation": operation,
        "product_operation": operation,
        "line_item_unblended_rate": _rate_str(rate),
        "line_item_blended_rate": _rate_str(rate),
        "line_item_net_unblended_rate": _rate_str(rate * (100 - EDP_PERCENT) / 100),
        "pricing_public_on_demand_rate": _rate_str(rate),
        "line_item_line_item_description": f"${rate.normalize():f} per 1K {words} tokens for {m.display_name} "
        f"({w.tier}, {scope.replace('_', '-')}) in {location}",
        "line_item_resource_id": w.aip.arn if w.aip else None,
        "line_item_iam_principal": w.caller.arn if w.caller else None,
        "pricing_unit": "1K tokens",
        "product_pricing_unit": "1K tokens",
        "pricing_term": "OnDemand",
        "product_sku": _sku(product, usage_type, operation),
        "product_product_family": "Amazon Bedrock",
        "product_region_code": w.region,
        "product_location": location,
        "product_location_type": "AWS Region",
    }
    maps = {
        "product": {
            "product_name": "Amazon Bedrock",
            "model": m.display_name,
            "provider": m.provider,
            "feature": "Batch Inference" if w.tier == "batch" else "On-demand Inference",
        },
        "resource_tags": {resource_tags_key(k): v for k, v in aip_tags.items()},
        "tags": _tags_map(w.account, principal_tags, aip_tags),
    }
    meta = TemplateMeta(
        account=w.account.id,
        product=product,
        line_type="Usage",
        principal=w.caller.arn if w.caller else None,
        principal_tags=principal_tags,
        resource_tags=aip_tags,
        billing_name=m.billing_name,
        meter=meter,
        tier=w.tier,
        scope=scope,
        usage_type=usage_type,
        log_status=status,
        bedrock=True,
        meter_class=token_meter_class(meter, w.tier, m),
        currency=currency,
    )
    key = key or (id(w), stream, meter)
    book.add(key, strings, maps, meta, rate=rate, div=1000, edp=True, q=q)


def _service_strings(
    svc: Service, account: Account, region: str, usage_type: str, line_type: str, rate: str
) -> dict[str, str | None]:
    return {
        "line_item_line_item_type": line_type,
        "line_item_usage_account_id": account.id,
        "line_item_usage_account_name": account.name,
        "line_item_product_code": svc.product,
        "product_servicecode": svc.product,
        "line_item_usage_type": usage_type,
        "product_usagetype": usage_type,
        "line_item_operation": svc.operation,
        "product_operation": svc.operation,
        "line_item_unblended_rate": rate,
        "line_item_blended_rate": rate,
        "pricing_public_on_demand_rate": rate,
        "line_item_line_item_description": svc.description,
        "pricing_unit": svc.unit,
        "product_pricing_unit": svc.unit,
        "pricing_term": "OnDemand",
        "product_sku": _sku(svc.product, usage_type, svc.operation, region),
        "product_product_family": svc.family,
        "product_region_code": region,
        "product_location": REGIONS[region][1],
        "product_location_type": "AWS Region",
    }


def _add_resource(book: Book, r: Resource) -> None:
    svc = r.service
    usage_type = _region_prefix(r.region) + svc.usage_type
    rate = Decimal(svc.rate)
    strings = _service_strings(svc, r.account, r.region, usage_type, "Usage", _rate_str(rate))
    strings["line_item_net_unblended_rate"] = _rate_str(rate * (100 - EDP_PERCENT) / 100)
    strings["line_item_resource_id"] = r.resource_id
    strings["line_item_iam_principal"] = r.principal
    if svc.product == "AmazonEC2":
        strings["line_item_availability_zone"] = f"{r.region}a"
        strings["product_instance_type"] = svc.usage_type.split(":", 1)[1]
        strings["product_instance_family"] = "General purpose"
    maps = {
        "product": {"product_name": svc.family if svc.product == "AWSDataTransfer" else svc.product},
        "resource_tags": {resource_tags_key(k): v for k, v in r.tags.items()},
        "tags": _tags_map(r.account, {}, r.tags),
    }
    meta = TemplateMeta(r.account.id, svc.product, "Usage", resource_tags=dict(r.tags), usage_type=usage_type)
    book.add(
        ("resource", id(r)),
        strings,
        maps,
        meta,
        rate=rate,
        div=svc.div,
        edp=True,
        q=(svc.q_mean, svc.q_sigma),
    )


def _add_savings_plan(book: Book, sp: SavingsPlan) -> None:
    ec2 = Service(
        "AmazonEC2",
        "BoxUsage:m5.2xlarge",
        "RunInstances",
        "Hrs",
        str(sp.od_rate),
        1,
        1,
        0.0,
        "Compute Instance",
        "$0.384 per On Demand Linux m5.2xlarge Instance Hour",
        "instance",
    )
    tags = {"team": "web", "cost-center": "CC-5001"}
    sp_strings = {
        "savings_plan_savings_plan_a_r_n": sp.arn,
        "savings_plan_offering_type": "ComputeSavingsPlans",
        "savings_plan_payment_option": "Partial Upfront",
        "savings_plan_purchase_term": "1yr",
        "savings_plan_start_time": "2026-10-01T00:00:00.000Z",
        "savings_plan_end_time": "2027-09-30T23:59:59.000Z",
    }
    base_maps = {
        "product": {"product_name": "Amazon Elastic Compute Cloud"},
        "resource_tags": {resource_tags_key(k): v for k, v in tags.items()},
        "tags": _tags_map(sp.account, {}, tags),
    }
    for line_type, kind in (("SavingsPlanCoveredUsage", KIND_SP_COVERED), ("SavingsPlanNegation", KIND_ZERO)):
        strings = _service_strings(
            ec2, sp.account, "us-east-1", ec2.usage_type, line_type, _rate_str(sp.od_rate)
        )
        strings |= {
            "line_item_resource_id": sp.instance_id,
            "line_item_availability_zone": "us-east-1a",
            "savings_plan_savings_plan_a_r_n": sp.arn,
        }
        if line_type == "SavingsPlanNegation":
            strings["line_item_line_item_description"] = (
                f"SavingsPlanNegation used by AccountId : {sp.account.id} and UsageSku : {strings['product_sku']}"
            )
        meta = TemplateMeta(
            sp.account.id, "AmazonEC2", line_type, resource_tags=tags, usage_type=ec2.usage_type
        )
        book.add(("sp", line_type), strings, base_maps, meta, rate=sp.od_rate, kind=kind)
    for line_type, kind, desc in (
        ("SavingsPlanRecurringFee", KIND_SP_FEE, "1 year Partial Upfront Compute Savings Plan recurring fee"),
        ("SavingsPlanUpfrontFee", KIND_ZERO, "1 year Partial Upfront Compute Savings Plan upfront fee"),
    ):
        usage_type = "ComputeSP:1yrPartialUpfront"
        strings = {
            "line_item_line_item_type": line_type,
            "line_item_usage_account_id": sp.account.id,
            "line_item_usage_account_name": sp.account.name,
            "line_item_product_code": "ComputeSavingsPlans",
            "product_servicecode": "ComputeSavingsPlans",
            "line_item_usage_type": usage_type,
            "product_usagetype": usage_type,
            "line_item_line_item_description": desc,
            **sp_strings,
        }
        maps = {"product": {"product_name": "Savings Plans for AWS Compute usage"}}
        meta = TemplateMeta(sp.account.id, "ComputeSavingsPlans", line_type, usage_type=usage_type)
        book.add(("sp", line_type), strings, maps, meta, kind=kind)


def _add_adjustments(book: Book, cat: Catalogue, accounts: tuple[Account, ...]) -> None:
    """Tax and EDP discount templates for every (account, product) that has usage; credits, refunds, fee.
    Each inherits from the first template of its (account, product) whether it is Bedrock, its billing
    entity and currency."""
    products: set[tuple[str, str]] = set()
    first: dict[tuple[str, str], int] = {}
    for i, meta in enumerate(book.meta):
        products.add((meta.account, meta.product))
        first.setdefault((meta.account, meta.product), i)
    products.add((cat.payer.id, "AWSSupportBusiness"))
    names = {a.id: a.name for a in accounts}
    descriptions = {
        "Tax": "Tax for product code {p}",
        "EdpDiscount": "Enterprise Program Discount",
        "Credit": "AWS Promotional Credit",
        "Refund": "Refund for service event",
        "Fee": "AWS Support (Business)",
    }
    wanted = [("Tax", a, p) for a, p in sorted(products)] + [
        ("EdpDiscount", a, p) for a, p in sorted(products)
    ]
    wanted += [(t, a, p) for t, a, p, _cap, _share in CREDITS]
    wanted.append(("Fee", cat.payer.id, "AWSSupportBusiness"))
    for line_type, account, product in wanted:
        strings: dict[str, str | None] = {
            "line_item_line_item_type": line_type,
            "line_item_usage_account_id": account,
            "line_item_usage_account_name": names[account],
            "line_item_product_code": product,
            "product_servicecode": product,
            "line_item_line_item_description": descriptions[line_type].format(p=product),
        }
        if line_type == "Tax":
            strings["line_item_tax_type"] = "VAT"
        if line_type == "Fee":
            strings |= {
                "line_item_usage_type": "Dollar",
                "product_usagetype": "Dollar",
                "pricing_unit": "Dollar",
            }
        tags = _tags_map(next(a for a in accounts if a.id == account), {}, {})
        source = first.get((account, product))
        meta, maps = _inherited(book, source, account, product, line_type)
        in_default = source is None or book.in_default[source]
        book.add((line_type, account, product), strings, {**maps, "tags": tags}, meta, in_default=in_default)


def _inherited(
    book: Book, source: int | None, account: str, product: str, line_type: str
) -> tuple[TemplateMeta, dict[str, dict[str, str]]]:
    """An adjustment's meta (Bedrock, entity, currency of the (account, product) it adjusts) and maps: a
    line another entity bills keeps its product name, which the Marketplace half of the Bedrock scope reads
    (an AWS line's scope reads only its product code, so its adjustments carry none, as before)."""
    if source is None:
        return TemplateMeta(account, product, line_type), {}
    of = book.meta[source]
    meta = TemplateMeta(
        account, product, line_type, bedrock=of.bedrock, entity=of.entity, currency=of.currency
    )
    if of.entity == DEFAULT_ENTITY:
        return meta, {}
    name = book.maps[source].get("product", {}).get("product_name")
    return meta, ({"product": {"product_name": name}} if name else {})


def _rate_str(rate: Decimal) -> str:
    return f"{rate:.10f}"


def _sku(*parts: str) -> str:
    return hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest().upper()


def _tags_map(
    account: Account, principal_tags: dict[str, str], resource_tags: dict[str, str]
) -> dict[str, str]:
    out = {f"accountTag/{k}": v for k, v in account.tags.items()}
    out.update({f"iamPrincipal/{k}": v for k, v in principal_tags.items()})
    out.update({f"resourceTags/{k}": v for k, v in resource_tags.items()})
    return out


def _region_prefix(region: str) -> str:
    # us-east-1 usage types of the older services carry no region prefix ("BoxUsage:m5.xlarge").
    return "" if region == "us-east-1" else f"{REGIONS[region][0]}-"
