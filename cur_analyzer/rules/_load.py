"""Reading a rules file: YAML through ``setting_files``, validation against the schema, the checks that
need the whole file, and every error as ``file:line:column`` (the pydantic error location is walked down
the YAML node tree PyYAML composes). ``find_rules`` says which file is in force."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cur_analyzer.attribution import SIMPLE_DIMS, UNALLOCATED, parse_dimension
from cur_analyzer.errors import UserInputError
from cur_analyzer.rules._compiled import RuleDimension, Rules
from cur_analyzer.rules._model import RulesError, RulesFile
from cur_analyzer.rules._sources import compile_source
from cur_analyzer.setting_files import RULES_MAX_BYTES, load_yaml, read_setting_file
from cur_analyzer.text import shown, visible

__all__ = ["load_rules"]

_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")

#: A problem the schema cannot see on its own: (location in the file, message).
Problem = tuple[tuple[Any, ...], str]


# --- checks that need the whole file ---------------------------------------------------------------------
def _valid_spec(spec: str, rules_dims: Iterable[str]) -> bool:
    try:
        parse_dimension(spec, tuple(rules_dims))
    except UserInputError:
        return False
    return True


def _dimension_name_problem(model: RulesFile) -> Problem | None:
    # the location has length 2: it points at the dimension's name, not its body
    for name in model.dimensions:
        if name in SIMPLE_DIMS:
            return ("dimensions", name), f"{name!r} is a built-in dimension; pick another name"
        if not _NAME_RE.fullmatch(name):
            return ("dimensions", name), (
                f"dimension name {name!r}: start with a letter; letters, digits, _ . - only (no /)"
            )
    return None


def _shared_cost_problem(model: RulesFile) -> Problem | None:
    dims = model.dimensions
    for i, rule in enumerate(model.shared_costs):
        if rule.dimension not in dims:
            return ("shared_costs", i, "dimension"), (
                f"shared cost rule for {rule.dimension!r}: no such dimension under dimensions:"
            )
        allowed = dims[rule.dimension].allowed
        named = [*(rule.to or []), *(rule.percentages or {})]
        stray = next((v for v in named if v not in allowed), None) if allowed is not None else None
        if stray is not None:
            where = "to" if rule.to else "percentages"
            return ("shared_costs", i, where), f"{stray!r} is not an allowed value of {rule.dimension}"
        if UNALLOCATED in named:
            return ("shared_costs", i), "a split cannot go to Unallocated"
    return None


def _budget_problem(model: RulesFile) -> Problem | None:
    seen: set[str] = set()
    for i, budget in enumerate(model.budgets):
        if budget.dimension in seen:
            return ("budgets", i, "dimension"), f"a second budget for {budget.dimension!r}"
        seen.add(budget.dimension)
        if not _valid_spec(budget.dimension, model.dimensions):
            return ("budgets", i, "dimension"), (
                f"budget dimension {budget.dimension!r} is neither a built-in dimension nor defined under dimensions:"
            )
    return None


def _alert_problem(model: RulesFile) -> Problem | None:
    for i, spec in enumerate(model.alerts.spender_dimensions):
        if not _valid_spec(spec, model.dimensions):
            return ("alerts", "spender_dimensions", i), (
                f"{spec!r} is neither a built-in dimension nor defined under dimensions:"
            )
    return None


def _cross_references(model: RulesFile) -> Problem | None:
    """The first reference the schema cannot check on its own, in file order of the sections."""
    checks = (_dimension_name_problem, _shared_cost_problem, _budget_problem, _alert_problem)
    return next((p for check in checks if (p := check(model)) is not None), None)


# --- locations in the file ---------------------------------------------------------------------------------
def _node_at(
    root: Any, loc: Sequence[Any], missing: bool = False, key: bool = False
) -> tuple[Any, list[str]]:
    """The YAML node a pydantic error location points at, and the part of the location that exists in
    the file. Parts that are not keys (union tags such as ``aip_tag``, ``[key]``) are skipped; for a
    ``missing`` error the last part is the absent key: it is named, and the node is its mapping. With
    ``key`` the node is the last part's key rather than its value (a badly named dimension)."""
    import yaml

    node, shown = root, []
    for n, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            if pair is not None:
                node = pair[0] if key and n == len(loc) - 1 else pair[1]
                shown.append(str(part))
            elif missing and n == len(loc) - 1:
                shown.append(str(part))
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            shown.append(f"[{part}]")
    return node, shown


def _where(path: Path, node: Any) -> str:
    mark = getattr(node, "start_mark", None)
    return f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else f"{path}:1:1"


def _dotted(parts: list[str]) -> str:
    return "".join(p if p.startswith("[") else f".{p}" for p in parts).lstrip(".") or "(top level)"


# --- loading ---------------------------------------------------------------------------------------------
def _validated(path: Path, root: Any, data: dict[str, Any]) -> RulesFile:
    """The file's data checked against the schema and across sections; the first problem is raised."""
    from pydantic import ValidationError

    try:
        model = RulesFile.model_validate(data)
    except ValidationError as e:
        errors = e.errors(include_url=False)
        first = errors[0]
        node, parts = _node_at(root, first["loc"], missing=first["type"] == "missing")
        msg = str(first["msg"]).removeprefix("Value error, ")
        more = (
            f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
            if len(errors) > 1
            else ""
        )
        raise RulesError(visible(f"{_where(path, node)}: {_dotted(parts)}: {msg}{more}")) from None
    problem = _cross_references(model)
    if problem is not None:
        loc, msg = problem
        node, parts = _node_at(root, loc, key=loc[0] == "dimensions" and len(loc) == 2)
        raise RulesError(visible(f"{_where(path, node)}: {_dotted(parts)}: {msg}"))
    return model


def _compiled_dimensions(path: Path, root: Any, model: RulesFile) -> dict[str, RuleDimension]:
    """Every dimension with its sources compiled; an account map's error also names where it is named."""
    base = path.resolve().parent
    dimensions: dict[str, RuleDimension] = {}
    for name, spec in model.dimensions.items():
        sources = []
        for i, src in enumerate(spec.sources):
            try:
                sources.append(compile_source(src, base))
            except RulesError as e:
                node, _ = _node_at(root, ("dimensions", name, "sources", i, "file"))
                raise RulesError(visible(f"{e} (account_map at {_where(path, node)})")) from None
        dimensions[name] = RuleDimension(
            name, tuple(sources), frozenset(spec.allowed) if spec.allowed is not None else None
        )
    return dimensions


def load_rules(path: str | Path) -> Rules:
    """Read and validate a rules file; any problem is a ``RulesError`` naming ``file:line:column``."""
    path = Path(path)
    text = read_setting_file(path, "rules file", RULES_MAX_BYTES, RulesError)
    root, data = load_yaml(text, path, RulesError)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RulesError(
            f"{shown(path)}:1:1: a rules file is a mapping (dimensions:, shared_costs:, budgets:, alerts:)"
        )
    model = _validated(path, root, data)
    return Rules(
        path,
        _compiled_dimensions(path, root, model),
        tuple(model.shared_costs),
        {b.dimension: b for b in model.budgets},
        model.alerts,
    )
