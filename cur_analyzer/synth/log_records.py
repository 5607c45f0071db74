"""Invocation-log records as arrays: the billed calls of the logged scenario, failed and guardrail-blocked
calls, and the bulk records of :func:`~cur_analyzer.synth.generate_logs`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cur_analyzer.synth.calls import Calls, Group, draw_tokens
from cur_analyzer.synth.period import Period

ERROR_CODES = ("ThrottlingException", "ValidationException", "ModelTimeoutException")


@dataclass
class LogBatch:
    """Log records as arrays. status: 0 success, 1 error (errorCode), 2 guardrail-blocked (no token counts)."""

    w: np.ndarray
    hour: np.ndarray
    second: np.ndarray
    op: np.ndarray
    status: np.ndarray
    error: np.ndarray
    tokens: np.ndarray
    route: np.ndarray  # picks the inferenceRegion (modulo the workload's choices), -1 = in-region
    rid: np.ndarray  # (n, 2) int64: request id bits
    meta: np.ndarray  # send requestMetadata

    def __len__(self) -> int:
        return len(self.w)

    def without(self, mask: np.ndarray) -> LogBatch:
        keep = ~mask
        return LogBatch(*(getattr(self, f)[keep] for f in LogBatch.__dataclass_fields__))


def log_fields(
    rng: np.random.Generator,
    group: Group,
    w: np.ndarray,
    stream: np.ndarray,
    hour: np.ndarray,
    tokens: np.ndarray,
    status: np.ndarray,
) -> LogBatch:
    n = len(w)
    converse = np.array([x.converse for x in group.workloads], dtype=bool)[w]
    op = stream * 2 + (converse & (rng.random(n) < 0.6))
    cross = np.array([x.scope != "in_region" for x in group.workloads], dtype=bool)[w]
    route = np.where(cross, rng.integers(0, 60, n), -1)  # 60: uniform over 3 (geo) or 5 (global) regions
    meta = np.array([x.metadata is not None for x in group.workloads], dtype=bool)[w] & (rng.random(n) < 0.7)
    return LogBatch(
        w=w,
        hour=hour,
        second=rng.integers(0, 3600, n),
        op=op,
        status=status,
        error=rng.integers(0, len(ERROR_CODES), n),
        tokens=tokens,
        route=route,
        rid=rng.integers(0, 2**63, size=(n, 2), dtype=np.int64),
        meta=meta,
    )


def scenario_log_batch(rng: np.random.Generator, group: Group, calls: Calls, period: Period) -> LogBatch:
    """The billed calls, plus failed calls (about 3 %) and guardrail-blocked calls (about 1 %) that bill nothing."""
    ok = log_fields(
        rng, group, calls.w, calls.stream, calls.hour, calls.tokens, np.zeros(len(calls.w), np.int8)
    )
    hours = period.working_hours()
    parts = [ok]
    for status, share, floor in ((1, 0.03, 5), (2, 0.01, 3)):
        n = max(floor, round(len(calls.w) * share))
        combo = group.combos[rng.integers(0, len(group.combos), n)]
        zeros = np.zeros((n, 4), np.int64)
        parts.append(
            log_fields(
                rng, group, combo[:, 0], combo[:, 1], rng.choice(hours, n), zeros, np.full(n, status, np.int8)
            )
        )
    return LogBatch(*(np.concatenate([getattr(p, f) for p in parts]) for f in LogBatch.__dataclass_fields__))


def bulk_log_batch(rng: np.random.Generator, group: Group, hour: int, n: int) -> LogBatch:
    combo = group.combos[rng.integers(0, len(group.combos), n)]
    w = combo[:, 0]
    status = np.where(rng.random(n) < 0.03, 1, 0).astype(np.int8)
    status[rng.random(n) < 0.01] = 2
    tokens = np.where(status[:, None] == 0, draw_tokens(rng, group, w), 0)
    return log_fields(rng, group, w, combo[:, 1], np.full(n, hour, np.int32), tokens, status)
