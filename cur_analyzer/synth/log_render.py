"""Rendering invocation-log records as the JSON lines Bedrock writes (request and response bodies per API)."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any

from cur_analyzer.synth.catalogue import Workload, route_regions
from cur_analyzer.synth.ids import uuid_from_bits
from cur_analyzer.synth.log_records import ERROR_CODES, LogBatch
from cur_analyzer.synth.period import Period

_OPERATIONS = ("InvokeModel", "Converse", "InvokeModelWithResponseStream", "ConverseStream")
_PROMPTS = (
    "Summarise the attached quarterly report in five bullet points.",
    "Write a unit test for the parse_usage_type function.",
    "Translate the customer reply into German, keep the tone formal.",
    "Classify this support ticket: billing, outage or feature request?",
    "Explain the difference between unblended and amortized cost.",
    "Draft a short release note for version 2.3 of the mobile app.",
)


def _metadata_options(metadata: dict[str, str | tuple[str, ...]] | None) -> list[str]:
    """Every requestMetadata object a workload can send, as JSON: one per combination of its values (a key
    with a tuple of values takes each in turn)."""
    if not metadata:
        return [""]
    choices = [[(k, v)] if isinstance(v, str) else [(k, x) for x in v] for k, v in metadata.items()]
    return [json.dumps(dict(combo), separators=(",", ":")) for combo in itertools.product(*choices)]


class LogRenderer:
    """Turns log-batch rows into JSON lines; static fragments are rendered once per workload."""

    def __init__(self, workloads: tuple[Workload, ...], period: Period, drop_cache: bool = False) -> None:
        self.workloads = workloads
        self.period = period
        self.heads = [
            f'"accountId":"{w.account.id}","identity":{{"arn":"{w.caller.arn if w.caller else ""}"}},'
            f'"region":"{w.region}"'
            for w in workloads
        ]
        self.model_ids = [json.dumps(w.model_id_logged) for w in workloads]
        self.routes = [route_regions(w.scope, w.region) for w in workloads]
        self.metadata = [_metadata_options(w.metadata) for w in workloads]
        # drop_cache (Gaps.drop_cache_tokens_from_logs): no record carries cache counts, as from a logger that
        # never recorded them.
        self.cache_fields = [self._caches(w) and not drop_cache for w in workloads]
        self.prefix = [f"{period.start + timedelta(hours=h):%Y-%m-%dT%H}:" for h in range(period.hours)]
        self._bodies: dict[tuple[int, int, int], tuple[str, str]] = {}

    @staticmethod
    def _caches(w: Workload) -> bool:
        # Cache counts appear for models that can cache at all; readers must treat a missing count as 0.
        return w.model.provider in ("Anthropic", "Amazon") and not w.model.price_key.startswith("titan")

    def bodies(self, w: int, op: int, prompt: int) -> tuple[str, str]:
        key = (w, op, prompt)
        if key not in self._bodies:
            self._bodies[key] = self._make_bodies(self.workloads[w], op, prompt)
        return self._bodies[key]

    @staticmethod
    def _make_bodies(w: Workload, op: int, prompt: int) -> tuple[str, str]:
        text = _PROMPTS[prompt]
        answer = "Here is a concise answer to your request."
        tier = {} if w.tier == "standard" else {"serviceTier": {"type": w.tier}}
        if not w.converse:
            body_in: Any = {"inputText": text}
            body_out: Any = {"embedding": [0.0123, -0.0456, 0.0789]}
        elif op % 2:  # Converse / ConverseStream
            body_in = {
                "messages": [{"role": "user", "content": [{"text": text}]}],
                "inferenceConfig": {"maxTokens": 1024},
                **tier,
            }
            body_out = {
                "output": {"message": {"role": "assistant", "content": [{"text": answer}]}},
                "stopReason": "end_turn",
            }
        elif w.model.provider == "Anthropic":
            body_in = {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 1024,
                "messages": [{"role": "user", "content": text}],
                **tier,
            }
            body_out = {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "text", "text": answer}],
                "stop_reason": "end_turn",
            }
        else:
            body_in = {"messages": [{"role": "user", "content": [{"text": text}]}], **tier}
            body_out = {"output": {"message": {"content": [{"text": answer}]}}, "stopReason": "end_turn"}
        if op >= 2:  # streaming: the log keeps the stream's chunks
            body_out = [
                {"contentBlockDelta": {"delta": {"text": answer[:20]}}},
                {"messageStop": {"stopReason": "end_turn"}},
            ]
        return json.dumps(body_in, separators=(",", ":")), json.dumps(body_out, separators=(",", ":"))

    def render(self, b: LogBatch, i: int) -> str:
        w = int(b.w[i])
        second = int(b.second[i])
        ts = f"{self.prefix[int(b.hour[i])]}{second // 60:02d}:{second % 60:02d}Z"
        op = int(b.op[i])
        body_in, body_out = self.bodies(w, op, int(b.rid[i, 0]) % len(_PROMPTS))
        parts = [
            f'{{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"{ts}",{self.heads[w]},'
            f'"requestId":"{uuid_from_bits(b.rid[i])}","operation":"{_OPERATIONS[op]}","modelId":{self.model_ids[w]}'
        ]
        route = int(b.route[i])
        if route >= 0:
            parts.append(f',"inferenceRegion":"{self.routes[w][route % len(self.routes[w])]}"')
        status = int(b.status[i])
        if status == 1:
            parts.append(f',"errorCode":"{ERROR_CODES[int(b.error[i])]}"')
        if b.meta[i]:
            # a gateway's calls each carry one of its applications and end users, drawn from the request
            # id's bits so that no other draw moves
            options = self.metadata[w]
            parts.append(f',"requestMetadata":{options[int(b.rid[i, 1]) % len(options)]}')
        parts.append(f',"input":{{"inputContentType":"application/json","inputBodyJson":{body_in}')
        if status == 0:
            t = b.tokens[i]
            parts.append(f',"inputTokenCount":{int(t[0])}')
            if self.cache_fields[w]:
                parts.append(
                    f',"cacheReadInputTokenCount":{int(t[2])},"cacheWriteInputTokenCount":{int(t[3])}'
                )
            parts.append(
                f'}},"output":{{"outputContentType":"application/json","outputBodyJson":{body_out},'
                f'"outputTokenCount":{int(t[1])}}}}}'
            )
        elif status == 1:
            # Throttled calls never reach the model: no counts; other failures log a zero input count.
            parts.append("}}" if int(b.error[i]) == 0 else ',"inputTokenCount":0}}')
        else:
            blocked = (
                '{"output":{"message":{"content":[{"text":"Sorry, I cannot help with that request."}]}},'
            )
            parts.append(
                f'}},"output":{{"outputContentType":"application/json","outputBodyJson":{blocked}'
                f'"stopReason":"guardrail_intervened"}}}}}}'
            )
        return "".join(parts)
