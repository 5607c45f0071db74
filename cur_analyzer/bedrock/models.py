"""Model map: foundation-model id <-> CUR billing name <-> price-table key (data in ``data/models.csv``).

A model may be billed under several names (``Claude3-5Haiku`` and ``Claude3.5Haiku``; ``gpt-oss-120b`` and the
mantle ``openai.gpt-oss-120b``): the first is ``billing_name`` (the one the synthetic bill writes), the others
``other_billing_names``. Every name is one seen in a real usage type (``source`` says where); a model whose
billing name has not been seen yet has none, and one whose Bedrock model id has not been seen has none
either: such a model is still known by the other key, and a name is never made up.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cur_analyzer.resources import bedrock_data

#: Geography prefixes of system-defined (cross-region) inference profiles.
PROFILE_GEO_PREFIXES = ("us", "eu", "apac", "au", "jp", "ca", "us-gov", "global")


@dataclass(frozen=True)
class Model:
    price_key: str
    model_id: str
    billing_name: str
    style: str  # "pascal" | "mantle": how the billing name appears in usage types ("" without one)
    display_name: str
    provider: str
    other_billing_names: tuple[str, ...] = ()
    source: str = ""  # where the billing names and model id were seen


def _model(row: dict[str, str]) -> Model:
    others = tuple(n.strip() for n in row.pop("other_billing_names", "").split(";") if n.strip())
    return Model(**row, other_billing_names=others)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


@cache
def catalog() -> tuple[Model, ...]:
    models = tuple(_model(row) for row in _rows(bedrock_data("models.csv").read_text()))
    for what, keys in (
        ("price key", lambda m: (m.price_key,)),
        ("model id", lambda m: (m.model_id,)),
        ("billing name", lambda m: (m.billing_name, *m.other_billing_names)),
        ("display name", lambda m: (m.display_name,)),
    ):
        _refuse_twice(what, [k.lower() for m in models for k in keys(m) if k])
    return models


def _refuse_twice(what: str, keys: list[str]) -> None:
    """A key naming two models would price one model's usage at the other's rates."""
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"models.csv names two models with the {what} {key!r}")
        seen.add(key)


@cache
def _by_billing_name() -> dict[str, Model]:
    return {name.lower(): m for m in catalog() for name in (m.billing_name, *m.other_billing_names) if name}


@cache
def _by_model_id() -> dict[str, Model]:
    return {m.model_id.lower(): m for m in catalog() if m.model_id}


@cache
def _by_display_name() -> dict[str, Model]:
    return {m.display_name.lower(): m for m in catalog()}


def by_billing_name(name: str | None) -> Model | None:
    return _by_billing_name().get(name.lower()) if name else None


def by_display_name(name: str | None) -> Model | None:
    """The model AWS names ``name`` (case-insensitive): a Marketplace price-list SKU names its model only so
    (``Claude Sonnet 4.6 (Amazon Bedrock Edition)`` without the suffix)."""
    return _by_display_name().get(name.strip().lower()) if name else None


def by_model_id(model_id: str | None) -> Model | None:
    """A foundation-model id, with or without a system-profile geo prefix (``us.anthropic...``)."""
    if not model_id:
        return None
    key = model_id.lower()
    head, _, rest = key.partition(".")
    if head in PROFILE_GEO_PREFIXES and rest:
        key = rest
    return _by_model_id().get(key)


@dataclass(frozen=True)
class Resolved:
    """What a log record's ``modelId`` means for pricing."""

    model: Model | None
    scope: str  # "in_region" | "geo" | "global"
    base_model_id: str | None  # the foundation-model id behind it (None when it cannot be told)
    via: str  # "model id" | "system profile" | "application profile" | "unknown profile"


_ARN_RE = re.compile(r"^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:(?P<kind>[a-z-]+)/(?P<id>.+)$")


def _scope_of_prefixed(model_id: str) -> tuple[str, str]:
    head, _, rest = model_id.partition(".")
    if head == "global" and rest:
        return "global", rest
    if head in PROFILE_GEO_PREFIXES and rest:
        return "geo", rest
    return "in_region", model_id


