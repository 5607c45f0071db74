"""The templates the export variants add (see :mod:`cur_analyzer.synth.variants`): each declares whether
its lines are Bedrock and which meter class it bills, where it writes them. Their keys are
``("variant", <variant>, <label>)``; the month draws :data:`LINES_PER_TEMPLATE` lines of each (the
reserved instance's lines are written by a rule of their own)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from decimal import Decimal

from cur_analyzer.attribution import resource_tags_key
from cur_analyzer.bedrock import models as model_map
from cur_analyzer.bedrock.meter_classes import METER_CLASSES
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.synth.book import Book, TemplateMeta
from cur_analyzer.synth.catalogue import REGIONS, Account, Caller, Catalogue, Workload
from cur_analyzer.synth.money import EDP_PERCENT
from cur_analyzer.synth.rows import KIND_RI_FEE, KIND_RI_USAGE, KIND_ZERO
from cur_analyzer.synth.templates import add_bedrock

LINES_PER_TEMPLATE = 8
MARKETPLACE = "AWS Marketplace"
MARKETPLACE_EDITION = "(Amazon Bedrock Edition)"
#: Marketplace Bedrock models (the last one unknown to the model catalogue): USD per million input, output.
MARKETPLACE_MODELS = (
    ("Claude 3 Sonnet", Decimal("3"), Decimal("15")),
    ("Claude 3 Haiku", Decimal("0.25"), Decimal("1.25")),
    ("Palmyra X5", Decimal("0.6"), Decimal("6")),
)
NOT_BEDROCK_PRODUCT = "Acme Analytics SaaS"
#: AgentCore usage types (us-east-1): meter class, USD per pricing unit, unit, quantity units per unit.
AGENTCORE_METERS = (
    ("USE1-Runtime-vCPU-Hours", "agentcore-runtime-vcpu", "0.0895", "vCPU-Hours", 1000),
    ("USE1-Runtime-Memory-GB-Hours", "agentcore-runtime-memory", "0.00945", "GB-Hours", 1000),
    ("USE1-CodeInterpreter-vCPU-Hours", "agentcore-code-interpreter-vcpu", "0.0895", "vCPU-Hours", 1000),
    ("USE1-CodeInterpreter-Memory-GB-Hours", "agentcore-code-interpreter-memory", "0.00945", "GB-Hours", 1000),
    ("USE1-BrowserTool-vCPU-Hours", "agentcore-browser-vcpu", "0.0895", "vCPU-Hours", 1000),
    ("USE1-BrowserTool-Memory-GB-Hours", "agentcore-browser-memory", "0.00945", "GB-Hours", 1000),
    ("USE1-Gateway-API-Invocations", "agentcore-gateway", "0.000005", "Invocations", 1),
    ("USE1-Memory-Short-Term-Memory-Events", "agentcore-memory-short-term", "0.00025", "Events", 1),
    ("USE1-Memory-Long-Term-Memory-Storage-Records", "agentcore-memory-long-term-storage", "0.00075",
     "Records", 1),
    ("USE1-Memory-Long-Term-Memory-Retrieval-Records", "agentcore-memory-long-term-retrieval", "0.0005",
     "Records", 1),
)  # fmt: skip
EUR_ACCOUNT = Account("567890123456", "acme-genai-eu", {"env": "prod", "team": "chat-eu"})
#: The payer of the lines billed in another currency: a payer bills in one currency, so the euro account is
#: another organization's, whose export is read beside this one (id, name).
OTHER_CURRENCY_PAYERS = {"EUR": ("678901234567", "acme-eu-payer")}
EDGE_ROLE = "EdgeApp"
#: Role sessions of the edge-values variant and their principal tag ``team``.
EDGE_SESSIONS = (("José Pérez", "Unallocated"), ("Ana María", "   "), ("李雷", "edge"))
#: The reserved instance of the net-columns variant: USD per hour, upfront part and recurring part.
RI_UPFRONT_HOURLY, RI_RECURRING_HOURLY = Decimal("0.05"), Decimal("0.07")


def variant_accounts(variants: Sequence[str]) -> tuple[Account, ...]:
    """The accounts the variants add to the company."""
    return (EUR_ACCOUNT,) if "second-currency" in variants else ()


def add_variant_templates(
    book: Book, cat: Catalogue, prices: PriceTable, variants: Sequence[str]
) -> tuple[Account, ...]:
    """Add each variant's templates, in ``variants`` order; return the accounts they add."""
    adders: dict[str, Callable[[Book, Catalogue, PriceTable], None]] = {
        "marketplace": _marketplace,
        "agentcore": _agentcore,
        "non-token-meters": _non_token_meters,
        "second-currency": _second_currency,
        "net-columns": _reserved_instance,
        "edge-values": _edge_values,
    }
    for name in variants:
        if name in adders:
            adders[name](book, cat, prices)
    return variant_accounts(variants)


