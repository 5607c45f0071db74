"""The synthetic company itself (acme): its export and buckets, accounts, principals and their tags, teams,
workloads, the models they call, other services' resources, and the prices behind an estimate."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_CEILING, Decimal
from typing import Any

import numpy as np

from cur_analyzer.bedrock import models as model_map
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.synth.catalogue import (
    REGIONS,
    Account,
    Aip,
    Caller,
    Catalogue,
    Plan,
    Resource,
    SavingsPlan,
    Service,
    Workload,
)
from cur_analyzer.synth.gaps import Gaps

EXPORT_NAME = "cur2-bedrock"
CUR_BUCKET = "acme-cur-exports"
LOG_BUCKET = "acme-bedrock-invocation-logs"


# Gaps.unpriced_model: a real model the price table does not list. Its mantle usage type parses
# (``USW2-qwen.qwen3-32b-mantle-input-tokens-standard``; the ``qwen.qwen3-32b-mantle-...`` form is observed, facts
# 4.2) and, as for ``anthropic.claude-opus-4-8``, the mantle billing name is the model id the log records.
# These rates are the only Bedrock prices here that do not come from the PriceTable, on purpose: the gap the
# knob injects is "the price table has no row for this model", so the bill's rate cannot live in that table.
# USD per 1M tokens, on-demand standard: input 0.15 (facts 7.1, QWEN-TABLE); output 0.60 assumed (4x input, the
# ratio of the table's other open-weight rows, e.g. gpt-oss-120b 0.15 / 0.60).
UNPRICED_MODEL = model_map.Model(
    price_key="qwen3-32b",
    model_id="qwen.qwen3-32b",
    billing_name="qwen.qwen3-32b",
    style="mantle",
    display_name="Qwen3 32B",
    provider="Qwen",
)
UNPRICED_RATES = {"input": Decimal("0.15"), "output": Decimal("0.60")}


def estimate_rate(w: Workload, meter: str, prices: PriceTable) -> Decimal | None:
    """USD per 1M tokens an estimate from this workload's log records uses for a log count (``LOG_COUNTS``):
    price table at the logged model, region, tier and routing scope; cache writes at the 5-minute rate."""
    if w.model == UNPRICED_MODEL:
        return None
    return prices.rate_per_million(w.model.price_key, w.region, meter, w.tier, w.scope)


_SERVICES = (
    Service("AmazonEC2", "BoxUsage:m5.xlarge", "RunInstances", "Hrs", "0.192", 1, 1, 0.0, "Compute Instance",
            "$0.192 per On Demand Linux m5.xlarge Instance Hour", "instance"),
    Service("AmazonEC2", "BoxUsage:t3.large", "RunInstances", "Hrs", "0.0832", 1, 1, 0.0, "Compute Instance",
            "$0.0832 per On Demand Linux t3.large Instance Hour", "instance"),
    Service("AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", "0.023", 10**6, 2_000_000, 0.05,
            "Storage", "$0.023 per GB - first 50 TB / month of storage used", "bucket"),
    Service("AmazonS3", "Requests-Tier1", "PutObject", "Requests", "0.000005", 1, 5000, 0.6, "API Request",
            "$0.005 per 1,000 PUT, COPY, POST, or LIST requests", "bucket"),
    Service("AmazonCloudWatch", "CW:MetricMonitorUsage", "MetricStorage", "Metrics", "0.30", 10**6, 150_000, 0.1,
            "Metric", "$0.30 per metric-month - first 10,000 metrics", None),
    Service("AWSLambda", "Lambda-GB-Second", "Invoke", "Lambda-GB-Second", "0.0000166667", 1000, 3_600_000, 0.7,
            "Serverless", "AWS Lambda - Total Compute", "function"),
    Service("AWSDataTransfer", "DataTransfer-Out-Bytes", "", "GB", "0.09", 1000, 1500, 1.0, "Data Transfer",
            "$0.090 per GB - first 10 TB / month data transfer out beyond the global free tier", None),
)  # fmt: skip


# Credits and refunds: (type, account, product, cap in USD, share of that product's usage in that account).
CREDITS = (
    ("Credit", "234567890123", "AmazonBedrockService", Decimal(250), Decimal("0.4")),
    ("Credit", "123456789012", "AmazonEC2", Decimal(50), Decimal("0.1")),
    ("Refund", "123456789012", "AmazonBedrock", Decimal(25), Decimal("0.02")),
    ("Refund", "345678901234", "AmazonS3", Decimal(5), Decimal("0.05")),
)


def _user(account: Account, name: str, tags: dict[str, str]) -> Caller:
    return Caller(f"arn:aws:iam::{account.id}:user/{name}", "user", account, tags)


def _session(
    account: Account, role: str, session: str, role_tags: dict[str, str], session_tags: dict[str, str]
) -> Caller:
    # Session tags win over the role's principal tags with the same key (STS semantics, facts 2.3).
    arn = f"arn:aws:sts::{account.id}:assumed-role/{role}/{session}"
    return Caller(arn, "assumed-role", account, {**role_tags, **session_tags})


def _federated(account: Account, name: str, tags: dict[str, str]) -> Caller:
    return Caller(f"arn:aws:sts::{account.id}:federated-user/{name}", "federated-user", account, tags)


def build_catalogue(plan: Plan, seed: int, gaps: Gaps | None = None) -> Catalogue:
    """The company, sized for ``plan``; ``gaps`` turns it into a reconciliation scenario (see :class:`Gaps`)."""
    m = {x.price_key: x for x in model_map.catalog()}
    clean = gaps is not None and gaps.clean
    payer, prod, dev, data, analytics = accounts = _accounts()
    c = _principals(prod, dev, data)
    aips = _application_profiles(prod, dev, m)

    def wl(key: str, region: str, price_key: str, route: str, **kw: Any) -> Workload:
        caller = c[key]
        model = kw.pop("model", None) or m[price_key]
        return Workload(caller, caller.account, region, model, route, **kw)

    logged = _logged_workloads(wl, aips, gaps)
    batch = () if clean and not gaps.unlogged_tier else _batch_workloads(wl, data, m)
    extra = ()
    if gaps is not None and gaps.unpriced_model:
        extra = (wl("doc-7", "us-west-2", "", "direct", model=UNPRICED_MODEL, input_scale=3000),)
    filler_callers, filler = _filler_workloads(analytics, m, plan.filler_callers)
    rng = np.random.default_rng([seed, 0xCA7])
    resources = _resources(rng, accounts, plan.resources)
    sp = _savings_plan(rng, prod, plan)
    return Catalogue(
        payer,
        accounts,
        (*c.values(), *filler_callers),
        tuple(aips.values()),
        logged,
        batch,
        filler,
        resources,
        sp,
        extra,
        clean,
    )


def _accounts() -> tuple[Account, Account, Account, Account, Account]:
    """Payer, prod, dev, data platform and analytics accounts, with their account tags."""
    payer = Account("999988887777", "acme-management", {"env": "shared"})
    prod = Account("123456789012", "acme-genai-prod", {"env": "prod"})
    dev = Account("234567890123", "acme-genai-dev", {"env": "dev"})
    data = Account("345678901234", "acme-data-platform", {"env": "prod", "team": "data-eng"})
    analytics = Account("456789012345", "acme-analytics", {"env": "prod", "team": "analytics"})
    return payer, prod, dev, data, analytics


def _principals(prod: Account, dev: Account, data: Account) -> dict[str, Caller]:
    """The named callers of the logged scenario: users, role sessions (with session tags) and a federated user."""
    chat_role = {"team": "chat", "cost-center": "CC-2001"}
    doc_role = {"team": "docs", "cost-center": "CC-3001"}
    gw_role = {"team": "platform"}
    return {
        "alice": _user(prod, "alice", {"team": "ml-platform", "cost-center": "CC-1001"}),
        "bob": _user(prod, "bob", {"team": "research"}),
        "apikey": _user(dev, "BedrockAPIKey-7f3k", {}),
        "chat-1": _session(prod, "ChatApp", "session-1", chat_role, {"project": "ChatBackend"}),
        "chat-2": _session(prod, "ChatApp", "session-2", chat_role, {"team": "chat-eu", "project": "ChatEU"}),
        "cc-alice": _session(dev, "ClaudeCode", "alice@acme.org", {}, {"team": "ml-platform", "cost-center": "CC-1001"}),
        "cc-bob": _session(dev, "ClaudeCode", "bob@acme.org", {}, {"team": "research"}),
        "cc-carol": _session(dev, "ClaudeCode", "carol@acme.org", {}, {}),
        "dave": _federated(dev, "dave", {"cost-center": "CC-1001"}),
        "doc-7": _session(data, "DocProcessor", "batch-7", doc_role, {"project": "DocFlow"}),
        "gw-1": _session(data, "BedrockGateway", "gw-user-1", gw_role, {"project": "gateway-a"}),
        "gw-2": _session(data, "BedrockGateway", "gw-user-2", gw_role, {"team": "analytics"}),
    }  # fmt: skip


def _application_profiles(prod: Account, dev: Account, m: dict[str, model_map.Model]) -> dict[str, Aip]:
    """Application inference profiles, each copied from a system profile or a model, with cost tags."""
    return {
        "search": Aip("search-assistant", "q4m7x2kd9wla", prod, "us-east-1", m["claude-sonnet-4-6"], "global",
                      {"team": "search", "cost-center": "CC-4001", "Application": "SearchAssistant"}),
        "support": Aip("support-bot", "s8b3n6rt1vpe", prod, "us-east-1", m["nova-pro"], "in_region",
                       {"team": "support"}),
        "code": Aip("claude-code-dev", "c2d5f8h1j4kz", dev, "us-east-1", m["claude-haiku-4-5"], "geo",
                    {"team": "ml-platform", "cost-center": "CC-1001"}),
    }  # fmt: skip


#: What the gateway role's callers send as requestMetadata: the application, and the end user it serves.
GATEWAY_METADATA = {
    "app": ("support-portal", "sales-assistant", "docs-search"),
    "user": ("u-1001", "u-1002", "u-1003", "u-1004", "u-1005"),
}


def _logged_workloads(
    wl: Callable[..., Workload], aips: dict[str, Aip], gaps: Gaps | None
) -> tuple[Workload, ...]:
    """The logged scenario's workloads: every route, tier, cache mode and API, called by the named principals."""
    # 1-hour cache writes are one of the default scenario's gaps: clean removes them unless its knob is set.
    one_hour = gaps is None or not gaps.clean or gaps.one_hour_cache_writes
    chat_scope = "global" if gaps is not None and gaps.cross_region_rate else None
    return (
        wl("alice", "us-east-1", "claude-sonnet-4-6", "direct", cache="5m", metadata={"app": "notebook"}),
        wl("alice", "us-east-1", "claude-sonnet-4-6", "aip", aip=aips["search"]),
        wl("bob", "us-east-1", "claude-opus-4-6", "geo", cache="5m", input_scale=9000),
        wl("bob", "us-east-1", "claude-sonnet-4", "geo"),
        wl("chat-1", "us-west-2", "claude-opus-4-8", "direct", cache="5m", metadata={"tenant": "t-100"},
           bill_scope=chat_scope),
        wl("chat-2", "us-east-1", "claude-sonnet-4-6", "aip", aip=aips["search"], cache="5m",
           metadata={"tenant": "t-200"}),
        wl("chat-2", "us-east-1", "nova-pro", "aip", aip=aips["support"], cache="read"),
        wl("apikey", "us-east-1", "nova-lite", "direct", input_scale=3000),
        wl("apikey", "us-east-1", "nova-micro", "direct", cache="read", input_scale=2000),
        wl("cc-alice", "us-east-1", "claude-sonnet-4-6", "global", cache="1h" if one_hour else "5m",
           input_scale=20000,
           metadata={"client": "claude-code"}),
        wl("cc-bob", "us-east-1", "claude-haiku-4-5", "aip", aip=aips["code"], cache="5m"),
        wl("cc-carol", "us-east-1", "claude-sonnet-4-5", "global", cache="5m"),
        wl("dave", "us-east-1", "titan-embed-text-v2", "direct", streaming=False, converse=False,
           input_scale=300, output_scale=0),
        wl("doc-7", "us-west-2", "claude-sonnet-4-6", "direct", input_scale=15000, output_scale=2500),
        wl("gw-1", "us-east-1", "gpt-oss-120b", "direct", tier="priority", metadata=GATEWAY_METADATA),
        wl("gw-1", "us-east-1", "gpt-oss-120b", "direct", metadata=GATEWAY_METADATA),
        wl("gw-2", "us-east-1", "gpt-oss-120b", "direct", tier="flex", metadata=GATEWAY_METADATA),
        wl("gw-2", "us-east-1", "nova-2-lite", "direct", tier="flex", metadata=GATEWAY_METADATA),
        wl("gw-2", "us-east-1", "llama4-maverick", "direct", metadata=GATEWAY_METADATA),
    )  # fmt: skip


