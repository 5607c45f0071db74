"""Ground truth of an export of another shape than the default (a granularity other than hourly, or any
variant): per currency, the Bedrock spend by meter class and by principal tag ``team``, and per variant
what a right report shows. Computed from the exact sums of what was written and from what each template
declares, never from the tool's own rules."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from cur_analyzer.synth.book import DEFAULT_CURRENCY, FrozenBook, TemplateMeta
from cur_analyzer.synth.parquet import PartitionWriter
from cur_analyzer.synth.truth import Billed, money_text
from cur_analyzer.synth.variant_lines import NET_PERCENT
from cur_analyzer.synth.variant_templates import EDGE_ROLE, EUR_ACCOUNT, non_token_usage_types
from cur_analyzer.synth.variants import ExportShape


def shape_truth(
    book: FrozenBook,
    writer: PartitionWriter,
    shape: ExportShape,
    data_file: str,
    stale: tuple[str, PartitionWriter] | None,
) -> dict[str, Any]:
    """The keys a month's truth gains when its export is not the default one."""
    billed = Billed(book, writer.acc.sums)
    meta = book.meta
    usd = [t for t in billed.used if meta[t].currency == DEFAULT_CURRENCY]
    bedrock_usage = [t for t in usd if meta[t].bedrock and meta[t].is_usage]
    out: dict[str, Any] = {
        "export": {
            "granularity": shape.granularity,
            "variants": list(shape.variants),
            "layout": "flat" if shape.flat else "partitioned",
            "data_files": [data_file],
        },
        "by_currency": _by_currency(billed),
        "bedrock_by_meter_class": billed.by(bedrock_usage, lambda m: m.meter_class),
        "bedrock_by_team": _by_team(billed, bedrock_usage),
    }
    sections = {
        "marketplace": lambda: _marketplace(billed),
        "agentcore": lambda: _by_class(billed, "agentcore"),
        "non-token-meters": lambda: {
            "usage_types": non_token_usage_types(),
            **_by_class(billed, "non-token-meters"),
        },
        "stale-file": lambda: _stale(stale),
        "second-currency": lambda: {"account": EUR_ACCOUNT.id, "currency": "EUR"},
        "net-columns": lambda: _net_columns(billed),
        "edge-values": lambda: _edge_values(billed),
        "flat-layout": lambda: {
            "undated_lines": writer.undated_lines,
            "undated_unblended": money_text(writer.undated_units),
        },
    }
    for name in shape.variants:
        out[name.replace("-", "_")] = sections[name]()
    return out


def _variant_templates(billed: Billed, variant: str) -> dict[Any, int]:
    """Label -> template index of the variant's templates that billed this month."""
    used = set(billed.used)
    return {
        key[2]: i
        for key, i in billed.book.index.items()
        if isinstance(key, tuple) and len(key) == 3 and key[:2] == ("variant", variant) and i in used
    }


def _by_currency(billed: Billed) -> dict[str, Any]:
    meta = billed.book.meta
    out = {}
    for currency in sorted({meta[t].currency for t in billed.used}):
        ts = [t for t in billed.used if meta[t].currency == currency]
        bedrock = [t for t in ts if meta[t].bedrock]
        out[currency] = {
            "invoice_total": billed.bases(ts),
            "bedrock_total": billed.bases(bedrock),
            "bedrock_lines": billed.count(bedrock),
        }
    return out


def _team(m: TemplateMeta) -> str | None:
    """The principal tag team as a report must read it: absent or only whitespace is no value."""
    value = m.principal_tags.get("team")
    return value if value and value.strip() else None


def _by_team(billed: Billed, ts: list[int]) -> dict[str, Any]:
    tagged = [t for t in ts if _team(billed.book.meta[t]) is not None]
    untagged = [t for t in ts if _team(billed.book.meta[t]) is None]
    return {"values": billed.by(tagged, _team), "no_value": billed.total(untagged)}


def _marketplace(billed: Billed) -> dict[str, Any]:
    found = _variant_templates(billed, "marketplace")
    models: dict[str, int] = defaultdict(int)
    not_bedrock: dict[str, int] = defaultdict(int)
    for label, t in found.items():
        m = billed.book.meta[t]
        if m.bedrock:
            models[label[0]] += billed.unb[t]
        else:
            not_bedrock[m.product] += billed.unb[t]
    return {
        "bedrock_by_model": {k: money_text(v) for k, v in sorted(models.items())},
        "bedrock_total": money_text(sum(models.values())),
        "not_bedrock": {k: money_text(v) for k, v in sorted(not_bedrock.items())},
    }


def _by_class(billed: Billed, variant: str) -> dict[str, Any]:
    ts = list(_variant_templates(billed, variant).values())
    return {"total": billed.total(ts), "by_meter_class": billed.by(ts, lambda m: m.meter_class)}


def _stale(stale: tuple[str, PartitionWriter] | None) -> dict[str, Any]:
    if stale is None:
        raise ValueError("the stale-file variant wrote no stale file")
    name, writer = stale
    billed = Billed(writer.book, writer.acc.sums)
    bedrock = [t for t in billed.used if writer.book.meta[t].bedrock]
    return {
        "file": name,
        "lines": writer.lines,
        "total": billed.bases(billed.used),
        "bedrock_total": billed.total(bedrock),
    }


def _net_columns(billed: Billed) -> dict[str, Any]:
    index = billed.book.index
    ri = list(_variant_templates(billed, "net-columns").values())
    sp = [
        i for key, i in index.items() if isinstance(key, tuple) and key[0] == "sp" and i in set(billed.used)
    ]
    return {"net_percent": NET_PERCENT, "ri": billed.bases(ri), "sp": billed.bases(sp)}


def _edge_values(billed: Billed) -> dict[str, Any]:
    ts = list(_variant_templates(billed, "edge-values").values())
    meta = billed.book.meta

    def role(m: TemplateMeta) -> str:
        return f"arn:aws:iam::{m.account}:role/{EDGE_ROLE}"

    return {
        "by_role": billed.by(ts, role),
        "by_session": billed.by(ts, lambda m: (m.principal or "").rsplit("/", 1)[-1]),
        "teams": {
            (meta[t].principal or "").rsplit("/", 1)[-1]: meta[t].principal_tags.get("team", "") for t in ts
        },
    }
