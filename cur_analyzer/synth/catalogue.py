"""What a synthetic company is made of: accounts, callers, application inference profiles, workloads,
other services' resources, the Savings Plan, and how many lines of each kind a month gets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from cur_analyzer.bedrock import models as model_map

REGIONS: dict[str, tuple[str, str]] = {
    "us-east-1": ("USE1", "US East (N. Virginia)"),
    "us-west-2": ("USW2", "US West (Oregon)"),
    "eu-central-1": ("EUC1", "EU (Frankfurt)"),
}
# Where a cross-region profile may route a call (shows up as ``inferenceRegion`` in the log record).
_ROUTES = {
    "us": ("us-east-1", "us-east-2", "us-west-2"),
    "eu": ("eu-central-1", "eu-west-1", "eu-west-3"),
    "global": ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "ap-southeast-2"),
}


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    tags: dict[str, str]  # account tags -> tags['accountTag/<key>']


@dataclass(frozen=True)
class Caller:
    arn: str
    kind: str  # user | assumed-role | federated-user
    account: Account
    tags: dict[str, str]  # effective principal tags (session tags already override the role's tags)


@dataclass(frozen=True)
class Aip:
    name: str
    id: str
    account: Account
    region: str
    model: model_map.Model
    scope: str  # routing of the source it was copied from: in_region | geo | global
    tags: dict[str, str]

    @property
    def arn(self) -> str:
        return f"arn:aws:bedrock:{self.region}:{self.account.id}:application-inference-profile/{self.id}"

    @property
    def source_id(self) -> str:
        prefix = {"in_region": "", "geo": f"{_geo(self.region)}.", "global": "global."}[self.scope]
        return prefix + self.model.model_id


@dataclass(frozen=True)
class Workload:
    """One caller using one model one way; its calls are drawn per hour slot."""

    caller: Caller | None
    account: Account
    region: str
    model: model_map.Model
    route: str  # direct | geo | global | aip
    tier: str = "standard"
    cache: str = "none"  # none | read | 5m | 1h
    aip: Aip | None = None
    streaming: bool = True
    converse: bool = True  # False: InvokeModel only (embeddings)
    input_scale: float = 5000.0
    output_scale: float = 900.0  # 0: no output tokens (embeddings)
    # requestMetadata the application sends; a tuple of values: one of them per call (a gateway's
    # applications and end users)
    metadata: dict[str, str | tuple[str, ...]] | None = None
    # Billed at this scope's rate while the log shows the routed one (Gaps.cross_region_rate).
    bill_scope: str | None = None

    @property
    def scope(self) -> str:
        """Routing scope: what the log record's ``modelId`` says."""
        if self.aip is not None:
            return self.aip.scope
        return {"direct": "in_region", "geo": "geo", "global": "global"}[self.route]

    @property
    def billed_scope(self) -> str:
        return self.bill_scope or self.scope

    @property
    def meters(self) -> tuple[str, ...]:
        out = ["input"]
        if self.output_scale > 0:
            out.append("output")
        if self.cache in ("read", "5m", "1h"):
            out.append("cache_read")
        if self.cache in ("5m", "1h"):
            out.append("cache_write_1h" if self.cache == "1h" else "cache_write")
        return tuple(out)

    @property
    def model_id_logged(self) -> str:
        """``modelId`` as the invocation log records it: model id, system-profile ARN or AIP ARN."""
        if self.aip is not None:
            return self.aip.arn
        if self.route == "direct":
            return self.model.model_id
        prefix = "global" if self.route == "global" else _geo(self.region)
        return f"arn:aws:bedrock:{self.region}:{self.account.id}:inference-profile/{prefix}.{self.model.model_id}"


@dataclass(frozen=True)
class Service:
    product: str
    usage_type: str  # without the region prefix
    operation: str
    unit: str
    rate: str  # USD per pricing unit
    div: int  # quantity units per pricing unit (usage amount = quantity / div)
    q_mean: float
    q_sigma: float
    family: str
    description: str
    resource: str | None  # instance | bucket | function | None


@dataclass(frozen=True)
class Resource:
    service: Service
    account: Account
    region: str
    resource_id: str | None
    tags: dict[str, str]
    principal: str | None  # never a principal: None or "" (both occur in real exports)


@dataclass(frozen=True)
class SavingsPlan:
    arn: str
    account: Account
    instance_id: str
    od_rate: Decimal  # on-demand USD per hour of the covered instance
    sp_rate: Decimal  # Savings Plans USD per hour
    hourly_commitment: Decimal


@dataclass(frozen=True)
class Plan:
    """How many lines of each kind a month gets for a requested ``rows``."""

    logged_lines: int
    batch_lines: int
    sp_hours: int
    filler_bedrock_lines: int
    service_lines: int

    _ADJUSTMENT_ESTIMATE = 90

    @classmethod
    def for_rows(cls, rows: int) -> Plan:
        # The logged scenario is capped: logs for the bulk would dominate the run time (use generate_logs).
        logged = max(200, min(rows // 2, 6000))
        batch = max(12, min(rows // 100, 2000))
        sp_hours = max(24, min(rows // 100, 672))
        fixed = logged + batch + 2 * sp_hours + cls._ADJUSTMENT_ESTIMATE
        filler_bedrock = max(0, int(rows * 0.6) - logged - batch)
        services = max(0, rows - fixed - filler_bedrock)
        return cls(logged, batch, sp_hours, filler_bedrock, services)

    @property
    def estimated_total(self) -> int:
        fixed = self.logged_lines + self.batch_lines + 2 * self.sp_hours + self._ADJUSTMENT_ESTIMATE
        return fixed + self.filler_bedrock_lines + self.service_lines

    @property
    def filler_callers(self) -> int:
        # Enough (workload, streaming) combinations that an hour's slots rarely need more than a third of them.
        slots_per_hour = self.filler_bedrock_lines / (672 * 2.5)
        return int(min(5000, max(8, math.ceil(slots_per_hour * 3 / 4))))

    @property
    def resources(self) -> int:
        return int(min(50_000, max(28, math.ceil(3 * self.service_lines / 672))))


@dataclass(frozen=True)
class Catalogue:
    payer: Account
    accounts: tuple[Account, ...]
    callers: tuple[Caller, ...]
    aips: tuple[Aip, ...]
    logged: tuple[Workload, ...]
    batch: tuple[Workload, ...]
    filler: tuple[Workload, ...]
    resources: tuple[Resource, ...]
    sp: SavingsPlan
    extra: tuple[Workload, ...] = ()  # logged workloads drawn on their own (Gaps.unpriced_model)
    filler_logged: bool = False  # Gaps.clean: the analytics account logs its calls too

    @property
    def log_workloads(self) -> tuple[Workload, ...]:
        """Every workload whose calls are written as invocation-log records (index = log record ``w``)."""
        return self.logged + self.extra + (self.filler if self.filler_logged else ())

    @property
    def logging_enabled(self) -> set[tuple[str, str]]:
        return {(w.account.id, w.region) for w in self.log_workloads}


def _geo(region: str) -> str:
    return region.split("-", 1)[0]


def route_regions(scope: str, region: str) -> tuple[str, ...]:
    """Regions a call from ``region`` may be served in; empty when it stays in-region."""
    if scope == "in_region":
        return ()
    return _ROUTES["global"] if scope == "global" else _ROUTES[_geo(region)]
