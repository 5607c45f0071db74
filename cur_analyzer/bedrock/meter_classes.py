"""Meter classes: what a Bedrock usage type bills (tokens of a kind, model units, search units, images,
AgentCore vCPU…), for ``--by meter-class``; and the model of an AWS Marketplace line, from its product name.
The usage-type grammar itself is ``usage_types``'s."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cur_analyzer.bedrock.usage_types import parse_usage_type

#: The text AWS Marketplace appends to a Bedrock model's product name; the model is the name without it.
MARKETPLACE_EDITION = "(Amazon Bedrock Edition)"


def marketplace_model(product_name: str | None) -> str | None:
    """The model of an AWS Marketplace Bedrock line, from its product name (``Claude 3 Sonnet (Amazon
    Bedrock Edition)`` -> ``Claude 3 Sonnet``): its usage type names only the meter."""
    name = (product_name or "").replace(MARKETPLACE_EDITION, "").strip()
    return name or None


@dataclass(frozen=True)
class MeterClass:
    """One class of Bedrock meter: a usage type whose lower-cased text holds every substring of one of
    ``patterns`` belongs to it (the first class that matches wins)."""

    name: str
    cudos: str  # what CUDOS 5.9's "Bedrock UsageType Group" matches for it ("-": CUDOS has no such group)
    patterns: tuple[tuple[str, ...], ...]


#: The meters that are not text tokens, in match order, modelled on CUDOS 5.9's "Bedrock UsageType Group"
#: (Cloud Intelligence Dashboards framework). Where this table parts from CUDOS, on purpose:
#: * CUDOS reads every ``sonic`` usage type as speech; Nova Sonic bills its text tokens at the text rate
#:   (``NovaSonic-text-input-tokens``), so only speech and audio meters are speech here;
#: * image input (``input-image-token-count``, Marketplace ``InputImageCount``) lands in CUDOS's ``input``;
#:   it is its own class here, as is Marketplace prompt-cache storage and validation (``CacheStorage``,
#:   ``CacheValidationCount``), which CUDOS has no group for;
#: * rerank's pascal meter is ``search-units`` (hyphen), which CUDOS's ``search_units`` / ``searchunits``
#:   miss.
METER_CLASSES: tuple[MeterClass, ...] = (
    MeterClass("provisioned-throughput", "modelunits", (("modelunits",), ("provisionedthroughput",))),
    MeterClass("custom-model-import-storage", "custommodelimport-storage", (("custommodelimport-storage",),)),
    MeterClass("custom-model-import-inference", "custommodelimport-inference", (("custommodelimport",),)),
    MeterClass("customization-storage", "customization-storage", (("customization-storage",),)),
    MeterClass(
        "customization-training",
        "customization-training / rft-training / customizationtokencount",
        (("customization-training",), ("rft-training",), ("customizationtokencount",)),
    ),
    MeterClass("reserved", "reserved input/output", (("reserved-",), ("reserved_",))),
    MeterClass("guardrails", "guardrail", (("guardrail",),)),
    MeterClass("evaluations", "evaluations", (("evaluation",),)),
    MeterClass("flows", "invokeflow / bedrockflows", (("invokeflow",), ("bedrockflows",))),
    MeterClass("prompt-optimization", "optimizeprompt", (("optimizeprompt",),)),
    MeterClass("prompt-routing", "prompt-routing", (("prompt-routing",),)),
    MeterClass("grounding", "nova-grounding", (("nova-grounding",),)),
    MeterClass(
        "kb-structured-retrieval",
        "generatesql / structuredretrieve",
        (("generatesql",), ("structuredretrieve",)),
    ),
    MeterClass(
        "rerank", "search_units / searchunits", (("search_units",), ("searchunits",), ("search-units",))
    ),
    MeterClass(
        "data-automation-custom",
        "dataautomation (custom/addon)",
        (("dataautomation", "custom"), ("dataautomation", "addon")),
    ),
    MeterClass("data-automation", "dataautomation", (("dataautomation",),)),
    MeterClass("video-generation", "novareel / i2v / t2v", (("novareel",), ("i2v",), ("t2v",))),
    MeterClass(
        "image-generation",
        "novacanvas / imagegenerator / created_image",
        (("novacanvas",), ("imagegenerator",), ("created_image",), ("output-image",), ("outputimage",)),
    ),
    MeterClass("image-input", "-", (("input-image",), ("inputimage",))),
    MeterClass("speech", "sonic", (("speech",), ("audio",))),
    MeterClass("embeddings", "embedding / cohere_embed", (("embed",),)),
    MeterClass("cache-storage", "-", (("cachestorage",), ("cachevalidation",))),
    MeterClass("agentcore-memory-short-term", "short-term-memory", (("short-term-memory",),)),
    MeterClass(
        "agentcore-memory-long-term-storage", "long-term-memory-storage", (("long-term-memory-storage",),)
    ),
    MeterClass(
        "agentcore-memory-long-term-retrieval",
        "long-term-memory-retrieval",
        (("long-term-memory-retrieval",),),
    ),
    MeterClass("agentcore-runtime-vcpu", "runtime vcpu", (("runtime", "vcpu"),)),
    MeterClass("agentcore-runtime-memory", "runtime memory", (("runtime", "memory"),)),
    MeterClass("agentcore-code-interpreter-vcpu", "codeinterpreter vcpu", (("codeinterpreter", "vcpu"),)),
    MeterClass(
        "agentcore-code-interpreter-memory", "codeinterpreter memory", (("codeinterpreter", "memory"),)
    ),
    MeterClass("agentcore-browser-vcpu", "browsertool vcpu", (("browsertool", "vcpu"),)),
    MeterClass("agentcore-browser-memory", "browsertool memory", (("browsertool", "memory"),)),
    MeterClass("agentcore-gateway", "gateway", (("gateway",),)),
    MeterClass("data-transfer", "AgentCore data transfer", (("datatransfer",), ("data-transfer",))),
)
#: Text-token meters (after every class above), as CUDOS groups them: batch input and output on their own,
#: a 1-hour cache write apart from the 5-minute one.
TOKEN_METER_CLASSES: dict[tuple[str, bool], str] = {
    ("input", False): "input",
    ("output", False): "output",
    ("input", True): "batch-input",
    ("output", True): "batch-output",
    ("cache_read", False): "cache-read",
    ("cache_read", True): "cache-read",
    ("cache_write", False): "cache-write",
    ("cache_write", True): "cache-write",
    ("cache_write_1h", False): "cache-write-1h",
    ("cache_write_1h", True): "cache-write-1h",
}
#: The class of a usage type none of the above describes (it is shown, never guessed into a class).
OTHER_METER_CLASS = "other"


@lru_cache(maxsize=8192)
def meter_class(usage_type: str | None) -> str:
    """The meter class of a Bedrock usage type: one of ``METER_CLASSES``, a text-token class of
    ``TOKEN_METER_CLASSES`` (read from the parsed meter and tier), or ``other``."""
    text = (usage_type or "").lower()
    for cls in METER_CLASSES:
        if any(all(part in text for part in pattern) for pattern in cls.patterns):
            return cls.name
    parsed = parse_usage_type(usage_type or "")
    if parsed.is_token_meter:
        return TOKEN_METER_CLASSES[(parsed.meter, parsed.tier == "batch")]
    return OTHER_METER_CLASS
