"""Compiling one validated source of a dimension into what the resolver reads: a tag source into the
pair of keys ``attribution_lines.sql`` looks up, an account map into a dict (reading its CSV), principal
patterns into matchers."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cur_analyzer.attribution import resource_tags_key
from cur_analyzer.rules._compiled import Source
from cur_analyzer.rules._model import (
    ACCOUNT_ID_RE,
    AccountMapSource,
    RequestMetadataSource,
    RulesError,
    TagSource,
)
from cur_analyzer.rules._patterns import compile_glob, compile_regex
from cur_analyzer.setting_files import ACCOUNT_MAP_MAX_BYTES, read_setting_file
from cur_analyzer.text import shown

__all__ = ["compile_source", "read_account_map"]


def _tag_lookup(kind: str, key: str) -> tuple[str, str]:
    if kind in ("aip_tag", "resource_tag"):
        return f"resourceTags/{key}", resource_tags_key(key)
    if kind == "principal_tag":
        return f"iamPrincipal/{key}", ""
    return f"accountTag/{key}", ""


def read_account_map(path: Path) -> dict[str, str]:
    """An ``account_id,value`` CSV; errors name the file and line."""
    text = read_setting_file(path, "account map", ACCOUNT_MAP_MAX_BYTES, RulesError)
    try:
        return _account_rows(path, csv.reader(text.splitlines()))
    except csv.Error as e:  # a field over the csv module's size limit
        raise RulesError(f"{shown(path)}: not a CSV account map: {e}") from None


def _account_rows(path: Path, rows: Iterator[list[str]]) -> dict[str, str]:
    header = next(rows, None)
    if header is None or [h.strip().lower() for h in header[:2]] != ["account_id", "value"]:
        raise RulesError(f"{shown(path)}:1: an account map starts with the header account_id,value")
    out: dict[str, str] = {}
    for lineno, row in enumerate(rows, start=2):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 2 or not row[1].strip():
            raise RulesError(f"{shown(path)}:{lineno}: expected account_id,value")
        account, value = row[0].strip(), row[1].strip()
        if not ACCOUNT_ID_RE.fullmatch(account):
            raise RulesError(f"{shown(path)}:{lineno}: account id {account!r} is not 12 digits")
        if account in out and out[account] != value:
            raise RulesError(f"{shown(path)}:{lineno}: account {account} is mapped twice")
        out[account] = value
    return out


def compile_source(spec: Any, base: Path) -> Source:
    """One validated source spec as the resolver uses it (``base``: the folder account-map files are
    relative to). Public so other reports can build a dimension without a rules file."""
    if isinstance(spec, TagSource):
        return Source(spec.source, f"{spec.source}:{spec.key}", lookup=_tag_lookup(spec.source, spec.key))
    if isinstance(spec, RequestMetadataSource):
        return Source("request_metadata", f"request_metadata:{spec.key}", metadata_key=spec.key)
    if isinstance(spec, AccountMapSource):
        if spec.file is not None:
            path = spec.file if spec.file.is_absolute() else base / spec.file
            return Source("account_map", "account_map", accounts=read_account_map(path))
        return Source("account_map", "account_map", accounts=dict(spec.accounts or {}))
    patterns = tuple(
        (
            compile_glob(p.pattern) if p.pattern is not None else compile_regex(p.regex or ""),
            p.pattern is not None,
            p.value,
            f"principal_pattern:{p.pattern if p.pattern is not None else p.regex}",
        )
        for p in spec.patterns
    )
    return Source("principal_pattern", "principal_pattern", patterns=patterns)
