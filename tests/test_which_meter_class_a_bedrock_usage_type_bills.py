"""What does a Bedrock line bill, token or not? Every meter class (modelled on CUDOS 5.9's "Bedrock
UsageType Group") with usage types spelled the way the CUR, the price list or AWS's dashboards spell them."""

from __future__ import annotations

import pytest

from cur_analyzer.bedrock.meter_classes import (
    METER_CLASSES,
    OTHER_METER_CLASS,
    TOKEN_METER_CLASSES,
    marketplace_model,
    meter_class,
)

EXAMPLES = {
    "USE1-MP:USE1_ProvisionedThroughput_1MonthCommit_ModelUnits_Usage-Units": "provisioned-throughput",
    "USE1-Claude3Haiku-ModelUnits-1MonthCommit": "provisioned-throughput",
    "USE1-CustomModelImport-Storage": "custom-model-import-storage",
    "USE1-CustomModelImport-Inference-CMU-Minutes": "custom-model-import-inference",
    "USE1-NovaLite-Customization-Storage": "customization-storage",
    "USE1-NovaLite-Customization-Training": "customization-training",
    "USE1-NovaLite-RFT-Training-Hours": "customization-training",
    "USE1-TitanTextG1-Lite-CustomizationTokenCount": "customization-training",
    "USE1-Claude4.5Sonnet-reserved-1-month-input-tokens-per-minute-cross-region-global": "reserved",
    "USE1-Guardrail-AutomatedReasoningPolicyUnitsConsumed": "guardrails",
    "USE1-Guardrail-ContentPolicyUnitsConsumed": "guardrails",
    "USE1-ModelEvaluation-HumanTasks": "evaluations",
    "USE1-InvokeFlow-NodeTransitions": "flows",
    "USE1-BedrockFlows-NodeTransitions": "flows",
    "USE1-OptimizePrompt-Tokens": "prompt-optimization",
    "USE1-prompt-routing-requests": "prompt-routing",
    "USE1-nova-grounding-requests": "grounding",
    "USE1-KnowledgeBase-GenerateSQL-Queries": "kb-structured-retrieval",
    "USE1-KnowledgeBase-StructuredRetrieve-Queries": "kb-structured-retrieval",
    "USE1-cohere.rerank-english-v3-search-units": "rerank",
    "USE1-MP:USE1_search_units-Units": "rerank",
    "USE1-DataAutomation-CustomOutput-Pages": "data-automation-custom",
    "USE1-DataAutomation-Addon-Pages": "data-automation-custom",
    "USE1-DataAutomation-StandardOutput-Pages": "data-automation",
    "USE1-NovaReel-720p-video-seconds": "video-generation",
    "USE1-Luma-Ray2-t2v-seconds": "video-generation",
    "USE1-NovaCanvas-1024-standard-images": "image-generation",
    "USE1-TitanImageGeneratorV2-images": "image-generation",
    "USE1-MP:USE1_created_image_stable_image_core-Units": "image-generation",
    "USE1-Nova2.0Pro-input-image-token-count-cross-region-global": "image-input",
    "USE1-MP:USE1_InputImageCount-Units": "image-input",
    "USE1-NovaSonic-speech-input-tokens": "speech",
    "USE1-NovaSonic-speech-output-tokens": "speech",
    "USE1-TitanEmbeddingV2-Text-input-tokens": "embeddings",
    "USE1-NovaMultiModalEmbeddings-input-tokens-batch": "embeddings",
    "USE1-MP:USE1_CacheStorage-Units": "cache-storage",
    "USE1-MP:USE1_CacheValidationCount-Units": "cache-storage",
    "USE1-Memory-Short-Term-Memory-Events": "agentcore-memory-short-term",
    "USE1-Memory-Long-Term-Memory-Storage": "agentcore-memory-long-term-storage",
    "USE1-Memory-Long-Term-Memory-Retrieval": "agentcore-memory-long-term-retrieval",
    "USE1-Runtime-vCPU-Hours": "agentcore-runtime-vcpu",
    "USE1-Runtime-Memory-GB-Hours": "agentcore-runtime-memory",
    "USE1-CodeInterpreter-vCPU-Hours": "agentcore-code-interpreter-vcpu",
    "USE1-CodeInterpreter-Memory-GB-Hours": "agentcore-code-interpreter-memory",
    "USE1-BrowserTool-vCPU-Hours": "agentcore-browser-vcpu",
    "USE1-BrowserTool-Memory-GB-Hours": "agentcore-browser-memory",
    "USE1-Gateway-API-Invocations": "agentcore-gateway",
    "USE1-Gateway-Tool-Indexing": "agentcore-gateway",
    "USE1-AgentCore-DataTransfer-Out-Bytes": "data-transfer",
    # text tokens, as the meter grammar reads them
    "USE1-Claude4.6Sonnet-input-tokens": "input",
    "USE1-MP:USE1_InputTokenCount-Units": "input",
    "USE1-NovaSonic-text-input-tokens": "input",  # CUDOS reads every Sonic meter as speech
    "USE1-Claude4.6Opus-output-tokens-cross-region-global": "output",
    "USE1-Llama4-Maverick-17B-input-tokens-batch": "batch-input",
    "USE1-Nova2.0Lite-output-tokens-cross-region-global-batch": "batch-output",
    "USE1-Claude4.6Opus-cache-read-input-token-count": "cache-read",
    "USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-standard": "cache-write",
    "USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units": "cache-write-1h",
    "USE1-BoxUsage:m7g.large": OTHER_METER_CLASS,
}


@pytest.mark.parametrize(("usage_type", "expected"), EXAMPLES.items())
def test_each_usage_type_bills_its_meter_class(usage_type, expected):
    assert meter_class(usage_type) == expected


def test_every_meter_class_has_a_real_shaped_example():
    classes = {c.name for c in METER_CLASSES} | set(TOKEN_METER_CLASSES.values()) | {OTHER_METER_CLASS}
    assert classes == set(EXAMPLES.values())


def test_a_line_without_a_usage_type_is_other():
    assert meter_class(None) == meter_class("") == OTHER_METER_CLASS


def test_the_marketplace_model_is_its_product_name_without_the_bedrock_edition():
    assert marketplace_model("Claude 3 Sonnet (Amazon Bedrock Edition)") == "Claude 3 Sonnet"
    assert marketplace_model("Cohere Rerank v3.5 (Amazon Bedrock Edition)") == "Cohere Rerank v3.5"
    assert marketplace_model(None) is None
    assert marketplace_model(" (Amazon Bedrock Edition)") is None
