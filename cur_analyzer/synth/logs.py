"""Invocation-log files on disk: one gzip file of JSON lines per (account, region, hour) in the
``AWSLogs/<acct>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH`` layout, and the tally of what was
written."""

from __future__ import annotations

import gzip
import shutil
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from cur_analyzer.synth.calls import LOG_COUNTS
from cur_analyzer.synth.catalogue import Catalogue, Workload
from cur_analyzer.synth.ids import uuid_from_bits
from cur_analyzer.synth.log_records import LogBatch
from cur_analyzer.synth.log_render import LogRenderer
from cur_analyzer.synth.period import Period


class LogTally:
    """Counts and token sums of written log records (the ``logs`` part of the ground truth)."""

    def __init__(self) -> None:
        self.records = self.errors = self.blocked = self.files = 0
        self.tokens = np.zeros(4, dtype=np.int64)
        self.by_model: dict[str, dict[str, int]] = {}
        self.by_workload: dict[int, np.ndarray] = defaultdict(lambda: np.zeros(4, dtype=np.int64))

    def add(self, b: LogBatch, workloads: tuple[Workload, ...]) -> None:
        self.records += len(b)
        self.errors += int((b.status == 1).sum())
        self.blocked += int((b.status == 2).sum())
        ok = b.status == 0
        self.tokens += b.tokens[ok].sum(axis=0)
        for wi in np.unique(b.w):
            sel = b.w == wi
            w = workloads[int(wi)]
            entry = self.by_model.setdefault(
                w.model_id_logged, {"records": 0, **dict.fromkeys(LOG_COUNTS, 0)}
            )
            entry["records"] += int(sel.sum())
            sums = b.tokens[sel & ok].sum(axis=0)
            for j, meter in enumerate(LOG_COUNTS):
                entry[meter] += int(sums[j])
            self.by_workload[int(wi)] += sums

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "errors": self.errors,
            "no_token_calls": self.blocked,
            "files": self.files,
            "tokens": {m: int(v) for m, v in zip(LOG_COUNTS, self.tokens, strict=True)},
            "by_model_id": dict(sorted(self.by_model.items())),
        }


def _log_dir(out: Path, account: str, region: str) -> Path:
    return out / "logs" / "AWSLogs" / account / "BedrockModelInvocationLogs" / region


def clear_log_month(out: Path, cat: Catalogue, period: Period) -> None:
    for account, region in cat.logging_enabled:
        folder = _log_dir(out, account, region) / f"{period.start:%Y}" / f"{period.start:%m}"
        if folder.exists():
            shutil.rmtree(folder)


def write_log_files(
    out: Path,
    b: LogBatch,
    workloads: tuple[Workload, ...],
    renderer: LogRenderer,
    period: Period,
    rng: np.random.Generator,
    compresslevel: int,
    tally: LogTally,
    skip: tuple[str, str, int] | None = None,
) -> None:
    """One gzip file of JSON lines per (account, region, hour), as Bedrock delivers them; ``skip`` names an
    (account, region, hour) whose file is lost (its name is still drawn, so the other files keep theirs)."""
    place = {key: i for i, key in enumerate(sorted({(w.account.id, w.region) for w in workloads}))}
    w_place = np.array([place[(w.account.id, w.region)] for w in workloads], dtype=np.int64)
    keys = w_place[b.w] * (period.hours + 1) + b.hour
    order = np.lexsort((b.rid[:, 0], b.second, keys))
    sorted_keys = keys[order]
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    places = sorted(place, key=place.__getitem__)
    for group in np.split(order, cuts):
        if not len(group):
            continue
        first = int(group[0])
        account, region = places[int(w_place[b.w[first]])]
        t = period.start + timedelta(hours=int(b.hour[first]))
        folder = _log_dir(out, account, region) / f"{t:%Y}" / f"{t:%m}" / f"{t:%d}" / f"{t:%H}"
        name = f"{uuid_from_bits(rng.integers(0, 2**63, size=2, dtype=np.int64))}_invocation.json.gz"
        if skip is not None and skip == (account, region, int(b.hour[first])):
            continue
        folder.mkdir(parents=True, exist_ok=True)
        text = "\n".join(renderer.render(b, int(i)) for i in group) + "\n"
        (folder / name).write_bytes(gzip.compress(text.encode(), compresslevel=compresslevel, mtime=0))
        tally.files += 1
