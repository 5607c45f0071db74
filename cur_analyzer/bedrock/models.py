"""Model map: foundation-model id <-> CUR billing name <-> price-table key (data in ``data/models.csv``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from cur_analyzer.resources import bedrock_data

#: Geography prefixes of system-defined (cross-region) inference profiles.
PROFILE_GEO_PREFIXES = ("us", "eu", "apac", "au", "jp", "ca", "us-gov", "global")


@dataclass(frozen=True)
class Model:
    price_key: str
    model_id: str
    billing_name: str
    style: str  # "pascal" | "mantle": how the billing name appears in usage types
    display_name: str
    provider: str


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


@cache
def catalog() -> tuple[Model, ...]:
    return tuple(Model(**row) for row in _rows(bedrock_data("models.csv").read_text()))


@cache
def _by_billing_name() -> dict[str, Model]:
    return {m.billing_name.lower(): m for m in catalog()}


@cache
def _by_model_id() -> dict[str, Model]:
    return {m.model_id.lower(): m for m in catalog()}


def by_billing_name(name: str | None) -> Model | None:
    return _by_billing_name().get(name.lower()) if name else None


def by_model_id(model_id: str | None) -> Model | None:
    """A foundation-model id, with or without a system-profile geo prefix (``us.anthropic...``)."""
    if not model_id:
        return None
    key = model_id.lower()
    head, _, rest = key.partition(".")
    if head in PROFILE_GEO_PREFIXES and rest:
        key = rest
    return _by_model_id().get(key)
