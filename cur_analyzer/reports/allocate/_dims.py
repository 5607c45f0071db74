"""What the allocation groups by, and where each value comes from.

A dimension of the bill's bucket (account, region, caller, model, meter, tier, day) is told per entry; the
request id and ``request-metadata/<key>`` per record. A tag (``iamPrincipal/team``...) and a rules-file
dimension are told from the billed lines of the bucket (``reports.reconcile._buckets`` collects them: one
value, several — ``mixed`` —, or none). A rules-file dimension whose sources include ``request_metadata``
is resolved per record in the file's order: the first source with a value decides, a record's request
metadata where it sent one, else the bill's sources before and after it (a billing line never carries
request metadata, so on the bill those sources are skipped).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from cur_analyzer.attribution import REQUEST_METADATA, Dimension, parse_dimension, request_metadata_key
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.allocate._model import BY_DIMS, METADATA_SLOTS
from cur_analyzer.rules import Rules
from cur_analyzer.rules._compiled import RuleDimension

#: a step of a dimension's resolution: ("bill", the bucket tag's spec) or ("meta", a requestMetadata key)
Step = tuple[str, str]


@dataclass(frozen=True)
class ByPlan:
    dims: tuple[str, ...]
    #: per dimension told from the bill or the request metadata: its steps, first with a value decides
    steps: dict[str, tuple[Step, ...]]
    #: what the billed lines are resolved by: tags, rules dimensions, and the bill's parts of rules
    #: dimensions that also read request metadata
    bill_dims: tuple[Dimension, ...]
    rules: Rules
    metadata_keys: tuple[str, ...]


def plan_by(by: Sequence[str], rules: Rules | None) -> ByPlan:
    rules = rules or Rules.empty()
    dims = tuple(dict.fromkeys(by))
    steps: dict[str, tuple[Step, ...]] = {}
    bill: dict[str, Dimension] = {}
    extra: dict[str, RuleDimension] = {}
    for spec in dims:
        if spec in BY_DIMS:
            continue
        if (key := request_metadata_key(spec)) is not None:
            steps[spec] = (("meta", key),)
            continue
        dim = _dimension(spec, rules)
        if dim.kind == "rules" and any(s.metadata_key for s in rules.dimensions[spec].sources):
            steps[spec] = _rules_steps(rules.dimensions[spec], bill, extra)
        else:
            steps[spec] = (("bill", spec),)
            bill[spec] = dim
    keys = tuple(dict.fromkeys(what for s in steps.values() for kind, what in s if kind == "meta"))
    if len(keys) > METADATA_SLOTS:
        raise UserInputError(
            f"allocate reads at most {METADATA_SLOTS} request metadata keys at once", option="by"
        )
    derived = replace(rules, dimensions={**rules.dimensions, **extra})
    return ByPlan(dims, steps, tuple(bill.values()), derived, keys)


def _dimension(spec: str, rules: Rules) -> Dimension:
    dim = parse_dimension(spec, list(rules.dimensions))
    if dim.kind not in ("tag", "rules"):
        raise UserInputError(
            f"allocate cannot group by {spec!r}; it groups by {', '.join(BY_DIMS)}, {REQUEST_METADATA}<key>, "
            "tags and rules-file dimensions",
            option="by",
        )
    return dim


def _rules_steps(
    dim: RuleDimension, bill: dict[str, Dimension], extra: dict[str, RuleDimension]
) -> tuple[Step, ...]:
    """The dimension's sources cut at each request_metadata source: each run of the bill's sources becomes
    a dimension of its own (named after the dimension and its place), resolved on the billed lines."""
    steps: list[Step] = []
    run: list = []

    def close_run() -> None:
        if run:
            name = f"{dim.name}\x1f{len(steps)}"
            extra[name] = RuleDimension(name, tuple(run), dim.allowed)
            bill[name] = Dimension(name, "rules")
            steps.append(("bill", name))
            run.clear()

    for source in dim.sources:
        if source.metadata_key is None:
            run.append(source)
            continue
        close_run()
        steps.append(("meta", source.metadata_key))
    close_run()
    return tuple(steps)