def _batch_workloads(
    wl: Callable[..., Workload], data: Account, m: dict[str, model_map.Model]
) -> tuple[Workload, ...]:
    """Batch jobs: big calls, billed at the batch tier and never logged."""
    big = {"input_scale": 400_000.0, "output_scale": 80_000.0, "streaming": False}
    return (
        wl("doc-7", "us-west-2", "nova-pro", "direct", tier="batch", **big),
        Workload(None, data, "us-east-1", m["claude-sonnet-4-6"], "global", tier="batch", **big),
        Workload(None, data, "us-east-1", m["llama4-maverick"], "direct", tier="batch", **big),
    )


def _filler_workloads(
    account: Account, m: dict[str, model_map.Model], n: int
) -> tuple[list[Caller], tuple[Workload, ...]]:
    """The analytics account's fleet: many gateway sessions and users, logging off (facts 5.2: per region)."""
    role_tags = {"team": "analytics", "cost-center": "CC-6001"}
    mix = (
        ("claude-sonnet-4-6", "global", "us-east-1", "5m"),
        ("claude-haiku-4-5", "direct", "eu-central-1", "none"),
        ("nova-micro", "direct", "us-east-1", "none"),
        ("llama4-maverick", "direct", "us-east-1", "none"),
        ("claude-opus-4-6", "geo", "eu-central-1", "5m"),
        ("nova-lite", "direct", "eu-central-1", "read"),
    )
    callers: list[Caller] = []
    workloads: list[Workload] = []
    for i in range(n):
        if i % 5 == 4:
            caller = _user(account, f"analyst-{i:04d}", {} if i % 2 else {"team": "bi"})
        else:
            session_tags = {"project": f"insights-{i % 7}"} if i % 3 == 0 else {}
            if i % 4 == 1:
                session_tags["team"] = "bi"
            caller = _session(account, "AnalyticsGateway", f"svc-{i:04d}", role_tags, session_tags)
        callers.append(caller)
        for j in (i % len(mix), (i + 3) % len(mix)):
            price_key, route, region, cache = mix[j]
            workloads.append(Workload(caller, account, region, m[price_key], route, cache=cache))
    return callers, tuple(workloads)