def marketplace_code(product_name: str) -> str:
    """A Marketplace product id, random-looking but the same for the same product."""
    return "prod-" + hashlib.blake2b(product_name.encode(), digest_size=8).hexdigest()[:13]


def _strings(
    account: Account, product: str, usage_type: str, rate: Decimal, unit: str, description: str
) -> dict[str, str | None]:
    rate_text = f"{rate:.10f}"
    return {
        "line_item_line_item_type": "Usage",
        "line_item_usage_account_id": account.id,
        "line_item_usage_account_name": account.name,
        "line_item_product_code": product,
        "product_servicecode": product,
        "line_item_usage_type": usage_type,
        "product_usagetype": usage_type,
        "line_item_operation": "Usage",
        "product_operation": "Usage",
        "line_item_unblended_rate": rate_text,
        "line_item_blended_rate": rate_text,
        "pricing_public_on_demand_rate": rate_text,
        "line_item_line_item_description": description,
        "pricing_unit": unit,
        "product_pricing_unit": unit,
        "pricing_term": "OnDemand",
        "product_region_code": "us-east-1",
        "product_location": REGIONS["us-east-1"][1],
        "product_location_type": "AWS Region",
    }


def _tags(account: Account, principal_tags: dict[str, str]) -> dict[str, str]:
    out = {f"accountTag/{k}": v for k, v in account.tags.items()}
    out.update({f"iamPrincipal/{k}": v for k, v in principal_tags.items()})
    return out


def _caller(cat: Catalogue, suffix: str) -> Caller:
    return next(c for c in cat.callers if c.arn.endswith(suffix))


def _marketplace(book: Book, cat: Catalogue, _prices: PriceTable) -> None:
    """Each model's input and output tokens, per million, billed by AWS Marketplace to alice's account."""
    alice = _caller(cat, ":user/alice")
    for model, *rates in MARKETPLACE_MODELS:
        name = f"{model} {MARKETPLACE_EDITION}"
        code = marketplace_code(name)
        for meter, dimension, rate in zip(("input", "output"), ("Input", "Output"), rates, strict=True):
            usage_type = f"USE1-MP:USE1_{dimension}TokenCount-Units"
            strings = _strings(
                alice.account, code, usage_type, rate, "Units",
                f"{name}: ${rate} per Million {meter} tokens",
            )  # fmt: skip
            strings["line_item_iam_principal"] = alice.arn
            maps = {"product": {"product_name": name}, "tags": _tags(alice.account, dict(alice.tags))}
            meta = TemplateMeta(
                alice.account.id, code, "Usage", principal=alice.arn, principal_tags=dict(alice.tags),
                meter=meter, usage_type=usage_type, log_status="not-logged", bedrock=True,
                meter_class=meter, entity=MARKETPLACE,
            )  # fmt: skip
            key = ("variant", "marketplace", (model, meter))
            book.add(key, strings, maps, meta, rate=rate, div=1_000_000, q=(2_000_000, 0.5))
    code = marketplace_code(NOT_BEDROCK_PRODUCT)
    usage_type = "USE1-MP:USE1_Users-Units"
    account = alice.account
    strings = _strings(
        account, code, usage_type, Decimal(12), "Units", f"{NOT_BEDROCK_PRODUCT}: $12 per user"
    )
    maps = {"product": {"product_name": NOT_BEDROCK_PRODUCT}, "tags": _tags(account, {})}
    meta = TemplateMeta(account.id, code, "Usage", usage_type=usage_type, entity=MARKETPLACE)
    book.add(("variant", "marketplace", "not-bedrock"), strings, maps, meta, rate=Decimal(12), q=(3, 0.3))