def _listing_problem(listing: object) -> str | None:
    """What keeps a parsed JSON from being a listing ``from_listing`` can read, or None."""
    if not isinstance(listing, dict):
        return "expected a JSON object with inferenceProfileSummaries"
    summaries = listing.get("inferenceProfileSummaries", [])
    if not isinstance(summaries, list):
        return "inferenceProfileSummaries is not a list"
    for i, p in enumerate(summaries):
        where = f"inferenceProfileSummaries[{i}]"
        if not isinstance(p, dict) or not isinstance(p.get("inferenceProfileArn"), str):
            return f"{where} has no inferenceProfileArn string"
        models = p.get("models", [])
        if not isinstance(models, list) or not all(
            isinstance(m, dict) and isinstance(m.get("modelArn"), str) for m in models
        ):
            return f"{where}.models is not a list of {{modelArn: ...}}"
    return None


class ProfileMap:
    """Application inference profile ARN -> the model it copies, from the JSON of
    ``aws bedrock list-inference-profiles --type-equals APPLICATION`` (or a live ListInferenceProfiles)."""

    def __init__(self, profiles: dict[str, list[str]]):
        self._models = profiles  # AIP ARN -> model ARNs

    @classmethod
    def empty(cls) -> ProfileMap:
        return cls({})

    @classmethod
    def from_listing(cls, listing: dict) -> ProfileMap:
        return cls(
            {
                p["inferenceProfileArn"]: [m["modelArn"] for m in p.get("models", [])]
                for p in listing.get("inferenceProfileSummaries", [])
            }
        )

    @classmethod
    def load(cls, path: str | Path) -> ProfileMap:
        """A saved listing, read like every settings file (``setting_files.read_setting_file``); any
        problem is one line naming the file (and ``line:column`` for bad JSON)."""

        from cur_analyzer.errors import UserInputError
        from cur_analyzer.setting_files import PROFILES_MAX_BYTES, load_json
        from cur_analyzer.text import shown

        what = "profiles: a list-inference-profiles JSON"
        listing = load_json(path, what, PROFILES_MAX_BYTES)
        problem = _listing_problem(listing)
        if problem:
            raise UserInputError(f"{shown(path)}: {problem} ({what})")
        return cls.from_listing(listing)

    @classmethod
    def from_aws(cls, bedrock_client: object) -> ProfileMap:
        pages = bedrock_client.get_paginator("list_inference_profiles").paginate(typeEquals="APPLICATION")  # type: ignore[attr-defined]
        summaries = [p for page in pages for p in page.get("inferenceProfileSummaries", [])]
        return cls.from_listing({"inferenceProfileSummaries": summaries})

    def models_of(self, arn: str) -> list[str]:
        return self._models.get(arn, [])


def resolve(model_id: str | None, profiles: ProfileMap | None = None) -> Resolved:
    """A log ``modelId`` (foundation id, ``us.``/``global.`` id, model or profile ARN, AIP ARN) -> model."""
    if not model_id:
        return Resolved(None, "in_region", None, "unknown profile")
    m = _ARN_RE.match(model_id)
    if m is None:
        scope, base = _scope_of_prefixed(model_id)
        return Resolved(
            by_model_id(base), scope, base, "model id" if scope == "in_region" else "system profile"
        )
    kind, ident = m.group("kind"), m.group("id")
    if kind == "foundation-model":
        return Resolved(by_model_id(ident), "in_region", ident, "model id")
    if kind == "inference-profile":
        scope, base = _scope_of_prefixed(ident)
        return Resolved(by_model_id(base), scope, base, "system profile")
    if kind == "application-inference-profile":
        sources = (profiles or ProfileMap.empty()).models_of(model_id)
        if not sources:
            return Resolved(None, "in_region", None, "unknown profile")
        first = _ARN_RE.match(sources[0])
        base = first.group("id") if first else sources[0]
        inner = resolve(sources[0], profiles) if first and first.group("kind") != "foundation-model" else None
        if inner is not None:
            return Resolved(inner.model, inner.scope, inner.base_model_id, "application profile")
        # An AIP copied from a system profile lists that profile's model in each region it may route to:
        # regions of several geographies mean a global profile, several regions of one geography a geo one.
        regions = {s.split(":")[3] for s in sources if s.count(":") >= 5}
        geographies = {r.split("-")[0] for r in regions}
        scope = "global" if len(geographies) > 1 else ("geo" if len(regions) > 1 else "in_region")
        return Resolved(by_model_id(base), scope, base, "application profile")
    return Resolved(None, "in_region", None, "unknown profile")
