"""Spelling hygiene: the same tag key written several ways, found in the spelling rows of
``tag_coverage.sql`` (the shape of ``tag_spellings.sql``'s rows) of the unified ``tags`` map and the legacy
``resource_tags`` map."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from cur_analyzer.attribution import resource_tags_key
from cur_analyzer.reports.coverage._model import TAGS_MAP_PREFIXES, ZERO, HygieneProblem, normalise_key

#: One spelling as found: (bare key, spelling as shown, map it was found in, its ``tag_spellings.sql`` row).
_Found = tuple[str, str, str, dict]


def _found_spellings(spellings: list[dict]) -> list[_Found]:
    """Every tag key in the rows with its prefix taken off, ``tags`` map first, then the legacy keys no
    ``resourceTags/`` key explains."""
    tags_keys = [(r["tag_key"], r) for r in spellings if r["map_name"] == "tags"]
    twins = {resource_tags_key(k.split("/", 1)[1]) for k, _ in tags_keys if k.startswith("resourceTags/")}
    found: list[_Found] = []
    for k, r in tags_keys:
        prefix = next((p for p in TAGS_MAP_PREFIXES if k.startswith(p)), "")
        if prefix in ("userAttribute/", "costCategory/"):
            continue
        found.append((k[len(prefix) :], k, "tags", r))
    for r in spellings:
        k = r["tag_key"]
        if r["map_name"] == "resource_tags" and k.startswith("user_") and k not in twins:
            found.append((k[len("user_") :], f"resource_tags:{k}", "resource_tags", r))
    return found


def _variants_of_required(key: str, entries: list[_Found]) -> list[_Found]:
    """The spellings of a required key other than the key itself."""
    # a legacy key is the required key itself when it is the key's own normalised twin
    return [
        e
        for e in entries
        if (e[2] == "tags" and e[0] != key)
        or (e[2] == "resource_tags" and e[1] != f"resource_tags:{resource_tags_key(key)}")
    ]


def _key_and_variants(entries: list[_Found]) -> tuple[str, list[_Found]] | None:
    """For a key nobody required: the spelling taken as the key and the others; None when there is one."""
    if len({e[0] for e in entries}) < 2:
        return None
    # the spelling with the most spend is the key; on a tie the all-lower-case one
    by_cost = sorted(entries, key=lambda e: (-(e[3]["cost"] or ZERO), e[0] != e[0].lower(), e[0]))
    key = by_cost[0][0]
    return key, [e for e in entries if e[0] != key]


def _merged_problems(key: str, variants: list[_Found]) -> list[HygieneProblem]:
    """One problem per spelling as shown, its cost and lines summed over the rows that carry it."""
    merged: dict[str, list] = defaultdict(lambda: [ZERO, 0, ""])
    for _bare, shown, map_name, r in variants:
        acc = merged[shown]
        acc[0] += r["cost"] or ZERO
        acc[1] += int(r["line_count"])
        acc[2] = map_name
    return [
        HygieneProblem(key, "spelling", map_name, shown, None, cost, lines)
        for shown, (cost, lines, map_name) in sorted(merged.items())
    ]


def _spelling_problems(keys: Sequence[str], spellings: list[dict]) -> list[HygieneProblem]:
    """The same key written several ways, from ``tag_spellings.sql`` rows.

    The unified ``tags`` map keeps a key as written (``resourceTags/Team``); the legacy ``resource_tags``
    map holds AWS's normalised twin (``user_team``) of every resource tag, so a legacy key is only a
    spelling of its own when no ``resourceTags/`` key explains it. A required key is flagged when any
    other spelling of it occurs; any other key when it occurs in two or more spellings.
    """
    groups: dict[str, list[_Found]] = defaultdict(list)
    for entry in _found_spellings(spellings):
        groups[normalise_key(entry[0])].append(entry)
    out: list[HygieneProblem] = []
    required = {normalise_key(k): k for k in keys}
    for norm, entries in sorted(groups.items()):
        key = required.get(norm)
        if key is not None:
            variants = _variants_of_required(key, entries)
        else:
            picked = _key_and_variants(entries)
            if picked is None:
                continue
            key, variants = picked
        out += _merged_problems(key, variants)
    return out