def _agentcore(book: Book, cat: Catalogue, _prices: PriceTable) -> None:
    """An agent's runtime, tools, gateway and memory, billed under the AgentCore product code."""
    agent = Caller(
        f"arn:aws:sts::{cat.accounts[1].id}:assumed-role/AgentRuntime/support-agent",
        "assumed-role", cat.accounts[1], {"team": "support"},
    )  # fmt: skip
    product = "AmazonBedrockAgentCore"
    for usage_type, meter_class, rate_text, unit, div in AGENTCORE_METERS:
        rate = Decimal(rate_text)
        strings = _strings(
            agent.account, product, usage_type, rate, unit, f"${rate_text} per {unit} of Bedrock AgentCore"
        )
        strings["line_item_iam_principal"] = agent.arn
        maps = {
            "product": {"product_name": "Amazon Bedrock AgentCore"},
            "tags": _tags(agent.account, agent.tags),
        }
        meta = TemplateMeta(
            agent.account.id, product, "Usage", principal=agent.arn, principal_tags=dict(agent.tags),
            usage_type=usage_type, log_status="not-logged", bedrock=True, meter_class=meter_class,
        )  # fmt: skip
        key = ("variant", "agentcore", meter_class)
        book.add(key, strings, maps, meta, rate=rate, div=div, edp=True, q=(40.0 * div, 0.5))


def non_token_usage_types() -> dict[str, str]:
    """Usage type -> meter class: one per class of ``METER_CLASSES`` that is not AgentCore's (the
    agentcore variant bills those), built from the class's first pattern."""
    out = {}
    for cls in METER_CLASSES:
        if cls.name.startswith("agentcore-"):
            continue
        usage_type = "USE1-" + "-".join(cls.patterns[0])
        out[usage_type + ("units" if usage_type[-1] in "-_" else "")] = cls.name
    return out


def _non_token_meters(book: Book, cat: Catalogue, _prices: PriceTable) -> None:
    """One Bedrock line kind per meter class that is not text tokens, each at a rate of its own."""
    alice = _caller(cat, ":user/alice")
    for i, (usage_type, meter_class) in enumerate(non_token_usage_types().items()):
        rate = Decimal(i + 1) / 100
        strings = _strings(
            alice.account, "AmazonBedrock", usage_type, rate, "Units", f"${rate} per unit of {meter_class}"
        )
        strings["line_item_iam_principal"] = alice.arn
        maps = {"product": {"product_name": "Amazon Bedrock"}, "tags": _tags(alice.account, dict(alice.tags))}
        meta = TemplateMeta(
            alice.account.id, "AmazonBedrock", "Usage", principal=alice.arn, principal_tags=dict(alice.tags),
            meter="other", usage_type=usage_type, log_status="not-logged", bedrock=True, meter_class=meter_class,
        )  # fmt: skip
        key = ("variant", "non-token-meters", meter_class)
        book.add(key, strings, maps, meta, rate=rate, edp=True, q=(20.0, 0.5))


def _model(price_key: str) -> model_map.Model:
    return next(m for m in model_map.catalog() if m.price_key == price_key)