def _resources(rng: np.random.Generator, accounts: tuple[Account, ...], n: int) -> tuple[Resource, ...]:
    teams = ("web", "data-eng", "platform", "ml-platform", "search")
    regions = tuple(REGIONS)
    out = []
    for i in range(n):
        svc = _SERVICES[i % len(_SERVICES)]
        account = accounts[1 + i % (len(accounts) - 1)] if i % 11 else accounts[0]
        team = teams[i % len(teams)]
        pattern = i % 4  # both keys / team only / untagged / cost-center only
        tags: dict[str, str] = {}
        if pattern in (0, 1):
            tags["team"] = team
        if pattern in (0, 3):
            tags["cost-center"] = f"CC-{5001 + i % 3}"
        if pattern == 0:
            tags["Name"] = f"{team}-{i:05d}"
        rid = {
            "instance": f"i-0{rng.integers(0, 2**60):015x}",
            "bucket": f"acme-{team}-{i:05d}",
            "function": f"arn:aws:lambda:{regions[i % 3]}:{account.id}:function:{team}-job-{i:05d}",
            None: None,
        }[svc.resource]
        out.append(Resource(svc, account, regions[i % 3], rid, tags, None if i % 2 else ""))
    return tuple(out)


def _savings_plan(rng: np.random.Generator, account: Account, plan: Plan) -> SavingsPlan:
    # m5.2xlarge: on-demand rate and the Compute Savings Plans rate (1 yr partial upfront, 28 % off).
    od, sp = Decimal("0.384"), Decimal("0.27648")
    # Sized so the covered usage uses ~80 % of the commitment even in a 28-day month: the recurring fee's
    # amortized cost (unused commitment) stays positive.
    hourly = (sp * plan.sp_hours / (Decimal("0.8") * 672)).quantize(Decimal("0.001"), ROUND_CEILING)
    sp_id = f"{rng.integers(0, 2**62):016x}"
    arn = f"arn:aws:savingsplans::{account.id}:savingsplan/{sp_id[:8]}-{sp_id[8:12]}-{sp_id[12:]}"
    return SavingsPlan(arn, account, f"i-0{rng.integers(0, 2**60):015x}", od, sp, hourly)