def _token_workloads(book: Book, prices: PriceTable, variant: str, ws: list[Workload], currency: str) -> None:
    for w in ws:
        for meter in w.meters:
            key = ("variant", variant, (w.caller.arn if w.caller else None, meter))
            add_bedrock(book, w, meter, False, "not-logged", prices, currency, key, q=(200_000, 0.6))


def _second_currency(book: Book, _cat: Catalogue, prices: PriceTable) -> None:
    """A chat application in an account billed in EUR (its rates as listed, in EUR)."""
    caller = Caller(
        f"arn:aws:sts::{EUR_ACCOUNT.id}:assumed-role/EuChat/eu-session-1", "assumed-role", EUR_ACCOUNT,
        {"team": "chat-eu"},
    )  # fmt: skip
    model = _model("claude-haiku-4-5")
    w = Workload(caller, EUR_ACCOUNT, "eu-central-1", model, "direct")
    _token_workloads(book, prices, "second-currency", [w], "EUR")


def _edge_values(book: Book, cat: Catalogue, prices: PriceTable) -> None:
    """Role sessions named with a space and non-ASCII, tagged team 'Unallocated', only spaces, a team. Their
    calls are billed and never logged, so they run in the account whose invocation logging is off: in an
    account that logs, a caller's calls are all in its logs."""
    account = next(a for a in cat.accounts if a.name == "acme-analytics")
    model = _model("nova-lite")
    ws = []
    for session, team in EDGE_SESSIONS:
        arn = f"arn:aws:sts::{account.id}:assumed-role/{EDGE_ROLE}/{session}"
        caller = Caller(arn, "assumed-role", account, {"team": team})
        ws.append(Workload(caller, account, "us-east-1", model, "direct"))
    _token_workloads(book, prices, "edge-values", ws, "USD")


def _reserved_instance(book: Book, cat: Catalogue, _prices: PriceTable) -> None:
    """A one-year partial-upfront reserved c5.xlarge: its discounted usage, monthly fee and upfront fee."""
    account = cat.accounts[1]
    arn = f"arn:aws:ec2:us-east-1:{account.id}:reserved-instances/7a1c9e52-3f0b-4d8e-9c61-0b2e4f6a8d13"
    effective = RI_UPFRONT_HOURLY + RI_RECURRING_HOURLY
    kinds = (
        ("DiscountedUsage", KIND_RI_USAGE, "BoxUsage:c5.xlarge", "Linux/UNIX (Amazon VPC), c5.xlarge reserved instance applied"),
        ("RIFee", KIND_RI_FEE, "HeavyUsage:c5.xlarge", "USD 0.07 hourly fee per Linux/UNIX (Amazon VPC), c5.xlarge instance"),
        ("Fee", KIND_ZERO, "HeavyUsage:c5.xlarge", "Sign up charge for subscription: 1 year partial upfront c5.xlarge"),
    )  # fmt: skip
    tags = {"team": "web"}
    for line_type, kind, usage_type, description in kinds:
        strings = _strings(account, "AmazonEC2", usage_type, effective, "Hrs", description)
        strings |= {
            "line_item_line_item_type": line_type,
            "line_item_operation": "RunInstances",
            "product_operation": "RunInstances",
            "reservation_reservation_a_r_n": arn,
            "line_item_net_unblended_rate": f"{effective * (100 - EDP_PERCENT) / 100:.10f}",
        }
        maps = {
            "product": {"product_name": "Amazon Elastic Compute Cloud"},
            "resource_tags": {resource_tags_key(k): v for k, v in tags.items()},
            "tags": {**_tags(account, {}), **{f"resourceTags/{k}": v for k, v in tags.items()}},
        }
        meta = TemplateMeta(account.id, "AmazonEC2", line_type, resource_tags=tags, usage_type=usage_type)
        book.add(("variant", "net-columns", line_type), strings, maps, meta, kind=kind)
